"""Helpers for integration tests: a real worker process, produce, consume."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.runner import free_port
from streams.settings import Settings
from streams.topics import ensure_topics


def make_settings(bootstrap: str, unique: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bootstrap": bootstrap,
        "app_id": f"wirefeed-test-{unique}",
        "topic_raw": f"t.{unique}.raw",
        "topic_stories": f"t.{unique}.stories",
        "topic_duplicates": f"t.{unique}.duplicates",
        "topic_dlq": f"t.{unique}.dlq",
        "partitions": 4,
        "web_port": free_port(),
        "store": "memory://",
        "data_dir": str(tmp_path / "worker"),
        "log_level": "info",
        "session_timeout": 10.0,
    }
    values.update(overrides)
    return Settings(**values)


def create_topics(settings: Settings) -> None:
    asyncio.run(
        ensure_topics(
            settings.bootstrap,
            {
                t: settings.partitions
                for t in (
                    settings.topic_raw,
                    settings.topic_stories,
                    settings.topic_duplicates,
                    settings.topic_dlq,
                )
            },
        )
    )


def metrics_text(settings: Settings) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{settings.web_port}/metrics", timeout=5) as response:
        return str(response.read().decode())


def metric_value(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 if absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        if "{" in series:
            metric, _, rest = series.partition("{")
            got = ",".join(sorted(rest.rstrip("}").split(",")))
        else:
            metric, got = series, ""
        if metric == name and got == want:
            return float(value)
    return 0.0


async def produce(
    bootstrap: str,
    topic: str,
    values: list[bytes],
    *,
    keys: list[bytes | None] | None = None,
    headers: list[list[tuple[str, bytes]]] | None = None,
    partition: int | None = None,
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=8 * 1024 * 1024)
    await producer.start()
    try:
        for i, value in enumerate(values):
            await producer.send_and_wait(
                topic,
                value=value,
                key=keys[i] if keys else None,
                headers=headers[i] if headers else None,
                partition=partition,
            )
    finally:
        await producer.stop()


async def consume(
    bootstrap: str,
    topics: list[str],
    *,
    expect: int,
    timeout: float = 60,
    settle: float = 2.0,
    isolation_level: str = "read_uncommitted",
) -> dict[str, list[dict[str, Any]]]:
    """Read until `expect` records arrived (then `settle` more seconds, to catch extras) or timeout."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level=isolation_level,
    )
    await consumer.start()
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in topics}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    settled_at: float | None = None
    try:
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for tp, records in batch.items():
                for record in records:
                    event = orjson.loads(record.value or b"null")
                    event["_key"] = record.key.decode() if record.key else None
                    out[tp.topic].append(event)
            total = sum(len(v) for v in out.values())
            if total >= expect:
                settled_at = settled_at or loop.time()
                if loop.time() - settled_at >= settle:
                    break
    finally:
        await consumer.stop()
    return out
