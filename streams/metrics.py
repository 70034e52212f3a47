"""Prometheus metrics: the one place they are defined.

Conventions: one `wirefeed_` prefix, `_total` counters, seconds as the unit,
labels only with bounded value sets (event kind, reject reason, format, method).
A `Metrics` instance owns its registry so tests can build several side by side.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from streams import __version__

PREFIX = "wirefeed"

# Parsing + tagging of one input is sub-millisecond to a few ms; the upper
# buckets catch pathological inputs.
_PROCESSING_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
# Received (Kafka timestamp) → published: dominated by batching and commit intervals.
_LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.inputs = Counter(f"{PREFIX}_inputs", "Raw inputs consumed.", registry=r)
        self.input_bytes = Counter(f"{PREFIX}_input_bytes", "Bytes of raw inputs consumed.", registry=r)
        self.items = Counter(
            f"{PREFIX}_items", "Items parsed from inputs, by detected format.", ["format"], registry=r
        )
        self.stories = Counter(
            f"{PREFIX}_stories", "Story events published, by event kind.", ["event"], registry=r
        )
        self.duplicates = Counter(
            f"{PREFIX}_duplicates", "Duplicate notices published, by method.", ["method"], registry=r
        )
        self.dlq = Counter(f"{PREFIX}_dlq_records", "Dead-letter records, by reason.", ["reason"], registry=r)
        self.routed = Counter(
            f"{PREFIX}_routed", "Story events republished by routing rules.", ["topic"], registry=r
        )
        self.pending_expired = Counter(
            f"{PREFIX}_dedup_pending_expired",
            "Stories decided after the pending timeout without every dedup lookup reply.",
            registry=r,
        )
        self.pending = Gauge(
            f"{PREFIX}_dedup_pending_stories",
            "Stories parked on this worker's id partitions, awaiting dedup lookup replies.",
            registry=r,
        )
        self.processing = Histogram(
            f"{PREFIX}_processing_seconds",
            "Time spent in the pure stages for one input.",
            buckets=_PROCESSING_BUCKETS,
            registry=r,
        )
        self.publish_latency = Histogram(
            f"{PREFIX}_publish_latency_seconds",
            "Time from the input's Kafka timestamp to the publication of its result.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.build_info = Gauge(f"{PREFIX}_build_info", "Build information.", ["version"], registry=r)
        self.build_info.labels(version=__version__).set(1)
        self.ready = Gauge(
            f"{PREFIX}_ready", "1 when the worker has partitions assigned and runs.", registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


_default: Metrics | None = None


def default_metrics() -> Metrics:
    """The process-wide instance the worker and CLI share."""
    global _default
    if _default is None:
        _default = Metrics()
    return _default
