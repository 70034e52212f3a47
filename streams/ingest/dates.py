"""Times from wires → aware UTC datetimes.

Naive local times are read in the agency's home time zone (with its DST
rules); explicit offsets and zone words win. Parsers keep the original string
in provenance.original_times so nothing is lost by the conversion.

Besides ISO-ish stamps this module reads what text wires write: trailers
(`AP-WF-10-13-24 1137GMT`, `131137 GMT Nov 13`, `091223 dec 18`), dates in
datelines (`Aug 29, 2014`, `21 jan 2019`, `Dec. 9`) and embargo phrases
(`Embargoed to 0001 Friday September 9`, `Sperrfrist 10. Oktober, 12.00 Uhr`).
Month names are accepted in English, French, German, Spanish, Italian and
Portuguese. A missing year is inferred from the time the input was received.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

# Where an agency's naive timestamps are written. Override per input with the
# `timezone` header when a feed differs.
AGENCY_TZ: dict[str, str] = {
    "AFP": "Europe/Paris",
    "AP": "America/New_York",
    "REUTERS": "UTC",
    "REUTER": "UTC",
    "DPA": "Europe/Berlin",
    "EFE": "Europe/Madrid",
    "ANSA": "Europe/Rome",
    "ATS": "Europe/Zurich",
    "SDA": "Europe/Zurich",
    "APA": "Europe/Vienna",
    "BELGA": "Europe/Brussels",
    "ANP": "Europe/Amsterdam",
    "KYODO": "Asia/Tokyo",
    "XINHUA": "Asia/Shanghai",
}

_MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("january", "janvier", "januar", "jaenner", "enero", "gennaio", "janeiro"),
    ("february", "fevrier", "februar", "feber", "febrero", "febbraio", "fevereiro"),
    ("march", "mars", "maerz", "marz", "mrz", "marzo", "marco"),
    ("april", "avril", "abril", "aprile"),
    ("may", "mai", "mayo", "maggio", "maio"),
    ("june", "juin", "juni", "junio", "giugno", "junho"),
    ("july", "juillet", "juli", "julio", "luglio", "julho"),
    ("august", "aout", "agosto"),
    ("september", "septembre", "septiembre", "settembre", "setembro", "setiembre"),
    ("october", "octobre", "oktober", "octubre", "ottobre", "outubro"),
    ("november", "novembre", "noviembre", "novembro"),
    ("december", "decembre", "dezember", "diciembre", "dicembre", "dezembro"),
)

_WEEKDAYS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonnabend",
        "sonntag",
        "lunes",
        "martes",
        "miercoles",
        "jueves",
        "viernes",
        "sabado",
        "domingo",
    ]
)

# Zone words seen in trailers and embargo lines. Ambiguous US words are read
# as their standard/daylight meaning, which is what agencies mean by them.
_ZONE_WORDS: dict[str, tzinfo] = {
    "GMT": UTC,
    "UTC": UTC,
    "Z": UTC,
    "TU": UTC,
    "HEC": ZoneInfo("Europe/Paris"),
    "MEZ": timezone(timedelta(hours=1)),
    "CET": timezone(timedelta(hours=1)),
    "MESZ": timezone(timedelta(hours=2)),
    "CEST": timezone(timedelta(hours=2)),
    "HEE": timezone(timedelta(hours=2)),
    "BST": timezone(timedelta(hours=1)),
    "EST": timezone(timedelta(hours=-5)),
    "EDT": timezone(timedelta(hours=-4)),
    "ET": ZoneInfo("America/New_York"),
    "CST": timezone(timedelta(hours=-6)),
    "CDT": timezone(timedelta(hours=-5)),
    "MST": timezone(timedelta(hours=-7)),
    "MDT": timezone(timedelta(hours=-6)),
    "PST": timezone(timedelta(hours=-8)),
    "PDT": timezone(timedelta(hours=-7)),
    "JST": timezone(timedelta(hours=9)),
}

# A date found in text further than this in the future of the received time
# is taken to belong to the previous year.
_MAX_FUTURE = timedelta(days=2)


def agency_zone(agency: str | None, override: str | None = None) -> tzinfo:
    name = override or AGENCY_TZ.get((agency or "").upper(), "UTC")
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return UTC


def to_utc(value: datetime, zone: tzinfo = UTC) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def parse_datetime(text: str | None, zone: tzinfo = UTC) -> datetime | None:
    """ISO 8601 and the compact forms wires use (20240710T143000+0200, …)."""
    if not text or not text.strip():
        return None
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = dateparser.isoparse(raw)
        except (ValueError, OverflowError):
            try:
                with warnings.catch_warnings():
                    # An unknown zone word ("T", "XYZ") leaves the time naive, read in
                    # `zone` below; dateutil would also warn, which must not escape.
                    warnings.simplefilter("ignore", dateparser.UnknownTimezoneWarning)
                    parsed = dateparser.parse(raw)
            except (ValueError, OverflowError):
                return None
    try:
        return to_utc(parsed, zone)
    except (ValueError, OverflowError):
        return None  # year 1 or 9999 pushed out of datetime's range by the offset


def iso(value: datetime | None) -> str | None:
    """UTC ISO 8601 with a Z, seconds precision — the one format events use."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("ä", "ae").replace("Ä", "ae"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip(".")


@functools.lru_cache(maxsize=4096)
def month_number(word: str) -> int | None:
    """`Okt`, `déc`, `dic`, `juil.`, `Sept`, `March` → month 1-12; None if unknown or ambiguous."""
    folded = _fold(word)
    if len(folded) < 3 or not folded.isalpha():
        return None
    if folded == "mrz":
        return 3
    found = {
        index + 1
        for index, names in enumerate(_MONTH_NAMES)
        for name in names
        if name.startswith(folded) or (len(folded) > len(name) and folded.startswith(name))
    }
    return found.pop() if len(found) == 1 else None


def zone_word(word: str | None) -> tzinfo | None:
    return _ZONE_WORDS.get(word.upper()) if word else None


def infer_year(month: int, day: int, received: datetime, *, allow_future: timedelta = _MAX_FUTURE) -> int:
    """The year that puts month/day closest to `received` without going far into its future."""
    ref = received.astimezone(UTC).date()
    best: tuple[int, int] | None = None
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        delta = (candidate - ref).days
        if delta > allow_future.days:
            continue
        if best is None or abs(delta) < best[0]:
            best = (abs(delta), year)
    return best[1] if best else ref.year


def _full_year(two_or_four: str) -> int:
    year = int(two_or_four)
    return year + 2000 if year < 100 else year


def _build(
    year: int | None,
    month: int,
    day: int,
    hour: int,
    minute: int,
    zone: tzinfo,
    received: datetime | None,
    allow_future: timedelta = _MAX_FUTURE,
) -> datetime | None:
    if year is None:
        year = infer_year(month, day, received or datetime.now(UTC), allow_future=allow_future)
    try:
        return to_utc(datetime(year, month, day, hour, minute), zone)
    except ValueError:
        return None


_AP_TRAILER_RE = re.compile(
    r"\b(?:[A-Z]{2,5}-)*(?P<mo>\d\d)-(?P<d>\d\d)-(?P<y>\d\d(?:\d\d)?)\s+(?P<h>\d\d)(?P<mi>\d\d)\s*(?P<tz>[A-Z]{1,4})?\b"
)
_DDHHMM_RE = re.compile(
    r"(?<!\d)(?P<d>\d\d)(?P<h>\d\d)(?P<mi>\d\d)\s*(?P<tz>[A-Z]{1,4}\b)?\s*"
    r"(?P<mon>[^\W\d_]{3,9})\.?(?:\s+(?P<n>\d{2,4}))?(?!\d)"
)


def parse_trailer(text: str, *, received: datetime | None = None, zone: tzinfo = UTC) -> datetime | None:
    """A wire trailer → UTC.

    `AP-WF-10-13-24 1137GMT` (MM-DD-YY), `131137 GMT Nov 13` (DDHHMM, then the
    month and the day again: no year), `091223 dec 18` (IPTC 7901: DDHHMM Mon YY).
    A number after the month equal to the DDHHMM day is the day, not a year.
    Without a zone word the time is local to `zone`.
    """
    match = _AP_TRAILER_RE.search(text)
    if match:
        tz = zone_word(match["tz"]) or zone
        return _build(
            _full_year(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"]),
            int(match["mi"]),
            tz,
            received,
        )
    for match in _DDHHMM_RE.finditer(text):
        month = month_number(match["mon"])
        tz_word = match["tz"]
        if month is None or (tz_word and zone_word(tz_word) is None):
            continue
        day, hour, minute = int(match["d"]), int(match["h"]), int(match["mi"])
        if not (1 <= day <= 31 and hour < 24 and minute < 60):
            continue
        number = match["n"]
        year = None if number is None or int(number) == day else _full_year(number)
        return _build(year, month, day, hour, minute, zone_word(tz_word) or zone, received)
    return None


@dataclass(frozen=True, slots=True)
class DateParts:
    """What a free-text date phrase says; None where it says nothing."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    zone: tzinfo | None = None


_TOKEN_RE = re.compile(
    r"(?P<ddmmyy>\d{1,2}\.\d{1,2}\.\d{2,4})"
    r"|(?P<time>\d{1,2}(?::|\.|h|H)\d{2})(?:\s*(?:Uhr|h|heures?|hrs?|horas?))?"
    r"|(?P<num>\d{1,4})\.?"
    r"|(?P<word>[^\W\d_]+)\.?"
)


def date_parts(text: str) -> DateParts:
    """Pull day/month/year/time/zone out of a phrase in any of the supported languages."""
    year = month = day = hour = minute = None
    zone: tzinfo | None = None
    numbers: list[str] = []
    month_seen_at: int | None = None
    for match in _TOKEN_RE.finditer(text):
        if match["time"]:
            if hour is None:
                hour, minute = (int(x) for x in re.split(r"[:.hH]", match["time"]))
        elif match["ddmmyy"]:
            d, m, y = match["ddmmyy"].split(".")
            day, month, year = int(d), int(m), _full_year(y)
        elif match["num"]:
            numbers.append(match["num"])
        else:
            word = match["word"]
            if zone is None and zone_word(word) is not None:
                zone = zone_word(word)
            elif _fold(word) in _WEEKDAYS:
                continue
            elif month is None and (number := month_number(word)) is not None:
                month = number
                month_seen_at = len(numbers)
    for index, num in enumerate(numbers):
        value = int(num)
        if (
            len(num) == 4
            and 1900 <= value <= 2100
            and year is None
            and month_seen_at is not None
            and (index >= month_seen_at or hour is not None)
        ):
            year = value
            continue
        if len(num) in (3, 4) and hour is None and value % 100 < 60 and value // 100 < 24:
            hour, minute = value // 100, value % 100
        elif len(num) <= 2 and day is None and month is not None and 1 <= value <= 31:
            day = value
        elif len(num) == 2 and year is None and day is not None and month_seen_at is not None:
            year = _full_year(num)
    return DateParts(year, month, day, hour, minute, zone)


def parse_loose_date(text: str, *, received: datetime | None = None) -> date | None:
    """`Aug 29, 2014`, `21 jan 2019`, `10 juil 2024`, `Dec. 9` → a date (year inferred if missing)."""
    parts = date_parts(text)
    if parts.month is None or parts.day is None:
        return None
    year = parts.year or infer_year(parts.month, parts.day, received or datetime.now(UTC))
    try:
        return date(year, parts.month, parts.day)
    except ValueError:
        return None


_EMBARGO_RE = re.compile(
    r"(?im)(?:\bembargo(?:ed)?\b|\bsperrfrist\b|\bbloqueado\b|\bembargo\s+hasta\b)"
    r"(?:\s*(?:to|until|till|for|hasta|jusqu'?(?:au|à)|bis)\b)?\s*[:\-–]?\s*"
    r"(?P<when>[^\n]{3,100})"
)


def find_embargo(text: str) -> str | None:
    """The embargo phrase of a text (`0001 Friday September 9`), or None."""
    match = _EMBARGO_RE.search(text)
    if not match:
        return None
    when = re.split(r"[;=]|\s{2,}|\)|\s-\s", match["when"])[0].strip(" .,:")
    return when if re.search(r"\d", when) else None


def parse_embargo(phrase: str, *, received: datetime | None = None, zone: tzinfo = UTC) -> datetime | None:
    """An embargo phrase → UTC. Missing date: the received day; missing year: the nearest one."""
    parts = date_parts(phrase)
    if parts.hour is None and parts.day is None:
        return None
    ref = (received or datetime.now(UTC)).astimezone(parts.zone or zone)
    month = parts.month or ref.month
    day = parts.day or ref.day
    # An embargo is in the future of its dispatch: allow the whole coming year.
    return _build(
        parts.year,
        month,
        day,
        parts.hour or 0,
        parts.minute or 0,
        parts.zone or zone,
        received,
        allow_future=timedelta(days=300),
    )
