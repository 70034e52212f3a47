"""The README's demo command, against the session broker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_prints_the_seed_story_and_cleans_up(kafka_broker: object, tmp_path: Path) -> None:
    env = dict(os.environ, KAFKA_BOOTSTRAP=kafka_broker.bootstrap)  # type: ignore[attr-defined]
    proc = subprocess.run(
        [sys.executable, "-m", "streams", "demo"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "La Russie n’enverra pas de troupes au sol en Syrie" in proc.stdout
    assert '"event": "new"' in proc.stdout
    assert '"reason": "binary_content"' in proc.stdout
    assert "metrics: http://127.0.0.1:" in proc.stderr
    assert "wirefeed_inputs_total" in proc.stderr
    assert "▶ cleaning up" in proc.stderr
    # No worker left behind: nothing listens on the metrics port any more.
    port = int(proc.stderr.split("metrics: http://127.0.0.1:")[1].split("/")[0])
    import socket

    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
