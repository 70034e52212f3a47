from __future__ import annotations

import pytest

from streams.settings import Settings, SettingsError


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.topic_raw == "wires.raw"
    assert s.topic_stories == "wires.stories"
    assert s.topic_duplicates == "wires.duplicates"
    assert s.topic_dlq == "wires.dlq"
    assert s.partitions == 4
    assert s.max_bytes == 2 * 1024 * 1024
    assert s.bootstrap == ""
    assert s.dedup_pending_timeout_s == 30.0


def test_from_env_converts_types() -> None:
    s = Settings.from_env(
        {
            "KAFKA_BOOTSTRAP": "127.0.0.1:9999",
            "WIREFEED_PARTITIONS": "8",
            "WIREFEED_TOPIC_RAW": "in",
            "WIREFEED_MAX_BYTES": "1000",
            "WIREFEED_DEDUP_WINDOW_HOURS": "1.5",
            "WIREFEED_DEDUP_PENDING_TIMEOUT_S": "2.5",
        }
    )
    assert (s.bootstrap, s.partitions, s.topic_raw, s.max_bytes) == ("127.0.0.1:9999", 8, "in", 1000)
    assert s.dedup_window_hours == 1.5
    assert s.dedup_pending_timeout_s == 2.5


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WIREFEED_PARTITIONS": "many"}, "WIREFEED_PARTITIONS must be a number"),
        ({"WIREFEED_PARTITIONS": "0"}, "WIREFEED_PARTITIONS must be >= 1"),
        ({"WIREFEED_PROCESSING_GUARANTEE": "maybe"}, "WIREFEED_PROCESSING_GUARANTEE"),
        ({"WIREFEED_PROCESSING_GUARANTEE": "exactly_once"}, "exactly_once is not supported yet"),
        ({"WIREFEED_STORE": "redis"}, "WIREFEED_STORE"),
        ({"WIREFEED_LOG_LEVEL": "loud"}, "WIREFEED_LOG_LEVEL"),
        ({"WIREFEED_DEDUP_PENDING_TIMEOUT_S": "soon"}, "WIREFEED_DEDUP_PENDING_TIMEOUT_S must be a number"),
        ({"WIREFEED_DEDUP_PENDING_TIMEOUT_S": "0"}, "WIREFEED_DEDUP_PENDING_TIMEOUT_S must be > 0"),
        ({"WIREFEED_DEDUP_PENDING_TIMEOUT_S": "-5"}, "WIREFEED_DEDUP_PENDING_TIMEOUT_S must be > 0"),
        ({"WIREFEED_DEDUP_PENDING_TIMEOUT_S": "nan"}, "WIREFEED_DEDUP_PENDING_TIMEOUT_S must be > 0"),
        ({"WIREFEED_DEDUP_PENDING_TIMEOUT_S": "inf"}, "WIREFEED_DEDUP_PENDING_TIMEOUT_S must be > 0"),
    ],
)
def test_bad_values_are_clear(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_describe_covers_every_field() -> None:
    rows = Settings.describe()
    assert len(rows) == len(Settings.__dataclass_fields__)
    assert all(env and help_text for env, _default, help_text in rows)


def test_readme_documents_every_setting() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    for env, _default, _help in Settings.describe():
        assert f"| `{env}` |" in readme, f"README's configuration table lacks {env}"
