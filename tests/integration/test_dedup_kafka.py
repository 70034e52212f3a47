"""Dedup through the real broker: versions and kills, near-duplicates across
partitions with two workers, state restored after a SIGKILL, and parked stories
whose lookup replies never come settled by the pending timeout."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from streams.app import changelog_topic, internal_topic, worker_topics
from streams.dedup import DedupConfig, event_time
from streams.dedup.distributed import fingerprint_to_dict, partition_for, scatter
from streams.dedup.fingerprint import fingerprint
from streams.ingest import ParseContext
from streams.model import Story, story_to_dict
from streams.pipeline import Pipeline
from streams.runner import free_port, worker_process
from streams.settings import Settings
from streams.topics import ensure_topics
from tests.support.kafka import (
    consume,
    create_topics,
    make_settings,
    metric_value,
    metrics_text,
    produce,
)
from tests.support.schemas import validate_event

HEADLINE = "La Russie n’enverra pas de troupes au sol en Syrie"


def ninjs(uri: str, version: str, headline: str, body: str, **extra: Any) -> bytes:
    doc = {
        "uri": uri,
        "version": version,
        "headline": headline,
        "body_text": body,
        "language": "en",
        "versioncreated": f"2024-07-10T1{version}:00:00Z",
    }
    doc.update(extra)
    return orjson.dumps(doc)


BODY = (
    "The city council of Springfield approved on Tuesday a plan to rebuild the old harbour bridge, "
    "closed since a storm damaged it two winters ago.\n\n"
    "The works are expected to last eighteen months and to cost about 40 million dollars, "
    "shared between the city and the state.\n\n"
    "Residents of the east bank have campaigned for the reopening, saying the detour adds "
    "half an hour to their daily commute."
)


def near_copy(seed: bytes) -> bytes:
    """Another delivery of the seed story, edited: new headline, a typo fixed, last paragraph cut."""
    text = seed.decode()
    text = text.replace(HEADLINE, "Poutine exclut l'envoi de troupes au sol en Syrie")
    text = text.replace("avoir avoir frappé", "avoir frappé")
    paragraphs = text.split("\n\n")
    del paragraphs[-2]  # the last body paragraph (the signature stays)
    return "\n\n".join(paragraphs).encode()


def outputs(settings: Settings, expect: int, timeout: float = 90) -> dict[str, list[dict[str, Any]]]:
    return asyncio.run(
        consume(
            settings.bootstrap,
            [settings.topic_stories, settings.topic_duplicates, settings.topic_dlq],
            expect=expect,
            timeout=timeout,
        )
    )


def strip(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "_key"}


def test_versions_redelivery_stale_and_kill(kafka_broker: Any, unique: str, tmp_path: Path) -> None:
    settings = make_settings(kafka_broker.bootstrap, unique, tmp_path)
    create_topics(settings)
    uri = "urn:newsml:example.com:20240710:bridge"
    v1 = ninjs(uri, "1", "Council approves bridge rebuild", BODY)
    v2 = ninjs(uri, "2", "Council approves harbour bridge rebuild", BODY + "\n\nWork starts in May.")
    kill = ninjs(uri, "3", "Council approves bridge rebuild", BODY, pubstatus="canceled")
    with worker_process(settings):
        # One input per step, waiting for its result: the order across partitions is then certain.
        steps = [(v1, 1), (v1, 2), (v2, 3), (v1, 4), (kill, 5), (v2, 6)]
        for i, (value, expect) in enumerate(steps):
            asyncio.run(produce(settings.bootstrap, settings.topic_raw, [value], partition=i % 4))
            got = outputs(settings, expect, timeout=60)
            assert sum(len(v) for v in got.values()) == expect
    stories = got[settings.topic_stories]
    dups = got[settings.topic_duplicates]
    assert got[settings.topic_dlq] == []
    for event in stories + dups:
        validate_event(strip(event))
    assert [e["event"] for e in stories] == ["new", "update", "kill"]
    assert len({e["storyid"] for e in stories + dups}) == 1
    assert [e["version"] for e in stories] == ["1", "2", "3"]
    assert stories[2]["pubstatus"] == "canceled"
    # v1 again right away: a re-delivery (same text); v1 after v2: stale (v2's text is stored);
    # v2 after the kill (whose text is v1's): never resurrected.
    assert [d["method"] for d in dups] == ["redelivery"] * 3
    assert dups[0]["similarity"] == 1.0
    assert 0.5 < dups[1]["similarity"] < 1.0
    assert 0.5 < dups[2]["similarity"] < 1.0
    assert all(d["duplicate_of"] == stories[0]["storyid"] for d in dups)
    cluster = stories[0]["dedup"]["cluster"]
    assert all(e["dedup"]["cluster"] == cluster for e in stories)


def _assigned_when_settled(*workers: Settings, timeout: float = 60) -> list[int]:
    """Partitions each worker owns, once every worker answers /ready (no rebalance running)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            counts = []
            for settings in workers:
                url = f"http://127.0.0.1:{settings.web_port}/ready"
                with urllib.request.urlopen(url, timeout=5) as response:
                    counts.append(int(orjson.loads(response.read())["assigned_partitions"]))
            if all(counts):
                return counts
        except urllib.error.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("the two workers did not settle on a shared assignment")
        time.sleep(0.5)


def test_near_duplicates_across_partitions_with_two_workers(
    kafka_broker: Any, unique: str, tmp_path: Path, seed_bytes: bytes
) -> None:
    settings = make_settings(kafka_broker.bootstrap, unique, tmp_path, partitions=4)
    create_topics(settings)
    second = settings.replace(web_port=free_port())
    other_story = ninjs("urn:x:bridge", "1", "Council approves bridge rebuild", BODY)
    content_copy = ninjs("urn:y:other-id", "1", "Same text, other id", BODY)  # same body, another agency id
    with worker_process(settings, name="worker-a"), worker_process(second, name="worker-b"):
        # Both workers own partitions of every topic (the group has settled on two members).
        assert all(n > 0 for n in _assigned_when_settled(settings, second))
        asyncio.run(produce(settings.bootstrap, settings.topic_raw, [seed_bytes], partition=0))
        asyncio.run(produce(settings.bootstrap, settings.topic_raw, [other_story], partition=1))
        outputs(settings, 2)
        # The edited copy of the seed lands on another partition than its original, and
        # so does the same text under another id.
        asyncio.run(produce(settings.bootstrap, settings.topic_raw, [near_copy(seed_bytes)], partition=3))
        asyncio.run(produce(settings.bootstrap, settings.topic_raw, [content_copy], partition=2))
        got = outputs(settings, 4)
    stories = got[settings.topic_stories]
    dups = got[settings.topic_duplicates]
    assert len(stories) == 2 and len(dups) == 2, got
    seed_event = next(e for e in stories if e["headlines"][0]["value"] == HEADLINE)
    bridge_event = next(e for e in stories if e is not seed_event)
    near = next(d for d in dups if d["method"] == "near")
    content = next(d for d in dups if d["method"] == "content")
    for event in stories + dups:
        validate_event(strip(event))
    assert near["duplicate_of"] == seed_event["storyid"]
    assert near["provenance"]["partition"] == 3
    assert 0.55 <= near["similarity"] < 1.0
    assert near["cluster"] == seed_event["dedup"]["cluster"]
    assert content["duplicate_of"] == bridge_event["storyid"]
    assert content["similarity"] == 1.0
    assert content["provenance"]["partition"] == 2


def test_state_survives_sigkill(kafka_broker: Any, unique: str, tmp_path: Path, seed_bytes: bytes) -> None:
    settings = make_settings(kafka_broker.bootstrap, unique, tmp_path, store="rocksdb://")
    create_topics(settings)
    with worker_process(settings, name="before-kill") as proc:
        asyncio.run(produce(settings.bootstrap, settings.topic_raw, [seed_bytes], partition=0))
        first = outputs(settings, 1)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert [e["event"] for e in first[settings.topic_stories]] == ["new"]
    # A new worker with an empty local state directory: everything it knows comes from changelogs.
    restarted = settings.replace(data_dir=str(tmp_path / "fresh-state"), web_port=free_port())
    with worker_process(restarted, name="after-kill"):
        asyncio.run(produce(settings.bootstrap, settings.topic_raw, [seed_bytes], partition=1))
        asyncio.run(produce(settings.bootstrap, settings.topic_raw, [near_copy(seed_bytes)], partition=2))
        got = outputs(settings, 3)
    stories = got[settings.topic_stories]
    dups = got[settings.topic_duplicates]
    assert [e["event"] for e in stories] == ["new"]
    original = stories[0]["storyid"]
    # At-least-once: records whose offsets were not committed before the kill (the raw input,
    # and the internal record between the stages) are read again; the restored state reports
    # each replay as a re-delivery of the original, never as a second story.
    replays = [d for d in dups if d["provenance"]["partition"] == 0]
    assert all(
        (d["method"], d["duplicate_of"], d["provenance"]["offset"]) == ("redelivery", original, 0)
        for d in replays
    )
    after = sorted(
        (d["provenance"]["partition"], d["method"], d["duplicate_of"]) for d in dups if d not in replays
    )
    assert after == [(1, "redelivery", original), (2, "near", original)]


# ------------------------------------------------------------------ pending timeout


def _story(settings: Settings, payload: bytes) -> Story:
    """The story the worker's ingest stage makes of `payload` (parse, normalize, tag)."""
    stories = Pipeline(settings).stories(payload, ParseContext(max_xml_depth=settings.max_xml_depth))
    assert isinstance(stories, list) and len(stories) == 1, stories
    return stories[0]


async def _ticks(bootstrap: str, topic: str, timeout: float = 10) -> list[tuple[int, dict[str, Any]]]:
    """(partition, record) of every tick on the worker's internal id topic."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    found: list[tuple[int, dict[str, Any]]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            if not batch and found:
                break
            for tp, records in batch.items():
                for record in records:
                    msg = orjson.loads(record.value or b"null")
                    if msg.get("op") == "tick":
                        found.append((tp.partition, msg))
    finally:
        await consumer.stop()
    return found


def test_parked_stories_whose_replies_never_come_are_settled_by_ticks(
    kafka_broker: Any, unique: str, tmp_path: Path
) -> None:
    """No hook in the worker: its state is prepared through its own changelogs, as a restore sees it.

    * fresh: the content table holds a corrupt entry under the exact fingerprint of the story
      produced later, so the bands stage fails on that partition's lookup and dead-letters it;
      the other lookups answer, the reply from that partition never comes.
    * legacy: the pending table holds a story parked by a worker older than `parked_at`,
      whose lookups were lost.
    Both must end as story events (marked dedup_incomplete) through timer -> tick -> ids agent.
    """
    settings = make_settings(kafka_broker.bootstrap, unique, tmp_path, dedup_pending_timeout_s=2.0)
    create_topics(settings)
    partitions, configs = worker_topics(settings)
    asyncio.run(ensure_topics(settings.bootstrap, partitions, configs=configs))
    config = DedupConfig(window_hours=settings.dedup_window_hours)

    fresh_bytes = ninjs("urn:x:harbour", "1", "Council approves bridge rebuild", BODY)
    fresh = _story(settings, fresh_bytes)
    fresh_fp = fingerprint(fresh, config.fingerprint)
    bad_part = partition_for(fresh_fp.exact, settings.partitions)
    legacy = _story(
        settings,
        ninjs(
            "urn:x:ferry", "1", "Ferry strike ends", "Ferry crews voted on Monday to end a week-long strike."
        ),
    )
    legacy_fp = fingerprint(legacy, config.fingerprint)
    legacy_part = partition_for(legacy.storyid, settings.partitions)
    legacy_expected = sorted(
        scatter("lookup", legacy.storyid, legacy_fp, 0.0, "c", settings.partitions, legacy_part)
    )
    old_format_entry = {  # exactly what on_story parked before parked_at existed
        "story": story_to_dict(legacy),
        "fp": fingerprint_to_dict(legacy_fp),
        "t": event_time(legacy),
        "expected": legacy_expected,
        "replies": {},
    }
    # Changelog records as Faust writes them: table keys JSON-encoded, values raw bytes.
    asyncio.run(
        produce(
            settings.bootstrap,
            changelog_topic(settings, "dedup-content"),
            [b"corrupt: not a content entry"],
            keys=[orjson.dumps(fresh_fp.exact)],
            partition=bad_part,
        )
    )
    asyncio.run(
        produce(
            settings.bootstrap,
            changelog_topic(settings, "dedup-pending"),
            [orjson.dumps(old_format_entry)],
            keys=[orjson.dumps(legacy.storyid)],
            partition=legacy_part,
        )
    )

    with worker_process(settings):
        produced_at = time.time()
        asyncio.run(produce(settings.bootstrap, settings.topic_raw, [fresh_bytes], partition=0))
        got = outputs(settings, 3, timeout=60)
        metrics = metrics_text(settings)
    stories = {e["storyid"]: e for e in got[settings.topic_stories]}
    assert got[settings.topic_duplicates] == []
    assert set(stories) == {fresh.storyid, legacy.storyid}, got
    for event in stories.values():
        validate_event(strip(event))
        assert event["event"] == "new"

    # The lookup the bands stage could not handle is visible in the DLQ, with its bytes.
    [dlq] = got[settings.topic_dlq]
    assert dlq["reason"] == "internal_error" and "not a content entry" in dlq["message"]
    assert dlq["provenance"]["topic"] == internal_topic(settings, "dedup-bands")
    assert dlq["provenance"]["partition"] == bad_part
    lookup = orjson.loads(base64.b64decode(dlq["payload"]))
    assert (lookup["op"], lookup["storyid"]) == ("lookup", fresh.storyid)

    # The fresh story was decided without that partition, after the timeout, not before.
    note = stories[fresh.storyid]["annotations"]["dedup_incomplete"]
    assert note["missing_partitions"] == [bad_part]
    assert 2.0 <= note["waited_s"] < 60
    assert time.time() - produced_at >= 2.0
    # The legacy entry: every lookup missing, its wait unknown.
    assert stories[legacy.storyid]["annotations"]["dedup_incomplete"] == {
        "missing_partitions": legacy_expected,
        "waited_s": None,
    }
    assert metric_value(metrics, "wirefeed_dedup_pending_expired_total") == 2.0
    assert metric_value(metrics, "wirefeed_dlq_records_total", reason="internal_error") == 1.0
    assert "wirefeed_dedup_pending_stories 0.0" in metrics  # nothing left parked

    # The ticks went through Kafka, to the partitions of the parked stories.
    tick_parts = {
        part for part, _ in asyncio.run(_ticks(settings.bootstrap, internal_topic(settings, "dedup-ids")))
    }
    assert {partition_for(fresh.storyid, settings.partitions), legacy_part} <= tick_parts
