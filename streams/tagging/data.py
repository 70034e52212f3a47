"""Loading and validating the tagging data files (bundled + a user directory).

Every file is plain TSV (``#`` starts a comment line) or JSON lines, so editors can
extend them without code. A user directory holding files with the same names extends
the bundled data; a row with the same key (topic code, entity id) replaces the bundled
one. Every problem is reported as ``TaggingDataError(file, line, problem)`` at load
time, never as a silent skip at tagging time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.tagging._text import fold_term
from streams.tagging.errors import TaggingDataError

BUNDLED_DIR = Path(__file__).parent / "data"
LABEL_LANGS = ("en", "fr", "de", "es", "pt")
_CODE_RE = re.compile(r"^\d{8}$")
_LANG_RE = re.compile(r"^(\*|[a-z]{2})$")
_CC_RE = re.compile(r"^[A-Z]{2}$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TEMPLATE_ID_RE = re.compile(r"^[a-z0-9{}][a-z0-9{}-]*$")


@dataclass(frozen=True, slots=True)
class Topic:
    code: str
    parent: str | None
    labels: dict[str, str]

    def label(self, lang: str | None) -> str:
        return self.labels.get(lang or "en") or self.labels.get("en") or self.code


@dataclass(frozen=True, slots=True)
class LexTerm:
    code: str
    lang: str
    weight: float
    term: str  # as written (shown in annotations)
    key: str  # folded
    prefix: bool  # trailing * in the file: inflections/compounds match too


@dataclass(slots=True)
class Country:
    cc: str
    names: dict[str, list[str]] = field(default_factory=dict)  # hand-written, by lang
    generated: dict[str, list[str]] = field(default_factory=dict)  # pycountry, by lang
    adjectives: dict[str, list[str]] = field(default_factory=dict)

    def label(self, lang: str | None) -> str:
        # Hand-written short names first ("Russie"), then the shortest ISO name
        # ("Deutschland", not "Bundesrepublik Deutschland").
        for source in (
            self.names.get(lang or ""),
            sorted(self.generated.get(lang or "", []), key=len),
            self.names.get("en"),
            self.names.get("*"),
            sorted(self.generated.get("en", []), key=len),
        ):
            if source:
                return source[0].rstrip("*")
        return self.cc


@dataclass(frozen=True, slots=True)
class City:
    geonameid: int
    cc: str
    population: int
    name: str
    aliases: tuple[str, ...]


@dataclass(slots=True)
class Region:
    id: str
    geonameid: int | None
    cc: str | None
    names: dict[str, list[str]] = field(default_factory=dict)

    def label(self, lang: str | None) -> str:
        for source in (self.names.get(lang or ""), self.names.get("*"), self.names.get("en")):
            if source:
                return source[0]
        return next(iter(self.names.values()))[0]


@dataclass(slots=True)
class Entity:
    id: str
    type: str  # person | organisation
    name: str
    names: dict[str, str]
    aliases: list[str]
    country: str | None = None
    lowercase_ok: bool = False

    def label(self, lang: str | None) -> str:
        return self.names.get(lang or "", self.name)


@dataclass(slots=True)
class TaggingData:
    topics: dict[str, Topic] = field(default_factory=dict)
    lexicon: list[LexTerm] = field(default_factory=list)
    countries: dict[str, Country] = field(default_factory=dict)
    cities: dict[int, City] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    # (folded name, cc, admin1) -> city; admin1 is the US state code ("TX") for US cities.
    minor_cities: dict[tuple[str, str, str], City] = field(default_factory=dict)
    # code -> top-level topic its terms (and its narrower codes' terms) are evidence for,
    # where that is not the IPTC tree's own top (topic_evidence.tsv).
    evidence_roots: dict[str, str] = field(default_factory=dict)
    # Case-folded first names (given_names.tsv): the person cue for names the gazetteer lacks.
    given_names: set[str] = field(default_factory=set)


def _rows(path: Path, min_cols: int, max_cols: int) -> Iterator[tuple[int, list[str]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TaggingDataError(path, 0, f"not UTF-8: {exc}") from exc
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not min_cols <= len(cells) <= max_cols:
            expected = str(min_cols) if min_cols == max_cols else f"{min_cols}-{max_cols}"
            raise TaggingDataError(
                path, lineno, f"expected {expected} tab-separated columns, got {len(cells)}"
            )
        yield lineno, [c.strip() for c in cells]


def _split_names(path: Path, lineno: int, cell: str) -> list[str]:
    names = [n.strip() for n in cell.split("|") if n.strip()]
    if not names:
        raise TaggingDataError(path, lineno, "no names/terms given")
    for name in names:
        if not fold_term(name.rstrip("*")):
            raise TaggingDataError(path, lineno, f"term {name!r} has no letters or digits")
    return names


def _check_lang(path: Path, lineno: int, lang: str) -> None:
    if not _LANG_RE.match(lang):
        raise TaggingDataError(path, lineno, f"language must be a 2-letter ISO 639-1 code or *, got {lang!r}")


def _check_cc(path: Path, lineno: int, cc: str, known: dict[str, Country] | None = None) -> None:
    if not _CC_RE.match(cc):
        raise TaggingDataError(path, lineno, f"country must be an ISO 3166-1 alpha-2 code, got {cc!r}")
    if known is not None and cc not in known:
        raise TaggingDataError(path, lineno, f"unknown country code {cc!r}")


def load_topics(path: Path, data: TaggingData) -> None:
    for lineno, cells in _rows(path, 3, 2 + len(LABEL_LANGS)):
        code, parent = cells[0], cells[1]
        if not _CODE_RE.match(code):
            raise TaggingDataError(path, lineno, f"topic code must be 8 digits, got {code!r}")
        if parent and not _CODE_RE.match(parent):
            raise TaggingDataError(path, lineno, f"parent code must be 8 digits or empty, got {parent!r}")
        labels = {lang: label for lang, label in zip(LABEL_LANGS, cells[2:], strict=False) if label}
        if "en" not in labels:
            raise TaggingDataError(path, lineno, "an English label is required (fallback language)")
        data.topics[code] = Topic(code, parent or None, labels)


def _check_topic_tree(path: Path, data: TaggingData) -> None:
    for topic in data.topics.values():
        if topic.parent and topic.parent not in data.topics:
            raise TaggingDataError(path, 0, f"topic {topic.code} has unknown parent {topic.parent}")


def load_given_names(path: Path, data: TaggingData) -> None:
    for lineno, cells in _rows(path, 1, 2):
        name = cells[0].strip()
        if not name[:1].isupper() or not name.replace("-", "").replace("'", "").replace("’", "").isalpha():
            raise TaggingDataError(path, lineno, f"a given name is one capitalised word, got {name!r}")
        data.given_names.add(name.casefold())


def load_evidence_roots(path: Path, data: TaggingData) -> None:
    for lineno, (code, top) in _rows(path, 2, 2):
        for value in (code, top):
            if value not in data.topics:
                raise TaggingDataError(path, lineno, f"unknown or retired IPTC Media Topic code {value!r}")
        if data.topics[top].parent is not None:
            raise TaggingDataError(path, lineno, f"{top} is not a top-level Media Topic")
        if data.topics[code].parent is None:
            raise TaggingDataError(path, lineno, f"{code} is a top-level Media Topic already")
        data.evidence_roots[code] = top


def load_lexicon(path: Path, data: TaggingData) -> None:
    for lineno, (code, lang, weight_s, terms) in _rows(path, 4, 4):
        if code.startswith("medtop:"):
            code = code[len("medtop:") :]
        if code not in data.topics:
            raise TaggingDataError(path, lineno, f"unknown or retired IPTC Media Topic code {code!r}")
        _check_lang(path, lineno, lang)
        try:
            weight = float(weight_s)
        except ValueError:
            raise TaggingDataError(path, lineno, f"weight must be a number, got {weight_s!r}") from None
        if weight == 0 or abs(weight) > 10:
            raise TaggingDataError(path, lineno, f"weight must be non-zero and within -10..10, got {weight}")
        for term in _split_names(path, lineno, terms):
            prefix = term.endswith("*")
            bare = term.rstrip("*")
            key = fold_term(bare)
            if prefix and len(key) < 3:
                raise TaggingDataError(path, lineno, f"prefix term {term!r} is too short (3+ letters)")
            data.lexicon.append(LexTerm(code, lang, weight, bare, key, prefix))


def load_countries(path: Path, data: TaggingData, generated: bool) -> None:
    for lineno, (cc, lang, kind, names_s) in _rows(path, 4, 4):
        _check_cc(path, lineno, cc, None if generated else data.countries)
        _check_lang(path, lineno, lang)
        if kind not in ("name", "adj"):
            raise TaggingDataError(path, lineno, f"kind must be 'name' or 'adj', got {kind!r}")
        names = _split_names(path, lineno, names_s)
        country = data.countries.setdefault(cc, Country(cc))
        target = country.adjectives if kind == "adj" else country.generated if generated else country.names
        target.setdefault(lang, []).extend(names)


def load_cities(path: Path, data: TaggingData) -> None:
    for lineno, (gid, cc, pop, name, aliases) in _rows(path, 5, 5):
        if not gid.isdigit() or not pop.isdigit():
            raise TaggingDataError(path, lineno, "geonameid and population must be integers")
        _check_cc(path, lineno, cc, data.countries)
        if not name:
            raise TaggingDataError(path, lineno, "city name is empty")
        alias_list = tuple(a for a in aliases.split("|") if a.strip())
        data.cities[int(gid)] = City(int(gid), cc, int(pop), name, alias_list)


def load_minor_cities(path: Path, data: TaggingData) -> None:
    for lineno, (gid, cc, admin1, pop, name) in _rows(path, 5, 5):
        if not gid.isdigit() or not pop.isdigit():
            raise TaggingDataError(path, lineno, "geonameid and population must be integers")
        city = City(int(gid), cc, int(pop), name, ())
        key = (fold_term(name), cc, admin1 if cc == "US" else "")
        # Two towns of one name in one state/country: the bigger one is meant.
        if key not in data.minor_cities or data.minor_cities[key].population < city.population:
            data.minor_cities[key] = city


def load_city_aliases(path: Path, data: TaggingData) -> None:
    by_name = {(c.cc, c.name): c for c in data.cities.values()}
    for lineno, (cc, name, lang, aliases) in _rows(path, 4, 4):
        _check_lang(path, lineno, lang)
        city = by_name.get((cc, name))
        if city is None:
            raise TaggingDataError(path, lineno, f"no city {name!r} in {cc} in cities.tsv")
        extra = tuple(_split_names(path, lineno, aliases))
        updated = City(city.geonameid, city.cc, city.population, city.name, city.aliases + extra)
        data.cities[city.geonameid] = updated
        by_name[(cc, name)] = updated


def load_regions(path: Path, data: TaggingData) -> None:
    for lineno, (rid, gid, cc, lang, names_s) in _rows(path, 5, 5):
        if not _ID_RE.match(rid):
            raise TaggingDataError(path, lineno, f"region id must be a lowercase slug, got {rid!r}")
        if gid and not gid.isdigit():
            raise TaggingDataError(path, lineno, f"geonameid must be an integer or empty, got {gid!r}")
        if cc:
            _check_cc(path, lineno, cc, data.countries)
        _check_lang(path, lineno, lang)
        region = data.regions.setdefault(rid, Region(rid, int(gid) if gid else None, cc or None))
        region.names.setdefault(lang, []).extend(_split_names(path, lineno, names_s))


def _str_list(path: Path, lineno: int, value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TaggingDataError(path, lineno, f"{what} must be a list of non-empty strings")
    return list(value)


def load_entities(path: Path, data: TaggingData) -> None:
    seen: set[str] = set()
    templates: list[tuple[int, dict[str, Any]]] = []
    attach: dict[tuple[str, str], str] = {}  # (template id, cc) -> explicit entity id
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TaggingDataError(path, lineno, f"invalid JSON: {exc.msg}") from None
        if not isinstance(obj, dict):
            raise TaggingDataError(path, lineno, "each line must be a JSON object")
        if set(obj) <= {"_comment"}:
            continue
        unknown = set(obj) - {
            "id",
            "type",
            "name",
            "names",
            "aliases",
            "aliases_by_lang",
            "country",
            "lowercase_ok",
            "template",
            "template_of",
            "_comment",
        }
        if unknown:
            raise TaggingDataError(path, lineno, f"unknown keys {sorted(unknown)}")
        eid = obj.get("id")
        template = obj.get("template") is True
        if not isinstance(eid, str) or not (_TEMPLATE_ID_RE if template else _ID_RE).match(eid):
            raise TaggingDataError(path, lineno, f"id must be a lowercase slug, got {eid!r}")
        if eid in seen:
            raise TaggingDataError(path, lineno, f"duplicate id {eid!r} in this file")
        seen.add(eid)
        if obj.get("type") not in ("person", "organisation"):
            raise TaggingDataError(path, lineno, "type must be 'person' or 'organisation'")
        if not isinstance(obj.get("name"), str) or not obj["name"].strip():
            raise TaggingDataError(path, lineno, "name must be a non-empty string")
        names = obj.get("names", {})
        if not isinstance(names, dict) or not all(
            isinstance(k, str) and _LANG_RE.match(k) and isinstance(v, str) for k, v in names.items()
        ):
            raise TaggingDataError(path, lineno, "names must map 2-letter language codes to strings")
        country = obj.get("country")
        if country is not None:
            _check_cc(path, lineno, country, data.countries)
        if template:
            if "{cc}" not in eid or not isinstance(obj.get("aliases_by_lang"), dict):
                raise TaggingDataError(path, lineno, "a template needs {cc} in its id and aliases_by_lang")
            for lang, aliases in obj["aliases_by_lang"].items():
                _check_lang(path, lineno, lang)
                for alias in _str_list(path, lineno, aliases, "aliases_by_lang values"):
                    if "{adj}" not in alias:
                        raise TaggingDataError(path, lineno, f"template alias {alias!r} lacks {{adj}}")
            templates.append((lineno, obj))
            continue
        aliases = _str_list(path, lineno, obj.get("aliases", []), "aliases")
        data.entities[eid] = Entity(
            eid,
            obj["type"],
            obj["name"].strip(),
            dict(names),
            aliases,
            country,
            bool(obj.get("lowercase_ok", False)),
        )
        if isinstance(obj.get("template_of"), str) and country:
            attach[(obj["template_of"], country)] = eid
    for _lineno, obj in templates:
        _expand_template(obj, data, attach)


def _expand_template(obj: dict[str, Any], data: TaggingData, attach: dict[tuple[str, str], str]) -> None:
    """One organisation per country with adjectives: "ministère {adj} de la Défense" × "russe"…"""
    for cc, country in sorted(data.countries.items()):
        if not country.adjectives:
            continue
        aliases: list[str] = []
        for lang, patterns in obj["aliases_by_lang"].items():
            adjs = [a for a in country.adjectives.get(lang, []) if not a.endswith("*")]
            # "russisch*" style prefixes cannot be placed mid-phrase; expand the usual endings.
            for adj in country.adjectives.get(lang, []):
                if adj.endswith("*"):
                    stem = adj[:-1]
                    adjs.extend(stem + ending for ending in ("", "e", "en", "es", "er", "a", "o", "ne"))
            aliases.extend(p.replace("{adj}", a) for p in patterns for a in adjs)
        if not aliases:
            continue
        target = attach.get((obj["id"], cc))
        if target and target in data.entities:
            data.entities[target].aliases.extend(aliases)
            continue
        eid = obj["id"].replace("{cc}", cc.lower())
        name = obj["name"].replace("{country}", country.label("en")).replace("{cc}", cc)
        data.entities[eid] = Entity(eid, obj["type"], name, {}, aliases, cc, bool(obj.get("lowercase_ok")))


def load_data(user_dir: Path | None = None) -> TaggingData:
    """Bundled data, then the same-named files from ``user_dir`` on top."""
    if user_dir is not None and not user_dir.is_dir():
        raise TaggingDataError(user_dir, 0, "data directory does not exist")
    dirs = [BUNDLED_DIR] + ([user_dir] if user_dir is not None else [])
    data = TaggingData()

    def each(name: str) -> Iterator[Path]:
        for d in dirs:
            if (d / name).is_file():
                yield d / name

    for path in each("mediatopics.tsv"):
        load_topics(path, data)
        _check_topic_tree(path, data)
    for path in each("topic_lexicon.tsv"):
        load_lexicon(path, data)
    for path in each("topic_evidence.tsv"):
        load_evidence_roots(path, data)
    for path in each("countries.tsv"):
        load_countries(path, data, generated=True)
    for path in each("demonyms.tsv"):
        load_countries(path, data, generated=False)
    for path in each("cities.tsv"):
        load_cities(path, data)
    for path in each("cities_minor.tsv"):
        load_minor_cities(path, data)
    for path in each("city_aliases.tsv"):
        load_city_aliases(path, data)
    for name in ("regions.tsv", "us_states.tsv"):
        for path in each(name):
            load_regions(path, data)
    for path in each("entities.jsonl"):
        load_entities(path, data)
    for path in each("given_names.tsv"):
        load_given_names(path, data)
    return data
