"""Dedup through the real broker: versions and kills, near-duplicates across
partitions with two workers, and state restored after a SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from streams.runner import free_port, worker_process
from streams.settings import Settings
from tests.support.kafka import consume, create_topics, make_settings, produce
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
