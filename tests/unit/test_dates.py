"""Dates: trailers, month names in several languages, year inference, zones, embargoes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from streams.ingest.dates import (
    agency_zone,
    find_embargo,
    infer_year,
    iso,
    month_number,
    parse_datetime,
    parse_embargo,
    parse_loose_date,
    parse_trailer,
    to_utc,
)

RECEIVED = datetime(2024, 10, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("word", "month"),
    [
        ("Okt", 10),
        ("déc", 12),
        ("dec", 12),
        ("Dez", 12),
        ("dic", 12),
        ("juil.", 7),
        ("juin", 6),
        ("janv", 1),
        ("fév", 2),
        ("févr.", 2),
        ("Mär", 3),
        ("Mrz", 3),
        ("März", 3),
        ("avr", 4),
        ("mai", 5),
        ("ago", 8),
        ("août", 8),
        ("Sept", 9),
        ("ene", 1),
        ("abr", 4),
        ("September", 9),
        ("diciembre", 12),
        ("Oktober", 10),
    ],
)
def test_month_number(word: str, month: int) -> None:
    assert month_number(word) == month


@pytest.mark.parametrize("word", ["jui", "ma", "foo", "12", ""])
def test_month_number_unknown_or_ambiguous(word: str) -> None:
    assert month_number(word) is None


@pytest.mark.parametrize(
    ("trailer", "received", "zone", "expected"),
    [
        ("AP-WF-10-13-24 1137GMT", RECEIVED, "AP", "2024-10-13T11:37:00Z"),
        ("AP-WF-10-13-24 1137EDT", RECEIVED, "AP", "2024-10-13T15:37:00Z"),
        # A naive AP trailer is New York time (EDT in October).
        ("AP-WF-10-13-24 1137", RECEIVED, "AP", "2024-10-13T15:37:00Z"),
        # DDHHMM GMT Mon DD: the number after the month is the day again, the year is inferred.
        ("131137 GMT Nov 13", datetime(2013, 11, 13, 12, tzinfo=UTC), "REUTERS", "2013-11-13T11:37:00Z"),
        ("131137 GMT Nov 13", datetime(2014, 1, 2, tzinfo=UTC), "REUTERS", "2013-11-13T11:37:00Z"),
        # IPTC 7901: DDHHMM Mon YY, agency local time (Paris, CET in December).
        ("091223 dec 18", RECEIVED, "AFP", "2018-12-09T11:23:00Z"),
        ("101423 Okt 24", RECEIVED, "DPA", "2024-10-10T12:23:00Z"),
        ("101423 déc 24", RECEIVED, "AFP", "2024-12-10T13:23:00Z"),
        ("101423 dic 24", RECEIVED, "EFE", "2024-12-10T13:23:00Z"),
        ("101423 juil 24", RECEIVED, "AFP", "2024-07-10T12:23:00Z"),
        # No year at all: the closest year to the received time.
        ("311730 Dez", datetime(2025, 1, 1, 8, tzinfo=UTC), "DPA", "2024-12-31T16:30:00Z"),
    ],
)
def test_parse_trailer(trailer: str, received: datetime, zone: str, expected: str) -> None:
    assert iso(parse_trailer(trailer, received=received, zone=agency_zone(zone))) == expected


@pytest.mark.parametrize("text", ["no trailer here", "999999 Okt 24", "101423 Foo 24", "123456 XYZ Okt 24"])
def test_parse_trailer_rejects(text: str) -> None:
    assert parse_trailer(text, received=RECEIVED) is None


def test_infer_year_never_far_future() -> None:
    jan = datetime(2025, 1, 2, tzinfo=UTC)
    assert infer_year(12, 31, jan) == 2024
    assert infer_year(1, 3, jan) == 2025  # tomorrow is fine
    assert infer_year(6, 1, jan) == 2024  # five months ahead is not: last June
    assert infer_year(2, 29, datetime(2025, 3, 1, tzinfo=UTC)) == 2024


def test_agency_zone_dst() -> None:
    paris = agency_zone("AFP")
    assert iso(to_utc(datetime(2024, 7, 10, 14, 0), paris)) == "2024-07-10T12:00:00Z"
    assert iso(to_utc(datetime(2024, 12, 10, 14, 0), paris)) == "2024-12-10T13:00:00Z"
    assert iso(to_utc(datetime(2024, 7, 10, 14, 0), agency_zone("AP"))) == "2024-07-10T18:00:00Z"
    assert agency_zone("unknown").utcoffset(datetime(2024, 7, 1)) == timedelta(0)
    assert agency_zone("AFP", "Not/AZone") is UTC
    assert (
        iso(to_utc(datetime(2024, 7, 10, 14, 0), agency_zone("AFP", "Asia/Tokyo"))) == "2024-07-10T05:00:00Z"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-07-10T14:30:00+02:00", "2024-07-10T12:30:00Z"),
        ("2024-07-10T12:30:00.000Z", "2024-07-10T12:30:00Z"),
        ("20240710T143000+0200", "2024-07-10T12:30:00Z"),
        ("2024-07-10 14:30", "2024-07-10T12:30:00Z"),  # naive: agency zone
    ],
)
def test_parse_datetime(text: str, expected: str) -> None:
    assert iso(parse_datetime(text, agency_zone("AFP"))) == expected


def test_parse_datetime_empty_and_garbage() -> None:
    assert parse_datetime("") is None
    assert parse_datetime("not a date") is None
    assert iso(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aug 29, 2014", date(2014, 8, 29)),
        ("21 jan 2019", date(2019, 1, 21)),
        ("10 juil 2024", date(2024, 7, 10)),
        ("Dec. 9", date(2023, 12, 9)),
        ("Feb 26", date(2024, 2, 26)),
        ("9 dic", date(2023, 12, 9)),
        ("lundi 3 mars 2025", date(2025, 3, 3)),
        ("10.10.2024", date(2024, 10, 10)),
    ],
)
def test_parse_loose_date(text: str, expected: date) -> None:
    assert parse_loose_date(text, received=RECEIVED) == expected


def test_parse_loose_date_needs_month_and_day() -> None:
    assert parse_loose_date("Argentina", received=RECEIVED) is None
    assert parse_loose_date("2024", received=RECEIVED) is None


@pytest.mark.parametrize(
    ("text", "phrase", "received", "zone", "expected"),
    [
        (
            "Embargoed to 0001 Friday September 9",
            "0001 Friday September 9",
            datetime(2022, 9, 8, 15, tzinfo=UTC),
            "AP",
            "2022-09-09T04:01:00Z",
        ),
        (
            "Sperrfrist 10. Oktober, 12.00 Uhr",
            "10. Oktober, 12.00 Uhr",
            RECEIVED,
            "DPA",
            "2024-10-10T10:00:00Z",
        ),
        ("Sperrfrist: 12.00 Uhr MEZ", "12.00 Uhr MEZ", RECEIVED, "DPA", "2024-10-10T11:00:00Z"),
        (
            "EMBARGO: 10 juillet 2024 à 14h00",
            "10 juillet 2024 à 14h00",
            RECEIVED,
            "AFP",
            "2024-07-10T12:00:00Z",
        ),
        (
            "EMBARGOED UNTIL 0001 GMT OCT 12",
            "0001 GMT OCT 12",
            RECEIVED,
            "AP",
            "2024-10-12T00:01:00Z",
        ),
        (
            "EMBARGO hasta las 00.01 GMT del 10 de octubre",
            "las 00.01 GMT del 10 de octubre",
            RECEIVED,
            "EFE",
            "2024-10-10T00:01:00Z",
        ),
        (
            "Eds: Embargoed until 1900 ET Monday, Jan. 6, 2025.",
            "1900 ET Monday, Jan. 6, 2025",
            RECEIVED,
            "AP",
            "2025-01-07T00:00:00Z",
        ),
    ],
)
def test_embargo(text: str, phrase: str, received: datetime, zone: str, expected: str) -> None:
    assert find_embargo(text) == phrase
    assert iso(parse_embargo(phrase, received=received, zone=agency_zone(zone))) == expected


def test_embargo_in_the_coming_year_is_kept_in_the_future() -> None:
    dec = datetime(2024, 12, 20, tzinfo=UTC)
    when = parse_embargo("0600 GMT Jan 3", received=dec)
    assert iso(when) == "2025-01-03T06:00:00Z"


def test_no_embargo() -> None:
    assert find_embargo("The embargo on Cuba was lifted.") is None
    assert find_embargo("Nothing here") is None
    assert parse_embargo("soon", received=RECEIVED) is None


def test_fixed_offset_zone_word() -> None:
    when = parse_trailer("101423 MESZ Okt 24", received=RECEIVED, zone=UTC)
    assert when == datetime(2024, 10, 10, 14, 23, tzinfo=timezone(timedelta(hours=2))).astimezone(UTC)
