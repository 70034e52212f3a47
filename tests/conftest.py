from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "streams" / "samples" / "afp-fr-russie-syrie.txt"
FIXTURES = ROOT / "tests" / "fixtures"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path) or "tests\\integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One real broker per test session (or the cluster in KAFKA_BOOTSTRAP)."""
    from streams import devkafka

    state = tmp_path_factory.mktemp("kafka")
    with devkafka.local_broker(state_dir=state) as broker:
        yield broker


@pytest.fixture
def unique() -> str:
    """A suffix for topic names and group ids: every test gets its own topics."""
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
