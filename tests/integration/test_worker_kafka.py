"""The worker on the real broker: seed → one story event; garbage → one DLQ record; metrics move."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

from streams.runner import worker_process
from streams.settings import Settings
from tests.support.kafka import (
    consume,
    create_topics,
    make_settings,
    metric_value,
    metrics_text,
    produce,
)
from tests.support.schemas import validate_event

GARBAGE = b"\x00\x01\x02\xff\xfebinary\x00\x00\x00"


def strip_key(event: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in event.items() if k != "_key"}


def test_seed_garbage_then_seed_again_on_one_partition(
    kafka_broker: object, unique: str, tmp_path: Path, seed_bytes: bytes
) -> None:
    settings: Settings = make_settings(kafka_broker.bootstrap, unique, tmp_path)  # type: ignore[attr-defined]
    create_topics(settings)
    later = seed_bytes.replace(b"Moscou", b"Moscou" + b" ")  # same story, other bytes
    empty = b"   \n"
    with worker_process(settings):
        asyncio.run(
            produce(
                settings.bootstrap,
                settings.topic_raw,
                [seed_bytes, GARBAGE, empty, later],
                headers=[
                    [("filename", b"seed.txt")],
                    [("filename", b"junk.bin")],
                    [],
                    [("filename", b"again.txt")],
                ],
                partition=2,  # all on one partition: bad input must not block what follows
            )
        )
        out = asyncio.run(
            consume(
                settings.bootstrap,
                [settings.topic_stories, settings.topic_dlq, settings.topic_duplicates],
                expect=4,
                timeout=60,
            )
        )
        metrics = metrics_text(settings)

    stories = out[settings.topic_stories]
    dlq = out[settings.topic_dlq]
    duplicates = out[settings.topic_duplicates]
    assert len(dlq) == 2
    assert {d["reason"] for d in dlq} == {"binary_content", "empty_input"}
    for record in dlq:
        validate_event(strip_key(record))
        assert record["provenance"]["topic"] == settings.topic_raw
        assert record["provenance"]["partition"] == 2
    garbage = next(d for d in dlq if d["reason"] == "binary_content")
    assert base64.b64decode(garbage["payload"]) == GARBAGE
    assert garbage["provenance"]["offset"] == 1
    assert garbage["provenance"]["headers"] == {"filename": "junk.bin"}

    # The first seed is a story; the re-delivery after the garbage is processed too
    # (as a story without dedup, or a duplicate notice with it).
    assert len(stories) + len(duplicates) == 2
    first = stories[0]
    validate_event(strip_key(first))
    assert first["event"] == "new"
    assert first["headlines"][0]["value"] == "La Russie n’enverra pas de troupes au sol en Syrie"
    assert first["agency"] == "AFP"
    assert first["_key"] == first["storyid"]
    assert first["provenance"]["filename"] == "seed.txt"
    assert first["provenance"]["offset"] == 0
    offsets = sorted(e["provenance"]["offset"] for e in stories + duplicates)
    assert offsets == [0, 3]

    assert metric_value(metrics, "wirefeed_inputs_total") == 4
    assert metric_value(metrics, "wirefeed_dlq_records_total", reason="binary_content") == 1
    assert metric_value(metrics, "wirefeed_dlq_records_total", reason="empty_input") == 1
    assert metric_value(metrics, "wirefeed_stories_total", event="new") >= 1
    assert metric_value(metrics, "wirefeed_processing_seconds_count") == 4
    assert metric_value(metrics, "wirefeed_publish_latency_seconds_count") == 4
