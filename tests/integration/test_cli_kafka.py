"""`wirefeed push` and `wirefeed tail` against the real broker, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from streams.runner import settings_env, worker_process
from tests.conftest import SEED
from tests.support.kafka import create_topics, make_settings


def wirefeed(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_push_a_folder_then_tail_the_results(kafka_broker: Any, unique: str, tmp_path: Path) -> None:
    settings = make_settings(kafka_broker.bootstrap, unique, tmp_path)
    create_topics(settings)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "seed.txt").write_bytes(SEED.read_bytes())
    (inbox / "junk.bin").write_bytes(b"\x00\x01\x02\x03" * 8)
    env = settings_env(settings, dict(os.environ))

    pushed = wirefeed(["push", str(inbox), "--no-progress"], env)
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stderr.strip() == f"pushed 2 file(s) to {settings.topic_raw} at {settings.bootstrap}"

    with worker_process(settings):
        as_json = wirefeed(["tail", "-n", "1", "--json", "--timeout", "60"], env)
        pretty = wirefeed(["tail", settings.topic_dlq, "-n", "1", "--timeout", "60"], env)
    assert as_json.returncode == 0, as_json.stderr
    [line] = as_json.stdout.splitlines()
    event = orjson.loads(line)
    assert event["event"] == "new"
    assert event["provenance"]["filename"] == "seed.txt"
    assert pretty.returncode == 0, pretty.stderr
    assert pretty.stdout.strip() == (
        "rejected   binary_content: NUL or non-text control bytes in the payload [junk.bin]"
    )
