"""The seed dispatch (AFP, French, Russia/Syria) must be tagged exactly as an editor would."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.model import Caption, Provenance, Story
from streams.tagging import Tagger, default_tagger

# The repo carries its own copy of the seed (identical to shared/seed/), so this never skips.
SEED = Path(__file__).resolve().parents[2] / "streams" / "samples" / "afp-fr-russie-syrie.txt"
MEDTOP = "http://cv.iptc.org/newscodes/mediatopic/"


def seed_story() -> Story:
    """Built from the file's paragraphs (the parser is not needed for tagging)."""
    blocks = [b.strip() for b in SEED.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    # blocks: breadcrumb, headline, photo caption, body paragraphs..., signature
    caption_text = blocks[2].replace("(Photo : AFP)", "").strip()
    body = [b for b in blocks[3:] if not b.startswith("AFP/")]
    return Story(
        headline=blocks[1],
        paragraphs=body,
        provenance=Provenance(),
        captions=[Caption(caption_text, credit="AFP")],
        language_declared=None,
    )


@pytest.fixture(scope="module")
def tagged() -> Story:
    return default_tagger().tag(seed_story())


def test_language_is_french_with_confidence(tagged: Story) -> None:
    assert tagged.language == "fr"
    assert tagged.language_confidence is not None and tagged.language_confidence > 0.9
    assert "language_mismatch" not in tagged.annotations


def test_subjects_cover_conflict_politics_and_specific_codes(tagged: Story) -> None:
    uris = {s.uri for s in tagged.subjects}
    for code in ("16000000", "11000000", "20000056", "20000638", "20000598"):
        assert MEDTOP + code in uris, code
    by_uri = {s.uri: s for s in tagged.subjects}
    assert by_uri[MEDTOP + "16000000"].name == "Conflit, guerre et paix"  # label in the story's language
    for subject in tagged.subjects:
        assert subject.creator == "wirefeed"
        assert isinstance(subject.confidence, int) and 0 <= subject.confidence <= 100
        assert isinstance(subject.relevance, int) and 0 <= subject.relevance <= 100
    # The editor can see why: the terms behind each code.
    matched = tagged.annotations["matched_terms"]
    assert "missiles de croisière" in matched["20000056"]
    assert set(matched) == {s.uri.rsplit("/", 1)[1] for s in tagged.subjects if s.uri}


def test_places_countries_cities_and_sea(tagged: Story) -> None:
    countries = {p.literal for p in tagged.places if p.literal and len(p.literal) == 2}
    assert {"SY", "RU"} <= countries
    uris = {p.uri for p in tagged.places}
    for geonameid in (170063, 524901, 170654):  # Aleppo (Alep), Moscow (Moscou), Damascus (Damas)
        assert f"https://sws.geonames.org/{geonameid}/" in uris
    assert any(p.literal == "region:caspian-sea" for p in tagged.places)  # "mer Caspienne"
    names = {p.literal: p.name for p in tagged.places if p.literal}
    assert names["SY"] == "Syrie" and names["RU"] == "Russie"


def test_people_unified_and_named_in_story_language(tagged: Story) -> None:
    people = {p.literal: p.name for p in tagged.people}
    assert people["vladimir-putin"] == "Vladimir Poutine"
    assert people["bashar-al-assad"] == "Bachar al-Assad"


def test_organisations_defence_ministry_and_pentagon(tagged: Story) -> None:
    orgs = {o.literal: o.name for o in tagged.organisations}
    assert "russian-ministry-of-defence" in orgs
    assert "us-department-of-defense" in orgs
    assert orgs["us-department-of-defense"] == "Pentagone"


def test_only_ninjs_subject_fields(tagged: Story) -> None:
    allowed = {"name", "rel", "uri", "literal", "creator", "relevance", "confidence"}
    for group in (tagged.subjects, tagged.places, tagged.people, tagged.organisations):
        for subject in group:
            assert set(subject.__slots__) <= allowed


def test_tag_is_pure() -> None:
    story = seed_story()
    tagger: Tagger = default_tagger()
    first = tagger.tag(story)
    assert story.subjects == [] and story.places == [] and story.annotations == {}
    assert tagger.tag(story) == first
