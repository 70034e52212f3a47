"""Every row of DESIGN.md "Dedup semantics", over plain dict stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.dedup import DedupConfig, DedupIndex, DedupStores, OfflineDeduper
from streams.dedup.fingerprint import fingerprint
from streams.dedup.index import (
    candidates,
    candidates_from_band,
    check_content,
    check_id,
    event_time,
    reconcile,
)
from streams.model import Provenance, PubStatus, Signal, Story
from streams.normalize import story_id

T = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

BODY = [
    "ANKARA, Nov 25 (Reuters) - A magnitude 6.4 earthquake struck Malatya province in eastern Turkey early on "
    "Tuesday, killing at least 14 people and injuring more than 200, the disaster agency AFAD said.",
    "The quake hit at 4:17 a.m. local time at a depth of 9 kilometres, AFAD said, and was followed by more "
    "than 40 aftershocks, the strongest of magnitude 4.9.",
    "Television footage showed rescuers pulling a woman from the rubble of a five-storey building in the town "
    "of Yesilyurt as residents spent the night outdoors in freezing temperatures.",
    "Interior Minister Ali Yerlikaya said 3,100 search and rescue workers had been sent to the region and that "
    "tents were being distributed in eleven districts.",
    "The region was among those devastated by twin earthquakes in February 2023 that killed more than 50,000 "
    "people in Turkey.",
]
REWRITE = [
    "MALATYA, Turkey (AP) — Rescue teams dug through collapsed buildings in Malatya on Tuesday after a "
    "6.4-magnitude earthquake before dawn left at least 14 people dead and over 200 hurt, according to "
    "Turkey's emergency management authority AFAD.",
    "Frightened residents lit fires in parks to keep warm after the shaking woke them shortly after 4 a.m. "
    "Dozens of aftershocks followed, one measuring 4.9.",
    "In Yesilyurt, a woman was rescued alive from a flattened apartment block, footage aired by broadcasters "
    "showed.",
    "Yerlikaya, the interior minister, told reporters that more than 3,000 rescuers were deployed in Malatya "
    "and that the government was handing out tents in eleven districts.",
]
OTHER = [
    "SANTIAGO, Nov 25 (Reuters) - A magnitude 7.1 earthquake struck off the coast of northern Chile on Tuesday "
    "evening, shaking buildings in the port city of Antofagasta, but authorities said there was no threat of "
    "a tsunami.",
    "The U.S. Geological Survey said the quake was centred 62 km west of Taltal at a depth of 35 km.",
    "Chile's disaster agency Senapred said there were no immediate reports of casualties or major damage.",
]


def mk(
    item_id: str | None = "TR-1",
    version: int | None = 1,
    paragraphs: list[str] | None = None,
    headline: str = "Strong earthquake hits eastern Turkey",
    when: datetime = T,
    agency: str = "Reuters",
    signal: Signal = Signal.NEW,
    pubstatus: PubStatus = PubStatus.USABLE,
) -> Story:
    s = Story(
        headline=headline,
        paragraphs=list(BODY if paragraphs is None else paragraphs),
        provenance=Provenance(received=when + timedelta(seconds=30)),
        agency=agency,
        item_id=item_id,
        version=None if version is None else str(version),
        version_rank=version,
        language="en",
        signal=signal,
        pubstatus=pubstatus,
        versioncreated=when,
    )
    return s.replace(storyid=story_id(s))


@pytest.fixture
def index() -> DedupIndex:
    return DedupIndex(DedupStores({}, {}, {}), DedupConfig())


def test_new_story(index: DedupIndex) -> None:
    d = index.decide(mk())
    assert (d.event, d.duplicate_of, d.method) == ("new", None, None)
    assert d.cluster and d.fingerprint == fingerprint(mk()).exact


def test_same_id_same_version_is_redelivery(index: DedupIndex) -> None:
    index.decide(mk())
    d = index.decide(mk(when=T))
    assert (d.event, d.method, d.similarity, d.duplicate_of) == ("duplicate", "redelivery", 1.0, mk().storyid)


def test_higher_version_is_update_and_keeps_cluster(index: DedupIndex) -> None:
    first = index.decide(mk())
    d = index.decide(
        mk(
            version=2,
            paragraphs=[*BODY, "Officials later confirmed the figures."],
            when=T + timedelta(hours=1),
        )
    )
    assert d.event == "update" and d.cluster == first.cluster and d.storyid == first.storyid


def test_correction_signal(index: DedupIndex) -> None:
    index.decide(mk())
    d = index.decide(mk(version=2, signal=Signal.CORRECTION, when=T + timedelta(hours=1)))
    assert d.event == "correction"


def test_lower_or_equal_version_with_other_content_is_stale_and_never_overwrites(index: DedupIndex) -> None:
    index.decide(mk())
    v3 = mk(
        version=3, paragraphs=[*BODY, "Officials later confirmed the figures."], when=T + timedelta(hours=2)
    )
    assert index.decide(v3).event == "update"
    late = mk(
        version=2,
        paragraphs=[*BODY[:-1], "An older wording of the last paragraph."],
        when=T + timedelta(hours=1),
    )
    d = index.decide(late)
    assert (d.event, d.method, d.reason) == ("duplicate", "redelivery", "stale")
    assert d.similarity is not None and 0 < d.similarity < 1
    same_version = mk(version=3, paragraphs=BODY, when=T + timedelta(hours=2))
    assert index.decide(same_version).reason == "stale"
    # The stored latest is still v3: a copy of v3 is a plain redelivery.
    assert index.decide(v3).reason == "redelivery"


def test_kill_applies_to_every_version_and_never_resurrects(index: DedupIndex) -> None:
    index.decide(mk())
    index.decide(mk(version=2, when=T + timedelta(hours=1), paragraphs=[*BODY, "More."]))
    kill = mk(
        version=3,
        signal=Signal.KILL,
        pubstatus=PubStatus.CANCELED,
        when=T + timedelta(hours=2),
        paragraphs=["Withdrawn."],
    )
    d = index.decide(kill)
    assert (d.event, d.storyid) == ("kill", mk().storyid)
    for late in (mk(version=1), mk(version=2, paragraphs=[*BODY, "More."]), mk(version=9)):
        d = index.decide(late)
        assert (d.event, d.method, d.reason) == ("duplicate", "redelivery", "killed")
    assert index.decide(kill).reason == "redelivery"


def test_withdrawn_by_pubstatus_and_kill_of_unknown_story(index: DedupIndex) -> None:
    d = index.decide(mk(item_id="NEVER-SEEN", pubstatus=PubStatus.CANCELED))
    assert d.event == "kill"
    assert index.decide(mk(item_id="NEVER-SEEN")).reason == "killed"


def test_no_item_id_gets_content_id_so_redelivered_file_is_redelivery(index: DedupIndex) -> None:
    a = mk(item_id=None, version=None)
    assert index.decide(a).event == "new"
    again = mk(item_id=None, version=None, paragraphs=[p.replace(", ", ",  ") for p in BODY])
    assert again.storyid == a.storyid
    d = index.decide(again)
    assert (d.event, d.method, d.similarity) == ("duplicate", "redelivery", 1.0)


def test_same_normalized_text_under_another_id_is_content_duplicate(index: DedupIndex) -> None:
    orig = mk()
    index.decide(orig)
    copy = mk(
        item_id="PARTNER-9",
        agency="Partner",
        headline="TURKEY QUAKE (REPEAT)",
        paragraphs=[p.replace("(Reuters) -", "(Reuters) --") for p in BODY],
    )
    d = index.decide(copy)
    assert (d.event, d.method, d.similarity, d.duplicate_of) == ("duplicate", "content", 1.0, orig.storyid)


def test_near_duplicate_within_window(index: DedupIndex) -> None:
    orig = mk()
    index.decide(orig)
    edited = mk(
        item_id="TR-77",
        headline="UPDATE 1-Quake in Turkey",
        paragraphs=[BODY[0], BODY[2], BODY[1], BODY[3].replace("search", "saerch")],
        when=T + timedelta(hours=5),
    )
    d = index.decide(edited)
    assert (d.event, d.method, d.duplicate_of) == ("duplicate", "near", orig.storyid)
    assert d.similarity is not None and 0.5 < d.similarity < 1


def test_near_duplicate_outside_window_is_new() -> None:
    index = DedupIndex(DedupStores({}, {}, {}), DedupConfig(window_hours=24))
    index.decide(mk())
    late = mk(item_id="TR-77", paragraphs=BODY[:4], when=T + timedelta(hours=30))
    assert index.decide(late).event == "new"


def test_rewrite_by_another_agency_shares_cluster_but_is_not_duplicate(index: DedupIndex) -> None:
    a = index.decide(mk())
    b = index.decide(
        mk(
            item_id="AP-1",
            agency="AP",
            headline="Deadly quake rattles Turkey's Malatya",
            paragraphs=REWRITE,
            when=T + timedelta(minutes=40),
        )
    )
    c = index.decide(mk(item_id="CL-1", headline="Quake off Chile", paragraphs=OTHER))
    assert b.event == "new" and b.cluster == a.cluster
    assert c.event == "new" and c.cluster != a.cluster


def test_duplicates_do_not_enter_state(index: DedupIndex) -> None:
    index.decide(mk())
    sizes = (len(index.stores.ids), len(index.stores.content), len(index.stores.bands))
    index.decide(mk())
    index.decide(mk(item_id="PARTNER-9"))
    assert (len(index.stores.ids), len(index.stores.content), len(index.stores.bands)) == sizes


def test_distributed_pieces_agree_with_decide() -> None:
    """check_id -> check_content -> candidates_from_band per key -> reconcile == DedupIndex.decide."""
    cfg = DedupConfig()
    index = DedupIndex(DedupStores({}, {}, {}), cfg)
    index.decide(mk())
    index.decide(mk(item_id="AP-1", agency="AP", paragraphs=REWRITE))
    for s in (
        mk(item_id="TR-77", paragraphs=BODY[:4]),
        mk(item_id="X", paragraphs=OTHER),
        mk(item_id="AP-2", agency="AP", paragraphs=REWRITE[:3]),
    ):
        fp = fingerprint(s, cfg.fingerprint)
        t = event_time(s)
        assert check_id(index.stores.ids, s, fp, t) is None
        match = check_content(index.stores.content, s.storyid, fp, t, cfg.window_s)
        per_key = [
            c
            for k in fp.band_keys
            for c in candidates_from_band(index.stores.bands, k, fp, s.storyid, t, cfg.window_s)
        ]
        assert {c.storyid for c in per_key} == {
            c.storyid for c in candidates(index.stores.bands, s.storyid, fp, t, cfg.window_s)
        }
        expected = reconcile(s, fp, match, per_key, cfg)
        assert index.decide(s) == expected


def test_event_time_prefers_versioncreated_then_received() -> None:
    s = mk()
    assert event_time(s) == T.timestamp()
    s2 = s.replace(versioncreated=None)
    assert event_time(s2) == (T + timedelta(seconds=30)).timestamp()
    s3 = s2.replace(provenance=Provenance())
    assert event_time(s3, 123.0) == 123.0


def test_offline_deduper_spans_inputs_and_applies_results() -> None:
    d = OfflineDeduper(expire_every=1)
    first = d.decide(mk())
    assert d.decide(mk()).method == "redelivery"
    out = d.apply(mk(), first)
    assert out.fingerprint == first.fingerprint and out.cluster == first.cluster


def test_unversioned_same_text_later_is_a_redelivery_not_an_update() -> None:
    """A plain-text wire (no id, no version) delivered again an hour later."""
    from datetime import UTC, datetime, timedelta

    from streams.dedup import OfflineDeduper
    from streams.model import Provenance, Story
    from streams.normalize import normalize

    def delivery(received: datetime) -> Story:
        return normalize(
            Story(
                headline="Storm closes the harbour bridge",
                paragraphs=["The bridge was closed on Tuesday after a storm.", "Repairs will take weeks."],
                provenance=Provenance(received=received),
                agency="AFP",
            )
        )

    first = datetime(2024, 7, 10, 12, tzinfo=UTC)
    deduper = OfflineDeduper()
    assert deduper.decide(delivery(first)).event == "new"
    again = deduper.decide(delivery(first + timedelta(hours=1)))
    assert (again.event, again.method, again.similarity) == ("duplicate", "redelivery", 1.0)


def test_candidates_keep_the_first_best_row_per_story_and_family() -> None:
    """``candidates`` (best row chosen before decoding ids) == the per-row list, reduced.

    An updated story stays listed with its old signature under keys the new version does
    not share, so one story id can appear with several similarities and times.
    """
    from streams.dedup.index import Candidate, candidates_from_columns
    from streams.dedup.state import decode_columns

    cfg = DedupConfig()
    index = DedupIndex(DedupStores({}, {}, {}), cfg)
    index.decide(mk())
    index.decide(mk(version=2, paragraphs=[*BODY[:3], "Officials raised the toll to 19.", BODY[4]]))
    index.decide(mk(item_id="AP-1", agency="AP", paragraphs=REWRITE))
    index.decide(mk(item_id="AP-1", agency="AP", version=2, paragraphs=REWRITE[:3]))
    index.decide(mk(item_id="X", paragraphs=OTHER))
    for s in (
        mk(item_id="TR-9", paragraphs=BODY[:4]),
        mk(item_id="AP-9", agency="AP", paragraphs=REWRITE[1:]),
        mk(item_id="TR-1", version=3, paragraphs=BODY[:2]),
    ):
        fp = fingerprint(s, cfg.fingerprint)
        t = event_time(s)
        for floors, config in (((0.0, 0.0), None), ((cfg.near_threshold, cfg.cluster_threshold), cfg)):
            decoded = {
                k: decode_columns(index.stores.bands[k]) for k in fp.band_keys if k in index.stores.bands
            }
            best: dict[tuple[str, str], Candidate] = {}
            for c in candidates_from_columns(decoded, fp, s.storyid, t, cfg.window_s, floors):
                k = (c.storyid, c.family)
                if k not in best or c.similarity > best[k].similarity:
                    best[k] = c
            expected = sorted(best.values(), key=lambda c: (-c.similarity, c.time, c.storyid))
            assert candidates(index.stores.bands, s.storyid, fp, t, cfg.window_s, config) == expected
