"""Through Kafka: the full worker against a raw aiokafka passthrough, same broker, same run.

1. baseline — an aiokafka consumer → producer copying the same N messages
   between two topics (no parsing at all): the most any Kafka app could do here;
2. pipeline — `wirefeed worker` (a real child process) on the same N messages,
   pre-loaded in its input topic;
3. latency — produce at a fixed offered rate and read produce→publish times
   from the record timestamps (both set by clients on this one machine).

Throughput is reported as msgs/s and as a ratio to the baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.corpus import unique_copies
from streams import devkafka
from streams.runner import free_port, worker_process
from streams.settings import Settings
from streams.topics import ensure_topics


async def _fill(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=8 << 20)
    await producer.start()
    try:
        futures = [await producer.send(topic, value=v, headers=[("filename", b"bench")]) for v in values]
        for fut in futures:
            await fut
    finally:
        await producer.stop()


async def _drain_times(
    bootstrap: str, topics: list[str], expect: int, timeout: float
) -> list[tuple[int, int]]:
    """(record timestamp ms, size) of `expect` records across `topics`."""
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    got: list[tuple[int, int]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < expect and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                got.extend((r.timestamp, len(r.value or b"")) for r in records)
    finally:
        await consumer.stop()
    return got


async def baseline_passthrough(bootstrap: str, src: str, dst: str, n: int, timeout: float) -> float:
    consumer = AIOKafkaConsumer(
        src, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"bench-{src}"
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=8 << 20)
    await consumer.start()
    await producer.start()
    copied = 0
    deadline = time.monotonic() + timeout
    try:
        while copied < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, records in batch.items():
                for r in records:
                    await producer.send(dst, value=r.value, key=r.key, partition=tp.partition)
                    copied += 1
            await producer.flush()
            await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()
    times = await _drain_times(bootstrap, [dst], n, timeout)
    return _rate(times)


def _rate(times: list[tuple[int, int]]) -> float:
    stamps = sorted(t for t, _ in times)
    if len(stamps) < 2:
        return 0.0
    span = (stamps[-1] - stamps[0]) / 1000
    return (len(stamps) - 1) / span if span > 0 else float("inf")


def _settings(bootstrap: str, tag: str, workdir: Path, partitions: int) -> Settings:
    return Settings(
        bootstrap=bootstrap,
        app_id=f"bench-{tag}",
        topic_raw=f"bench.{tag}.raw",
        topic_stories=f"bench.{tag}.stories",
        topic_duplicates=f"bench.{tag}.duplicates",
        topic_dlq=f"bench.{tag}.dlq",
        partitions=partitions,
        web_port=free_port(),
        store="memory://",
        data_dir=str(workdir / tag),
        log_level="warning",
    )


def _outputs(s: Settings) -> list[str]:
    return [s.topic_stories, s.topic_duplicates, s.topic_dlq]


async def _latency_run(s: Settings, values: list[bytes], rate: float) -> tuple[float, float, int]:
    """p50/p99 of publish time minus produce time, per input (matched by input offset)."""
    import orjson

    producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap, linger_ms=0)
    await producer.start()
    produced: dict[tuple[int, int], float] = {}
    try:
        start = time.monotonic()
        for i, v in enumerate(values):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            meta = await producer.send_and_wait(s.topic_raw, value=v)
            produced[(meta.partition, meta.offset)] = meta.timestamp / 1000
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(*_outputs(s), bootstrap_servers=s.bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    latencies: list[float] = []
    seen: set[tuple[int, int]] = set()
    deadline = time.monotonic() + 60
    try:
        while len(seen) < len(produced) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    prov = orjson.loads(r.value or b"{}").get("provenance", {})
                    key = (prov.get("partition"), prov.get("offset"))
                    if key in produced and key not in seen:
                        seen.add(key)
                        latencies.append(r.timestamp / 1000 - produced[key])
    finally:
        await consumer.stop()
    latencies.sort()
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")
    return p50, p99, len(latencies)


def run(
    n: int = 3000, partitions: int = 4, rate: float = 100.0, latency_seconds: float = 10.0
) -> dict[str, Any]:
    values = unique_copies(n)
    tag = f"{os.getpid()}-{int(time.time())}"
    results: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wirefeed-bench-")))
        broker = stack.enter_context(devkafka.local_broker(state_dir=workdir / "kafka"))
        bootstrap = broker.bootstrap
        src, dst = f"bench.{tag}.pass-in", f"bench.{tag}.pass-out"
        asyncio.run(ensure_topics(bootstrap, {src: partitions, dst: partitions}))
        asyncio.run(_fill(bootstrap, src, values))
        results["baseline_msgs_s"] = asyncio.run(baseline_passthrough(bootstrap, src, dst, n, 300))

        s = _settings(bootstrap, f"{tag}-one", workdir, partitions)
        asyncio.run(ensure_topics(bootstrap, {t: partitions for t in [s.topic_raw, *_outputs(s)]}))
        asyncio.run(_fill(bootstrap, s.topic_raw, values))
        with worker_process(s, name="bench-worker"):
            times = asyncio.run(_drain_times(bootstrap, _outputs(s), n, 600))
        results["pipeline_msgs_s"] = _rate(times)
        results["pipeline_outputs"] = len(times)

        s2 = _settings(bootstrap, f"{tag}-two", workdir, partitions)
        asyncio.run(ensure_topics(bootstrap, {t: partitions for t in [s2.topic_raw, *_outputs(s2)]}))
        asyncio.run(_fill(bootstrap, s2.topic_raw, values))
        s2b = s2.replace(web_port=free_port())
        with worker_process(s2, name="bench-worker-a"), worker_process(s2b, name="bench-worker-b"):
            times2 = asyncio.run(_drain_times(bootstrap, _outputs(s2), n, 600))
        results["two_workers_msgs_s"] = _rate(times2)

        s3 = _settings(bootstrap, f"{tag}-lat", workdir, partitions)
        asyncio.run(ensure_topics(bootstrap, {t: partitions for t in [s3.topic_raw, *_outputs(s3)]}))
        count = int(rate * latency_seconds)
        with worker_process(s3, name="bench-worker-lat"):
            p50, p99, matched = asyncio.run(_latency_run(s3, unique_copies(count, seed=11), rate))
        results.update(latency_rate=rate, latency_p50_s=p50, latency_p99_s=p99, latency_matched=matched)

    base = results["baseline_msgs_s"]
    print(f"\n## Through Kafka — {n} messages, {partitions} partitions, local broker\n")
    print("| run | msgs/s | × baseline |")
    print("|---|---:|---:|")
    print(f"| baseline: aiokafka consume→produce passthrough | {base:.0f} | 1.00 |")
    print(
        f"| wirefeed worker, 1 process | {results['pipeline_msgs_s']:.0f} | {results['pipeline_msgs_s'] / base:.2f} |"
    )
    print(
        f"| wirefeed worker, 2 processes | {results['two_workers_msgs_s']:.0f} | {results['two_workers_msgs_s'] / base:.2f} |"
    )
    print(
        f"\nLatency at {rate:.0f} msg/s offered for {latency_seconds:.0f}s ({matched} matched): "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms (produce ack → result record timestamp)"
    )
    return results


if __name__ == "__main__":
    run()
