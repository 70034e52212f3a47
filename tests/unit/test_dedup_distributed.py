"""The scatter-gather dedup (what the Kafka agents run) decides like the one-process index.

A tiny in-memory 'cluster' moves the same messages the agents move, with one
state dict per partition, and delivers them in an interleaved order; its
decisions must equal OfflineDeduper's on the labeled benchmark stream.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

import orjson
import pytest

from bench.dedup_corpus import make_stream
from streams.agents import PartitionView, Sweeper
from streams.dedup import DedupConfig, OfflineDeduper
from streams.dedup.distributed import handle_band_message, on_reply, on_story, partition_for, scatter
from streams.dedup.fingerprint import fingerprint
from streams.dedup.index import Decision
from streams.model import Story

PARTITIONS = 4


class LocalCluster:
    """Partitioned state + message queues, no Kafka: the agents' logic, step by step."""

    def __init__(self, config: DedupConfig, partitions: int = PARTITIONS, seed: int = 0) -> None:
        self.config, self.partitions = config, partitions
        self.ids: list[dict[str, bytes]] = [{} for _ in range(partitions)]
        self.pending: list[dict[str, bytes]] = [{} for _ in range(partitions)]
        self.bands: list[dict[str, bytes]] = [{} for _ in range(partitions)]
        self.content: list[dict[str, bytes]] = [{} for _ in range(partitions)]
        self.to_bands: list[deque[bytes]] = [deque() for _ in range(partitions)]
        self.to_ids: list[deque[dict[str, Any]]] = [deque() for _ in range(partitions)]
        self.decided: list[tuple[Story, Decision]] = []
        self.rng = random.Random(seed)

    def submit(self, story: Story) -> None:
        p = partition_for(story.storyid, self.partitions)
        self.to_ids[p].append({"op": "story", "story": story})

    def run(self) -> None:
        """Deliver queued messages in a random interleaving of partitions (each in order)."""
        while True:
            ready = [("ids", p) for p in range(self.partitions) if self.to_ids[p]]
            ready += [("bands", p) for p in range(self.partitions) if self.to_bands[p]]
            if not ready:
                return
            stage, p = self.rng.choice(ready)
            if stage == "bands":
                reply = handle_band_message(
                    self.to_bands[p].popleft(), self.bands[p], self.content[p], self.config
                )
                if reply is not None:
                    self.to_ids[reply.reply_to].append(orjson.loads(reply.payload))
                continue
            msg = self.to_ids[p].popleft()
            if msg["op"] == "story":
                step = on_story(self.ids[p], self.pending[p], msg["story"], self.config, self.partitions)
            else:
                step = on_reply(self.ids[p], self.pending[p], msg, self.config, self.partitions)
            for part, value in step.to_bands.items():
                self.to_bands[part].append(value)
            self.decided.extend(step.decided)


def _key(d: Decision) -> tuple[Any, ...]:
    return (d.event, d.storyid, d.duplicate_of, d.method, d.similarity, d.cluster)


@pytest.mark.parametrize("seed", [1, 2])
def test_distributed_decisions_equal_offline(seed: int) -> None:
    config = DedupConfig()
    items = make_stream(seed)
    offline = OfflineDeduper(config)
    expected = [_key(offline.decide(item.story)) for item in items]

    cluster = LocalCluster(config, seed=seed)
    got = []
    for item in items:
        # One story at a time (its decision completes before the next arrives), with the
        # internal messages of that story interleaved across partitions at random.
        cluster.submit(item.story)
        cluster.run()
        assert len(cluster.decided) == len(got) + 1
        got.append(_key(cluster.decided[-1][1]))
    assert got == expected
    assert all(not p for p in cluster.pending)  # every lookup was answered and settled


def test_concurrent_near_duplicates_on_different_partitions_meet() -> None:
    """Two near-copies submitted together (neither decided before the other) are not both new."""
    config = DedupConfig()
    items = [i for i in make_stream(1) if i.expected == "near"][:5]
    assert items, "the benchmark stream has near-duplicates"
    deduper_ids = {i.story.storyid for i in items}
    for item in items:
        original = next(j for j in make_stream(1) if j.story.storyid == item.original)
        cluster = LocalCluster(config, seed=3)
        cluster.submit(original.story)
        cluster.submit(item.story)
        cluster.run()
        kinds = sorted(d.event for _, d in cluster.decided)
        assert kinds == ["duplicate", "new"], (kinds, deduper_ids)


def test_replayed_story_and_replies_are_idempotent() -> None:
    config = DedupConfig()
    story = make_stream(1)[0].story
    cluster = LocalCluster(config)
    p = partition_for(story.storyid, PARTITIONS)
    step = on_story(cluster.ids[p], cluster.pending[p], story, config, PARTITIONS)
    assert step.decided == [] and step.to_bands
    # The same input read again after a crash (same provenance): asks again, decides nothing yet.
    again = on_story(cluster.ids[p], cluster.pending[p], story, config, PARTITIONS)
    assert again.decided == [] and set(again.to_bands) == set(step.to_bands)
    for part, value in [*step.to_bands.items(), *again.to_bands.items()]:
        cluster.to_bands[part].append(value)
    cluster.run()
    assert [d.event for _, d in cluster.decided] == ["new"]


def test_scatter_routes_each_key_to_its_partition() -> None:
    story = make_stream(1)[0].story
    fp = fingerprint(story)
    messages = scatter("lookup", story.storyid, fp, 0.0, "c", PARTITIONS, 0)
    for part, raw in messages.items():
        msg = orjson.loads(raw)
        assert all(partition_for(k, PARTITIONS) == part for k in msg["keys"])
        assert msg["content"] == (partition_for(fp.exact, PARTITIONS) == part)
    routed = sorted(k for raw in messages.values() for k in orjson.loads(raw)["keys"])
    assert routed == sorted([*fp.near_keys, *fp.topic_keys])


def test_sweeper_expires_by_event_time_only_its_partitions_keys() -> None:
    config = DedupConfig(window_hours=1.0, id_window_hours=1.0, kill_window_hours=2.0)
    cluster = LocalCluster(config)
    stories = [i.story for i in make_stream(1)[:40]]
    for story in stories:
        cluster.submit(story)
        cluster.run()
    # One shared table, as Faust gives a worker: all partitions' keys in one mapping.
    bands: dict[str, bytes] = {}
    for part in cluster.bands:
        bands.update(part)
    before = len(bands)
    sweeper = Sweeper(config, PARTITIONS)
    latest = max(s.versioncreated.timestamp() for s in stories if s.versioncreated) + 10 * 3600
    sweeper.observe(0, latest)
    removed = sweeper.sweep(0, [(bands, config.window_hours, None)])
    assert removed > 0
    left_other = [k for k in bands if partition_for(k, PARTITIONS) != 0]
    assert len(left_other) == sum(1 for k in cluster.bands[1]) + len(cluster.bands[2]) + len(cluster.bands[3])
    assert not any(partition_for(k, PARTITIONS) == 0 for k in bands)
    assert len(bands) < before
    assert len(PartitionView(bands, 1, PARTITIONS)) == len(cluster.bands[1])
