"""Creating the project's topics explicitly, with their partition counts.

Broker auto-creation would give source topics the broker's default partition
count, which breaks co-partitioning with Faust changelogs (PartitionsMismatch);
so the worker and the CLI create every topic they use up front.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError

log = logging.getLogger(__name__)


class BrokerUnavailable(RuntimeError):
    """The bootstrap servers did not answer."""


async def ensure_topics(
    bootstrap: str,
    topics: dict[str, int],
    replication: int = 1,
    timeout: float = 30.0,
    configs: dict[str, dict[str, str]] | None = None,
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
    except (KafkaConnectionError, TimeoutError, OSError) as exc:
        raise BrokerUnavailable(f"Kafka at {bootstrap} is not reachable ({type(exc).__name__})") from exc
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=parts,
                replication_factor=replication,
                topic_configs=(configs or {}).get(name, {}),
            )
            for name, parts in topics.items()
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another worker created it between list and create
            except KafkaError as exc:
                if "TopicAlreadyExists" not in repr(exc):
                    raise
        await _wait_for_leaders(admin, list(topics), timeout)
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout: float) -> None:
    """Creation is asynchronous on the broker; producing before leaders exist fails."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        described = await admin.describe_topics(names)
        ready = all(
            t.get("error_code", 0) == 0
            and t.get("partitions")
            and all(p.get("leader", -1) >= 0 for p in t["partitions"])
            for t in described
        )
        if ready:
            return
        if loop.time() > deadline:
            raise BrokerUnavailable(f"topics {names} have no leaders after {timeout}s")
        await asyncio.sleep(0.2)
