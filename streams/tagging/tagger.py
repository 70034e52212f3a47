"""The Tagger: language, IPTC Media Topics, places, people and organisations.

One Aho-Corasick automaton holds every lexicon term and gazetteer name of every
language; a story is folded once (lowercase, no accents, punctuation → space, same
length) and scanned once. Hits are then read by the stages: topic scoring uses the
terms of the story's language, places/people/organisations use the names (which
are language-neutral: "Moscou" means Moscow in any text). ``tag()`` is pure.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from streams.model import Story, Subject
from streams.tagging import language as langid
from streams.tagging._text import fold, fold_term, slug
from streams.tagging.data import TaggingData, load_data

MEDTOP_URI = "http://cv.iptc.org/newscodes/mediatopic/"
GEONAMES_URI = "https://sws.geonames.org/{}/"
CREATOR = "wirefeed"
LEXICON_LANGS = frozenset({"en", "fr", "de", "es"})
_UMLAUTS = re.compile("[äöüÄÖÜß]")
TITLE, GIVEN_NAME = 1, 2  # automaton key flags
_PAREN_QUALIFIER_RE = re.compile(r"\s*\(([^()\n]{2,40})\)")
_MEDTOP_RE = re.compile(r"(?:mediatopic/|medtop:)(\d{8})")
# ", Texas" / ", Italy" right after a place name: the state or country that qualifies it.
_QUALIFIER_RE = re.compile(r"\s*,\s*([^\W\d_][\w .'-]{1,30}?)(?=[,.;:)\n]|\s+\(|$|\s+[a-z])")

# Topic selection. Scores are sums of term weights (x1.5 in the headline, x1.2 in the
# lead); repeats of one term add half their weight, at most twice, so one word said ten
# times does not make a topic. Tuned on the dev split of the eval set only.
TOP_MIN_SCORE = 3.5
TOP_RELATIVE = 0.6  # a second top-level topic needs 60 % of the best one's score
SUB_MIN_SCORE = 3.0
SUB_RELATIVE = 0.3
MAX_TOP = 3
MIN_DISTINCT_TERMS = 2
SINGLE_TERM_SCORE = 4.5
MAX_SUB_PER_TOP = 3
SHARED_TERM_SHARE = 0.5  # see Tagger._top_level_scores
# Politics, economy, science and sport words (government, company, scientists, won, fans) run
# through every kind of story: as a second or third topic they need more of the best one's score.
GENERIC_TOPICS = frozenset({"04000000", "11000000", "13000000", "15000000"})
GENERIC_RELATIVE = 0.7
STRONG_SECONDARY_SCORE = 12.0
STRONG_SECONDARY_TERMS = 4
# Where a language is spoken (official or main language): breaks ties between towns of one
# name in a dateline ("ZAMORA" in a Spanish story is the Spanish town, not the Mexican one).
_LANGUAGE_COUNTRIES = {
    "en": "US GB IE AU NZ CA ZA IN NG KE GH SG PH",
    "fr": "FR BE CH CA LU MC SN CI ML BF NE CM CD CG GA MA DZ TN HT MG BJ TG GN",
    "de": "DE AT CH LU LI",
    "es": "ES MX AR CO CL PE VE EC BO UY PY CU DO GT HN SV NI CR PA PR GQ",
    "it": "IT CH SM VA",
    "pt": "PT BR AO MZ CV GW ST TL",
    "nl": "NL BE SR",
}
LANGUAGE_COUNTRIES = {lang: frozenset(ccs.split()) for lang, ccs in _LANGUAGE_COUNTRIES.items()}
# Language: a detection this sure, on this much text, overrides the declared tag.
OVERRIDE_CONFIDENCE = 0.9
OVERRIDE_MIN_CHARS = 120
MISMATCH_REPORT_CONFIDENCE = 0.7

# Title cues for people not in the gazetteer: a title (found by the automaton, so the
# costly part runs only where a title is), optionally a portfolio ("des Affaires
# étrangères", "of State") and up to two lowercase words ("russe", "américain"), then
# two to four capitalised name tokens.
TITLES = [
    "président",
    "présidente",
    "premier ministre",
    "première ministre",
    "ministre",
    "chancelier",
    "chancelière",
    "porte-parole",
    "secrétaire général",
    "secrétaire générale",
    "secrétaire d'État",
    "maire",
    "sénateur",
    "sénatrice",
    "député",
    "députée",
    "juge",
    "procureur",
    "procureure",
    "entraîneur",
    "sélectionneur",
    "attaquant",
    "joueur",
    "joueuse",
    "PDG",
    "patron",
    "patronne",
    "directeur",
    "directrice",
    "dirigeant",
    "opposant",
    "opposante",
    "militant",
    "militante",
    "M.",
    "Mme",
    "President",
    "Prime Minister",
    "Minister",
    "Secretary of State",
    "Secretary-General",
    "Secretary General",
    "Secretary",
    "Chancellor",
    "Senator",
    "Governor",
    "Mayor",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "Judge",
    "coach",
    "striker",
    "CEO",
    "chief executive",
    "chairman",
    "chairwoman",
    "leader",
    "activist",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Präsident",
    "Präsidentin",
    "Bundeskanzler",
    "Bundeskanzlerin",
    "Kanzler",
    "Kanzlerin",
    "Ministerpräsident",
    "Ministerpräsidentin",
    "Ministerin",
    "Außenminister",
    "Außenministerin",
    "Innenminister",
    "Innenministerin",
    "Verteidigungsminister",
    "Verteidigungsministerin",
    "Finanzminister",
    "Finanzministerin",
    "Wirtschaftsminister",
    "Wirtschaftsministerin",
    "Gesundheitsminister",
    "Gesundheitsministerin",
    "Justizminister",
    "Justizministerin",
    "Kanzleramtschef",
    "Regierungssprecher",
    "Bürgermeister",
    "Bürgermeisterin",
    "Sprecher",
    "Sprecherin",
    "Chef",
    "Chefin",
    "Trainer",
    "Trainerin",
    "Richter",
    "Richterin",
    "Oppositionsführer",
    "presidente",
    "presidenta",
    "primer ministro",
    "primera ministra",
    "ministro",
    "ministra",
    "canciller",
    "alcalde",
    "alcaldesa",
    "portavoz",
    "secretario",
    "secretaria",
    "juez",
    "jueza",
    "fiscal",
    "entrenador",
    "entrenadora",
    "seleccionador",
    "delantero",
    "jugador",
    "jugadora",
    "líder",
    "opositor",
    "opositora",
    "consejero delegado",
]
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
_NAME_TOKEN = rf"(?:(?:al|el|Al|El)-)?[{_UPPER}][\w'’]*(?:-[{_UPPER}][\w'’]*)?"
_AFTER_TITLE_RE = re.compile(
    rf"(?:\s+(?:de la|de l'|de los|de|des|du|of|for|für|del)\s*[{_UPPER}][\w'’-]+(?:\s+[a-zà-ÿ][\w'’-]+)?)?"
    rf"(?:,?\s+[a-zà-ÿ][\w'’-]*){{0,2}}?,?\s+"
    rf"(?P<name>{_NAME_TOKEN}(?:\s+(?:(?:de|da|del|van|von|der|den|di|dos|bin|ben|le|la)\s+)?{_NAME_TOKEN}){{1,3}})"
)
# Capitalised words that follow titles but are not given names.
# "Anne Lefèvre, the city's mayor", "Hans Weber, Sprecher der Polizei": up to three words
# (an article, a possessive) between the comma and the title word.
_BEFORE_TITLE_RE = re.compile(
    rf"(?<![\w'’-])(?P<name>{_NAME_TOKEN}(?:\s+(?:(?:de|da|del|van|von|der|den|di|dos|bin|ben|le|la)\s+)?{_NAME_TOKEN}){{1,3}}),"
    rf"\s+(?:[\w'’-]+\s+){{0,3}}$"
)
_TOKEN_RE = re.compile(rf"{_NAME_TOKEN}")
# Runs of capitalised words, joined by single spaces or surname particles.
# A first name's full name: up to three more capitalised words, joined by spaces or particles.
_FULL_NAME_RE = re.compile(
    rf"{_NAME_TOKEN}(?:(?: (?:de la|de los|van der|van den|von der|de|da|del|van|von|der|den|di|dos|le|la) | ){_NAME_TOKEN}){{1,3}}"
)
# Ranks and honorifics written before a name, never part of it.
_RANKS = frozenset(
    [
        "colonel",
        "general",
        "captain",
        "sergeant",
        "lieutenant",
        "major",
        "commander",
        "inspector",
        "detective",
        "officer",
        "professor",
        "prof",
        "dr",
        "doctor",
        "mr",
        "mrs",
        "ms",
        "sir",
        "dame",
        "lord",
        "lady",
        "father",
        "sister",
        "brother",
        "rabbi",
        "imam",
        "colonel",
        "général",
        "capitaine",
        "commandant",
        "lieutenant",
        "sergent",
        "professeur",
        "docteur",
        "maître",
        "monsieur",
        "madame",
        "oberst",
        "hauptmann",
        "kommissar",
        "professor",
        "doktor",
        "herr",
        "frau",
        "pater",
        "coronel",
        "capitán",
        "comandante",
        "teniente",
        "sargento",
        "profesor",
        "doctor",
        "señor",
        "señora",
        "padre",
    ]
)
_NEXT_WORD_RE = re.compile(rf" {_NAME_TOKEN}")  # a capitalised word right after, same line
_WORD_BEFORE_RE = re.compile(r"([^\W\d_]+)\s+$")
_POSSESSIVE_RE = re.compile(r"['’]s$")
_INSTITUTION_WORDS = frozenset(
    fold_term(w)
    for w in [
        "Telescope",
        "Télescope",
        "Teleskop",
        "Telescopio",
        "Court",
        "Estadio",
        "Puente",
        "Stade",
        "Stadion",
        "Institute",
        "Institut",
        "Instituto",
        "Foundation",
        "Fondation",
        "Stiftung",
        "Fundación",
        "Hospital",
        "Hôpital",
        "Krankenhaus",
        "Hospital",
        "University",
        "Université",
        "Universität",
        "Universidad",
        "College",
        "School",
        "École",
        "Schule",
        "Escuela",
        "Airport",
        "Aéroport",
        "Flughafen",
        "Aeropuerto",
        "Street",
        "Straße",
        "Strasse",
        "Rue",
        "Calle",
        "Avenue",
        "Avenida",
        "Stadium",
        "Stade",
        "Stadion",
        "Estadio",
        "Square",
        "Platz",
        "Plaza",
        "Center",
        "Centre",
        "Zentrum",
        "Centro",
        "Prize",
        "Prix",
        "Preis",
        "Premio",
        "Award",
        "Cup",
        "Trophy",
        "Museum",
        "Musée",
        "Museo",
        "Bridge",
        "Pont",
        "Brücke",
        "Puente",
        "Park",
        "Parc",
        "Parque",
        "Company",
        "Group",
        "Groupe",
        "Gruppe",
        "Grupo",
        "Bank",
        "Banque",
    ]
)
_NOT_NAMES = frozenset(
    fold_term(w)
    for w in [
        "Le",
        "La",
        "Les",
        "Un",
        "Une",
        "The",
        "A",
        "An",
        "Der",
        "Die",
        "Das",
        "Ein",
        "Eine",
        "El",
        "Los",
        "Las",
        "Una",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Lundi",
        "Mardi",
        "Mercredi",
        "Jeudi",
        "Vendredi",
        "Samedi",
        "Dimanche",
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
        "Lunes",
        "Martes",
        "Miércoles",
        "Jueves",
        "Viernes",
        "Sábado",
        "Domingo",
        "Il",
        "Elle",
        "Er",
        "Sie",
        "Es",
        "He",
        "She",
        "It",
        "They",
        "We",
        "I",
        "Ils",
        "Nous",
        "Wir",
        "On",
    ]
)


@dataclass(frozen=True, slots=True)
class _Payload:
    kind: str  # topic | country | adj | city | region | entity
    target: str
    lang: str
    weight: float
    prefix: bool
    cased: bool  # the text must have a capital initial here
    acronym: bool  # the text must be all capitals here (US, WHO, EU)
    term: str
    cc: str | None = None  # country of a country/adjective/city/region name (set at build time)
    umlauts: bool = False  # some spelling of this name under this key has ä/ö/ü/ß


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    payloads: tuple[_Payload, ...]


@dataclass(slots=True)
class _Scan:
    """What one automaton pass found: topic terms (story language), names, title ends."""

    topic_hits: list[tuple[int, int, tuple[_Payload, ...]]] = field(default_factory=list)
    named: list[_Hit] = field(default_factory=list)
    titles: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each title word
    given: list[int] = field(default_factory=list)  # start of each capitalised first name


@dataclass(slots=True)
class _PlaceMention:
    kind: str  # country | city | region
    target: str
    count: int = 0
    first: int = 1 << 30
    headline: bool = False
    ambiguous: bool = False
    implied: bool = False  # only via a city/region


@dataclass(slots=True)
class StageTimes:
    """Microseconds spent in each stage of the last ``tag_timed`` call."""

    language: float = 0.0
    scan: float = 0.0
    topics: float = 0.0
    places: float = 0.0
    entities: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def _is_acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return 1 < len(letters) <= 6 and all(c.isupper() for c in letters)


class Tagger:
    """Loads and validates the data once; ``tag(story)`` then costs well under a millisecond."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data: TaggingData = load_data(Path(data_dir) if data_dir is not None else None)
        self._ancestors: dict[str, tuple[str, ...]] = {}
        for code in self.data.topics:
            chain: list[str] = []
            parent = self.data.topics[code].parent
            while parent:
                chain.append(parent)
                parent = self.data.topics[parent].parent
            self._ancestors[code] = tuple(chain)
        # The top-level topic each code's evidence counts for: its IPTC root, unless
        # topic_evidence.tsv moves it (or an ancestor).
        self._evidence_roots: dict[str, str] = {}
        for code in self.data.topics:
            lineage = (code, *self._ancestors[code])
            moved = next(
                (self.data.evidence_roots[a] for a in lineage if a in self.data.evidence_roots), None
            )
            self._evidence_roots[code] = moved or lineage[-1]
        self._automaton, self._index = self._build()
        self._minor_by_name: dict[str, list[Any]] = defaultdict(list)
        for (name, _cc, _admin1), city in self.data.minor_cities.items():
            self._minor_by_name[name].append(city)
        langid.warm_up()

    # ----------------------------------------------------------------- building
    def _build(self) -> tuple[Any, dict[str, tuple[_Payload, ...]]]:
        table: dict[str, list[_Payload]] = defaultdict(list)

        def add(
            name: str,
            payload_kind: str,
            target: str,
            lang: str,
            weight: float = 1.0,
            cased: bool | None = None,
        ) -> None:
            prefix = name.endswith("*")
            bare = name.rstrip("*")
            key = fold_term(bare)
            if not key:
                return
            is_cased = bare[:1].isupper() if cased is None else cased
            cc: str | None = None
            if payload_kind in ("country", "adj"):
                cc = target
            elif payload_kind == "city":
                cc = self.data.cities[int(target)].cc
            elif payload_kind == "region":
                cc = self.data.regions[target].cc
            table[key].append(
                _Payload(
                    payload_kind,
                    target,
                    lang,
                    weight,
                    prefix,
                    is_cased,
                    is_cased and _is_acronym(bare),
                    bare,
                    cc,
                )
            )

        for term in self.data.lexicon:
            table[term.key].append(
                _Payload("topic", term.code, term.lang, term.weight, term.prefix, False, False, term.term)
            )
        for cc, country in self.data.countries.items():
            for source in (country.names, country.generated):
                for lang, names in source.items():
                    for name in names:
                        add(name, "country", cc, lang, cased=True)
            for lang, names in country.adjectives.items():
                for name in names:
                    # Adjectives are lowercase in fr/es/de running text; English capitalises
                    # them, and requiring it keeps "polish the floor" away from Poland.
                    add(name, "adj", cc, lang, cased=(lang == "en"))
        for city in self.data.cities.values():
            for name in (city.name, *city.aliases):
                add(name, "city", str(city.geonameid), "*", cased=True)
        for region in self.data.regions.values():
            for lang, names in region.names.items():
                for name in names:
                    add(name, "region", region.id, lang)
        for entity in self.data.entities.values():
            for name in sorted({entity.name, *entity.names.values(), *entity.aliases}):
                add(name, "entity", entity.id, "*", cased=None if not entity.lowercase_ok else False)

        # Keys carry their word boundaries: " term " for whole words, " term" for prefix
        # terms, scanned over " text ". Substrings inside words ("ia" in "Syria") then never
        # reach Python, which is most of the cost of a naive scan.
        for title in TITLES:
            add(title, "title", title, "*", cased=False)
        for given in self.data.given_names:
            add(given, "given", given, "*", cased=False)

        automaton = ahocorasick.Automaton()
        index: dict[str, tuple[_Payload, ...]] = {}
        keyed: dict[str, list[_Payload]] = defaultdict(list)
        for key, payloads in table.items():
            # One payload per (kind, target, lang): duplicates come from overlapping sources.
            # Case rules stay in the key: "OTAN" (acronym) and "Otan" (name) fold alike but
            # must both be able to match; the result must not depend on set order.
            # The first spelling added is kept (a city's own name before its aliases), so
            # `term` is the canonical spelling wherever the name is one.
            first: dict[tuple[str, str, str, bool, bool, bool], _Payload] = {}
            umlauts: set[tuple[str, str, str, bool, bool, bool]] = set()
            for p in payloads:
                group = (p.kind, p.target, p.lang, p.prefix, p.cased, p.acronym)
                first.setdefault(group, p)
                if _UMLAUTS.search(p.term):
                    umlauts.add(group)
            unique = tuple(
                dataclasses.replace(p, umlauts=True) if group in umlauts else p for group, p in first.items()
            )
            index[key] = unique
            for p in unique:
                keyed[f" {key}" if p.prefix else f" {key} "].append(p)
        for key, payloads in keyed.items():
            # Everything a hit needs is decided here, once per key, so the scan loop does no
            # per-hit filtering: topic terms per story language ("*" terms included), the
            # place/entity payloads, whether a case check is needed, whether it is a title.
            length = len(key.strip())
            topic_terms = [p for p in payloads if p.kind == "topic"]
            by_lang: dict[str, tuple[_Payload, ...]] | None = None
            if topic_terms:
                by_lang = {}
                for lang in (*sorted(LEXICON_LANGS), "*"):
                    chosen = tuple(p for p in topic_terms if p.lang in (lang, "*"))
                    if chosen:
                        by_lang[lang] = chosen
            named = tuple(p for p in payloads if p.kind not in ("topic", "title", "given"))
            needs_check = any(p.cased or p.acronym for p in named)
            flags = TITLE if any(p.kind == "title" for p in payloads) else 0
            if not named and any(p.kind == "given" for p in payloads):
                flags |= GIVEN_NAME  # a first name that is not also a place or entity name
            # Start of the term in the text: whole-word keys end on their trailing space,
            # prefix keys on the term's last letter (the folded text has one leading space).
            back = length + 1 if key.endswith(" ") else length
            automaton.add_word(key, (back, length, by_lang or None, named, needs_check, flags))
        automaton.make_automaton()
        return automaton, index

    # ----------------------------------------------------------------- public API
    def tag(self, story: Story) -> Story:
        return self.tag_timed(story)[0]

    def tag_timed(self, story: Story) -> tuple[Story, StageTimes]:
        times = StageTimes()
        t0 = time.perf_counter()
        headline = " ".join(story.headline.split())
        paragraphs = [" ".join(p.split()) for p in story.paragraphs if p.strip()]
        # Captions name places and people the body may not ("La ville d'Alep ...").
        captions = [" ".join(c.text.split()) for c in story.captions if c.text.strip()]
        text = "\n".join([headline, *paragraphs, *captions])
        lead_end = len(headline) + 1 + (len(paragraphs[0]) if paragraphs else 0)
        language, confidence, mismatch = self._language(story, headline, paragraphs)
        t1 = time.perf_counter()
        scan = self._scan(text, language)
        t2 = time.perf_counter()
        subjects, matched = self._topics(scan, language, len(headline), lead_end)
        t3 = time.perf_counter()
        named = self._named_hits(scan.named)
        places = self._places(story, named, text, language, len(headline))
        t4 = time.perf_counter()
        people, orgs = self._entities(scan, named, text, language, len(headline))
        t5 = time.perf_counter()
        times.language, times.scan, times.topics = (t1 - t0) * 1e6, (t2 - t1) * 1e6, (t3 - t2) * 1e6
        times.places, times.entities = (t4 - t3) * 1e6, (t5 - t4) * 1e6

        annotations = dict(story.annotations)
        annotations["matched_terms"] = matched
        if mismatch:
            annotations["language_mismatch"] = mismatch
        else:
            annotations.pop("language_mismatch", None)
        tagged = story.replace(
            language=language,
            language_confidence=confidence,
            subjects=_merge(story.subjects, subjects, _subject_key),
            places=_merge(story.places, places, _entity_key),
            people=_merge(story.people, people, _entity_key),
            organisations=_merge(story.organisations, orgs, _entity_key),
            annotations=annotations,
        )
        return tagged, times

    # ----------------------------------------------------------------- language
    def _language(
        self, story: Story, headline: str, paragraphs: list[str]
    ) -> tuple[str | None, float | None, dict[str, Any] | None]:
        declared = langid.primary(story.language_declared) or langid.primary(story.language)
        # Only a bounded prefix is judged (langid.PREFIX_CHARS): do not join a long body.
        parts: list[str] = []
        size = 0
        for part in (headline, *paragraphs):
            parts.append(part)
            size += len(part) + 1
            if size > langid.PREFIX_CHARS:
                break
        sample = "\n".join(parts)[: langid.PREFIX_CHARS]
        detected, prob = langid.detect(sample)
        if detected is None:
            return declared, None, None
        if declared is None or declared == detected:
            return detected, prob, None
        # Decision: the text wins when the detector is sure on enough text, because the
        # lexicons must match the language the words are in; otherwise the agency's tag is
        # kept (short items, quotes, names-heavy briefs fool detectors). Either way the
        # disagreement is recorded for the desk.
        mismatch: dict[str, Any] = {"declared": declared, "detected": detected, "confidence": prob}
        if prob >= OVERRIDE_CONFIDENCE and len(sample) >= OVERRIDE_MIN_CHARS:
            mismatch["used"] = "detected"
            return detected, prob, mismatch
        declared_prob = langid.probability(sample, declared)
        if prob >= MISMATCH_REPORT_CONFIDENCE:
            mismatch["used"] = "declared"
            return declared, declared_prob, mismatch
        return declared, declared_prob, None

    # ----------------------------------------------------------------- scanning
    def _scan(self, text: str, language: str | None) -> _Scan:
        """One pass of the automaton over the folded text, shared by every stage."""
        folded = " " + fold(text) + " "
        lang_key = language if language in LEXICON_LANGS else "*"
        result = _Scan()
        topic_hits = result.topic_hits
        named_hits = result.named
        titles = result.titles
        given = result.given
        for end, (back, length, by_lang, named, needs_check, flags) in self._automaton.iter(folded):
            start = end - back
            if by_lang is not None:
                terms = by_lang.get(lang_key)
                if terms is not None:
                    topic_hits.append((start, start + length, terms))
            if named:
                if needs_check:
                    original = text[start : start + length]
                    initial = original[:1]
                    upper_initial = initial.isupper() or initial.isdigit()
                    all_caps: bool | None = None
                    # Folding makes "Länder" read "lander" (a Venezuelan city): a name the
                    # gazetteer spells without umlauts does not match text written with them.
                    umlauts = _UMLAUTS.search(original) is not None
                    kept: list[_Payload] = []
                    for p in named:
                        if p.cased and not upper_initial:
                            continue
                        if p.cased and " " in p.term and not _same_word_caps(p.term, original):
                            continue  # "Die Linke" (the party), not "die linke Hand"
                        if umlauts and not p.umlauts:
                            continue
                        if p.acronym:
                            if all_caps is None:
                                all_caps = original.replace(".", "").replace(" ", "").isupper()
                            if not all_caps:
                                continue
                        kept.append(p)
                    if kept:
                        named_hits.append(_Hit(start, start + length, tuple(kept)))
                else:
                    named_hits.append(_Hit(start, start + length, named))
            if flags:
                if flags & TITLE:
                    titles.append((start, start + length))
                if flags & GIVEN_NAME and text[start].isupper():
                    given.append(start)
        return result

    # ----------------------------------------------------------------- topics
    def _topics(
        self, scan: _Scan, language: str | None, headline_end: int, lead_end: int
    ) -> tuple[list[Subject], dict[str, list[str]]]:
        # What each (code, term) pair adds: its weight where first seen (more in the headline
        # and lead), half of it for up to two repeats.
        contrib: dict[tuple[str, str], float] = {}
        seen: dict[tuple[str, str], int] = defaultdict(int)
        for start, _end, payloads in _outermost(scan.topic_hits):
            factor = 1.5 if start < headline_end else 1.2 if start < lead_end else 1.0
            for p in payloads:
                pair = (p.target, p.term)
                n = seen[pair]
                seen[pair] = n + 1
                if n == 0:
                    contrib[pair] = p.weight * factor
                elif n <= 2:
                    contrib[pair] += p.weight * 0.5
        if not contrib:
            return [], {}
        own: dict[str, float] = defaultdict(float)
        for (code, _term), value in contrib.items():
            own[code] += value
        # Specific codes: own evidence plus their descendants'.
        total: dict[str, float] = defaultdict(float)
        for code, score in own.items():
            total[code] += score
            for ancestor in self._ancestors[code]:
                total[ancestor] += score
        top_scores, top_terms = self._top_level_scores(contrib)
        tops = sorted(top_scores, key=lambda c: (-top_scores[c], c))
        best = top_scores[tops[0]] if tops else 0.0
        chosen_tops = [
            c
            for c in tops[:MAX_TOP]
            if top_scores[c] >= TOP_MIN_SCORE
            and (
                top_scores[c]
                >= (GENERIC_RELATIVE if c in GENERIC_TOPICS and c != tops[0] else TOP_RELATIVE) * best
                # A long story can be mostly about one thing and still substantially about
                # another (the diplomacy around a war): enough distinct evidence stands alone.
                or (top_scores[c] >= STRONG_SECONDARY_SCORE and len(top_terms[c]) >= STRONG_SECONDARY_TERMS)
            )
            # One word is not a topic ("record", "oil") unless it is strong evidence.
            and (len(top_terms[c]) >= MIN_DISTINCT_TERMS or top_scores[c] >= SINGLE_TERM_SCORE)
        ]
        code_terms: dict[str, dict[str, None]] = defaultdict(dict)
        for code, term in contrib:
            for target in (code, *self._ancestors[code]):
                code_terms[target][term] = None  # dict: keeps first-seen order, no repeats
        subjects: list[Subject] = []
        matched: dict[str, list[str]] = {}
        for top in chosen_tops:
            subjects.append(self._subject(top, top_scores[top], best, language))
            matched[top] = list(code_terms[top])[:12]
            subs = sorted(
                (c for c in total if c != top and self._evidence_roots[c] == top and own.get(c, 0) > 0),
                key=lambda c: (-total[c], c),
            )
            sub_best = total[subs[0]] if subs else 0.0
            for code in subs[:MAX_SUB_PER_TOP]:
                if total[code] >= SUB_MIN_SCORE and total[code] >= SUB_RELATIVE * sub_best:
                    subjects.append(self._subject(code, total[code], best, language))
                    matched[code] = list(code_terms[code])[:12]
        return subjects, matched

    def _top_level_scores(
        self, contrib: dict[tuple[str, str], float]
    ) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Score of each top-level topic: every matched term counted once per tree.

        A word listed under a topic and under its subtopic ("president" under politics and
        under heads of state) is one piece of evidence, not two. A word listed under several
        trees ("army": conflict, and defence under politics; "law": justice and parliament)
        is explained by the tree the story's other words support best: it counts fully
        there and only SHARED_TERM_SHARE elsewhere, so a war report full of soldiers does not
        become a politics story by the taxonomy's placement of "defence".
        """
        per_root: dict[str, dict[str, float]] = defaultdict(dict)
        for (code, term), value in contrib.items():
            terms = per_root[self._evidence_roots[code]]
            if term not in terms or value > terms[term]:
                terms[term] = value
        roots_of: dict[str, list[str]] = defaultdict(list)
        for root, terms in per_root.items():
            for term in terms:
                roots_of[term].append(root)
        support = {
            root: sum(v for t, v in terms.items() if len(roots_of[t]) == 1)
            for root, terms in per_root.items()
        }
        scores: dict[str, float] = {}
        kept_terms: dict[str, list[str]] = {}
        for root, terms in per_root.items():
            score = 0.0
            distinct: list[str] = []
            for term, value in terms.items():
                owners = roots_of[term]
                if len(owners) > 1 and value > 0:
                    owner = max(owners, key=lambda r: (support[r], r))
                    if owner != root:
                        value *= SHARED_TERM_SHARE
                score += value
                if value >= 1.0:
                    distinct.append(term)
            scores[root] = score
            kept_terms[root] = distinct
        return scores, kept_terms

    def _subject(self, code: str, score: float, best: float, language: str | None) -> Subject:
        confidence = round(100 * (1 - math.exp(-score / 8)))
        relevance = round(100 * min(1.0, score / best)) if best else 0
        return Subject(
            name=self.data.topics[code].label(language),
            uri=MEDTOP_URI + code,
            creator=CREATOR,
            confidence=max(1, min(99, confidence)),
            relevance=max(1, min(100, relevance)),
        )

    # ----------------------------------------------------------------- names
    def _named_hits(self, named: list[_Hit]) -> list[_Hit]:
        """Place/entity hits, leftmost-longest, non-overlapping ("Paris Saint-Germain" beats "Paris").

        Adjectives are kept inside an organisation's name ("ministère russe de la Défense"
        still says the story concerns Russia) but not inside a place's: the Indian Ocean,
        the South China Sea and British Columbia are not about India, China or Britain.
        """
        names = sorted(
            (h for h in named if any(p.kind != "adj" for p in h.payloads)),
            key=lambda h: (h.start, -(h.end - h.start)),
        )
        kept: list[_Hit] = []
        last_end = -1
        for hit in names:
            if hit.start >= last_end:
                kept.append(hit)
                last_end = hit.end
        kept_ids = {id(k) for k in kept}
        places = [k for k in kept if not any(p.kind in ("entity", "adj") for p in k.payloads)]
        adjectives = [
            _Hit(h.start, h.end, tuple(p for p in h.payloads if p.kind == "adj"))
            for h in named
            if id(h) not in kept_ids
            and any(p.kind == "adj" for p in h.payloads)
            and not any(k.start <= h.start and h.end <= k.end and k is not h for k in places)
        ]
        return sorted(kept + [a for a in adjectives if a.payloads], key=lambda h: h.start)

    def _qualifier(self, after: str) -> tuple[str, str] | None:
        """(cc, US state code or "") named right after a place: ", Texas", ", Italy", " (Texas)"."""
        head = after.lstrip(" ")[:1]
        if head == "(":
            paren = _PAREN_QUALIFIER_RE.match(after)
            return self._qualifying_name(paren.group(1)) if paren else None
        if head != ",":
            return None  # the common case, decided without a regex
        match = _QUALIFIER_RE.match(after)
        return self._qualifying_name(match.group(1)) if match else None

    def _qualifying_name(self, name: str) -> tuple[str, str] | None:
        """(cc, US state code or "") if ``name`` is a country or a US state."""
        for p in self._index.get(fold_term(name), ()):
            if p.kind == "country":
                return p.target, ""
            if p.kind == "region" and p.target.startswith("us-"):
                return "US", p.target[3:].upper()
        return None

    def _qualified_minor_city(self, surface: str, qualifier: tuple[str, str] | None, choice: _Payload) -> Any:
        if qualifier is None or (self._cc(choice) == qualifier[0] and choice.kind == "city"):
            return None
        name = fold_term(surface)
        town = self.data.minor_cities.get((name, *qualifier))
        if town is None and not qualifier[1]:
            # "PARIS (Etats-Unis)": a country without the state; the biggest town of that name.
            towns = [t for t in self._minor_by_name.get(name, ()) if t.cc == qualifier[0]]
            town = max(towns, key=lambda t: t.population) if towns else None
        return town

    @staticmethod
    def _cc(p: _Payload) -> str | None:
        return p.cc

    def _part_of_a_persons_name(self, hit: _Hit, text: str) -> bool:
        """A one-word city that is part of a person's name: "Santiago Abascal", "Concepción
        Pérez" (a first name before a capitalised word) or "Pedro Pereira" (after one)."""
        if not all(p.kind == "city" for p in hit.payloads):
            return False
        word = text[hit.start : hit.end]
        if " " in word:
            return False
        after = _NEXT_WORD_RE.match(text, hit.end)
        if after and word.casefold() in self.data.given_names:
            return True
        before = _WORD_BEFORE_RE.search(text, max(0, hit.start - 30), hit.start)
        return bool(
            before
            and before.group(1)[:1].isupper()
            and before.group(1).casefold() in self.data.given_names
            and text[before.end(1) : hit.start] == " "
        )

    def _places(
        self, story: Story, named: list[_Hit], text: str, language: str | None, headline_end: int
    ) -> list[Subject]:
        context: set[str] = set()
        candidates_per_hit: list[tuple[_Hit, list[_Payload]]] = []
        org_countries: list[tuple[int, str]] = []
        for hit in named:
            entities = [p for p in hit.payloads if p.kind == "entity"]
            if entities:
                # A gazetteer name is not a place mention, but a national organisation
                # (Bundestag, SNCF, Iberdrola) says which country the story is about.
                entity = self.data.entities[entities[0].target]
                if entity.type == "organisation" and entity.country:
                    org_countries.append((hit.start, entity.country))
                    context.add(entity.country)  # Aemet + "Valencia": the Spanish one
                continue
            places = [p for p in hit.payloads if p.kind in ("country", "adj", "city", "region")]
            if not places or self._part_of_a_persons_name(hit, text):
                continue
            ccs = {self._cc(p) for p in places}
            if len(ccs) == 1 and None not in ccs:
                context |= {c for c in ccs if c}
            candidates_per_hit.append((hit, places))

        mentions: dict[tuple[str, str], _PlaceMention] = {}

        def mention(
            kind: str,
            target: str,
            pos: int,
            in_headline: bool,
            ambiguous: bool = False,
            implied: bool = False,
        ) -> None:
            m = mentions.get((kind, target))
            if m is None:
                m = mentions[(kind, target)] = _PlaceMention(kind, target)
            m.count += 1
            if pos < m.first:
                m.first = pos
            m.headline = m.headline or in_headline
            m.ambiguous = m.ambiguous or ambiguous
            m.implied = (m.implied if m.count > 1 else True) and implied

        minor: dict[str, Any] = {}
        dateline_key = self._dateline_place(story, context, language, minor)
        if dateline_key:
            cc = self._cc_of(dateline_key, minor)
            if cc:
                context.add(cc)

        for hit, places in candidates_per_hit:
            after = text[hit.end : hit.end + 40]
            qualifier = self._qualifier(after)
            choice = self._choose(places, context, qualifier) if len(places) > 1 else places[0]
            small = self._qualified_minor_city(text[hit.start : hit.end], qualifier, choice)
            if small is not None:
                minor[str(small.geonameid)] = small
                choice = _Payload(
                    "city", str(small.geonameid), "*", 1.0, False, True, False, small.name, small.cc
                )
                places = [choice]
            in_headline = hit.start < headline_end
            ambiguous = len({(p.kind, p.target) for p in places}) > 1
            kind = "country" if choice.kind == "adj" else choice.kind
            mention(kind, choice.target, hit.start, in_headline, ambiguous=ambiguous)
            cc = self._cc(choice)
            if kind != "country" and cc:
                mention("country", cc, hit.start, in_headline, implied=True)
        for pos, cc in org_countries:
            if cc in self.data.countries:
                mention("country", cc, pos, pos < headline_end, implied=True)
        if dateline_key and dateline_key not in mentions:
            mentions[dateline_key] = _PlaceMention(dateline_key[0], dateline_key[1], count=1, first=-1)
        if dateline_key and dateline_key[0] != "country":
            # The dateline city's country is a country the story is about ("MADRID, 3 mars"
            # on a Spanish jobless story that never says "Espagne"), as for any city.
            cc = self._cc_of(dateline_key, minor)
            if cc and cc in self.data.countries and ("country", cc) not in mentions:
                mentions[("country", cc)] = _PlaceMention("country", cc, count=1, first=-1, implied=True)

        ordered = sorted(
            mentions.values(), key=lambda m: m.first if (m.kind, m.target) != dateline_key else -2
        )
        out: list[Subject] = []
        for m in ordered:
            relevance = min(
                100,
                30
                + 15 * m.count
                + (20 if m.headline else 0)
                + (20 if dateline_key == (m.kind, m.target) else 0),
            )
            confidence = 70 if m.ambiguous else 90 if m.implied else 95
            if m.kind == "country":
                country = self.data.countries[m.target]
                out.append(
                    Subject(
                        name=country.label(language),
                        literal=m.target,
                        creator=CREATOR,
                        relevance=relevance,
                        confidence=confidence,
                    )
                )
            elif m.kind == "city":
                city = minor.get(m.target) or self.data.cities[int(m.target)]
                out.append(
                    Subject(
                        name=city.name,
                        uri=GEONAMES_URI.format(city.geonameid),
                        creator=CREATOR,
                        relevance=relevance,
                        confidence=confidence,
                    )
                )
            else:
                region = self.data.regions[m.target]
                out.append(
                    Subject(
                        name=region.label(language),
                        uri=GEONAMES_URI.format(region.geonameid) if region.geonameid else None,
                        literal=None if region.geonameid else f"region:{region.id}",
                        creator=CREATOR,
                        relevance=relevance,
                        confidence=confidence,
                    )
                )
        return out

    def _cc_of(self, key: tuple[str, str], minor: dict[str, Any]) -> str | None:
        kind, target = key
        if kind == "city":
            city = minor.get(target) or self.data.cities.get(int(target))
            return city.cc if city else None
        if kind == "region":
            return self.data.regions[target].cc
        return target if kind == "country" else None

    def _dateline_place(
        self, story: Story, context: set[str], language: str | None, minor: dict[str, Any]
    ) -> tuple[str, str] | None:
        """The dateline's place: "MADRID, 3 mars (AFP)", "NAIROBI, Kenya (AP)", "ZAMORA, 25 nov (EFE)".

        A dateline names a place by construction, so towns below the main gazetteer's
        threshold are looked up here too (not in running text, where "Bath" or "Nice" may
        be words): an unqualified town is taken in a country the story names, else in a
        country where the story's language is spoken, else the most populous one.
        """
        dateline = story.dateline
        if not dateline or not dateline.place:
            return None
        place = dateline.place
        raw = dateline.raw or ""
        at = raw.find(place)
        after = raw[at + len(place) :] if at >= 0 else ""
        # "CÓRDOBA (Argentina), 12 may" / "NAIROBI, Kenya (AP)"
        qualifier = self._qualifier(after)
        options = [
            p for p in self._index.get(fold_term(place), ()) if p.kind in ("country", "city", "region")
        ]
        if options:
            choice = self._choose(options, context, qualifier)
            small = self._qualified_minor_city(place, qualifier, choice)
            if small is None:
                return ("country" if choice.kind == "country" else choice.kind), choice.target
        else:
            towns = self._minor_by_name.get(fold_term(place))
            if not towns:
                return None
            wanted_cc = qualifier[0] if qualifier else None
            home = LANGUAGE_COUNTRIES.get(language or "", frozenset())

            def rank(town: Any) -> tuple[bool, bool, bool, int]:
                return (
                    town.cc == wanted_cc,
                    town.cc in context,
                    town.cc in home,
                    town.population,
                )

            small = max(towns, key=rank)
        minor[str(small.geonameid)] = small
        return "city", str(small.geonameid)

    def _choose(self, options: list[_Payload], context: set[str], found: tuple[str, str] | None) -> _Payload:
        """Pick one reading of an ambiguous name: "Paris, Texas", Georgia the state or the country."""
        qualifier = found[0] if found else None

        def score(p: _Payload) -> float:
            cc = self._cc(p)
            value = 0.0
            if qualifier and cc == qualifier:
                value += 5
            if cc in context:
                value += 3
            if p.kind == "country":
                value += 1.0
            elif p.kind == "adj":
                value += 0.9
            elif p.kind == "city":
                city = self.data.cities[int(p.target)]
                value += math.log10(city.population + 10) / 10
                if p.term != city.name:
                    # Matched through an alternate name: "Florida" is also listed for
                    # Floridablanca, but the state is meant.
                    value -= 0.5
            else:
                value += 0.3
            return value

        return max(options, key=score)

    # ----------------------------------------------------------------- entities
    def _given_name_people(
        self, given: list[int], text: str, headline_end: int, covered: list[tuple[int, int]]
    ) -> list[tuple[int, str]]:
        """People the gazetteer does not know, by capitalisation: a known first name (found by
        the automaton scan) followed by one to three capitalised surname words ("Dirk
        Jandura", "Ana María López Ortega").

        Body only (English headlines are in title case); names overlapping a place or a
        known entity, with an acronym ("Hertha BSC") or next to an institution word ("Max
        Planck Institute", "estadio Mario Kempes") are left out.
        """
        found: list[tuple[int, str]] = []
        taken_until = -1
        for start in given:
            if start < headline_end or start < taken_until:
                continue
            match = _FULL_NAME_RE.match(text, start)
            if match is None:
                continue
            taken_until = match.end()  # "estadio Mario Alberto Kempes": not "Alberto Kempes" either
            tokens = [(m.end(), m.group()) for m in _TOKEN_RE.finditer(text, start, match.end())]
            rest = tokens[1:4]
            for k, (_e, token) in enumerate(rest):
                if _POSSESSIVE_RE.search(token):
                    rest = rest[: k + 1]  # "Anders Lie's team": the name ends at the 's
                    break
            if fold_term(tokens[0][1]) in _NOT_NAMES or any(_is_acronym(t) for _e, t in rest):
                continue
            end, last = rest[-1]
            if fold_term(last) in _INSTITUTION_WORDS or text[end : end + 1] == "-":
                continue
            before = _WORD_BEFORE_RE.search(text, max(0, start - 30), start)
            if before and fold_term(before.group(1)) in _INSTITUTION_WORDS:
                continue
            if any(s < end and start < e for s, e in covered):
                continue
            found.append((start, _POSSESSIVE_RE.sub("", text[start:end])))
        return found

    def _entities(
        self,
        scan: _Scan,
        named: list[_Hit],
        text: str,
        language: str | None,
        headline_end: int,
    ) -> tuple[list[Subject], list[Subject]]:
        found: dict[str, list[int]] = defaultdict(list)
        covered: list[tuple[int, int]] = []
        for hit in named:
            covered.append((hit.start, hit.end))
            for p in hit.payloads:
                if p.kind == "entity":
                    found[p.target].append(hit.start)
                    break
        pattern_people: dict[str, tuple[str, list[int]]] = {}
        for title_start, title_end in sorted(set(scan.titles)):
            # "le ministre Jean Dupont" (name after the title) or "Jean Dupont, the mayor,"
            # (an apposition before it).
            match = _AFTER_TITLE_RE.match(text, title_end)
            if match is None:
                # Within the title's own line: a name does not run across the headline.
                line_start = text.rfind("\n", 0, title_start) + 1
                match = _BEFORE_TITLE_RE.search(text, max(line_start, title_start - 90), title_start)
            if match is None:
                continue
            start, end = match.span("name")
            name = match.group("name")
            while (first := name.split(" ", 1))[0].rstrip(".").casefold() in _RANKS and len(name.split()) > 2:
                start += len(first[0]) + 1  # "Colonel Sipho Ndlovu, the police spokesman"
                name = first[1]
            if "\n" in name or any(fold_term(t) in _NOT_NAMES or _is_acronym(t) for t in name.split()):
                continue  # "Präsident des Außenhandelsverbands BGA" names no one
            if any(s < end and start < e for s, e in covered):
                continue  # already a known person, organisation or place
            pid = slug(name)
            entry = pattern_people.setdefault(pid, (name, []))
            entry[1].append(start)
        cued = {pid for pid in pattern_people}
        for start, name in self._given_name_people(scan.given, text, headline_end, covered):
            pid = slug(name)
            entry = pattern_people.setdefault(pid, (name, []))
            entry[1].append(start)
        people: list[Subject] = []
        orgs: list[Subject] = []
        for eid, positions in sorted(found.items(), key=lambda kv: kv[1][0]):
            entity = self.data.entities[eid]
            subject = Subject(
                name=entity.label(language),
                literal=eid,
                creator=CREATOR,
                confidence=90,
                relevance=_entity_relevance(positions, headline_end),
            )
            (people if entity.type == "person" else orgs).append(subject)
        for pid, (name, positions) in pattern_people.items():
            people.append(
                Subject(
                    name=name,
                    literal=pid,
                    creator=CREATOR,
                    confidence=60 if pid in cued else 50,
                    relevance=_entity_relevance(positions, headline_end),
                )
            )
        return people, orgs


def _same_word_caps(name: str, original: str) -> bool:
    """Every word the gazetteer capitalises is capitalised in the text too."""
    return all(
        not n[:1].isupper() or t[:1].isupper() or t[:1].isdigit()
        for n, t in zip(name.split(), original.split(), strict=False)
    )


def _outermost(
    hits: list[tuple[int, int, tuple[_Payload, ...]]],
) -> list[tuple[int, int, tuple[_Payload, ...]]]:
    """Drop hits nested inside a longer hit: "feu" inside "cessez-le-feu" is not a fire."""
    ordered = sorted(hits, key=lambda h: (h[0], h[0] - h[1]))
    kept: list[tuple[int, int, tuple[_Payload, ...]]] = []
    max_end = -1
    last_start = last_end = -1
    for hit in ordered:
        start, end = hit[0], hit[1]
        if end <= max_end and (start != last_start or end != last_end):
            continue  # same span twice = a whole-word key and a prefix key: keep both
        kept.append(hit)
        if end > max_end:
            max_end = end
        last_start, last_end = start, end
    return kept


def _entity_relevance(positions: list[int], headline_end: int) -> int:
    return min(100, 40 + 15 * (len(positions) - 1) + (25 if positions[0] < headline_end else 0))


def _subject_key(subject: Subject) -> str:
    for value in (subject.uri, subject.literal):
        if value:
            match = _MEDTOP_RE.search(value)
            if match:
                return "medtop:" + match.group(1)
    return subject.uri or subject.literal or subject.name.casefold()


def _entity_key(subject: Subject) -> str:
    return subject.uri or subject.literal or subject.name.casefold()


def _merge(existing: Iterable[Subject], ours: Iterable[Subject], key: Any) -> list[Subject]:
    """Agency-supplied entries first and untouched; ours added unless the same uri/code/id is there."""
    merged = list(existing)
    seen = {key(s) for s in merged}
    for subject in ours:
        k = key(subject)
        if k not in seen:
            seen.add(k)
            merged.append(subject)
    return merged
