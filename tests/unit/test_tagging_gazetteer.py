"""Gazetteer coverage: national institutions, landmarks, exonyms and demonyms that name a country.

Short sentences in en/fr/de/es, each naming its country only through an institution, a
landmark, a city exonym or a demonym; plus guards for the names deliberately left out
because they are ordinary words somewhere ("Pis encore", "Manche Experten", "Podemos hacer").
"""

from __future__ import annotations

import json

import pytest

from streams.model import Provenance, Story
from streams.tagging import Tagger, default_tagger
from streams.tagging._text import fold_term
from streams.tagging.data import BUNDLED_DIR, TaggingData, load_data


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return default_tagger()


@pytest.fixture(scope="module")
def data() -> TaggingData:
    return load_data()


def tag(tagger: Tagger, text: str) -> Story:
    return tagger.tag(Story(headline="", paragraphs=[text], provenance=Provenance()))


def countries(story: Story) -> set[str]:
    return {p.literal for p in story.places if p.literal and len(p.literal) == 2}


def regions(story: Story) -> set[str]:
    return {
        p.literal.removeprefix("region:")
        for p in story.places
        if p.literal and p.literal.startswith("region:")
    }


def geonames(story: Story) -> set[str]:
    return {p.uri.rstrip("/").rsplit("/", 1)[1] for p in story.places if p.uri}


def organisations(story: Story) -> set[str]:
    return {o.literal for o in story.organisations if o.literal}


# (sentence, expected country, expected organisation id / region id / GeoNames id or None)
CASES: list[tuple[str, str, str | None]] = [
    # seats and organs of government
    ("Officials at Downing Street declined to comment on the report.", "GB", "downing-street"),
    ("Le Quai d'Orsay a convoqué l'ambassadeur lundi.", "FR", "fr-ministry-of-foreign-affairs"),
    ("Matignon a confirmé la démission du ministre.", "FR", "matignon"),
    ("La Moncloa anunció un nuevo plan de vivienda.", "ES", "la-moncloa"),
    ("Palazzo Chigi denied the report on Tuesday.", "IT", "palazzo-chigi"),
    ("Die Bundesregierung will die Schuldenbremse reformieren.", "DE", "german-federal-government"),
    ("Das Auswärtige Amt rief zur Ausreise auf.", "DE", "de-ministry-of-foreign-affairs"),
    ("The Knesset passed the bill in a late-night vote.", "IL", "knesset"),
    ("La Douma d'État a adopté la loi en troisième lecture.", "RU", "state-duma"),
    ("Le Sejm a voté la réforme de la justice.", "PL", "sejm"),
    ("La Casa Rosada anunció nuevos recortes.", "AR", "casa-rosada"),
    # agencies, courts, police, central banks
    ("Das Bundesverfassungsgericht hat das Gesetz gekippt.", "DE", "bundesverfassungsgericht"),
    ("La Guardia Civil detuvo a tres personas.", "ES", "guardia-civil"),
    ("Los Mossos d'Esquadra desalojaron la plaza.", "ES", "mossos-d-esquadra"),
    ("Die Carabinieri nahmen zwei Verdächtige fest.", "IT", "carabinieri"),
    ("Der Deutsche Wetterdienst warnt vor schweren Sturmböen.", "DE", "deutscher-wetterdienst"),
    ("The Met Office issued an amber warning for snow.", "GB", "met-office"),
    ("Aemet activó la alerta roja por lluvias torrenciales.", "ES", "aemet"),
    ("Météo-France place quatre départements en vigilance rouge.", "FR", "meteo-france"),
    ("Renfe suspendió los trenes por la tormenta.", "ES", "renfe"),
    ("The BOJ kept interest rates unchanged.", "JP", "bank-of-japan"),
    ("The IRGC seized a tanker on Thursday.", "IR", "irgc"),
    ("Die Bundeswehr verlegt weitere Soldaten.", "DE", "bundeswehr"),
    # universities, culture, parties, clubs
    ("Harvard sued the administration over funding cuts.", "US", "harvard-university"),
    ("El Museo del Prado prepara una gran exposición.", "ES", "museo-del-prado"),
    ("Le Louvre a été cambriolé dimanche matin.", "FR", "louvre"),
    ("La Berlinale a décerné l'Ours d'or à un film iranien.", "DE", "berlinale"),
    ("Galatasaray beat Fenerbahce on Sunday.", "TR", "galatasaray"),
    ("Boca Juniors ganó el superclásico.", "AR", "boca-juniors"),
    ("Die CSU lehnt den Vorschlag ab.", "DE", "csu"),
    # landmarks and regions
    ("Thousands gathered in St Peter's Square for the Easter mass.", "VA", "st-peters-square"),
    ("Des milliers de touristes ont visité la tour Eiffel.", "FR", "eiffel-tower"),
    ("Tausende demonstrierten am Brandenburger Tor.", "DE", "brandenburg-gate"),
    ("Police cordoned off Red Square on Saturday.", "RU", "red-square"),
    ("Los incendios amenazan el parque de Doñana.", "ES", "donana"),
    ("Les pompiers luttent contre un feu en Camargue.", "FR", "camargue"),
    ("Heavy snow fell across Tyrol overnight.", "AT", "tyrol"),
    # small towns kept with their GeoNames id, exonyms, demonyms
    ("The film premiered in Venice on Friday.", "IT", "3164603"),
    ("Le festival s'ouvre mardi à Cannes.", "FR", "3028808"),
    ("Die Delegation traf am Abend in Nürnberg ein.", "DE", "2861650"),
    ("Der Zug nach Moskau wurde gestoppt.", "RU", "524901"),
    ("Los ministros viajaron a Estocolmo.", "SE", "2673730"),
    ("Russian missiles hit Zaporizhzhia overnight.", "UA", "687700"),
    ("Pilgrims arrived in Mecca for the hajj.", "SA", "104515"),
    ("Der Japaner gewann das Rennen.", "JP", None),
    ("Die Österreicherin siegte im Slalom.", "AT", None),
    ("La diplomatie vaticane a salué l'accord.", "VA", None),
    ("Los holandeses celebraron el título.", "NL", None),
]


@pytest.mark.parametrize(("text", "cc", "what"), CASES)
def test_sentence_points_to_its_country(tagger: Tagger, text: str, cc: str, what: str | None) -> None:
    tagged = tag(tagger, text)
    assert cc in countries(tagged), (text, [p.literal or p.uri for p in tagged.places])
    if what is None:
        return
    found = organisations(tagged) | regions(tagged) | geonames(tagged)
    assert what in found, (text, sorted(found))


# Ordinary words that must not become a place or an organisation.
NEGATIVE: list[tuple[str, str | None, str | None]] = [
    ("Pis encore, le gouvernement a reculé sur la réforme.", "PL", "pis"),
    ("Manche Experten sind skeptisch.", None, None),
    ("Podemos hacer más, dijo el ministro.", "ES", "unidas-podemos"),
    ("Canada's House of Commons voted on the budget.", "GB", "house-of-commons"),
    ("Inter Miami won again on Saturday.", "IT", "inter-milan"),
    ("The Africa CDC warned about mpox on Tuesday.", "US", "cdc"),
    ("Die Schotten dicht machen, sagte der Trainer.", "GB", None),
    ("An official told the New York Times that the talks had stalled.", "US", None),
    ("Das Home-Office bleibt bei Angestellten beliebt.", "GB", "uk-home-office"),
    ("Die Jungfrau Maria wird in der Kapelle verehrt.", "CH", None),
    ("El Al Shabab reivindicó el atentado.", "IL", "el-al"),
]


@pytest.mark.parametrize(("text", "cc", "org"), NEGATIVE)
def test_ordinary_words_are_not_names(tagger: Tagger, text: str, cc: str | None, org: str | None) -> None:
    tagged = tag(tagger, text)
    if cc is None:
        assert tagged.places == [], (text, [p.literal or p.uri for p in tagged.places])
    else:
        assert cc not in countries(tagged), text
    if org is not None:
        assert org not in organisations(tagged), text


def test_seas_and_disputed_areas_are_regions_without_a_country(tagger: Tagger) -> None:
    tagged = tag(tagger, "Warships crossed the Taiwan Strait and the Strait of Hormuz.")
    assert regions(tagged) == {"taiwan-strait", "strait-of-hormuz"}
    assert countries(tagged) == set()
    tagged = tag(tagger, "Les Kouriles et le plateau du Golan restent disputés.")
    assert regions(tagged) == {"kuril-islands", "golan-heights"}
    assert countries(tagged) == set()


def test_bundled_data_loads_and_validates(data: TaggingData) -> None:
    # Country codes of every entity and region exist; the loader raised on nothing.
    for entity in data.entities.values():
        assert entity.country is None or entity.country in data.countries, entity.id
        assert entity.aliases or entity.name, entity.id
    for region in data.regions.values():
        assert region.cc is None or region.cc in data.countries, region.id
        assert region.names, region.id
    assert len(data.entities) > 700
    assert len(data.regions) > 300


def test_template_ids_are_kept_when_an_explicit_entry_adds_aliases(data: TaggingData) -> None:
    quai = data.entities["fr-ministry-of-foreign-affairs"]
    assert "Quai d'Orsay" in quai.aliases
    assert "ministère français des Affaires étrangères" in quai.aliases  # from the template
    assert quai.country == "FR"
    assert "Farnesina" in data.entities["it-ministry-of-foreign-affairs"].aliases


def test_media_carry_no_country(data: TaggingData) -> None:
    for eid in ("bbc", "ard", "zdf", "rtve", "france-televisions", "new-york-times"):
        assert data.entities[eid].country is None, eid


def test_unsafe_names_are_not_in_the_gazetteer(data: TaggingData) -> None:
    """Names left out on purpose must not come back through an alias, a display name or an exonym."""
    unsafe = {
        fold_term(n)
        for n in [
            "PiS",  # French "pis"
            "Podemos",  # Spanish "we can"
            "Manche",  # German "manche"
            "Jungfrau",
            "Golan",  # also a surname
            "Canton",
            "Medina",
            "Le Cap",
            "Rio",
            "Tate",
            "Home Office",  # German "Home-Office"
            "House of Commons",  # also Canada's
            "Sagrada Familia",
            "La Palma",
            "Evin",
            "El Al",
            "Casa Real",
            "BoE",  # Spanish BOE
            "Metropolitan Police",  # Tokyo, Washington
            "Law and Justice",  # ministries in Pakistan and elsewhere
            "Justice and Development Party",  # Morocco's PJD too
            "Bundesrat",  # Germany, Austria and Switzerland
            "Conseil constitutionnel",  # many francophone countries
            "Sénat",
            "Douma",  # the Syrian town
            "Schotten",
            "Turks",
            "Labour Party",  # also New Zealand, Ireland, Norway
            "Democratic Alliance",  # also Portugal's AD
            "Liberal Democrats",  # also used for Japan's LDP
        ]
    }
    names: set[str] = set()
    for entity in data.entities.values():
        names |= {fold_term(n) for n in (entity.name, *entity.names.values(), *entity.aliases)}
    for region in data.regions.values():
        names |= {fold_term(n) for values in region.names.values() for n in values}
    for city in data.cities.values():
        names |= {fold_term(n) for n in city.aliases}
    for country in data.countries.values():
        names |= {fold_term(n.rstrip("*")) for values in country.adjectives.values() for n in values}
    assert unsafe & names == set()


def test_entities_file_is_one_json_object_per_line_with_unique_ids() -> None:
    ids: list[str] = []
    for line in (BUNDLED_DIR / "entities.jsonl").read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        assert isinstance(obj, dict)
        if "id" in obj:
            ids.append(obj["id"])
    assert len(ids) == len(set(ids))
