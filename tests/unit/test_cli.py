"""`wirefeed` commands that need no broker, and clear errors when one is down."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from streams.cli import main
from tests.conftest import SEED
from tests.support.schemas import validate_event


def run(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def events(stdout: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stdout.splitlines() if line.strip()]


def test_process_seed_prints_one_valid_new_event() -> None:
    code, out, _ = run("process", str(SEED))
    assert code == 0
    [event] = events(out)
    validate_event(event)
    assert event["event"] == "new"
    assert event["headlines"] == [
        {"role": "main", "value": "La Russie n’enverra pas de troupes au sol en Syrie"}
    ]
    assert event["agency"] == "AFP"
    assert event["section"] == "Monde"
    assert event["provenance"]["filename"] == str(SEED)  # type: ignore[index]


def test_process_rejects_but_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "a-empty.txt").write_bytes(b"")
    (tmp_path / "b-binary.bin").write_bytes(b"\x00\x01\x02\x03" * 10)
    code, out, _ = run("process", str(tmp_path))
    assert code == 0
    got = events(out)
    assert [e["reason"] for e in got] == ["empty_input", "binary_content"]
    for e in got:
        validate_event(e)


def test_process_reads_stdin() -> None:
    code, out, _ = run("process", "-", input=SEED.read_bytes())
    assert code == 0
    [event] = events(out)
    assert event["provenance"]["filename"] == "-"  # type: ignore[index]


def test_process_missing_path_is_one_line_error() -> None:
    code, out, err = run("process", "/nonexistent/wire.txt")
    assert code != 0
    assert out == ""
    assert err.strip() == "Error: no such file or directory: /nonexistent/wire.txt"


def test_process_unknown_format_is_usage_error() -> None:
    code, _, err = run("process", "--format", "telex", str(SEED))
    assert code != 0
    assert "unknown format 'telex'" in err


def test_process_size_limit_from_settings(tmp_path: Path) -> None:
    code, out, _ = run("process", str(SEED), env={"WIREFEED_MAX_BYTES": "100"})
    assert code == 0
    [event] = events(out)
    assert event["reason"] == "too_large"


@pytest.mark.parametrize("command", ["process", "worker", "push", "tail", "kafka", "demo", "config"])
def test_help_everywhere(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Usage: main" in out or "Usage:" in out
    assert len(out.splitlines()) > 3


def test_push_to_a_down_broker_is_one_clear_line(tmp_path: Path) -> None:
    # A port nobody listens on: bind then close to get one.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.run(
        [sys.executable, "-m", "streams", "push", str(SEED)],
        env={"KAFKA_BOOTSTRAP": f"127.0.0.1:{port}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"Error: Kafka at 127.0.0.1:{port} is not reachable"
    assert "Traceback" not in proc.stderr


def test_worker_without_broker_config_says_what_to_do(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "streams", "worker"],
        env={"PATH": "/usr/bin:/bin", "WIREFEED_HOME": str(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "no Kafka broker: set KAFKA_BOOTSTRAP" in proc.stderr
    assert "Traceback" not in proc.stderr
