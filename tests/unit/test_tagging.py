"""Unit tests for streams.tagging: language, topics, places, entities, data loading."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.model import Dateline, Provenance, Story, Subject
from streams.tagging import Tagger, TaggingDataError, default_tagger

MEDTOP = "http://cv.iptc.org/newscodes/mediatopic/"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return default_tagger()


def story(headline: str, *paragraphs: str, **kw: object) -> Story:
    return Story(headline=headline, paragraphs=list(paragraphs), provenance=Provenance(), **kw)  # type: ignore[arg-type]


def codes(s: Story) -> set[str]:
    return {x.uri.rsplit("/", 1)[1] for x in s.subjects if x.uri and x.uri.startswith(MEDTOP)}


def countries(s: Story) -> set[str]:
    return {p.literal for p in s.places if p.literal and len(p.literal) == 2}


def geonames(s: Story) -> set[str]:
    return {p.uri.rstrip("/").rsplit("/", 1)[1] for p in s.places if p.uri}


# ------------------------------------------------------------------ language
@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "The government said on Monday it would raise taxes on large companies next year."),
        ("fr", "Le gouvernement a annoncé lundi une hausse des impôts pour les grandes entreprises."),
        ("de", "Die Bundesregierung hat am Montag höhere Steuern für große Unternehmen angekündigt."),
        ("es", "El Gobierno anunció el lunes una subida de impuestos para las grandes empresas."),
        ("it", "Il governo ha annunciato lunedì un aumento delle tasse per le grandi aziende del paese."),
        ("pt", "O governo anunciou na segunda-feira um aumento de impostos para as grandes empresas."),
        ("nl", "De regering heeft maandag een belastingverhoging voor grote bedrijven aangekondigd."),
    ],
)
def test_language_detected(tagger: Tagger, lang: str, text: str) -> None:
    tagged = tagger.tag(story("", text))
    assert tagged.language == lang
    assert tagged.language_confidence is not None and 0 < tagged.language_confidence <= 1


def test_confident_mismatch_uses_text_language_and_is_flagged(tagger: Tagger) -> None:
    text = (
        "Le président de la République a réuni dimanche le gouvernement pour préparer le budget, "
        "a indiqué l'Élysée dans un communiqué publié dans la soirée."
    )
    tagged = tagger.tag(story("Réunion à l'Élysée", text, language_declared="en-GB"))
    assert tagged.language == "fr"
    mismatch = tagged.annotations["language_mismatch"]
    assert mismatch["declared"] == "en" and mismatch["detected"] == "fr" and mismatch["used"] == "detected"
    assert mismatch["confidence"] >= 0.9


def test_short_text_keeps_declared_language(tagger: Tagger) -> None:
    tagged = tagger.tag(story("Brexit", "Boris Johnson OK", language_declared="de"))
    assert tagged.language == "de"


def test_same_declared_and_detected_no_mismatch(tagger: Tagger) -> None:
    tagged = tagger.tag(
        story("", "Die Regierung hat am Montag neue Gesetze beschlossen.", language_declared="de-DE")
    )
    assert tagged.language == "de" and "language_mismatch" not in tagged.annotations


# ------------------------------------------------------------------ topics
@pytest.mark.parametrize(
    ("headline", "body", "expected"),
    [
        (
            "Bayern beat Dortmund",
            "Bayern Munich beat Borussia Dortmund 3-1 in the Bundesliga on Saturday, "
            "with two goals from their striker in the second half.",
            {"15000000", "20001065"},
        ),
        (
            "Séisme en Turquie",
            "Un séisme de magnitude 6,2 a frappé l'ouest de la Turquie, faisant au moins "
            "dix morts et des dizaines de blessés selon les secours.",
            {"03000000", "20000151"},
        ),
        (
            "Streik bei der Bahn",
            "Die Gewerkschaft hat zu einem Streik bei der Deutschen Bahn aufgerufen, "
            "die Lokführer fordern mehr Lohn.",
            {"09000000", "20000529"},
        ),
        (
            "Elecciones en Portugal",
            "Los portugueses votan este domingo en unas elecciones legislativas "
            "anticipadas; los sondeos dan ventaja al partido socialista.",
            {"11000000", "20000574"},
        ),
    ],
)
def test_topics(tagger: Tagger, headline: str, body: str, expected: set[str]) -> None:
    assert expected <= codes(tagger.tag(story(headline, body)))


@pytest.mark.parametrize(
    ("headline", "body", "expected", "absent"),
    [
        # "army", "soldiers", "troops" are listed under conflict and under defence (politics in
        # the IPTC tree): the story's other words explain them as conflict.
        (
            "Rebels overrun army base in the north",
            "Rebel fighters attacked an army base overnight, killing twelve soldiers, the military "
            "said. Fighting continued with artillery and drones near the front line, and troops "
            "were sent as reinforcements.",
            {"16000000", "20000056"},
            {"11000000"},
        ),
        # Central banks are economy > macro economics in the IPTC tree, not economic policy.
        (
            "Central bank cuts rates to support growth",
            "The central bank lowered its benchmark interest rate by a quarter point on Thursday, "
            "citing slowing inflation and weak growth. Markets had expected the cut.",
            {"04000000", "20000350"},
            {"11000000"},
        ),
        (
            "US raises tariffs on Chinese steel",
            "Washington will double tariffs on steel imports from China, the trade representative "
            "said, in a move likely to hit exports and widen the trade war.",
            {"04000000", "20000373", "20000384"},
            {"11000000"},
        ),
    ],
)
def test_topic_evidence_counted_once_per_tree(
    tagger: Tagger, headline: str, body: str, expected: set[str], absent: set[str]
) -> None:
    found = codes(tagger.tag(story(headline, body)))
    assert expected <= found
    assert not absent & found


def test_negative_terms_and_nested_terms(tagger: Tagger) -> None:
    # "cessez-le-feu" must not count as a fire ("feu"), and a video game is not sport.
    tagged = tagger.tag(
        story(
            "Cessez-le-feu au Liban",
            "Un cessez-le-feu est entré en vigueur mercredi au Liban "
            "après des semaines de frappes et de combats, selon l'armée.",
        )
    )
    assert "03000000" not in codes(tagged)
    assert "16000000" in codes(tagged)


def test_agency_subjects_are_kept_and_merged(tagger: Tagger) -> None:
    agency = [
        Subject(name="Sport", uri=MEDTOP + "15000000"),
        Subject(name="sport", literal="subj:15000000"),
    ]
    tagged = tagger.tag(
        story(
            "Final",
            "Real Madrid won the Champions League final against Liverpool, "
            "scoring twice in the second half of the match.",
            subjects=agency,
        )
    )
    assert tagged.subjects[:2] == agency
    uris = [s.uri for s in tagged.subjects if s.uri]
    assert uris.count(MEDTOP + "15000000") == 1  # ours deduplicated against the agency's
    assert MEDTOP + "20001065" in uris


# ------------------------------------------------------------------ places
def test_demonyms_and_exonyms(tagger: Tagger) -> None:
    tagged = tagger.tag(
        story(
            "",
            "La délégation syrienne a rencontré à Moscou des responsables russes, "
            "avant de rentrer à Damas puis à Alep.",
        )
    )
    assert {"SY", "RU"} <= countries(tagged)
    assert {"524901", "170654", "170063"} <= geonames(tagged)


def test_paris_texas_vs_paris(tagger: Tagger) -> None:
    texas = tagger.tag(story("", "The fire broke out in Paris, Texas, on Sunday, local officials said."))
    assert "4717560" in geonames(texas) and "2988507" not in geonames(texas)
    assert "US" in countries(texas) and "FR" not in countries(texas)
    france = tagger.tag(story("", "The summit will be held in Paris next month, officials said."))
    assert "2988507" in geonames(france) and "FR" in countries(france)


def test_georgia_state_vs_country(tagger: Tagger) -> None:
    state = tagger.tag(
        story("", "Voters in Georgia lined up in Atlanta on Tuesday as the US midterms began.")
    )
    assert "GE" not in countries(state)
    assert any(p.uri == "https://sws.geonames.org/4197000/" for p in state.places)
    country = tagger.tag(story("", "Protesters in Georgia gathered in Tbilisi against the government."))
    assert "GE" in countries(country)


def test_dateline_place_comes_first(tagger: Tagger) -> None:
    tagged = tagger.tag(
        story(
            "",
            "Officials met in Berlin and later travelled to Warsaw.",
            dateline=Dateline(raw="WARSAW, May 2 (AFP) -", place="WARSAW"),
        )
    )
    assert tagged.places[0].uri == "https://sws.geonames.org/756135/"


def test_dateline_city_gives_its_country(tagger: Tagger) -> None:
    tagged = tagger.tag(
        story(
            "Le chômage recule",
            "Le nombre de demandeurs d'emploi a baissé de 2 % au premier trimestre.",
            dateline=Dateline(raw="MADRID, 3 mars (AFP) -", place="MADRID"),
        )
    )
    assert tagged.places[0].uri == "https://sws.geonames.org/3117735/"
    assert "ES" in countries(tagged)


@pytest.mark.parametrize(
    ("raw", "place", "body", "geonameid", "cc"),
    [
        # Towns below the gazetteer's 150,000 threshold: a dateline names a place by construction.
        (
            "ZAMORA, 25 nov (EFE).-",
            "ZAMORA",
            "Un incendio forestal arrasa 5.000 hectáreas en la provincia.",
            "3104342",
            "ES",
        ),
        (
            "AVIGNON, 25 nov 2026 (AFP) -",
            "AVIGNON",
            "Le festival a battu un record de fréquentation cette année.",
            "3035681",
            "FR",
        ),
        # A qualifier in the dateline picks the town ("PARIS, Texas") over the capital.
        (
            "PARIS, Texas (AP) —",
            "PARIS",
            "A tornado damaged dozens of homes on Tuesday night.",
            "4717560",
            "US",
        ),
        (
            "NAIROBI, Kenya (AP) —",
            "NAIROBI",
            "Heavy rains have killed 40 people in the capital.",
            "184745",
            "KE",
        ),
        # EFE/AFP style: the country in parentheses.
        (
            "PARIS (Etats-Unis), 22 janv 2026 (AFP) -",
            "PARIS",
            "Une tornade a frappé la petite ville mardi soir.",
            "4717560",
            "US",
        ),
        (
            "CÓRDOBA (España), 12 may (EFE).-",
            "CÓRDOBA",
            "La Mezquita recibió más visitantes que nunca este año.",
            "2519240",
            "ES",
        ),
    ],
)
def test_dateline_towns_and_qualifiers(
    tagger: Tagger, raw: str, place: str, body: str, geonameid: str, cc: str
) -> None:
    tagged = tagger.tag(story("", body, dateline=Dateline(raw=raw, place=place)))
    assert tagged.places[0].uri == f"https://sws.geonames.org/{geonameid}/"
    assert cc in countries(tagged)


def test_dateline_town_prefers_a_country_of_the_story_language(tagger: Tagger) -> None:
    # GeoNames has an Orange in California (141,000), Australia and Vaucluse (30,000):
    # in a French dispatch the dateline is the French town, in an English one the biggest.
    fr = tagger.tag(
        story(
            "Le festival d'opéra s'ouvre au théâtre antique",
            "Le maire a inauguré samedi la nouvelle saison devant des milliers de spectateurs.",
            dateline=Dateline(raw="ORANGE, 25 nov 2026 (AFP) -", place="ORANGE"),
        )
    )
    assert countries(fr) == {"FR"}
    en = tagger.tag(
        story(
            "Council approves new budget",
            "The city council approved the budget on Tuesday after a long debate.",
            dateline=Dateline(raw="ORANGE (AP) —", place="ORANGE"),
        )
    )
    assert countries(en) == {"US"}


def test_unknown_dateline_place_is_ignored(tagger: Tagger) -> None:
    tagged = tagger.tag(
        story("", "The council met on Monday.", dateline=Dateline(raw="XQZVILLE (AP) —", place="XQZVILLE"))
    )
    assert tagged.places == []


def test_city_implies_its_country(tagger: Tagger) -> None:
    tagged = tagger.tag(story("", "Des diplomates se sont réunis à Moscou mardi."))
    assert "RU" in countries(tagged)
    assert "https://sws.geonames.org/524901/" in {p.uri for p in tagged.places}


def test_scan_result_is_deterministic_and_shared(tagger: Tagger) -> None:
    text = "Le président russe Vladimir Poutine a répété dimanche que Moscou n'enverra pas de troupes."
    first = tagger.tag(story("Syrie", text))
    assert tagger.tag(story("Syrie", text)) == first


def test_caspian_sea_region(tagger: Tagger) -> None:
    for text in ("Warships fired missiles from the Caspian Sea.", "Des croiseurs en mer Caspienne ont tiré."):
        assert any(p.literal == "region:caspian-sea" for p in tagger.tag(story("", text)).places)


# ------------------------------------------------------------------ people / organisations
@pytest.mark.parametrize(
    "text",
    [
        "Russian President Vladimir Putin spoke on Monday.",
        "Le président russe Vladimir Poutine a parlé lundi.",
        "Der russische Präsident Wladimir Putin sprach am Montag.",
        "Путин выступил в понедельник.",
    ],
)
def test_aliases_unified(tagger: Tagger, text: str) -> None:
    assert [p.literal for p in tagger.tag(story("", text)).people] == ["vladimir-putin"]


def test_title_cue_finds_unknown_people(tagger: Tagger) -> None:
    tagged = tagger.tag(
        story(
            "",
            "Le ministre des Affaires étrangères Jean-Noël Barrot s'est rendu à Kiev. "
            "Kanzleramtschef Thorsten Frei und Bürgermeisterin Katharina Schulze kamen auch.",
        )
    )
    found = {p.literal: p for p in tagged.people}
    assert "jean-noel-barrot" in found and found["jean-noel-barrot"].name == "Jean-Noël Barrot"
    assert "katharina-schulze" in found
    assert all(p.confidence is not None and p.confidence < 90 for p in found.values())


def test_acronyms_need_capitals(tagger: Tagger) -> None:
    tagged = tagger.tag(story("", "Who said the EU and the WHO would meet? Let us see."))
    orgs = {o.literal for o in tagged.organisations}
    assert {"european-union", "who"} <= orgs
    assert "US" not in countries(tagged)


def test_templated_ministry(tagger: Tagger) -> None:
    tagged = tagger.tag(story("", "Le ministère français de la Défense a confirmé l'envoi de troupes."))
    assert "fr-ministry-of-defence" in {o.literal for o in tagged.organisations}


# ------------------------------------------------------------------ data loading
def test_user_data_extends_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "entities.jsonl").write_text(
        '{"id": "jean-dupont", "type": "person", "name": "Jean Dupont", "aliases": ["J. Dupont"]}\n'
        '{"id": "vladimir-putin", "type": "person", "name": "V. Putin", "aliases": ["Putin"]}\n',
        encoding="utf-8",
    )
    (tmp_path / "topic_lexicon.tsv").write_text("15000000\ten\t3\tpétanque\n", encoding="utf-8")
    custom = Tagger(tmp_path)
    tagged = custom.tag(
        story(
            "Pétanque final",
            "Jean Dupont met Putin on Sunday at the final of the national "
            "pétanque championship, which was held in a small town in the south of the country.",
        )
    )
    people = {p.literal: p.name for p in tagged.people}
    assert people == {"jean-dupont": "Jean Dupont", "vladimir-putin": "V. Putin"}
    assert "pétanque" in tagged.annotations["matched_terms"]["15000000"]


@pytest.mark.parametrize(
    ("name", "content", "line", "problem"),
    [
        ("topic_lexicon.tsv", "# ok\n15000000\ten\t2\tfoot\n99999999\ten\t2\tx\n", 3, "unknown or retired"),
        ("topic_lexicon.tsv", "15000000\txx1\t2\tfoot\n", 1, "language"),
        ("topic_lexicon.tsv", "15000000\ten\tabc\tfoot\n", 1, "weight"),
        ("topic_lexicon.tsv", "15000000\ten\t2\n", 1, "columns"),
        ("demonyms.tsv", "QQ\ten\tadj\tQuux\n", 1, "unknown country"),
        ("entities.jsonl", '{"id": "Bad Id", "type": "person", "name": "x"}\n', 1, "slug"),
        ("entities.jsonl", '\n{"id": "a", "type": "robot", "name": "x"}\n', 2, "type"),
        ("entities.jsonl", "{not json\n", 1, "invalid JSON"),
        ("city_aliases.tsv", "FR\tAtlantis\t*\tAtlantide\n", 1, "no city"),
        ("topic_evidence.tsv", "# why\n20000598\t20000056\n", 2, "not a top-level"),
        ("topic_evidence.tsv", "16000000\t11000000\n", 1, "top-level Media Topic already"),
        ("topic_evidence.tsv", "20000598\t99999999\n", 1, "unknown or retired"),
    ],
)
def test_validation_errors_name_file_and_line(
    tmp_path: Path, name: str, content: str, line: int, problem: str
) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(TaggingDataError) as info:
        Tagger(tmp_path)
    assert info.value.file.endswith(name)
    assert info.value.line == line
    assert problem in info.value.problem
    assert f"{name}:{line}:" in str(info.value)


def test_missing_user_dir(tmp_path: Path) -> None:
    with pytest.raises(TaggingDataError, match="does not exist"):
        Tagger(tmp_path / "nope")


def test_default_tagger_is_cached() -> None:
    assert default_tagger() is default_tagger()


def test_bundled_data_carries_iptc_attribution() -> None:
    from streams.tagging.data import BUNDLED_DIR

    head = (BUNDLED_DIR / "mediatopics.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert "IPTC Media Topics, International Press Telecommunications Council, CC BY 4.0" in head


def test_lexicon_size(tagger: Tagger) -> None:
    codes_with_terms = {t.code for t in tagger.data.lexicon}
    top = {c for c in codes_with_terms if tagger.data.topics[c].parent is None}
    assert len(top) == 17
    assert len(codes_with_terms - top) >= 150
    for lang in ("en", "fr", "de", "es"):
        assert {t.code for t in tagger.data.lexicon if t.lang == lang} >= top


@settings(max_examples=150, deadline=None)
@given(
    headline=st.text(max_size=80),
    body=st.lists(st.text(max_size=300), max_size=4),
    declared=st.sampled_from([None, "", "fr", "en-GB", "xx", "DE_de"]),
)
def test_never_crashes_and_stays_in_range(headline: str, body: list[str], declared: str | None) -> None:
    tagged = default_tagger().tag(story(headline, *body, language_declared=declared))
    for group in (tagged.subjects, tagged.places, tagged.people, tagged.organisations):
        for s in group:
            assert s.name
            assert s.confidence is None or 0 <= s.confidence <= 100
            assert s.relevance is None or 0 <= s.relevance <= 100


def test_empty_story(tagger: Tagger) -> None:
    tagged = tagger.tag(story("", language_declared="fr"))
    assert tagged.language == "fr" and tagged.subjects == [] and tagged.places == []


# ------------------------------------------------------------------ folding fast path
_CP1252 = "".join(bytes([b]).decode("cp1252") for b in range(256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_CP1252 + "ЖжİΣσ😀\u0301"), max_size=60))
def test_fold_fast_path_equals_reference(text: str) -> None:
    from streams.tagging._text import _TABLE, fold

    folded = fold(text)
    assert folded == text.translate(_TABLE)
    assert len(folded) == len(text)


def test_umlauts_in_text_do_not_match_a_name_spelled_without_them(tagger: Tagger) -> None:
    # "Länder" folds to "lander", a Venezuelan city; "Zürich" must still match.
    assert tagger.tag(story("", "Die Kultusminister der Länder wollen mehr Lehrer einstellen.")).places == []
    assert "CH" in countries(tagger.tag(story("", "In Zürich stiegen die Mieten erneut.")))


def test_a_name_beats_another_place_s_alternate_name(tagger: Tagger) -> None:
    # GeoNames lists "Florida" as an alternate name of Floridablanca (Colombia).
    tagged = tagger.tag(story("", "The hurricane strengthened as it headed for Florida, forecasters said."))
    assert countries(tagged) == {"US"}
    assert "4155751" in geonames(tagged)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Anne Lefèvre, the city's mayor, said the road would reopen on Friday.", "Anne Lefèvre"),
        ("Hans Weber, Sprecher der Polizei, sagte am Dienstag, es gebe keine Verletzten.", "Hans Weber"),
        ("« Nous sommes prêts », a déclaré Claire Martin, maire de la commune.", "Claire Martin"),
        ("Pedro Gómez, portavoz de los bomberos, explicó que el fuego está controlado.", "Pedro Gómez"),
    ],
)
def test_person_in_apposition_before_a_title(tagger: Tagger, text: str, name: str) -> None:
    people = tagger.tag(story("", text)).people
    assert [p.name for p in people] == [name]
    assert people[0].confidence == 60


@pytest.mark.parametrize(
    "text",
    [
        "In Paris, the mayor said nothing.",
        "Later on Monday, the minister spoke.",
        "On Tuesday, the spokesman said.",
    ],
)
def test_no_person_from_places_or_time_phrases_before_a_title(tagger: Tagger, text: str) -> None:
    assert tagger.tag(story("", text)).people == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An adjective inside a place's name is part of that name.
        ("Cyclone forms in the Indian Ocean.", set()),
        ("Tensions rose in the South China Sea.", set()),
        ("Vancouver, British Columbia, was hit by floods.", {"CA"}),
        # ... but inside an organisation's name it still locates the story.
        ("Le ministère russe de la Défense a annoncé des frappes.", {"RU"}),
        # English capitalises nationality adjectives; "polish" the verb is not Poland.
        ("Workers polish the floors of the museum.", set()),
        ("The Polish government said it would appeal.", {"PL"}),
        # A news agency is cited from everywhere: it does not locate a story.
        ("The minister told AFP and Reuters on Tuesday.", set()),
        # Umlaut spellings still match when the gazetteer has them among other spellings.
        ("Die EU-Minister trafen sich in Brüssel.", {"BE"}),
    ],
)
def test_names_inside_names_and_case(tagger: Tagger, text: str, expected: set[str]) -> None:
    assert countries(tagger.tag(story("", text))) == expected


def test_user_topic_evidence_moves_a_code_s_evidence(tmp_path: Path) -> None:
    # Bundled: "central bank" is economy. A user file can make it count for politics instead.
    text = (
        "Central bank chief resigns",
        "The central bank governor resigned on Monday, the central bank said.",
    )
    assert "04000000" in codes(default_tagger().tag(story(*text)))
    (tmp_path / "topic_evidence.tsv").write_text("20000350\t11000000\n", encoding="utf-8")
    moved = codes(Tagger(tmp_path).tag(story(*text)))
    assert {"11000000", "20000350"} <= moved
    assert "04000000" not in moved


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # A known first name + capitalised surname words: people the gazetteer does not know.
        ("Der Präsident des Verbands BGA, Dirk Jandura, sagte, die Lage sei ernst.", ["Dirk Jandura"]),
        ("Laut Julia Kempken vom Kinderschutzbund ist die Lage dramatisch.", ["Julia Kempken"]),
        (
            "Roberto Verino y Agatha Ruiz de la Prada desfilaron en Madrid.",
            ["Roberto Verino", "Agatha Ruiz de la Prada"],
        ),
        ("The film by Anders Lie's team won the prize.", ["Anders Lie"]),
        ("Colonel Sipho Ndlovu, the police spokesman, said three men were held.", ["Sipho Ndlovu"]),
        # Not people: institutions named after someone, places, acronyms, the headline.
        ("Researchers at the Max Planck Institute said on Monday.", []),
        ("El partido se jugó en el estadio Mario Alberto Kempes de la ciudad.", []),
        ("Images from the telescope James Webb were released.", []),
        ("Hertha BSC lost again on Saturday.", []),
    ],
)
def test_people_by_given_name(tagger: Tagger, text: str, names: list[str]) -> None:
    people = tagger.tag(story("Grace Period Ends For Borrowers", text)).people
    assert [p.name for p in people] == names
    assert all(p.confidence is not None and p.confidence <= 60 for p in people)


def test_given_names_file_is_validated(tmp_path: Path) -> None:
    (tmp_path / "given_names.tsv").write_text("# mine\nQuentin\nnot a name\n", encoding="utf-8")
    with pytest.raises(TaggingDataError) as info:
        Tagger(tmp_path)
    assert (info.value.line, "capitalised word" in info.value.problem) == (3, True)


def test_user_given_names_extend_the_bundled_list(tmp_path: Path) -> None:
    text = "Zyxandra Ollerwick opened the new library on Monday."
    assert default_tagger().tag(story("", text)).people == []
    (tmp_path / "given_names.tsv").write_text("Zyxandra\n", encoding="utf-8")
    assert [p.name for p in Tagger(tmp_path).tag(story("", text)).people] == ["Zyxandra Ollerwick"]


@pytest.mark.parametrize(
    ("text", "orgs", "places"),
    [
        # Every word the gazetteer capitalises must be capitalised in the text.
        ("Die Linke fordert mehr Geld für Schulen.", {"die-linke"}, {"DE"}),
        ("Die linke Hand schmerzt seit Tagen.", set(), set()),
        # Names with punctuation match as written: keys keep the text's folded spacing.
        ("The U.S. Congress passed the spending bill.", {"us-congress"}, {"US"}),
        ("Pope Leo spoke at St. Peter's Square on Sunday.", set(), {"VA"}),
        ("Madrid: the Spanish Socialist Workers' Party won the vote.", {"psoe"}, {"ES"}),
    ],
)
def test_names_match_their_capitalisation_and_punctuation(
    tagger: Tagger, text: str, orgs: set[str], places: set[str]
) -> None:
    tagged = tagger.tag(story("", text))
    assert {o.literal for o in tagged.organisations} == orgs
    assert countries(tagged) == places


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A one-word city inside a person's name is not a place.
        ("El Real Madrid ganó en el estadio Santiago Bernabéu de Madrid.", {"ES"}),
        ("Santiago Abascal habló el lunes en un mitin.", set()),
        ("El delantero Pedro Pereira marcó dos goles.", set()),
        # The same names as places.
        ("Viajó a Santiago de Chile el lunes.", {"CL"}),
        ("The mayor of Santiago, Chile, spoke on Monday.", {"CL"}),
    ],
)
def test_city_inside_a_persons_name(tagger: Tagger, text: str, expected: set[str]) -> None:
    assert countries(tagger.tag(story("", text))) == expected


def test_parenthesised_qualifier_in_running_text(tagger: Tagger) -> None:
    tagged = tagger.tag(story("", "Un exayudante del sheriff en Paris (Texas) fue condenado el martes."))
    assert countries(tagged) == {"US"}
    assert "4717560" in geonames(tagged)
    assert countries(tagger.tag(story("", "Elle vit à Paris (France) depuis dix ans."))) == {"FR"}
