"""Thin agents: read a record, call the pure pipeline, send the results.

Everything that can fail on input data is inside the pipeline's stage
boundary; the try/except here is the last resort that keeps a partition
moving if something unexpected (a bug) escapes: the input still ends as a DLQ
record, never as a crash or a stalled partition.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import faust

from streams.events import KafkaOrigin, encode, rejected_event
from streams.ingest import ParseContext
from streams.pipeline import Output, Pipeline
from streams.rejects import Reason, Reject

log = logging.getLogger(__name__)


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


def register_agents(app: faust.App, pipeline: Pipeline) -> None:
    topics = app.wirefeed_topics  # type: ignore[attr-defined]
    metrics = app.wirefeed_metrics  # type: ignore[attr-defined]
    destinations = {"stories": topics.stories, "duplicates": topics.duplicates, "dlq": topics.dlq}

    async def publish(output: Output, received_ts: float) -> None:
        def observe(_fut: Any) -> None:
            metrics.publish_latency.observe(max(0.0, time.time() - received_ts))

        key = output.key.encode() if output.key else None
        await destinations[output.output].send(key=key, value=encode(output.event), callback=observe)
        if output.output == "stories":
            metrics.stories.labels(event=output.event["event"]).inc()
        elif output.output == "duplicates":
            metrics.duplicates.labels(method=output.event["method"]).inc()
        else:
            metrics.dlq.labels(reason=output.event["reason"]).inc()

    @app.agent(topics.raw, name="wirefeed.ingest", concurrency=1)
    async def ingest(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            payload: bytes = event.value if isinstance(event.value, bytes) else bytes(event.value or b"")
            received_ts = message.timestamp or time.time()
            headers = _headers(message.headers)
            origin = KafkaOrigin(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                timestamp=datetime.fromtimestamp(received_ts, UTC),
                key=_key(message.key),
            )
            ctx = ParseContext(
                filename=headers.get("filename"),
                headers=headers,
                received=datetime.fromtimestamp(received_ts, UTC),
                max_xml_depth=pipeline.settings.max_xml_depth,
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
                log.exception("pipeline failed on %s[%s]@%s", message.topic, message.partition, message.offset)
                reject = Reject(Reason.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
                dlq = rejected_event(reject, payload, origin=origin, headers=headers, received=ctx.received)
                outputs = [Output("dlq", origin.key, dlq)]
            for output in outputs:
                await publish(output, received_ts)
