"""State values: compact encoding, and expiry by event time on restored entries."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.dedup import DedupConfig, DedupIndex, DedupStores
from streams.dedup.state import (
    BandEntry,
    ContentEntry,
    IdEntry,
    decode_band,
    encode_band,
    expire,
)
from tests.unit.test_dedup_index import BODY, T, mk


class Table(MutableMapping[str, bytes]):
    """A store that is not a dict (like a Faust table): only the MutableMapping protocol."""

    def __init__(self, data: dict[str, bytes] | None = None) -> None:
        self._d = dict(data or {})

    def __getitem__(self, k: str) -> bytes:
        return self._d[k]

    def __setitem__(self, k: str, v: bytes) -> None:
        self._d[k] = v

    def __delitem__(self, k: str) -> None:
        del self._d[k]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)


@given(
    rank=st.integers(-(2**63), 2**63 - 1),
    time=st.floats(0, 4e9),
    killed=st.booleans(),
    exact=st.binary(min_size=16, max_size=16),
    near=st.binary(max_size=128),
    cluster=st.text(max_size=40),
)
def test_id_entry_roundtrip(
    rank: int, time: float, killed: bool, exact: bytes, near: bytes, cluster: str
) -> None:
    e = IdEntry(rank, time, killed, exact.hex(), near, cluster)
    assert IdEntry.decode(e.encode()) == e


_ID = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\t\n"), min_size=1, max_size=40
)


@given(
    sig_len=st.integers(0, 64),
    rows=st.lists(st.tuples(st.floats(0, 4e9), st.binary(min_size=64, max_size=64), _ID, _ID), max_size=30),
)
def test_band_roundtrip(sig_len: int, rows: list[tuple[float, bytes, str, str]]) -> None:
    entries = [BandEntry(t, sig[:sig_len], sid, cl) for t, sig, sid, cl in rows]
    assert decode_band(encode_band(entries)) == entries


def test_content_roundtrip() -> None:
    assert ContentEntry.decode(ContentEntry(1.5, "afp-123").encode()) == ContentEntry(1.5, "afp-123")


def test_expire_restored_entries_by_event_time() -> None:
    """Entries written by another process (restored from a changelog) expire by their own time."""
    writer = DedupIndex(DedupStores({}, {}, {}), DedupConfig())
    writer.decide(mk())
    writer.decide(
        mk(
            item_id="LATER",
            paragraphs=[*BODY[:2], "Another text entirely about other things."],
            when=T + timedelta(hours=60),
        )
    )
    # "Restore" into fresh, non-dict stores, as a new worker would.
    stores = DedupStores(Table(writer.stores.ids), Table(writer.stores.content), Table(writer.stores.bands))
    reader = DedupIndex(stores, DedupConfig())
    before = {k: len(getattr(stores, k)) for k in ("ids", "content", "bands")}
    removed = reader.expire(T + timedelta(hours=73))
    assert removed > 0
    assert len(stores.ids) == before["ids"] - 1
    assert mk().storyid not in stores.ids
    assert mk(item_id="LATER").storyid in stores.ids
    times = [e.time for raw in stores.bands.values() for e in decode_band(raw)]
    assert times and min(times) >= (T + timedelta(hours=1)).timestamp()
    # The expired story is forgotten: delivered again it is new.
    assert reader.decide(mk(when=T + timedelta(hours=73))).event == "new"


def test_kill_tombstones_outlive_the_window() -> None:
    idx = DedupIndex(DedupStores({}, {}, {}), DedupConfig(window_hours=72, kill_window_hours=168))
    idx.decide(mk())
    idx.decide(
        mk(
            version=2,
            pubstatus=__import__("streams.model").model.PubStatus.CANCELED,
            when=T + timedelta(hours=1),
        )
    )
    idx.expire(T + timedelta(hours=100))
    assert mk().storyid in idx.stores.ids
    assert idx.decide(mk(version=1)).reason == "killed"
    idx.expire(T + timedelta(hours=200))
    assert mk().storyid not in idx.stores.ids


def test_expire_with_plain_cutoff_and_empty_store() -> None:
    store: dict[str, bytes] = {}
    assert expire(store, datetime.now(UTC).timestamp()) == 0
    store["x"] = ContentEntry(10.0, "a").encode()
    store["y"] = ContentEntry(30.0, "b").encode()
    assert expire(store, 20.0) == 1 and list(store) == ["y"]


def test_state_is_compact() -> None:
    idx = DedupIndex(DedupStores({}, {}, {}), DedupConfig())
    idx.decide(mk())
    total = sum(
        len(k) + len(v) for s in (idx.stores.ids, idx.stores.content, idx.stores.bands) for k, v in s.items()
    )
    # ~4.7 KB with the defaults (32 band entries carrying a 64-byte signature each): docs/dedup.md.
    assert total < 6000


def test_hot_band_key_keeps_only_the_newest_entries() -> None:
    from streams.dedup.fingerprint import fingerprint
    from streams.dedup.index import register_bands

    bands: dict[str, bytes] = {}
    fp = fingerprint(mk())
    for i in range(30):
        register_bands(bands, f"s-{i}", fp, float(1000 + i), "c1", max_entries=5)
    for raw in bands.values():
        entries = decode_band(raw)
        assert [e.storyid for e in entries] == [f"s-{i}" for i in range(25, 30)]
    # Re-registering a story (an update) replaces its entry instead of adding one.
    register_bands(bands, "s-29", fp, 2000.0, "c1", max_entries=5)
    assert [e.storyid for e in decode_band(next(iter(bands.values())))][-1] == "s-29"
    assert len(decode_band(next(iter(bands.values())))) == 5


def _reference_append(
    raw: bytes | None, t: float, sig: bytes, line: bytes, mine: bytes, max_entries: int
) -> bytes:
    """The decode / filter / cap / re-encode that ``append_entry`` replaces (same bytes)."""
    import numpy as np

    from streams.dedup.state import decode_columns, encode_columns

    if raw is None:
        return encode_columns([t], sig, [line])
    cols = decode_columns(raw)
    if cols.sigs.shape[1] != len(sig):
        return encode_columns([t], sig, [line])
    keep = [i for i, ln in enumerate(cols.lines) if not ln.startswith(mine)]
    if len(keep) + 1 > max_entries:
        keep = sorted(keep, key=lambda i: cols.times[i])[len(keep) + 1 - max_entries :]
    if len(keep) == len(cols):
        return encode_columns(np.append(cols.times, t), cols.sigs.tobytes() + sig, [*cols.lines, line])
    return encode_columns(
        np.append(cols.times[keep], t),
        cols.sigs[keep].tobytes() + sig,
        [*(cols.lines[i] for i in keep), line],
    )


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from([1.0, 2.0, 3.0, 5.0, 8.0]), st.sampled_from(["a", "b", "c", "d", "ab"])),
        max_size=12,
    ),
    t=st.sampled_from([0.5, 3.0, 9.0]),
    sid=st.sampled_from(["a", "b", "e"]),
    max_entries=st.integers(0, 14),
    sig_len=st.sampled_from([2, 3]),
    sorted_times=st.booleans(),
)
def test_append_entry_is_byte_identical_to_decode_and_reencode(
    rows: list[tuple[float, str]], t: float, sid: str, max_entries: int, sig_len: int, sorted_times: bool
) -> None:
    from streams.dedup.state import append_entry, encode_columns, row_line

    if sorted_times:
        rows = sorted(rows)
    raw = (
        encode_columns(
            [r[0] for r in rows],
            b"".join(bytes([i % 256]) * 2 for i in range(len(rows))),
            [row_line(r[1], f"c{i}") for i, r in enumerate(rows)],
        )
        if rows
        else None
    )
    line, mine = row_line(sid, "cx"), sid.encode() + b"\t"
    sig = b"\xff" * sig_len
    assert append_entry(raw, t, sig, line, mine, max_entries) == _reference_append(
        raw, t, sig, line, mine, max_entries
    )


def test_lazy_band_columns_read_like_arrays() -> None:
    from streams.dedup.state import decode_columns, encode_columns

    raw = encode_columns([1.0, 2.0], b"abcd", [b"s1\tc1", b"s2\tc2"])
    cols = decode_columns(raw)
    assert len(cols) == 2 and cols.sig_len == 2
    assert cols.times.tolist() == [1.0, 2.0]
    assert cols.sigs.tobytes() == b"abcd" and cols.sigs.shape == (2, 2)
    assert cols.times_bytes() + cols.sigs_bytes() == raw[4:24]
    assert (cols.storyid(1), cols.cluster(1)) == ("s2", "c2")
