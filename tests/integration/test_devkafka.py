"""Integration tests for streams.devkafka: a real local KRaft broker from Maven jars.

The broker version follows ``WIREFEED_KAFKA_VERSION`` (default 3.9.2); run once per version:
    WIREFEED_KAFKA_VERSION=4.1.1 pytest -m integration tests/integration/test_devkafka.py
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams import devkafka
from streams.devkafka import Broker, DevKafkaError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with devkafka.local_broker(tmp_path_factory.mktemp("devkafka")) as b:
        yield b


def _fresh_topic(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _port_open(bootstrap: str) -> bool:
    host, _, port = bootstrap.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


async def _consume(
    bootstrap: str, topic: str, count: int, *, group: str | None, isolation: str = "read_uncommitted"
) -> list[tuple[bytes | None, bytes | None]]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level=isolation,
    )
    await consumer.start()
    got: list[tuple[bytes | None, bytes | None]] = []
    try:
        while len(got) < count:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                got.extend((r.key, r.value) for r in records)
        if group is not None:
            await consumer.commit()
    finally:
        await consumer.stop()
    return got


def test_status_reports_running_broker(broker: Broker) -> None:
    assert devkafka.metadata_ready(broker.bootstrap)
    if broker.external:
        return
    assert broker.pid is not None
    assert broker.bootstrap.startswith("127.0.0.1:")
    state_dir = broker.data_dir.parent
    current = devkafka.status(state_dir)
    assert current is not None and current.pid == broker.pid
    with pytest.raises(DevKafkaError, match="already running"):
        devkafka.start(state_dir)
    reused = devkafka.start(state_dir, reuse=True)
    assert reused.pid == broker.pid


def test_produce_consume_roundtrip(broker: Broker) -> None:
    from aiokafka import AIOKafkaProducer

    topic = _fresh_topic("devkafka-roundtrip")
    devkafka.create_topics(broker.bootstrap, {topic: 3}, timeout=30)
    devkafka.create_topics(broker.bootstrap, {topic: 3}, timeout=30)  # exists: no error

    async def run() -> list[tuple[bytes | None, bytes | None]]:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await producer.start()
        try:
            for i in range(5):
                await producer.send_and_wait(topic, f"v{i}".encode(), key=f"k{i}".encode())
        finally:
            await producer.stop()
        return await _consume(broker.bootstrap, topic, 5, group=_fresh_topic("g"))

    got = asyncio.run(asyncio.wait_for(run(), 60))
    assert sorted(got) == [(f"k{i}".encode(), f"v{i}".encode()) for i in range(5)]


def test_transactional_producer(broker: Broker) -> None:
    """Faust's exactly-once mode relies on transactional producers."""
    from aiokafka import AIOKafkaProducer

    topic = _fresh_topic("devkafka-txn")
    devkafka.create_topics(broker.bootstrap, {topic: 1}, timeout=30)

    async def run() -> list[tuple[bytes | None, bytes | None]]:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, transactional_id=_fresh_topic("txn"))
        await producer.start()
        try:
            async with producer.transaction():
                await producer.send_and_wait(topic, b"committed-1")
                await producer.send_and_wait(topic, b"committed-2")
            await producer.begin_transaction()
            await producer.send_and_wait(topic, b"aborted")
            await producer.abort_transaction()
            async with producer.transaction():
                await producer.send_and_wait(topic, b"committed-3")
        finally:
            await producer.stop()
        return await _consume(broker.bootstrap, topic, 3, group=None, isolation="read_committed")

    got = asyncio.run(asyncio.wait_for(run(), 90))
    assert [v for _, v in got] == [b"committed-1", b"committed-2", b"committed-3"]


def test_transactional_offsets_commit(broker: Broker) -> None:
    """Consume-transform-produce as Faust's exactly-once does it: the input offsets are
    committed inside the producer transaction (AddOffsetsToTxn + TxnOffsetCommit)."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    src, dst = _fresh_topic("devkafka-eos-in"), _fresh_topic("devkafka-eos-out")
    group = _fresh_topic("eos-group")
    devkafka.create_topics(broker.bootstrap, {src: 1, dst: 1}, timeout=30)

    async def run() -> tuple[int | None, list[tuple[bytes | None, bytes | None]]]:
        plain = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await plain.start()
        try:
            for i in range(3):
                await plain.send_and_wait(src, f"in{i}".encode())
        finally:
            await plain.stop()

        consumer = AIOKafkaConsumer(
            src,
            bootstrap_servers=broker.bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, transactional_id=group + "-tx")
        await consumer.start()
        await producer.start()
        try:
            seen = 0
            while seen < 3:
                batches = await consumer.getmany(timeout_ms=1000)
                for tp, records in batches.items():
                    async with producer.transaction():
                        for r in records:
                            await producer.send_and_wait(dst, (r.value or b"").upper())
                        await producer.send_offsets_to_transaction({tp: records[-1].offset + 1}, group)
                    seen += len(records)
            # the commit markers reach __consumer_offsets asynchronously: poll briefly
            committed = None
            for _ in range(50):
                committed = await consumer.committed(TopicPartition(src, 0))
                if committed is not None:
                    break
                await asyncio.sleep(0.2)
        finally:
            await producer.stop()
            await consumer.stop()
        out = await _consume(broker.bootstrap, dst, 3, group=None, isolation="read_committed")
        return committed, out

    committed, out = asyncio.run(asyncio.wait_for(run(), 90))
    assert committed == 3
    assert [v for _, v in out] == [b"IN0", b"IN1", b"IN2"]


def test_start_stop_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP", raising=False)
    state_dir = tmp_path / "cycle"
    b = devkafka.start(state_dir)
    try:
        assert not b.external and b.pid is not None
        assert (state_dir / devkafka.STATE_FILE).is_file()
        assert b.data_dir.is_dir()
        assert _port_open(b.bootstrap)
    finally:
        devkafka.stop(state_dir)
    assert b.pid is not None
    assert not devkafka._pid_alive(b.pid)
    assert not _port_open(b.bootstrap)
    assert not (state_dir / devkafka.STATE_FILE).exists()
    assert not b.data_dir.exists()
    assert devkafka.status(state_dir) is None
    devkafka.stop(state_dir)  # idempotent


def test_second_ensure_jars_runs_no_mvn(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    version = devkafka.KAFKA_VERSION if broker.external else broker.version
    lib = devkafka.ensure_jars(version)  # cached by now unless external
    assert (lib / devkafka.MARKER_NAME).is_file()

    def no_subprocess(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"ensure_jars ran a process on a warm cache: {args}")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    assert devkafka.ensure_jars(version) == lib
    assert any(p.name.startswith("kafka_2.13-") for p in lib.glob("*.jar"))


def test_ensure_jars_reports_mvn_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREFEED_HOME", str(tmp_path))

    def failing_run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, 1, "[ERROR] Could not resolve dependencies", "")

    monkeypatch.setattr(subprocess, "run", failing_run)
    with pytest.raises(DevKafkaError, match="Could not resolve dependencies"):
        devkafka.ensure_jars("3.9.2")
    assert not (tmp_path / "kafka" / "3.9.2" / "lib").exists()


def test_kafka_bootstrap_env_means_external(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "127.0.0.1:1")

    def no_spawn(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("start() spawned a process although KAFKA_BOOTSTRAP is set")

    monkeypatch.setattr(subprocess, "Popen", no_spawn)
    monkeypatch.setattr(subprocess, "run", no_spawn)
    b = devkafka.start(tmp_path / "ext")
    assert b.external and b.pid is None and b.bootstrap == "127.0.0.1:1"
    with devkafka.local_broker(tmp_path / "ext") as b2:
        assert b2.external
    assert not (tmp_path / "ext" / devkafka.STATE_FILE).exists()
