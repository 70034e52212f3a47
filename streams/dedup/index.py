"""The dedup decision over three key-value stores (dicts offline, Faust tables online).

The DESIGN.md "Dedup semantics" table, in the order the checks run:

1. id state (keyed by storyid): redelivery, stale, update/correction, kill.
2. content state (keyed by exact fingerprint): same normalized body under another id.
3. band state (keyed by LSH band key): near-duplicates, and the cluster of the event.

Each check is a pure function of (state, story, fingerprint) so that, in Kafka,
each can run on the partition that owns its key; ``reconcile`` turns the
candidates gathered from every band into the final decision, and the
``register_*`` functions are the writes each partition applies afterwards.
``DedupIndex.decide`` chains them for one process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

from streams.dedup.fingerprint import (
    Fingerprint,
    FingerprintConfig,
    compact_similarity,
    fingerprint,
)
from streams.dedup.state import (
    NO_RANK,
    BandColumns,
    ContentEntry,
    IdEntry,
    Store,
    append_entry,
    decode_columns,
    expire,
    row_line,
)
from streams.model import PubStatus, Signal, Story

EventKind = Literal["new", "update", "correction", "kill", "duplicate"]
Method = Literal["redelivery", "content", "near"]


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """Thresholds and sizes; defaults chosen with bench/dedup_accuracy.py (docs/dedup.md)."""

    window_hours: float = 72.0  # near/content/cluster window, by event time
    id_window_hours: float = 72.0  # how long a story id is remembered (redelivery/stale/update)
    kill_window_hours: float = 168.0  # kill tombstones outlive the window: no resurrection
    near_threshold: float = 0.55  # estimated Jaccard of 3-shingles for "near duplicate"
    cluster_threshold: float = 0.16  # estimated Jaccard of content words for "same event"
    max_band_entries: int = 24  # per band key, most recent kept (bounds hot keys)
    fingerprint: FingerprintConfig = field(default_factory=FingerprintConfig)

    @property
    def window_s(self) -> float:
        return self.window_hours * 3600.0


@dataclass(frozen=True, slots=True)
class Decision:
    event: EventKind
    storyid: str
    fingerprint: str
    cluster: str | None
    duplicate_of: str | None = None
    method: Method | None = None
    similarity: float | None = None
    # Why, in one stable word: new, update, correction, kill, redelivery, stale, killed,
    # content, near. "stale" and "killed" are published with method "redelivery".
    reason: str = "new"

    @property
    def is_duplicate(self) -> bool:
        return self.event == "duplicate"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored story found through a band key."""

    storyid: str
    family: Literal["near", "topic"]
    similarity: float
    cluster: str
    time: float


@dataclass(frozen=True, slots=True)
class DedupStores:
    ids: Store
    content: Store
    bands: Store


# --------------------------------------------------------------------------- helpers


def event_time(story: Story, now: datetime | float | None = None) -> float:
    """versioncreated, else provenance.received, else ``now``: the clock all expiry uses."""
    for t in (story.versioncreated, story.provenance.received):
        if t is not None:
            return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()
    if isinstance(now, datetime):
        return now.timestamp()
    if now is not None:
        return float(now)
    return datetime.now(UTC).timestamp()


def _rank(story: Story) -> int:
    if story.version_rank is not None:
        return story.version_rank
    if story.version and story.version.strip().isdigit():
        return int(story.version.strip())
    return NO_RANK


def _is_kill(story: Story) -> bool:
    return story.signal == Signal.KILL or story.pubstatus == PubStatus.CANCELED


def new_cluster_id(storyid: str) -> str:
    # Short and stable: the founding story's id hashed, so the same run gives the same clusters.
    return "c" + hashlib.blake2b(storyid.encode(), digest_size=8).hexdigest()


# --------------------------------------------------------------------------- id state


def check_id(ids: Store, story: Story, fp: Fingerprint, t: float) -> Decision | None:
    """Decision from the id state alone, or None when the id is unknown (go on to content/bands).

    Rows: redelivery (same version, same content), stale (same or lower
    version, or anything after a kill), update/correction (higher version),
    kill (for every version; never resurrected).
    """
    raw = ids.get(story.storyid)
    kill = _is_kill(story)
    if raw is None:
        if kill:
            # A kill for a story never seen (or expired) is still published: downstream may have it.
            return Decision("kill", story.storyid, fp.exact, new_cluster_id(story.storyid), reason="kill")
        return None
    prev = IdEntry.decode(raw)
    sim = 1.0 if prev.exact == fp.exact else compact_similarity(prev.near, fp.near, fp.bits)
    sim = round(min(sim, 1.0 if prev.exact == fp.exact else 0.999), 3)

    def seen(similarity: float, reason: str) -> Decision:
        # Every id-level duplicate is published as a re-delivery of the story itself.
        return Decision(
            "duplicate",
            story.storyid,
            fp.exact,
            prev.cluster,
            story.storyid,
            "redelivery",
            similarity,
            reason,
        )

    if prev.killed:
        return seen(sim, "redelivery" if kill else "killed")
    if kill:
        return Decision("kill", story.storyid, fp.exact, prev.cluster, reason="kill")
    rank = _rank(story)
    newer = rank > prev.rank if (rank != NO_RANK and prev.rank != NO_RANK) else t > prev.time
    # Without agency versions, time cannot tell a new version from a late re-delivery of the
    # same file (received times differ): the same text is the same version.
    same_version = (rank == prev.rank and rank != NO_RANK) or (
        rank == NO_RANK and (t == prev.time or prev.exact == fp.exact)
    )
    if (same_version or not newer) and prev.exact == fp.exact:
        # The same text again (an older version with today's text included): a plain re-delivery.
        return seen(1.0, "redelivery")
    if not newer:
        return seen(sim, "stale")
    kind: EventKind = "correction" if story.signal == Signal.CORRECTION else "update"
    return Decision(kind, story.storyid, fp.exact, prev.cluster, reason=kind)


def register_id(ids: Store, story: Story, fp: Fingerprint, t: float, decision: Decision) -> None:
    """Write the latest accepted version (never called for duplicates: they never overwrite)."""
    if decision.is_duplicate:
        return
    entry = IdEntry(
        rank=_rank(story),
        time=t,
        killed=decision.event == "kill",
        exact=fp.exact,
        near=fp.near,
        cluster=decision.cluster or new_cluster_id(story.storyid),
    )
    ids[story.storyid] = entry.encode()


# --------------------------------------------------------------------------- content state


def check_content(content: Store, storyid: str, fp: Fingerprint, t: float, window_s: float) -> str | None:
    """storyid of another story with the same normalized body in the window, else None."""
    raw = content.get(fp.exact)
    if raw is None:
        return None
    entry = ContentEntry.decode(raw)
    if entry.storyid == storyid or abs(t - entry.time) > window_s:
        return None
    return entry.storyid


def register_content(content: Store, storyid: str, fp: Fingerprint, t: float) -> None:
    content[fp.exact] = ContentEntry(t, storyid).encode()


# --------------------------------------------------------------------------- band state


def _similarities(
    sigs: npt.NDArray[np.uint8], mine: npt.NDArray[np.uint8], bits: int
) -> npt.NDArray[np.float64]:
    """Estimated Jaccard of each row of ``sigs`` with ``mine`` (b-bit MinHash, chance-corrected)."""
    if bits == 8:
        match = np.count_nonzero(sigs == mine[None, :], axis=1) / mine.size
    else:  # 16-bit values: compare little-endian byte pairs
        eq = sigs.reshape(len(sigs), -1, 2) == mine.reshape(-1, 2)[None, :, :]
        match = eq.all(axis=2).mean(axis=1)
    chance = 1.0 / (1 << bits)
    out: npt.NDArray[np.float64] = np.maximum(0.0, (match - chance) / (1.0 - chance))
    return out


_FAMILIES: tuple[tuple[Literal["near", "topic"], str], ...] = (("near", "n"), ("topic", "t"))


def _family_rows(
    decoded: Mapping[str, BandColumns],
    fp: Fingerprint,
    t: float,
    window_s: float,
    floors: tuple[float, float],
) -> Iterator[tuple[Literal["near", "topic"], list[tuple[bytes, float, float]]]]:
    """Per family (near, then topic): (line, similarity, time) of every row in the window and
    above the family's floor, in key order then row order. One numpy comparison per family."""
    for (family, prefix), own, floor in zip(_FAMILIES, (fp.near, fp.topic), floors, strict=True):
        mine = np.frombuffer(own, dtype=np.uint8)
        lists = [c for k, c in decoded.items() if k.startswith(prefix) and c.count and c.sig_len == mine.size]
        if not lists:
            continue
        if len(lists) > 1:
            # One buffer per column for the family: two numpy arrays instead of two per key.
            times = np.frombuffer(b"".join([c.times_bytes() for c in lists]), dtype="<f8")
            sigs = np.frombuffer(b"".join([c.sigs_bytes() for c in lists]), dtype=np.uint8).reshape(
                len(times), mine.size
            )
        else:
            times, sigs = lists[0].times, lists[0].sigs
        sims = _similarities(sigs, mine, fp.bits)
        ok = np.flatnonzero((np.abs(times - t) <= window_s) & (sims >= floor))
        if not ok.size:
            continue
        if len(lists) > 1:
            starts = np.cumsum([0, *(len(c) for c in lists)])
            owner = np.searchsorted(starts, ok, side="right") - 1
            rows = zip(owner.tolist(), (ok - starts[owner]).tolist(), strict=True)
            lines = [lists[j].lines[r] for j, r in rows]
        else:
            all_lines = lists[0].lines
            lines = [all_lines[r] for r in ok.tolist()]
        yield family, list(zip(lines, sims[ok].tolist(), times[ok].tolist(), strict=True))


def candidates_from_columns(
    decoded: Mapping[str, BandColumns],
    fp: Fingerprint,
    storyid: str,
    t: float,
    window_s: float,
    floors: tuple[float, float] = (0.0, 0.0),
) -> list[Candidate]:
    """Candidates of already-decoded band lists; one numpy comparison per family.

    ``floors`` = minimum similarity for (near, topic) candidates: dropping hopeless
    ones early matters on hot keys.
    """
    out: list[Candidate] = []
    mine = storyid.encode()
    for family, rows in _family_rows(decoded, fp, t, window_s, floors):
        for line, sim, time in rows:
            sid, _, cluster = line.partition(b"\t")
            if sid != mine:
                out.append(Candidate(sid.decode(), family, sim, cluster.decode(), time))
    return out


def candidates_from_band(
    bands: Store,
    key: str,
    fp: Fingerprint,
    storyid: str,
    t: float,
    window_s: float,
    min_similarity: float = 0.0,
) -> list[Candidate]:
    """Stored stories under one band key, with their similarity to ``fp`` (one partition's work)."""
    raw = bands.get(key)
    if raw is None:
        return []
    return candidates_from_columns(
        {key: decode_columns(raw)}, fp, storyid, t, window_s, (min_similarity, min_similarity)
    )


def candidates(
    bands: Store,
    storyid: str,
    fp: Fingerprint,
    t: float,
    window_s: float,
    config: DedupConfig | None = None,
    decoded: dict[str, BandColumns] | None = None,
) -> list[Candidate]:
    """All band candidates of a story, best first, one per (storyid, family).

    With ``config``, candidates below the family's threshold are dropped early.
    ``decoded`` (filled here) lets ``register_bands`` reuse the decoded lists.
    """
    if decoded is None:
        decoded = {}
    for key in fp.band_keys:
        raw = bands.get(key)
        if raw is not None:
            decoded[key] = decode_columns(raw)
    floors = (config.near_threshold, config.cluster_threshold) if config is not None else (0.0, 0.0)
    mine = storyid.encode()
    found: list[Candidate] = []
    for family, rows in _family_rows(decoded, fp, t, window_s, floors):
        # Best row per story id (the first one on equal similarity), decoded only once chosen.
        best: dict[bytes, tuple[float, float, bytes]] = {}
        for line, sim, time in rows:
            sid, _, cluster = line.partition(b"\t")
            if sid == mine:
                continue
            prev = best.get(sid)
            if prev is None or sim > prev[0]:
                best[sid] = (sim, time, cluster)
        found += [
            Candidate(sid.decode(), family, sim, cl.decode(), tm) for sid, (sim, tm, cl) in best.items()
        ]
    return sorted(found, key=lambda c: (-c.similarity, c.time, c.storyid))


def register_bands(
    bands: Store,
    storyid: str,
    fp: Fingerprint,
    t: float,
    cluster: str,
    max_entries: int,
    keys: Iterable[str] | None = None,
    decoded: Mapping[str, BandColumns] | None = None,
) -> None:
    """Add the story under each of its band keys (or the given subset: one partition's share)."""
    wanted = fp.band_keys if keys is None else list(keys)
    line = row_line(storyid, cluster)
    mine = storyid.encode() + b"\t"
    for key in wanted:
        sig = fp.near if key.startswith("n") else fp.topic
        cols = decoded.get(key) if decoded is not None else None
        raw = cols.raw if cols is not None and cols.raw else bands.get(key)
        bands[key] = append_entry(raw, t, sig, line, mine, max_entries)


# --------------------------------------------------------------------------- reconcile


def reconcile(
    story: Story,
    fp: Fingerprint,
    content_match: str | None,
    found: Iterable[Candidate],
    config: DedupConfig,
    cluster: str | None = None,
) -> Decision:
    """Final decision for a story whose id was not decisive (new id, or a new version).

    ``cluster`` is the story's known cluster (from the id state) for updates;
    new stories adopt the cluster of the most similar story of the same event.
    """
    cands = list(found)
    near = [c for c in cands if c.family == "near" and c.similarity >= config.near_threshold]
    near.sort(key=lambda c: (-c.similarity, c.time, c.storyid))
    if content_match is not None:
        owner = next((c.cluster for c in cands if c.storyid == content_match), None)
        return Decision(
            "duplicate",
            story.storyid,
            fp.exact,
            owner or cluster,
            content_match,
            "content",
            1.0,
            reason="content",
        )
    if near:
        best = near[0]
        return Decision(
            "duplicate",
            story.storyid,
            fp.exact,
            best.cluster,
            best.storyid,
            "near",
            round(min(best.similarity, 0.999), 3),
            reason="near",
        )
    if cluster is None:
        same_event = [c for c in cands if c.family == "topic" and c.similarity >= config.cluster_threshold]
        same_event.sort(key=lambda c: (-c.similarity, c.time, c.storyid))
        cluster = same_event[0].cluster if same_event else new_cluster_id(story.storyid)
    kind: EventKind = "new"
    return Decision(kind, story.storyid, fp.exact, cluster, reason="new")


# --------------------------------------------------------------------------- one-process index


class DedupIndex:
    """All checks and writes over three stores, in one call per story."""

    def __init__(self, stores: DedupStores, config: DedupConfig | None = None) -> None:
        self.stores = stores
        self.config = config or DedupConfig()

    def fingerprint(self, story: Story) -> Fingerprint:
        return fingerprint(story, self.config.fingerprint)

    def decide(self, story: Story, now: datetime | float | None = None) -> Decision:
        cfg = self.config
        fp = self.fingerprint(story)
        t = event_time(story, now)
        by_id = check_id(self.stores.ids, story, fp, t)
        if by_id is not None and by_id.event in ("duplicate", "kill"):
            register_id(self.stores.ids, story, fp, t, by_id)
            return by_id
        if by_id is not None:
            # update / correction: keep the story's cluster; record the new text so later copies of it
            # are recognised, but a new version is never itself a duplicate of another story.
            register_id(self.stores.ids, story, fp, t, by_id)
            register_content(self.stores.content, story.storyid, fp, t)
            register_bands(
                self.stores.bands,
                story.storyid,
                fp,
                t,
                by_id.cluster or new_cluster_id(story.storyid),
                cfg.max_band_entries,
            )
            return by_id
        match = check_content(self.stores.content, story.storyid, fp, t, cfg.window_s)
        decoded: dict[str, BandColumns] = {}
        found = candidates(self.stores.bands, story.storyid, fp, t, cfg.window_s, cfg, decoded)
        decision = reconcile(story, fp, match, found, cfg)
        if decision.is_duplicate:
            # Duplicates are not indexed: the original stays the one everything points to.
            return decision
        register_id(self.stores.ids, story, fp, t, decision)
        register_content(self.stores.content, story.storyid, fp, t)
        register_bands(
            self.stores.bands,
            story.storyid,
            fp,
            t,
            decision.cluster or new_cluster_id(story.storyid),
            cfg.max_band_entries,
            decoded=decoded,
        )
        return decision

    def expire(self, now: datetime | float) -> int:
        """Drop entries older than the windows, by event time; safe on restored state."""
        cfg = self.config
        ts = now.timestamp() if isinstance(now, datetime) else float(now)
        removed = expire(self.stores.ids, ts - cfg.id_window_hours * 3600, ts - cfg.kill_window_hours * 3600)
        removed += expire(self.stores.content, ts - cfg.window_s)
        removed += expire(self.stores.bands, ts - cfg.window_s)
        return removed
