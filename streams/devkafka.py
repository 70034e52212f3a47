"""A real local single-node Apache Kafka broker (KRaft), without Docker.

The broker jars come from Maven Central (``deploy/kafka/pom.xml``, resolved by ``mvn``
into ``${WIREFEED_HOME:-~/.cache/wirefeed}/kafka/<version>/lib`` once), and the broker
runs as a detached ``java -cp 'lib/*' kafka.Kafka server.properties`` on two free
loopback ports.  Readiness means a Kafka ``Metadata`` request, sent over a raw socket,
answers with this broker and an active controller -- not merely that the port is open.

If ``KAFKA_BOOTSTRAP`` is set, nothing is started: :func:`start` and
:func:`local_broker` hand back that external cluster.

Nothing here prints; return values and :class:`DevKafkaError` messages carry the info.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_KAFKA_VERSION",
    "KAFKA4_VERSION",
    "KAFKA_VERSION",
    "Broker",
    "DevKafkaError",
    "cache_root",
    "create_topics",
    "default_state_dir",
    "ensure_jars",
    "local_broker",
    "metadata_ready",
    "start",
    "status",
    "stop",
]

#: The broker line the project runs by default (lower risk with aiokafka/Faust).
DEFAULT_KAFKA_VERSION = "3.9.2"
#: The Kafka 4.x release this module is verified against (select it with
#: ``WIREFEED_KAFKA_VERSION=4.1.1`` or ``version="4.1.1"``).
KAFKA4_VERSION = "4.1.1"
#: The version used when none is given: ``$WIREFEED_KAFKA_VERSION`` or the default.
KAFKA_VERSION = os.environ.get("WIREFEED_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy" / "kafka"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies"
MARKER_NAME = ".wirefeed-complete"
STATE_FILE = "broker.json"
LOG_FILE = "kafka.log"
JVM_HEAP = "-Xmx512m"

_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
# Children started by this process, so stop() can reap them (no zombies, no ResourceWarning).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@atexit.register
def _detach_children() -> None:
    """A broker still running at exit was left on purpose (``wirefeed kafka start``):
    drop our handles without Popen's "subprocess is still running" ResourceWarning."""
    for child in _CHILDREN.values():
        if child.poll() is None:
            child.returncode = 0  # detached: reaped by init once it exits
    _CHILDREN.clear()


class DevKafkaError(RuntimeError):
    """Raised when the local broker cannot be provisioned, started or reached."""


@dataclass
class Broker:
    """A running broker: ours (``pid`` set) or an external one (``external=True``)."""

    bootstrap: str
    pid: int | None
    data_dir: Path
    version: str
    external: bool


# --------------------------------------------------------------------------- paths


def cache_root() -> Path:
    """``$WIREFEED_HOME`` or ``~/.cache/wirefeed``."""
    home = os.environ.get("WIREFEED_HOME")
    return Path(home).expanduser() if home else Path.home() / ".cache" / "wirefeed"


def default_state_dir() -> Path:
    return cache_root() / "run" / "kafka"


def _resolve_version(version: str | None) -> str:
    v = version or os.environ.get("WIREFEED_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION
    if not _VERSION_RE.match(v):
        raise DevKafkaError(f"bad Kafka version {v!r}: expected e.g. 3.9.2 or {KAFKA4_VERSION}")
    return v


def _major(version: str) -> int:
    return int(version.split(".", 1)[0])


def _lib_dir(version: str) -> Path:
    return cache_root() / "kafka" / version / "lib"


def _log_config_args(version: str) -> list[str]:
    if _major(version) >= 4:
        return [f"-Dlog4j2.configurationFile={DEPLOY_DIR / 'log4j2.properties'}"]
    return [f"-Dlog4j.configuration=file:{DEPLOY_DIR / 'log4j.properties'}"]


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise DevKafkaError("java not found: install a JDK 17+ (or set JAVA_HOME)")
    return found


# ---------------------------------------------------------------------------- jars


def ensure_jars(version: str | None = None) -> Path:
    """Return the ``lib/`` dir holding the broker jars for *version*, running Maven only
    if it is not cached yet (a marker file is written after a complete copy)."""
    v = _resolve_version(version)
    lib = _lib_dir(v)
    if (lib / MARKER_NAME).is_file():
        return lib
    pom = DEPLOY_DIR / "pom.xml"
    if not pom.is_file():
        raise DevKafkaError(f"missing {pom}: run from a wirefeed source checkout")
    mvn = shutil.which("mvn")
    if not mvn:
        raise DevKafkaError("mvn not found: install Maven 3 (apt-get install maven)")
    lib.parent.mkdir(parents=True, exist_ok=True)
    with open(lib.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be resolving the same version
        if (lib / MARKER_NAME).is_file():
            return lib
        tmp = lib.parent / f"lib.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [
            mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom),
            f"-Dkafka.version={v}",
            *(["-Dkafka.logging=log4j2"] if _major(v) >= 4 else []),
            DEPENDENCY_PLUGIN,
            f"-DoutputDirectory={tmp}",
            "-DincludeScope=runtime",
        ]  # fmt: skip
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise DevKafkaError(f"mvn timed out resolving Kafka {v} jars") from exc
        jars = sorted(tmp.glob("*.jar")) if tmp.is_dir() else []
        if proc.returncode != 0 or not any(j.name.startswith("kafka_2.13-") for j in jars):
            shutil.rmtree(tmp, ignore_errors=True)
            out = (proc.stdout + proc.stderr).strip().splitlines()
            out = [_ANSI_RE.sub("", ln) for ln in out]
            errors = [ln for ln in out if "ERROR" in ln] or out
            detail = errors[0].strip() if errors else f"exit code {proc.returncode}"
            raise DevKafkaError(f"mvn could not resolve Kafka {v} jars: {detail}")
        (tmp / MARKER_NAME).write_text(f"kafka {v}: {len(jars)} jars\n")
        shutil.rmtree(lib, ignore_errors=True)
        tmp.rename(lib)  # lib/ appears complete, marker included, or not at all
    return lib


# ----------------------------------------------------------------- metadata probe


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf += chunk
    return bytes(buf)


def _metadata(bootstrap: str, timeout: float = 2.0) -> tuple[list[tuple[int, str, int]], int]:
    """Send a Metadata v4 request (no topics) and return (brokers, controller_id).

    v4 is accepted by both Kafka 3.x and 4.x (KIP-896 dropped only v0-v3)."""
    host, _, port = bootstrap.rpartition(":")
    client_id = b"wirefeed-devkafka"
    correlation_id = 0x5EED
    # header v1: api_key, api_version, correlation_id, client_id (int16 string)
    # body v4: topics array (0 = none), allow_auto_topic_creation
    payload = struct.pack(">hhih", 3, 4, correlation_id, len(client_id)) + client_id
    payload += struct.pack(">ib", 0, 0)
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(payload)) + payload)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        data = _recv_exact(sock, size)
    pos = 0

    def take(fmt: str) -> Any:
        nonlocal pos
        vals = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return vals[0]

    def take_str() -> str | None:
        nonlocal pos
        n = take(">h")
        if n < 0:
            return None
        s = data[pos : pos + n].decode()
        pos += n
        return s

    if take(">i") != correlation_id:
        raise ConnectionError("unexpected correlation id in metadata response")
    take(">i")  # throttle_time_ms
    brokers = []
    for _ in range(take(">i")):
        node_id = take(">i")
        bhost = take_str() or ""
        bport = take(">i")
        take_str()  # rack
        brokers.append((node_id, bhost, bport))
    take_str()  # cluster_id
    controller_id = take(">i")
    return brokers, controller_id


def metadata_ready(bootstrap: str, timeout: float = 2.0) -> bool:
    """True when a Metadata request to *bootstrap* succeeds, lists at least one broker
    and names an active controller."""
    try:
        brokers, controller_id = _metadata(bootstrap, timeout)
    except (OSError, struct.error, ValueError, UnicodeDecodeError):
        return False
    return bool(brokers) and controller_id >= 0


# ---------------------------------------------------------------------- processes


def _pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped by its parent) is dead for our purposes
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_our_broker(pid: int) -> bool:
    """Guard against pid reuse: the pid must still be a kafka.Kafka JVM."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _pid_alive(pid)  # no /proc: trust the pid
    return b"kafka.Kafka" in cmdline


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        try:
            os.killpg(pid, sig)  # started with start_new_session: pgid == pid
        except ProcessLookupError:
            os.kill(pid, sig)


def _wait_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.1)
    return not _pid_alive(pid)


def _terminate(pid: int, timeout: float) -> None:
    _signal_group(pid, signal.SIGTERM)
    if not _wait_dead(pid, timeout):
        _signal_group(pid, signal.SIGKILL)
        _wait_dead(pid, 10.0)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:]) or "(empty log)"


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _cluster_id() -> str:
    # Kafka's Uuid.toString(): url-safe base64 without padding; never starting with '-'.
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def _server_properties(version: str, port: int, controller_port: int, data_dir: Path) -> str:
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        # one partition each: creating 50 on the first group join / transaction is slow here
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
        # small machine (2 cores, -Xmx512m): fewer threads, a 32 MiB (not 128) cleaner buffer
        "num.network.threads": "2",
        "num.io.threads": "2",
        "background.threads": "2",
        "num.recovery.threads.per.data.dir": "1",
        "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
    }
    if _major(version) >= 4:
        props["share.coordinator.state.topic.replication.factor"] = "1"
        props["share.coordinator.state.topic.min.isr"] = "1"
    lines = [f"# written by streams/devkafka.py for Kafka {version}"]
    lines += [f"{k}={v}" for k, v in props.items()]
    return "\n".join(lines) + "\n"


def _read_state(state_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _broker_from_state(data: Mapping[str, Any]) -> Broker:
    pid = data.get("pid")
    return Broker(
        bootstrap=str(data["bootstrap"]),
        pid=int(pid) if pid is not None else None,
        data_dir=Path(str(data["data_dir"])),
        version=str(data["version"]),
        external=False,
    )


def _external() -> Broker | None:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    if not bootstrap:
        return None
    return Broker(
        bootstrap=bootstrap,
        pid=None,
        data_dir=Path(),
        version=os.environ.get("WIREFEED_KAFKA_VERSION", "external"),
        external=True,
    )


def _cleanup(state_dir: Path, data: Mapping[str, Any] | None) -> None:
    if data and data.get("data_dir"):
        shutil.rmtree(Path(str(data["data_dir"])), ignore_errors=True)
    shutil.rmtree(state_dir / "data", ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (state_dir / STATE_FILE).unlink()


# --------------------------------------------------------------------- public API


def start(
    state_dir: Path | None = None,
    version: str | None = None,
    timeout: float = 90.0,
    *,
    reuse: bool = False,
) -> Broker:
    """Start a single-node KRaft broker on free 127.0.0.1 ports and wait until it answers
    a Metadata request.  With ``KAFKA_BOOTSTRAP`` set, return that external broker instead.

    A live broker already recorded in *state_dir* is returned when ``reuse`` is true and
    is an error otherwise.  On timeout the JVM is killed and :class:`DevKafkaError`
    carries the last lines of ``<state_dir>/kafka.log``."""
    ext = _external()
    if ext is not None:
        return ext
    v = _resolve_version(version)
    sdir = Path(state_dir).resolve() if state_dir is not None else default_state_dir()
    sdir.mkdir(parents=True, exist_ok=True)

    current = status(sdir)
    if current is not None:
        if reuse:
            return current
        raise DevKafkaError(
            f"a broker is already running at {current.bootstrap} (pid {current.pid}, "
            f"state in {sdir}): stop it first"
        )
    old = _read_state(sdir)
    old_pid = int(old["pid"]) if old is not None and old.get("pid") else None
    if old_pid is not None and _pid_alive(old_pid) and _is_our_broker(old_pid):
        _terminate(old_pid, 10.0)  # alive but not answering: replace it
    _cleanup(sdir, old)

    lib = ensure_jars(v)
    java = _java()
    jvm = [java, JVM_HEAP, "-Djava.awt.headless=true", *_log_config_args(v)]
    classpath = ["-cp", str(lib / "*")]
    deadline = time.monotonic() + timeout
    last_error = ""
    for _attempt in range(3):  # retry only if a just-picked port got taken meanwhile
        data_dir = sdir / "data"
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        port, controller_port = _free_ports(2)
        bootstrap = f"127.0.0.1:{port}"
        props = sdir / "server.properties"
        props.write_text(_server_properties(v, port, controller_port, data_dir))
        log_path = sdir / LOG_FILE

        fmt = subprocess.run(
            [*jvm, *classpath, "kafka.tools.StorageTool", "format",
             "-t", _cluster_id(), "-c", str(props)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=max(30.0, deadline - time.monotonic()),
        )  # fmt: skip
        if fmt.returncode != 0:
            log_path.write_text(fmt.stdout + fmt.stderr)
            raise DevKafkaError(
                f"formatting Kafka {v} storage failed (exit {fmt.returncode}):\n{_tail(log_path)}"
            )

        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [*jvm, *classpath, "kafka.Kafka", str(props)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=sdir,
                start_new_session=True,
            )
        _CHILDREN[proc.pid] = proc
        state = {
            "pid": proc.pid,
            "bootstrap": bootstrap,
            "version": v,
            "data_dir": str(data_dir),
            "controller_port": controller_port,
            "log": str(log_path),
            "started_at": time.time(),
        }
        (sdir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

        try:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                if metadata_ready(bootstrap, timeout=2.0):
                    return _broker_from_state(state)
                time.sleep(0.25)
        except BaseException:  # e.g. Ctrl-C while waiting: leave no half-started JVM behind
            _terminate(proc.pid, 10.0)
            _cleanup(sdir, state)
            raise

        exited = proc.poll() is not None
        _terminate(proc.pid, 10.0)
        log_text = _tail(log_path)
        _cleanup(sdir, state)
        if exited and "Address already in use" in log_text and time.monotonic() < deadline:
            last_error = log_text
            continue
        what = f"exited with code {proc.returncode}" if exited else f"not ready after {timeout:g}s"
        raise DevKafkaError(f"Kafka {v} broker {what}; last lines of {log_path}:\n{log_text}")
    raise DevKafkaError(f"Kafka {v} broker could not bind free ports:\n{last_error}")


def stop(state_dir: Path | None = None, timeout: float = 30.0) -> None:
    """SIGTERM the broker recorded in *state_dir*, SIGKILL it after *timeout*, then remove
    its data dir and state file.  Idempotent; never touches an external broker."""
    sdir = Path(state_dir).resolve() if state_dir is not None else default_state_dir()
    data = _read_state(sdir)
    if data is None:
        shutil.rmtree(sdir / "data", ignore_errors=True)
        return
    pid = data.get("pid")
    if pid is not None and _pid_alive(int(pid)) and _is_our_broker(int(pid)):
        _terminate(int(pid), timeout)
    _cleanup(sdir, data)


def status(state_dir: Path | None = None) -> Broker | None:
    """The broker recorded in *state_dir* if its process is alive and it answers a
    Metadata request (or the external ``KAFKA_BOOTSTRAP`` broker if that answers)."""
    ext = _external()
    if ext is not None:
        return ext if metadata_ready(ext.bootstrap.split(",")[0].strip()) else None
    sdir = Path(state_dir).resolve() if state_dir is not None else default_state_dir()
    data = _read_state(sdir)
    if data is None or data.get("pid") is None:
        return None
    pid = int(data["pid"])
    if not (_pid_alive(pid) and _is_our_broker(pid)):
        return None
    if not metadata_ready(str(data["bootstrap"])):
        return None
    return _broker_from_state(data)


@contextlib.contextmanager
def local_broker(state_dir: Path | None = None, version: str | None = None) -> Iterator[Broker]:
    """Start a broker (unless ``KAFKA_BOOTSTRAP`` is set) and always stop it afterwards."""
    broker = start(state_dir, version)
    try:
        yield broker
    finally:
        if not broker.external:
            stop(state_dir)


def create_topics(bootstrap: str, topics: Mapping[str, int], timeout: float = 30.0) -> None:
    """Create ``{name: partitions}`` topics (replication factor 1); existing ones are fine."""
    if topics:
        asyncio.run(asyncio.wait_for(_create_topics(bootstrap, topics, timeout), timeout))


async def _create_topics(bootstrap: str, topics: Mapping[str, int], timeout: float) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    await admin.start()
    try:
        new = [NewTopic(name, partitions, 1) for name, partitions in topics.items()]
        response = await admin.create_topics(new, timeout_ms=int(timeout * 1000))
        failures = []
        for entry in getattr(response, "topic_errors", []):
            name, code = entry[0], entry[1]
            message = entry[2] if len(entry) > 2 else None
            if code not in (0, 36):  # 36 = TOPIC_ALREADY_EXISTS
                failures.append(f"{name}: error {code} {message or ''}".strip())
        if failures:
            raise DevKafkaError("could not create topics: " + "; ".join(failures))
        # wait until every topic has a leader for every partition
        deadline = time.monotonic() + timeout
        while True:
            described = await admin.describe_topics(list(topics))
            ready = all(
                t.get("error_code", 0) == 0
                and t.get("partitions")
                and all(p.get("leader", -1) >= 0 for p in t["partitions"])
                for t in described
            )
            if ready or time.monotonic() > deadline:
                return
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
