from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# In CI every property test draws the same inputs on every run, with no per-example
# deadline (the machine is shared): a red build is then reproducible and caused by a change.
settings.register_profile("ci", derandomize=True, deadline=None, database=None)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

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
