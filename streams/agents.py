"""Thin agents: read a record, call the pure stages, keep state in tables, send.

Three agents and a timer (see streams.dedup.distributed for the why):

    wires.raw ──ingest──▶ <app>-dedup-ids ──ids──▶ wires.stories / wires.duplicates (+ routed topics)
         │                    ▲   ▲  │
         ▼                    │   │  ▼ lookups, keyed by band key
      wires.dlq         replies   │  ◀──bands── <app>-dedup-bands
                                  └── ticks ── pending timer (stories parked too long)

Faust tables can only be written by an agent processing a record of the
key's partition, so the timer does not settle overdue stories itself: it
sends a tick to each id partition holding one, and the ids agent settles them.

Everything that can fail on input data is inside the pure stages' boundary;
the try/except around each record is the last resort that keeps a partition
moving if a bug escapes: the input still ends as a DLQ record (ingest) or is
logged and skipped (internal stages), never as a crash or a stalled partition.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any

import faust
import orjson

from streams.app import INTERNAL_TOPICS, TABLES, internal_topic
from streams.dedup import DedupConfig, event_time
from streams.dedup.distributed import (
    Step,
    handle_band_message,
    on_reply,
    on_story,
    on_tick,
    overdue_partitions,
    partition_for,
)
from streams.dedup.index import Decision
from streams.dedup.state import expire
from streams.events import KafkaOrigin, encode, rejected_event
from streams.ingest import ParseContext
from streams.model import Story, story_from_dict, story_to_dict
from streams.pipeline import Output, Pipeline, decision_outputs
from streams.rejects import Reason, Reject

log = logging.getLogger(__name__)

# How often (wall clock) each partition's state is swept; what is removed is
# decided by event time, so a replay expires exactly what a live run would.
EXPIRE_EVERY_S = 30.0


def _headers(raw: Any) -> dict[str, str]:
    items = raw.items() if isinstance(raw, dict) else (raw or [])
    out = {}
    for key, value in items:
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        out[str(key).lower()] = str(value)
    return out


def _key(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return str(raw)


class PartitionView(MutableMapping[str, bytes]):
    """The keys of a table that one partition owns (as routed by `partition_for`).

    Table writes go to the changelog partition of the record being processed,
    so a sweep running while partition p's record is processed may only touch
    p's keys.
    """

    def __init__(self, table: Any, partition: int, partitions: int) -> None:
        self.table, self.partition, self.partitions = table, partition, partitions

    def __getitem__(self, key: str) -> bytes:
        return bytes(self.table[key])

    def __setitem__(self, key: str, value: bytes) -> None:
        self.table[key] = value

    def __delitem__(self, key: str) -> None:
        del self.table[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k in list(self.table.keys()) if partition_for(k, self.partitions) == self.partition)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Sweeper:
    """Expires state by event time, per partition, every EXPIRE_EVERY_S of wall clock."""

    def __init__(self, config: DedupConfig, partitions: int) -> None:
        self.config, self.partitions = config, partitions
        self.latest: dict[int, float] = {}
        self.last_run: dict[int, float] = {}

    def observe(self, partition: int, t: float) -> None:
        self.latest[partition] = max(self.latest.get(partition, t), t)

    def due(self, partition: int) -> bool:
        now = time.monotonic()
        if now - self.last_run.get(partition, now - EXPIRE_EVERY_S - 1) < EXPIRE_EVERY_S:
            return False
        self.last_run[partition] = now
        return partition in self.latest

    def sweep(self, partition: int, tables: list[tuple[Any, float, float | None]]) -> int:
        removed = 0
        for table, window_h, kill_window_h in tables:
            latest = self.latest[partition]
            view = PartitionView(table, partition, self.partitions)
            cutoff = latest - window_h * 3600
            kill_cutoff = latest - kill_window_h * 3600 if kill_window_h is not None else None
            removed += expire(view, cutoff, kill_cutoff)
        return removed


def register_agents(app: faust.App, pipeline: Pipeline, config: DedupConfig | None = None) -> None:
    settings = pipeline.settings
    config = config or DedupConfig(window_hours=settings.dedup_window_hours)
    partitions = settings.partitions
    topics = app.wirefeed_topics  # type: ignore[attr-defined]
    metrics = app.wirefeed_metrics  # type: ignore[attr-defined]
    destinations = {"stories": topics.stories, "duplicates": topics.duplicates, "dlq": topics.dlq}
    routed: dict[str, Any] = {}

    def internal(name: str) -> Any:
        return app.topic(
            internal_topic(settings, name),
            partitions=partitions,
            internal=True,
            key_serializer="raw",
            value_serializer="raw",
        )

    def table(name: str) -> Any:
        # key/value types, not a Schema, decide how Faust serializes table stores and changelogs.
        return app.Table(name, partitions=partitions, key_type=str, value_type=bytes)

    ids_topic, bands_topic = (internal(name) for name in INTERNAL_TOPICS)
    ids_topic_name = internal_topic(settings, INTERNAL_TOPICS[0])
    pending_timeout = settings.dedup_pending_timeout_s
    ids_table, pending_table, bands_table, content_table = (table(name) for name in TABLES)
    id_sweeper = Sweeper(config, partitions)
    band_sweeper = Sweeper(config, partitions)

    async def publish(output: Output, received_ts: float) -> None:
        def observe(_fut: Any) -> None:
            metrics.publish_latency.observe(max(0.0, time.time() - received_ts))

        key = output.key.encode() if output.key else None
        if output.output == "routed":
            assert output.topic is not None
            if output.topic not in routed:
                routed[output.topic] = app.topic(output.topic, key_serializer="raw", value_serializer="raw")
            await routed[output.topic].send(key=key, value=encode(output.event))
            metrics.routed.labels(topic=output.topic).inc()
            return
        await destinations[output.output].send(key=key, value=encode(output.event), callback=observe)
        if output.output == "stories":
            metrics.stories.labels(event=output.event["event"]).inc()
        elif output.output == "duplicates":
            metrics.duplicates.labels(method=output.event["method"]).inc()
        else:
            metrics.dlq.labels(reason=output.event["reason"]).inc()

    async def publish_decision(story: Story, decision: Decision) -> None:
        received = story.provenance.received
        received_ts = received.timestamp() if received else time.time()
        for output in decision_outputs(story, decision, pipeline.routes):
            await publish(output, received_ts)

    # ------------------------------------------------------------------ ingest
    @app.agent(topics.raw, name="wirefeed.ingest", concurrency=1)
    async def ingest(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            payload: bytes = event.value if isinstance(event.value, bytes) else bytes(event.value or b"")
            received_ts = message.timestamp or time.time()
            headers = _headers(message.headers)
            received = datetime.fromtimestamp(received_ts, UTC)
            origin = KafkaOrigin(
                message.topic, message.partition, message.offset, received, _key(message.key)
            )
            ctx = ParseContext(
                filename=headers.get("filename"),
                headers=headers,
                received=received,
                max_xml_depth=settings.max_xml_depth,
            )
            metrics.inputs.inc()
            metrics.input_bytes.inc(len(payload))
            try:
                processed = pipeline.process(payload, ctx, origin=origin)
                outputs = processed.outputs
                metrics.processing.observe(processed.seconds)
                for story in processed.stories:
                    metrics.items.labels(format=story.provenance.format or "unknown").inc()
            except Exception as exc:  # last resort: never crash, never stall
                log.exception(
                    "pipeline failed on %s[%s]@%s", message.topic, message.partition, message.offset
                )
                reject = Reject(Reason.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
                dlq = rejected_event(reject, payload, origin=origin, headers=headers, received=received)
                outputs = [Output("dlq", origin.key, dlq)]
            for output in outputs:
                if output.output == "stories" and output.story is not None:
                    # Undecided: the ids stage decides new/update/…/duplicate.
                    story = output.story
                    await ids_topic.send(
                        key=story.storyid.encode(),
                        value=orjson.dumps({"op": "story", "story": story_to_dict(story)}),
                        partition=partition_for(story.storyid, partitions),
                    )
                else:
                    await publish(output, received_ts)

    async def dead_letter(event: Any, exc: Exception) -> None:
        """An internal record a stage could not handle goes to the DLQ with its bytes."""
        message = event.message
        origin = KafkaOrigin(message.topic, message.partition, message.offset, None, _key(message.key))
        reject = Reject(Reason.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
        record = rejected_event(reject, bytes(event.value or b""), origin=origin)
        await publish(Output("dlq", origin.key, record), message.timestamp or time.time())

    # ------------------------------------------------------------------ ids
    async def carry_out(step: Step) -> None:
        for part, value in step.to_bands.items():
            await bands_topic.send(value=value, partition=part)
        for story, decision in step.decided:
            await publish_decision(story, decision)

    @app.agent(ids_topic, name="wirefeed.dedup-ids", concurrency=1)
    async def ids(stream: Any) -> None:
        async for event in stream.events():
            partition = event.message.partition
            try:
                msg = orjson.loads(event.value)
                if msg["op"] == "story":
                    story = story_from_dict(msg["story"])
                    id_sweeper.observe(partition, event_time(story))
                    step = on_story(ids_table, pending_table, story, config, partitions, now=time.time())
                    await carry_out(step)
                elif msg["op"] == "reply":
                    await carry_out(on_reply(ids_table, pending_table, msg, config, partitions))
                elif msg["op"] == "tick":
                    view = PartitionView(pending_table, partition, partitions)
                    steps = on_tick(
                        ids_table, view, float(msg["now"]), config, partitions, timeout_s=pending_timeout
                    )
                    for step in steps:
                        await carry_out(step)
                    metrics.pending_expired.inc(len(steps))
                else:
                    raise ValueError(f"unknown dedup-ids op {msg['op']!r}")
                if id_sweeper.due(partition):
                    id_sweeper.sweep(
                        partition, [(ids_table, config.id_window_hours, config.kill_window_hours)]
                    )
            except Exception as exc:  # a bug: the story still ends somewhere visible
                log.exception("dedup-ids failed on partition %s offset %s", partition, event.message.offset)
                await dead_letter(event, exc)

    # ------------------------------------------------------------------ pending timeout
    async def pending_ticks() -> None:
        """Reads (never writes) the pending table; a tick to each id partition with an overdue story."""
        try:
            if app.rebalancing or not app.tables.recovery.completed.is_set():  # type: ignore[attr-defined]
                return
            owned = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == ids_topic_name}
            mine = [(k, v) for k, v in list(pending_table.items()) if partition_for(k, partitions) in owned]
            metrics.pending.set(len(mine))
            now = time.time()
            for part in overdue_partitions(mine, now, pending_timeout, partitions):
                await ids_topic.send(
                    key=b"tick", value=orjson.dumps({"op": "tick", "now": now}), partition=part
                )
        except Exception:  # the timer must keep running; the next run tries again
            log.exception("dedup pending timer failed")

    app.timer(interval=max(1.0, pending_timeout / 3), name="wirefeed.dedup-pending-timeout")(pending_ticks)

    # ------------------------------------------------------------------ bands
    @app.agent(bands_topic, name="wirefeed.dedup-bands", concurrency=1)
    async def bands(stream: Any) -> None:
        async for event in stream.events():
            partition = event.message.partition
            try:
                msg = orjson.loads(event.value)
                reply = handle_band_message(msg, bands_table, content_table, config)
                if reply is not None:
                    await ids_topic.send(
                        key=reply.storyid.encode(), value=reply.payload, partition=reply.reply_to
                    )
                band_sweeper.observe(partition, float(msg["t"]))
                if band_sweeper.due(partition):
                    band_sweeper.sweep(
                        partition,
                        [
                            (bands_table, config.window_hours, None),
                            (content_table, config.window_hours, None),
                        ],
                    )
            except Exception as exc:
                log.exception("dedup-bands failed on partition %s offset %s", partition, event.message.offset)
                await dead_letter(event, exc)
