"""The scatter-gather dedup (what the Kafka agents run) decides like the one-process index.

A tiny in-memory 'cluster' moves the same messages the agents move, with one
state dict per partition, and delivers them in an interleaved order; its
decisions must equal OfflineDeduper's on the labeled benchmark stream.
"""

from __future__ import annotations

import dataclasses
import random
from collections import deque
from typing import Any

import orjson
import pytest

from bench.dedup_corpus import make_stream
from streams.agents import PartitionView, Sweeper
from streams.dedup import DedupConfig, OfflineDeduper
from streams.dedup.distributed import (
    Step,
    handle_band_message,
    on_reply,
    on_story,
    on_tick,
    overdue_partitions,
    partition_for,
    scatter,
    start_pending,
)
from streams.dedup.fingerprint import fingerprint
from streams.dedup.index import Decision
from streams.model import Story
from streams.pipeline import decision_outputs
from tests.support.schemas import validate_event

PARTITIONS = 4
TIMEOUT = 30.0
T0 = 1_700_000_000.0  # the wall clock when stories are parked in the timeout tests


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
        self.now: float | None = None  # wall clock given to on_story (None: time.time())
        self.lose: set[int] = set()  # bands partitions whose records are lost (as if dead-lettered)
        self.lost: list[tuple[int, bytes]] = []

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
                record = self.to_bands[p].popleft()
                if p in self.lose:
                    self.lost.append((p, record))
                    continue
                reply = handle_band_message(record, self.bands[p], self.content[p], self.config)
                if reply is not None:
                    self.to_ids[reply.reply_to].append(orjson.loads(reply.payload))
                continue
            msg = self.to_ids[p].popleft()
            if msg["op"] == "story":
                step = on_story(
                    self.ids[p], self.pending[p], msg["story"], self.config, self.partitions, now=self.now
                )
            else:
                step = on_reply(self.ids[p], self.pending[p], msg, self.config, self.partitions)
            self.carry_out(step)

    def carry_out(self, step: Step) -> None:
        for part, value in step.to_bands.items():
            self.to_bands[part].append(value)
        self.decided.extend(step.decided)

    def tick(self, p: int, now: float, timeout_s: float = TIMEOUT) -> list[Step]:
        """What the ids agent does with a tick record on partition p."""
        steps = on_tick(self.ids[p], self.pending[p], now, self.config, self.partitions, timeout_s=timeout_s)
        for step in steps:
            self.carry_out(step)
        return steps


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


# ------------------------------------------------------------------ a reply that never comes


def _parked_with_one_reply_lost(config: DedupConfig) -> tuple[LocalCluster, Story, int, int]:
    """A story parked at T0 whose lookup to one bands partition is lost: (cluster, story, p, lost)."""
    story = make_stream(1)[0].story
    cluster = LocalCluster(config)
    p = partition_for(story.storyid, PARTITIONS)
    expected = sorted(scatter("lookup", story.storyid, fingerprint(story), 0.0, "c", PARTITIONS, p))
    assert len(expected) > 1, "the story's keys spread over several bands partitions"
    lost = expected[-1]
    cluster.lose = {lost}
    cluster.now = T0
    cluster.submit(story)
    cluster.run()
    return cluster, story, p, lost


def test_a_lost_reply_leaves_the_story_parked_and_decides_nothing() -> None:
    cluster, story, p, lost = _parked_with_one_reply_lost(DedupConfig())
    assert cluster.decided == []
    assert list(cluster.pending[p]) == [story.storyid]
    assert [part for part, _ in cluster.lost] == [lost]


def test_a_tick_before_the_timeout_does_nothing() -> None:
    cluster, story, p, _lost = _parked_with_one_reply_lost(DedupConfig())
    assert cluster.tick(p, T0 + TIMEOUT - 0.5) == []
    assert cluster.decided == []
    assert list(cluster.pending[p]) == [story.storyid]


def test_a_tick_after_the_timeout_settles_with_the_replies_that_came() -> None:
    config = DedupConfig()
    cluster, story, p, lost = _parked_with_one_reply_lost(config)
    # A tick on another partition does not touch this partition's parked stories.
    other = (p + 1) % PARTITIONS
    assert cluster.tick(other, T0 + TIMEOUT + 5) == []
    steps = cluster.tick(p, T0 + TIMEOUT + 5)
    assert len(steps) == 1
    assert [(s.storyid, d.event) for s, d in cluster.decided] == [(story.storyid, "new")]
    settled, decision = cluster.decided[0]
    assert settled.annotations["dedup_incomplete"] == {"missing_partitions": [lost], "waited_s": TIMEOUT + 5}
    assert cluster.pending[p] == {}
    assert story.storyid in cluster.ids[p]  # remembered: a re-delivery is recognised
    # The annotation reaches the story event, which the schema accepts (the benchmark's
    # stories have no uri: the normalize stage, not run here, would give one).
    [output] = list(decision_outputs(settled.replace(uri=f"urn:test:{story.storyid}"), decision))
    assert output.event["annotations"]["dedup_incomplete"]["missing_partitions"] == [lost]
    validate_event(output.event)
    # A second tick finds nothing left.
    assert cluster.tick(p, T0 + 2 * TIMEOUT) == []
    # A re-delivery of the story after it was settled is a duplicate, not a second story.
    cluster.lose = set()
    redelivered = story.replace(provenance=dataclasses.replace(story.provenance, partition=9, offset=9))
    cluster.submit(redelivered)
    cluster.run()
    assert [d.event for _, d in cluster.decided] == ["new", "duplicate"]


def test_a_late_reply_after_the_tick_is_ignored() -> None:
    cluster, _story, p, _lost = _parked_with_one_reply_lost(DedupConfig())
    cluster.tick(p, T0 + TIMEOUT)
    assert len(cluster.decided) == 1
    # The lost lookup is finally handled (say, replayed): its reply finds nothing parked.
    cluster.lose = set()
    for part, record in cluster.lost:
        cluster.to_bands[part].append(record)
    cluster.run()
    assert len(cluster.decided) == 1
    assert cluster.pending[p] == {}
    assert all(not q for q in cluster.to_ids) and all(not q for q in cluster.to_bands)


def test_an_entry_parked_before_parked_at_existed_is_settled_by_any_tick() -> None:
    config = DedupConfig()
    story = make_stream(1)[0].story
    fp = fingerprint(story, config.fingerprint)
    p = partition_for(story.storyid, PARTITIONS)
    expected = sorted(scatter("lookup", story.storyid, fp, 0.0, "c", PARTITIONS, p))
    old = orjson.loads(start_pending(story, fp, 0.0, expected))
    del old["parked_at"]  # the format written before this change
    cluster = LocalCluster(config)
    cluster.pending[p][story.storyid] = orjson.dumps(old)
    assert overdue_partitions(cluster.pending[p].items(), 0.0, TIMEOUT, PARTITIONS) == [p]
    steps = cluster.tick(p, 0.0)
    assert len(steps) == 1 and cluster.pending[p] == {}
    settled, decision = cluster.decided[0]
    assert decision.event == "new"
    assert settled.annotations["dedup_incomplete"] == {"missing_partitions": expected, "waited_s": None}


def test_a_replayed_story_restarts_its_wait() -> None:
    """After a crash the input is read again and its lookups sent again: a tick does not cut them short."""
    config = DedupConfig()
    cluster, story, p, _lost = _parked_with_one_reply_lost(config)
    replay_at = T0 + TIMEOUT + 60  # the worker came back a minute later
    on_story(cluster.ids[p], cluster.pending[p], story, config, PARTITIONS, now=replay_at)
    assert cluster.tick(p, replay_at + 1) == []
    assert overdue_partitions(cluster.pending[p].items(), replay_at + 1, TIMEOUT, PARTITIONS) == []
    assert overdue_partitions(cluster.pending[p].items(), replay_at + TIMEOUT, TIMEOUT, PARTITIONS) == [p]


def test_an_unknown_bands_op_is_refused() -> None:
    story = make_stream(1)[0].story
    [raw, *_] = scatter("lookup", story.storyid, fingerprint(story), 0.0, "c", PARTITIONS, 0).values()
    msg = orjson.loads(raw) | {"op": "tick"}
    bands: dict[str, bytes] = {}
    with pytest.raises(ValueError, match="unknown bands-stage op"):
        handle_band_message(msg, bands, {}, DedupConfig())
    assert bands == {}  # nothing registered
