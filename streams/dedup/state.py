"""Compact, self-describing state values (bytes) for the three dedup stores.

Every value starts with a one-byte tag and carries its own event time, so that
``expire`` can run on any store — including entries restored from a changelog
by a process that never wrote them (Faust's windowed tables only expire keys
written in the current process, by wall clock; see shared/notes/faust-facts.md).

Layouts (little endian):

* ids   ``b"I"`` | rank:q | time:d | flags:B | exact:16s | nsig_len:B | nsig | cluster(utf8, rest)
* content ``b"C"`` | time:d | storyid(utf8, rest)
* bands ``b"B"`` | count:H | sig_len:B | count x time:d | count x sig | "storyid\tcluster\n" x count
  (columnar, so one band's signatures are compared to a story's in a single numpy operation;
  every entry of one list has the same signature length: one key belongs to one family)
"""

from __future__ import annotations

import struct
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Store = MutableMapping[str, bytes]

NO_RANK = -(2**63)
FLAG_KILLED = 1

_ID = struct.Struct("<cqdB16sB")
_CONTENT = struct.Struct("<cd")
_BAND_HEAD = struct.Struct("<cH")


@dataclass(frozen=True, slots=True)
class IdEntry:
    """Latest accepted version of one story id."""

    rank: int  # NO_RANK when the agency gives no comparable version
    time: float  # event time (epoch s) of that version
    killed: bool
    exact: str  # hex content hash of that version
    near: bytes  # compact near signature, for the similarity of stale deliveries
    cluster: str

    def encode(self) -> bytes:
        head = _ID.pack(
            b"I",
            self.rank,
            self.time,
            FLAG_KILLED if self.killed else 0,
            bytes.fromhex(self.exact),
            len(self.near),
        )
        return head + self.near + self.cluster.encode()

    @classmethod
    def decode(cls, raw: bytes) -> IdEntry:
        tag, rank, time, flags, exact, nlen = _ID.unpack_from(raw)
        if tag != b"I":
            raise ValueError("not an id entry")
        off = _ID.size
        near = bytes(raw[off : off + nlen])
        cluster = bytes(raw[off + nlen :]).decode()
        return cls(rank, time, bool(flags & FLAG_KILLED), exact.hex(), near, cluster)


@dataclass(frozen=True, slots=True)
class ContentEntry:
    time: float
    storyid: str

    def encode(self) -> bytes:
        return _CONTENT.pack(b"C", self.time) + self.storyid.encode()

    @classmethod
    def decode(cls, raw: bytes) -> ContentEntry:
        tag, time = _CONTENT.unpack_from(raw)
        if tag != b"C":
            raise ValueError("not a content entry")
        return cls(time, bytes(raw[_CONTENT.size :]).decode())


@dataclass(frozen=True, slots=True)
class BandEntry:
    time: float
    sig: bytes  # compact signature of the family the band key belongs to
    storyid: str
    cluster: str


@dataclass(frozen=True, slots=True)
class BandColumns:
    """A decoded band list, column-wise; the strings stay bytes until a row is actually used."""

    times: npt.NDArray[np.float64]
    sigs: npt.NDArray[np.uint8]  # shape (count, sig_len)
    lines: list[bytes]  # b"storyid\tcluster" per row

    def __len__(self) -> int:
        return len(self.lines)

    def storyid(self, i: int) -> str:
        return self.lines[i].partition(b"\t")[0].decode()

    def cluster(self, i: int) -> str:
        return self.lines[i].partition(b"\t")[2].decode()


def row_line(storyid: str, cluster: str) -> bytes:
    if "\t" in storyid or "\n" in storyid or "\t" in cluster or "\n" in cluster:
        raise ValueError("story and cluster ids must not contain tabs or newlines")
    return f"{storyid}\t{cluster}".encode()


def encode_columns(
    times: Sequence[float] | npt.NDArray[np.float64], sigs: bytes, lines: Sequence[bytes]
) -> bytes:
    count = len(lines)
    sig_len = len(sigs) // count if count else 0
    if count and sig_len * count != len(sigs):
        raise ValueError("all signatures of one band list must have the same length")
    return (
        _BAND_HEAD.pack(b"B", count)
        + bytes((sig_len,))
        + np.asarray(times, dtype="<f8").tobytes()
        + sigs
        + b"\n".join(lines)
    )


def decode_columns(raw: bytes) -> BandColumns:
    tag, count = _BAND_HEAD.unpack_from(raw)
    if tag != b"B":
        raise ValueError("not a band entry list")
    sig_len = raw[_BAND_HEAD.size]
    off = _BAND_HEAD.size + 1
    times = np.frombuffer(raw, dtype="<f8", count=count, offset=off)
    off += 8 * count
    sigs = np.frombuffer(raw, dtype=np.uint8, count=count * sig_len, offset=off).reshape(count, sig_len)
    off += count * sig_len
    lines = bytes(raw[off:]).split(b"\n") if count else []
    return BandColumns(times, sigs, lines)


def encode_band(entries: list[BandEntry]) -> bytes:
    return encode_columns(
        [e.time for e in entries],
        b"".join(e.sig for e in entries),
        [row_line(e.storyid, e.cluster) for e in entries],
    )


def decode_band(raw: bytes) -> list[BandEntry]:
    c = decode_columns(raw)
    return [
        BandEntry(float(c.times[i]), c.sigs[i].tobytes(), c.storyid(i), c.cluster(i)) for i in range(len(c))
    ]


def value_time(raw: bytes) -> float:
    """Event time of an id or content value (band values hold one time per entry)."""
    if raw[:1] == b"I":
        return IdEntry.decode(raw).time
    if raw[:1] == b"C":
        return float(_CONTENT.unpack_from(raw)[1])
    raise ValueError("value has no single time")


def expire(store: Store, cutoff: float, killed_cutoff: float | None = None) -> int:
    """Drop what is older than ``cutoff`` (epoch s, event time); returns entries removed.

    Works on any store of tagged values, whatever process wrote them. Kill
    tombstones use ``killed_cutoff`` (they are kept longer so that a late old
    version cannot resurrect a killed story). Band lists are pruned entry by
    entry and rewritten only when something changed.
    """
    killed_cutoff = cutoff if killed_cutoff is None else killed_cutoff
    removed = 0
    # Keys first: Faust tables and dicts must not change size while iterated.
    for key in list(store.keys()):
        raw = store.get(key)
        if raw is None:
            continue
        tag = raw[:1]
        if tag == b"B":
            cols = decode_columns(raw)
            keep = cols.times >= cutoff
            n_keep = int(keep.sum())
            if n_keep != len(cols):
                removed += len(cols) - n_keep
                if n_keep:
                    idx = np.flatnonzero(keep)
                    store[key] = encode_columns(
                        cols.times[idx], cols.sigs[idx].tobytes(), [cols.lines[i] for i in idx]
                    )
                else:
                    del store[key]
        elif tag == b"I":
            entry = IdEntry.decode(raw)
            if entry.time < (killed_cutoff if entry.killed else cutoff):
                del store[key]
                removed += 1
        elif tag == b"C" and value_time(raw) < cutoff:
            del store[key]
            removed += 1
    return removed
