"""Helpers for integration tests: a real worker process, produce, consume."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.cli import settings_env
from streams.settings import Settings
from streams.topics import ensure_topics


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


@contextlib.contextmanager
def worker_process(settings: Settings, name: str = "worker", ready_timeout: float = 120) -> Iterator[subprocess.Popen[bytes]]:
    """`wirefeed worker` as a real subprocess, ready (partitions assigned) on entry."""
    log_path = Path(settings.data_dir) / f"{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker"],
            env=settings_env(settings),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_ready(settings, proc, log_path, ready_timeout)
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def wait_ready(settings: Settings, proc: subprocess.Popen[bytes], log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{settings.web_port}/ready"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.3)
    raise AssertionError(f"worker not ready in {timeout}s:\n{log_path.read_text(errors='replace')[-3000:]}")


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
    bootstrap: str, topics: list[str], *, expect: int, timeout: float = 60, settle: float = 2.0
) -> dict[str, list[dict[str, Any]]]:
    """Read until `expect` records arrived (then `settle` more seconds, to catch extras) or timeout."""
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
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
