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

import operator
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


class BandColumns:
    """A band list, column-wise, decoded lazily from its value.

    Only the header is parsed up front; ``times``, ``sigs`` and ``lines`` are read from the
    raw value when first used (most rows of a hot key are dropped by the similarity floor
    before any id is looked at, and an append splices ``raw`` without decoding anything).
    Built from arrays instead (``BandColumns(times, sigs, lines)``), ``raw`` is empty.
    """

    __slots__ = ("_lines", "_sigs", "_times", "count", "raw", "sig_len")

    def __init__(
        self,
        times: npt.NDArray[np.float64] | None = None,
        sigs: npt.NDArray[np.uint8] | None = None,
        lines: list[bytes] | None = None,
        raw: bytes = b"",
    ) -> None:
        self._times = times
        self._sigs = sigs
        self._lines = lines
        self.raw = raw
        if raw:
            self.count = raw[1] | raw[2] << 8  # _BAND_HEAD: tag, count:H (little endian)
            self.sig_len = raw[3]
        else:
            self.count = 0 if times is None else len(times)
            self.sig_len = 0 if sigs is None or sigs.ndim < 2 else sigs.shape[1]

    @property
    def times(self) -> npt.NDArray[np.float64]:
        if self._times is None:
            self._times = np.frombuffer(self.raw, dtype="<f8", count=self.count, offset=_BAND_HEAD.size + 1)
        return self._times

    @property
    def sigs(self) -> npt.NDArray[np.uint8]:
        """Shape (count, sig_len)."""
        if self._sigs is None:
            off = _BAND_HEAD.size + 1 + 8 * self.count
            n = self.count * self.sig_len
            self._sigs = np.frombuffer(self.raw, dtype=np.uint8, count=n, offset=off).reshape(
                self.count, self.sig_len
            )
        return self._sigs

    @property
    def lines(self) -> list[bytes]:
        """b"storyid\tcluster" per row."""
        if self._lines is None:
            off = _BAND_HEAD.size + 1 + (8 + self.sig_len) * self.count
            self._lines = self.raw[off:].split(b"\n") if self.count else []
        return self._lines

    def times_bytes(self) -> bytes:
        """The times column as little-endian float64 bytes (a slice of ``raw`` when decoded)."""
        if self.raw:
            off = _BAND_HEAD.size + 1
            return self.raw[off : off + 8 * self.count]
        return np.asarray(self.times, dtype="<f8").tobytes()

    def sigs_bytes(self) -> bytes:
        if self.raw:
            off = _BAND_HEAD.size + 1 + 8 * self.count
            return self.raw[off : off + self.sig_len * self.count]
        return self.sigs.tobytes()

    def __len__(self) -> int:
        return self.count

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
    if raw[:1] != b"B" or len(raw) < _BAND_HEAD.size + 1:
        raise ValueError("not a band entry list")
    return BandColumns(raw=bytes(raw))


_TIME = struct.Struct("<d")


def _single(t: float, sig: bytes, line: bytes) -> bytes:
    """``encode_columns([t], sig, [line])`` without the generic path."""
    return b"".join((_BAND_HEAD.pack(b"B", 1), bytes((len(sig),)), _TIME.pack(t), sig, line))


def _sorted_times(raw: bytes, off: int, count: int) -> bool:
    """Times already non-decreasing (so a stable sort by time keeps the order); NaN -> False."""
    times = struct.unpack_from(f"<{count}d", raw, off)
    return all(map(operator.le, times, times[1:]))


def append_entry(
    raw: bytes | None, t: float, sig: bytes, line: bytes, mine: bytes, max_entries: int
) -> bytes:
    """``raw`` (a band list, or None) with one entry added; ``mine`` = b"storyid\t" of that entry.

    Byte-for-byte the value ``encode_columns`` gives for: the list without the rows of the
    same story id, capped to the ``max_entries - 1`` most recent by event time (stable order
    of the kept rows by time when capping, else their order), plus the new entry. The common
    case (story not listed, room left) splices bytes without decoding anything.
    """
    if raw is None:
        return _single(t, sig, line)
    tag, count = _BAND_HEAD.unpack_from(raw)
    if tag != b"B":
        raise ValueError("not a band entry list")
    sig_len = raw[_BAND_HEAD.size]
    if not count or sig_len != len(sig):
        # Empty, or written with another signature size (config changed): start the list again.
        return _single(t, sig, line)
    off = _BAND_HEAD.size + 1
    sigs_off = off + 8 * count
    lines_off = sigs_off + sig_len * count
    listed = raw.startswith(mine, lines_off) or raw.find(b"\n" + mine, lines_off) >= 0
    if not listed:
        drop = max(0, count + 1 - max_entries)
        if drop == 0:
            rest = raw[lines_off:]
        elif drop < count and _sorted_times(raw, off, count):
            # Capped, and already in time order (the usual case once a key is hot): the
            # stable sort by time keeps the order, so the oldest ``drop`` rows just go.
            rest = raw[lines_off:].split(b"\n", drop)[drop]
        else:
            rest = None
        if rest is not None:
            return b"".join(
                (
                    _BAND_HEAD.pack(b"B", count - drop + 1),
                    bytes((sig_len,)),
                    raw[off + 8 * drop : sigs_off],
                    _TIME.pack(t),
                    raw[sigs_off + sig_len * drop : lines_off],
                    sig,
                    rest,
                    b"\n",
                    line,
                )
            )
    cols = decode_columns(raw)
    lines = cols.lines
    keep = [i for i, ln in enumerate(lines) if not ln.startswith(mine)] if listed else list(range(count))
    if len(keep) + 1 > max_entries:
        # Keep the most recent by event time: a hot key (boilerplate, common words) stays small.
        times = cols.times
        keep = sorted(keep, key=lambda i: times[i])[len(keep) + 1 - max_entries :]
    if len(keep) == count:
        return encode_columns(np.append(cols.times, t), cols.sigs.tobytes() + sig, [*lines, line])
    return encode_columns(
        np.append(cols.times[keep], t), cols.sigs[keep].tobytes() + sig, [*(lines[i] for i in keep), line]
    )


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
