"""Running a worker as a child process and knowing when it is ready.

Shared by `wirefeed demo`, the integration tests and the benchmarks, so all
three exercise the worker exactly as an operator starts it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from streams.settings import Settings


class WorkerFailed(RuntimeError):
    """The worker exited or did not become ready; the message has its log's tail."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment that makes a child process read exactly these settings."""
    env = dict(os.environ if base is None else base)
    for f in Settings.__dataclass_fields__.values():
        env[f.metadata["env"]] = str(getattr(settings, f.name))
    return env


def _tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return "(no log)"


def wait_ready(settings: Settings, proc: subprocess.Popen[bytes], log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{settings.web_port}/ready"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise WorkerFailed(f"the worker exited with {proc.returncode}:\n{_tail(log_path)}")
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise WorkerFailed(f"the worker was not ready after {timeout:.0f}s:\n{_tail(log_path)}")


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM the worker's process group, SIGKILL it if it does not stop in time."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def worker_process(
    settings: Settings, name: str = "worker", ready_timeout: float = 120.0
) -> Iterator[subprocess.Popen[bytes]]:
    """`wirefeed worker` as a child process in its own session; ready on entry, stopped on exit."""
    log_path = Path(settings.data_dir) / f"{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log_file:
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
            stop_process(proc)
