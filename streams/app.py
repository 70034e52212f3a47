"""The Faust app: configuration, topics and web pages. No business logic here.

`create_app(settings)` builds a fresh app each call (tests and benchmarks build
several with their own topic names); `streams.agents` attaches the agents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import faust

from streams.metrics import CONTENT_TYPE, Metrics, default_metrics
from streams.settings import Settings


@dataclass
class Topics:
    raw: Any
    stories: Any
    duplicates: Any
    dlq: Any


def internal_topic(settings: Settings, name: str) -> str:
    """Name of one of the worker's own topics (between its agents)."""
    return f"{settings.app_id}-{name}"


INTERNAL_TOPICS = ("dedup-ids", "dedup-bands")
TABLES = ("dedup-ids", "dedup-pending", "dedup-bands", "dedup-content")


def changelog_topic(settings: Settings, table: str) -> str:
    return f"{settings.app_id}-{table}-changelog"


def worker_topics(
    settings: Settings, extra: list[str] | None = None
) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    """Every topic the worker reads or writes, with partition counts and configs.

    All are created before the worker starts (see cli.run_worker): a topic that
    Faust creates while the consumer group forms can miss the first assignment,
    leaving its agent or table partitions unassigned until the next rebalance.
    """
    names = [settings.topic_raw, settings.topic_stories, settings.topic_duplicates, settings.topic_dlq]
    names += extra or []
    names += [internal_topic(settings, name) for name in INTERNAL_TOPICS]
    changelogs = [changelog_topic(settings, table) for table in TABLES]
    partitions = dict.fromkeys(names + changelogs, settings.partitions)
    configs = {name: {"cleanup.policy": "compact"} for name in changelogs}
    return partitions, configs


def broker_urls(bootstrap: str) -> list[str]:
    return [f"kafka://{server.strip()}" for server in bootstrap.split(",") if server.strip()]


def create_app(settings: Settings, metrics: Metrics | None = None) -> faust.App:
    metrics = metrics or default_metrics()
    app = faust.App(
        settings.app_id,
        broker=broker_urls(settings.bootstrap),
        store=settings.store,
        datadir=str(settings.state_path),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        topic_allow_declare=True,
        topic_disable_leader=True,
        processing_guarantee=settings.processing_guarantee,
        web_enabled=True,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        # Raw bytes in, JSON bytes (orjson) out: no Faust codecs on the wire.
        key_serializer="raw",
        value_serializer="raw",
        # One record at a time per partition keeps at-least-once honest (faust #606).
        stream_wait_empty=False,
        broker_max_poll_records=500,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=min(3.0, settings.session_timeout / 5),
        producer_linger_ms=5,
        consumer_auto_offset_reset="earliest",
    )
    app.conf.wirefeed_settings = settings
    topics = Topics(
        raw=_topic(app, settings.topic_raw, settings),
        stories=_topic(app, settings.topic_stories, settings),
        duplicates=_topic(app, settings.topic_duplicates, settings),
        dlq=_topic(app, settings.topic_dlq, settings),
    )
    app.wirefeed_topics = topics  # type: ignore[attr-defined]
    app.wirefeed_metrics = metrics  # type: ignore[attr-defined]
    app.wirefeed_ready = False  # type: ignore[attr-defined]

    async def _assigned(sender: Any, *args: Any, **kwargs: Any) -> None:
        app.wirefeed_ready = True  # type: ignore[attr-defined]
        metrics.ready.set(1)

    async def _revoked(sender: Any, *args: Any, **kwargs: Any) -> None:
        metrics.ready.set(0)

    app.on_partitions_assigned.connect(cast(Any, _assigned))
    app.on_partitions_revoked.connect(cast(Any, _revoked))

    _add_pages(app, metrics)
    return app


def _topic(app: faust.App, name: str, settings: Settings) -> Any:
    return app.topic(
        name,
        partitions=settings.partitions,
        key_serializer="raw",
        value_serializer="raw",
    )


def _add_pages(app: faust.App, metrics: Metrics) -> None:
    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        return web.bytes(metrics.render(), content_type=CONTENT_TYPE.split(";")[0])

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        return web.json({"status": "ok"})

    @app.page("/ready")
    async def ready(web: Any, request: Any) -> Any:
        assigned = len(app.consumer.assignment()) if app.consumer else 0
        # Assigned, not rebalancing, and table recovery done (so streams are positioned).
        is_ready = (
            getattr(app, "wirefeed_ready", False)
            and not app.rebalancing
            and not getattr(app, "in_recovery", False)
            and app.tables.recovery.completed.is_set()  # type: ignore[attr-defined]
        )
        body = {
            "ready": bool(is_ready),
            "rebalancing": bool(app.rebalancing),
            "assigned_partitions": assigned,
        }
        return web.json(body, status=200 if is_ready else 503)
