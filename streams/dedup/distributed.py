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
4. a reply may never come (the bands stage dead-lettered the lookup, a lost
   record): a parked story records when it was parked (`parked_at`, wall
   clock), and a *tick* on its id partition (`on_tick`, sent by a timer)
   settles every story parked longer than a timeout with the replies that did
   arrive, marked `annotations["dedup_incomplete"]`. Every input still ends as
   a story event, a duplicate notice or a DLQ record.

Routing is explicit (`partition_for`), never Kafka's key hash, so that the
partition a table entry is written to (its changelog partition) is the one its
key is routed to after a restart or a rebalance.
"""

from __future__ import annotations

import base64
import logging
import time
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

log = logging.getLogger(__name__)

BAND_OPS = frozenset({"lookup", "register", "retract"})


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
    if op not in BAND_OPS:
        # Never guess: the agent dead-letters it (an unknown op used to be registered silently).
        raise ValueError(f"unknown bands-stage op {op!r}")
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


def start_pending(
    story: Story, fp: Fingerprint, t: float, expected: list[int], parked_at: float | None = None
) -> bytes:
    """A parked story; `parked_at` is the wall-clock time it was parked (default: now)."""
    return orjson.dumps(
        {
            "story": story_to_dict(story),
            "fp": fingerprint_to_dict(fp),
            "t": t,
            "expected": expected,
            "replies": {},
            "parked_at": time.time() if parked_at is None else parked_at,
        }
    )


def restamp_pending(pending: bytes, parked_at: float) -> bytes:
    """The same parked story, its wait restarted (its lookups were sent again)."""
    data = orjson.loads(pending)
    data["parked_at"] = parked_at
    return orjson.dumps(data)


def waited(pending: bytes, now: float) -> float | None:
    """Seconds a story has been parked; None for entries parked before `parked_at` existed."""
    parked_at = orjson.loads(pending).get("parked_at")
    return None if parked_at is None else now - float(parked_at)


def is_overdue(pending: bytes, now: float, timeout_s: float) -> bool:
    """Parked for `timeout_s` or more (entries without `parked_at` always are)."""
    wait = waited(pending, now)
    return wait is None or wait >= timeout_s


def overdue_partitions(
    pending: Iterable[tuple[str, bytes]], now: float, timeout_s: float, partitions: int
) -> list[int]:
    """The id partitions holding at least one overdue parked story (where a tick must go)."""
    return sorted(
        {
            partition_for(storyid, partitions)
            for storyid, parked in pending
            if is_overdue(bytes(parked), now, timeout_s)
        }
    )


def missing_replies(pending: bytes) -> list[int]:
    """The bands partitions a parked story still waits for."""
    data = orjson.loads(pending)
    return [p for p in data["expected"] if str(p) not in data["replies"]]


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


def finish(pending: bytes, config: DedupConfig, note: dict[str, Any] | None = None) -> Finished:
    """The decision from the replies recorded so far; `note` becomes `annotations["dedup_incomplete"]`."""
    data = orjson.loads(pending)
    story = story_from_dict(data["story"])
    if note is not None:
        story = story.replace(annotations={**story.annotations, "dedup_incomplete": note})
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


def on_story(
    ids: Store,
    pending: Store,
    story: Story,
    config: DedupConfig,
    partitions: int,
    now: float | None = None,
) -> Step:
    """`now` (wall clock, default time.time()) is recorded as the story's `parked_at` if it is parked."""
    now = time.time() if now is None else now
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
            # Its wait restarts now, so a tick does not settle it before the new lookups answer.
            pending[story.storyid] = restamp_pending(parked, now)
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
    pending[story.storyid] = start_pending(story, fp, t, sorted(sends), parked_at=now)
    return Step([], sends)


def on_reply(ids: Store, pending: Store, reply: dict[str, Any], config: DedupConfig, partitions: int) -> Step:
    storyid = reply["storyid"]
    parked = pending.get(storyid)
    if parked is None:
        return Step([], {})  # a replayed (or late) reply for a story already decided
    parked, complete = add_reply(parked, reply)
    if not complete:
        pending[storyid] = parked
        return Step([], {})
    return settle(ids, pending, storyid, parked, config, partitions)


def settle(
    ids: Store,
    pending: Store,
    storyid: str,
    parked: bytes,
    config: DedupConfig,
    partitions: int,
    note: dict[str, Any] | None = None,
) -> Step:
    """Decide a parked story from the replies it holds, unpark it, and say what to publish/send."""
    done = finish(parked, config, note)
    del pending[storyid]
    sends: dict[int, bytes] = {}
    reply_to = partition_for(storyid, partitions)
    if done.decision.is_duplicate:
        # Duplicates are not indexed (as offline): forget what the lookups registered.
        sends = scatter(
            "retract", storyid, done.fp, done.t, done.decision.cluster or "", partitions, reply_to
        )
    else:
        register_id(ids, done.story, done.fp, done.t, done.decision)
        cluster = done.decision.cluster or provisional_cluster(storyid)
        if cluster != provisional_cluster(storyid):
            # The lookups registered the story under its provisional cluster; it joined another.
            sends = scatter("register", storyid, done.fp, done.t, cluster, partitions, reply_to)
    return Step([(done.story, done.decision)], sends)


def on_tick(
    ids: Store, pending: Store, now: float, config: DedupConfig, partitions: int, *, timeout_s: float
) -> list[Step]:
    """Settle every story of `pending` (one partition's view) parked for `timeout_s` or more.

    The replies that did arrive decide; a bands partition that never answered counts as
    one without candidates. The story is marked `annotations["dedup_incomplete"] =
    {"missing_partitions": [...], "waited_s": seconds or None}` (None: parked before
    `parked_at` existed; such entries are always overdue, so no old state stays parked).
    A reply arriving later finds nothing parked and is ignored. One Step per settled story.
    """
    steps = []
    for storyid in sorted(pending):  # a snapshot: settling deletes entries
        parked = pending.get(storyid)
        if parked is None or not is_overdue(parked, now, timeout_s):
            continue
        wait = waited(parked, now)
        missing = missing_replies(parked)
        note = {"missing_partitions": missing, "waited_s": None if wait is None else round(wait, 3)}
        log.warning(
            "dedup: story %s settled without replies from bands partitions %s after waiting %s",
            storyid,
            missing,
            "an unknown time (parked before parked_at existed)" if wait is None else f"{wait:.1f} s",
        )
        steps.append(settle(ids, pending, storyid, parked, config, partitions, note if missing else None))
    return steps
