"""One typed settings object, read from the environment.

Every knob the worker, the CLI and the tests use lives here, with its
environment variable, default and meaning (`wirefeed config` prints them; a unit
test checks that the README's configuration table lists every one).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting from the environment has a value that cannot be used."""


def _meta(env: str, help: str) -> dict[str, Any]:
    return {"env": env, "help": help}


@dataclass(frozen=True, slots=True)
class Settings:
    bootstrap: str = field(
        default="",
        metadata=_meta(
            "KAFKA_BOOTSTRAP",
            "Kafka bootstrap servers. Unset: use the local broker started by `wirefeed kafka start`.",
        ),
    )
    app_id: str = field(
        default="wirefeed", metadata=_meta("WIREFEED_APP_ID", "Faust app id (consumer group).")
    )
    topic_raw: str = field(
        default="wires.raw", metadata=_meta("WIREFEED_TOPIC_RAW", "Input topic (raw bytes).")
    )
    topic_stories: str = field(
        default="wires.stories", metadata=_meta("WIREFEED_TOPIC_STORIES", "Story events.")
    )
    topic_duplicates: str = field(
        default="wires.duplicates", metadata=_meta("WIREFEED_TOPIC_DUPLICATES", "Duplicate notices.")
    )
    topic_dlq: str = field(default="wires.dlq", metadata=_meta("WIREFEED_TOPIC_DLQ", "Dead-letter records."))
    partitions: int = field(
        default=4,
        metadata=_meta("WIREFEED_PARTITIONS", "Partition count of the topics wirefeed creates."),
    )
    replication: int = field(
        default=1, metadata=_meta("WIREFEED_REPLICATION", "Replication factor of created topics.")
    )
    web_host: str = field(
        default="127.0.0.1", metadata=_meta("WIREFEED_WEB_HOST", "Bind address of /metrics and /health.")
    )
    web_port: int = field(default=6066, metadata=_meta("WIREFEED_WEB_PORT", "Port of /metrics and /health."))
    max_bytes: int = field(
        default=2 * 1024 * 1024,
        metadata=_meta("WIREFEED_MAX_BYTES", "Inputs larger than this go to the DLQ (reason too_large)."),
    )
    max_xml_depth: int = field(
        default=64, metadata=_meta("WIREFEED_MAX_XML_DEPTH", "XML nesting limit, checked before parsing.")
    )
    log_level: str = field(
        default="info", metadata=_meta("WIREFEED_LOG_LEVEL", "debug, info, warning, error.")
    )
    store: str = field(
        default="rocksdb://",
        metadata=_meta("WIREFEED_STORE", "Faust table store: rocksdb:// (production) or memory://."),
    )
    data_dir: str = field(
        default=".wirefeed/data", metadata=_meta("WIREFEED_DATA_DIR", "Worker state directory (tables).")
    )
    processing_guarantee: str = field(
        default="at_least_once",
        metadata=_meta("WIREFEED_PROCESSING_GUARANTEE", "at_least_once (exactly_once: not supported yet)."),
    )
    session_timeout: float = field(
        default=30.0,
        metadata=_meta(
            "WIREFEED_SESSION_TIMEOUT",
            "Seconds before a silent worker's partitions move to another (a killed worker's, too).",
        ),
    )
    dedup_window_hours: float = field(
        default=72.0, metadata=_meta("WIREFEED_DEDUP_WINDOW_HOURS", "Near-duplicate window, event time.")
    )
    dedup_pending_timeout_s: float = field(
        default=30.0,
        metadata=_meta(
            "WIREFEED_DEDUP_PENDING_TIMEOUT_S",
            "Seconds a story waits for its dedup lookups' replies before it is decided without "
            "the missing ones (marked dedup_incomplete).",
        ),
    )
    tagging_data: str = field(
        default="",
        metadata=_meta("WIREFEED_TAGGING_DATA", "Extra tagging data folder (extends the bundled)."),
    )
    routes: str = field(
        default="",
        metadata=_meta(
            "WIREFEED_ROUTES", "Routing rules, e.g. 'wires.sport: medtop:15000000; wires.fr: lang=fr'."
        ),
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.metadata["env"], f.type, raw)
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.partitions < 1:
            raise SettingsError(f"WIREFEED_PARTITIONS must be >= 1, got {self.partitions}")
        if self.max_bytes < 1:
            raise SettingsError(f"WIREFEED_MAX_BYTES must be >= 1, got {self.max_bytes}")
        if self.processing_guarantee == "exactly_once":
            # Tried on the real broker: with Faust's transactional producers the worker starts,
            # but no result of the dedup stages is ever committed. Refuse rather than hang.
            raise SettingsError(
                "WIREFEED_PROCESSING_GUARANTEE=exactly_once is not supported yet "
                "(results are never committed with the dedup stages); use at_least_once"
            )
        if self.processing_guarantee != "at_least_once":
            raise SettingsError(
                f"WIREFEED_PROCESSING_GUARANTEE must be at_least_once, got {self.processing_guarantee!r}"
            )
        if not (math.isfinite(self.dedup_pending_timeout_s) and self.dedup_pending_timeout_s > 0):
            raise SettingsError(
                f"WIREFEED_DEDUP_PENDING_TIMEOUT_S must be > 0 (and finite), got {self.dedup_pending_timeout_s}"
            )
        if not self.store.endswith("://"):
            raise SettingsError(f"WIREFEED_STORE must look like memory:// or rocksdb://, got {self.store!r}")
        if self.log_level.lower() not in ("debug", "info", "warning", "error", "critical"):
            raise SettingsError(f"WIREFEED_LOG_LEVEL: unknown level {self.log_level!r}")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def state_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def output_topics(self) -> dict[str, str]:
        return {
            "stories": self.topic_stories,
            "duplicates": self.topic_duplicates,
            "dlq": self.topic_dlq,
        }

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(environment variable, default, meaning) for every setting."""
        rows = []
        for f in dataclasses.fields(cls):
            rows.append((f.metadata["env"], str(f.default), f.metadata["help"]))
        return rows


def _convert(name: str, env: str, type_: Any, raw: str) -> Any:
    kind = type_ if isinstance(type_, str) else getattr(type_, "__name__", str(type_))
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise SettingsError(f"{env} must be a number, got {raw!r}") from None
    return raw
