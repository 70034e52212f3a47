"""The dedup index spread over Kafka partitions: a scatter-gather of pure steps.

`DedupIndex.decide` needs three states at once. In Kafka they live on
different partitions, so a story's decision is taken in three hops (the Faust
agents in `streams.agents` only move these messages and hold the tables):

1. id stage (topic `<app>-dedup-ids`, keyed by story id, table `ids` + `pending`):
   `check_id` decides re-deliveries, stale versions, updates and kills at once.
   A story with an unknown id is parked in `pending` and a *lookup* goes to
   every bands partition that owns one of its keys.
2. bands stage (topic `<app>-dedup-bands`, table `bands` + `content`): for
   its share of the keys, each partition returns the candidates it knows and
   registers the story in the same step. Because lookup and registration are
   one step on one partition, two near-duplicates that arrive at the same time
   on different input partitions still meet: whichever is second on a shared
   band key sees the first.
3. back on the id stage, once every lookup has answered, `reconcile` makes
   the decision. A story found to be a duplicate is *retracted* from the band
   and content states (duplicates are not indexed, as offline).

Routing is explicit (`partition_for`), never Kafka's key hash, so that the
partition a table entry is written to (its changelog partition) is the one its
key is routed to after a restart or a rebalance.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from streams.dedup.fingerprint import Fingerprint, compact_similarity, fingerprint
from streams.dedup.index import (
    Candidate,
    Decision,
    DedupConfig,
    candidates_from_band,
    check_content,
    check_id,
    event_time,
    new_cluster_id,
    reconcile,
    register_bands,
    register_content,
    register_id,
)
from streams.dedup.state import ContentEntry, Store, decode_band, encode_band
from streams.model import Story, story_from_dict, story_to_dict


def partition_for(key: str, partitions: int) -> int:
    return zlib.crc32(key.encode()) % partitions


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def fingerprint_to_dict(fp: Fingerprint) -> dict[str, Any]:
    return {
        "exact": fp.exact,
        "near": _b64(fp.near),
        "topic": _b64(fp.topic),
        "near_keys": list(fp.near_keys),
        "topic_keys": list(fp.topic_keys),
        "bits": fp.bits,
    }


def fingerprint_from_dict(data: dict[str, Any]) -> Fingerprint:
    return Fingerprint(
        exact=data["exact"],
        near=base64.b64decode(data["near"]),
        topic=base64.b64decode(data["topic"]),
        near_keys=tuple(data["near_keys"]),
        topic_keys=tuple(data["topic_keys"]),
        bits=data["bits"],
    )


# ------------------------------------------------------------------ id stage → bands stage


def scatter(
    op: str, storyid: str, fp: Fingerprint, t: float, cluster: str, partitions: int, reply_to: int
) -> dict[int, bytes]:
    """One message per bands partition that owns some of the story's keys.

    `op` is "lookup" (find candidates, register, reply), "register" (an
    update's new text: register only) or "retract" (a duplicate: forget it).
    """
    keys = [*fp.near_keys, *fp.topic_keys]
    by_partition: dict[int, list[str]] = {}
    for key in keys:
        by_partition.setdefault(partition_for(key, partitions), []).append(key)
    # The content table is keyed by the exact fingerprint itself.
    content_partition = partition_for(fp.exact, partitions)
    by_partition.setdefault(content_partition, [])
    fp_data = fingerprint_to_dict(fp)
    out = {}
    for partition, part_keys in sorted(by_partition.items()):
        out[partition] = orjson.dumps(
            {
                "op": op,
                "storyid": storyid,
                "keys": part_keys,
                "content": partition == content_partition,
                "fp": fp_data,
                "t": t,
                "cluster": cluster,
                "reply_to": reply_to,
                "part": partition,
            }
        )
    return out


# ------------------------------------------------------------------ bands stage


@dataclass(frozen=True, slots=True)
class BandReply:
    storyid: str
    reply_to: int
    payload: bytes


def handle_band_message(
    raw: bytes | dict[str, Any], bands: Store, content: Store, config: DedupConfig
) -> BandReply | None:
    """One bands-stage record, as bytes or already decoded (the agent also reads its time)."""
    msg = orjson.loads(raw) if isinstance(raw, bytes) else raw
    op = msg["op"]
    storyid: str = msg["storyid"]
    keys: list[str] = msg["keys"]
    fp = fingerprint_from_dict(msg["fp"])
    t = float(msg["t"])
    if op == "retract":
        retract(bands, content, storyid, keys, fp if msg["content"] else None)
        return None
    found: list[Candidate] = []
    content_match = None
    if op == "lookup":
        for key in keys:
            found.extend(candidates_from_band(bands, key, fp, storyid, t, config.window_s))
        if msg["content"]:
            content_match = check_content(content, storyid, fp, t, config.window_s)
    register_bands(bands, storyid, fp, t, msg["cluster"], config.max_band_entries, keys=keys)
    if msg["content"]:
        register_content(content, storyid, fp, t)
    if op != "lookup":
        return None
    reply = {
        "op": "reply",
        "storyid": storyid,
        "part": msg["part"],
        "content_match": content_match,
        "candidates": [[c.storyid, c.family, c.similarity, c.cluster, c.time] for c in found],
    }
    return BandReply(storyid, int(msg["reply_to"]), orjson.dumps(reply))


def retract(bands: Store, content: Store, storyid: str, keys: Iterable[str], fp: Fingerprint | None) -> None:
    for key in keys:
        raw = bands.get(key)
        if raw is None:
            continue
        kept = [e for e in decode_band(raw) if e.storyid != storyid]
        if kept:
            bands[key] = encode_band(kept)
        else:
            del bands[key]
    if fp is not None:
        raw = content.get(fp.exact)
        if raw is not None and ContentEntry.decode(raw).storyid == storyid:
            del content[fp.exact]


# ------------------------------------------------------------------ back on the id stage


def start_pending(story: Story, fp: Fingerprint, t: float, expected: list[int]) -> bytes:
    return orjson.dumps(
        {
            "story": story_to_dict(story),
            "fp": fingerprint_to_dict(fp),
            "t": t,
            "expected": expected,
            "replies": {},
        }
    )


def pending_origin(raw: bytes) -> tuple[Any, Any, str]:
    """(input partition, input offset, exact fingerprint) of a parked story."""
    data = orjson.loads(raw)
    prov = data["story"]["provenance"]
    return prov.get("partition"), prov.get("offset"), data["fp"]["exact"]


def add_reply(pending: bytes, reply: dict[str, Any]) -> tuple[bytes, bool]:
    """Record one bands partition's answer; idempotent (a replayed reply counts once)."""
    data = orjson.loads(pending)
    data["replies"][str(reply["part"])] = {
        "content_match": reply["content_match"],
        "candidates": reply["candidates"],
    }
    complete = all(str(p) in data["replies"] for p in data["expected"])
    return orjson.dumps(data), complete


@dataclass(frozen=True, slots=True)
class Finished:
    story: Story
    fp: Fingerprint
    t: float
    decision: Decision


def finish(pending: bytes, config: DedupConfig) -> Finished:
    data = orjson.loads(pending)
    story = story_from_dict(data["story"])
    fp = fingerprint_from_dict(data["fp"])
    best: dict[tuple[str, str], Candidate] = {}
    content_match = None
    for reply in data["replies"].values():
        content_match = content_match or reply["content_match"]
        for sid, family, sim, cluster, when in reply["candidates"]:
            cand = Candidate(sid, family, float(sim), cluster, float(when))
            known = best.get((sid, family))
            if known is None or cand.similarity > known.similarity:
                best[(sid, family)] = cand
    found = sorted(best.values(), key=lambda c: (-c.similarity, c.time, c.storyid))
    decision = reconcile(story, fp, content_match, found, config)
    return Finished(story, fp, float(data["t"]), decision)


def provisional_cluster(storyid: str) -> str:
    return new_cluster_id(storyid)


# ------------------------------------------------------------------ the id stage, as pure steps


@dataclass(slots=True)
class Step:
    """What one record on the id stage leads to: decisions to publish, messages to the bands stage."""

    decided: list[tuple[Story, Decision]]
    to_bands: dict[int, bytes]


def on_story(ids: Store, pending: Store, story: Story, config: DedupConfig, partitions: int) -> Step:
    fp = fingerprint(story, config.fingerprint)
    t = event_time(story)
    reply_to = partition_for(story.storyid, partitions)
    by_id = check_id(ids, story, fp, t)
    if by_id is not None:
        register_id(ids, story, fp, t, by_id)
        sends: dict[int, bytes] = {}
        if by_id.event in ("update", "correction"):
            # The new text is indexed too, so later copies of it are recognised.
            cluster = by_id.cluster or provisional_cluster(story.storyid)
            sends = scatter("register", story.storyid, fp, t, cluster, partitions, reply_to)
        return Step([(story, by_id)], sends)
    parked = pending.get(story.storyid)
    if parked is not None:
        partition, offset, exact = pending_origin(parked)
        if (partition, offset) == (story.provenance.partition, story.provenance.offset):
            # The same input again (a replay after a crash): ask again; replies are idempotent.
            return Step(
                [],
                scatter(
                    "lookup", story.storyid, fp, t, provisional_cluster(story.storyid), partitions, reply_to
                ),
            )
        # The same story id while its first copy is still being decided: a re-delivery.
        first = fingerprint_from_dict(orjson.loads(parked)["fp"])
        similarity = (
            1.0 if exact == fp.exact else min(0.999, compact_similarity(first.near, fp.near, fp.bits))
        )
        decision = Decision(
            "duplicate",
            story.storyid,
            fp.exact,
            None,
            story.storyid,
            "redelivery",
            round(similarity, 3),
            "redelivery",
        )
        return Step([(story, decision)], {})
    sends = scatter("lookup", story.storyid, fp, t, provisional_cluster(story.storyid), partitions, reply_to)
    pending[story.storyid] = start_pending(story, fp, t, sorted(sends))
    return Step([], sends)


def on_reply(ids: Store, pending: Store, reply: dict[str, Any], config: DedupConfig, partitions: int) -> Step:
    storyid = reply["storyid"]
    parked = pending.get(storyid)
    if parked is None:
        return Step([], {})  # a replayed reply for a story already decided
    parked, complete = add_reply(parked, reply)
    if not complete:
        pending[storyid] = parked
        return Step([], {})
    done = finish(parked, config)
    del pending[storyid]
    sends: dict[int, bytes] = {}
    if done.decision.is_duplicate:
        # Duplicates are not indexed (as offline): forget what the lookups registered.
        reply_to = partition_for(storyid, partitions)
        sends = scatter(
            "retract", storyid, done.fp, done.t, done.decision.cluster or "", partitions, reply_to
        )
    else:
        register_id(ids, done.story, done.fp, done.t, done.decision)
        cluster = done.decision.cluster or provisional_cluster(storyid)
        if cluster != provisional_cluster(storyid):
            # The lookups registered the story under its provisional cluster; it joined another.
            reply_to = partition_for(storyid, partitions)
            sends = scatter("register", storyid, done.fp, done.t, cluster, partitions, reply_to)
    return Step([(done.story, done.decision)], sends)
