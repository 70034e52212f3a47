"""`wirefeed …`: the command line.

Errors a user can cause (a path that does not exist, a broker that is down, a
bad setting) end as one clear line on stderr and a non-zero exit, never as a
traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from streams import __version__
from streams.settings import Settings, SettingsError

SAMPLES_DIR = Path(__file__).parent / "samples"
log = logging.getLogger("wirefeed")


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def resolve_bootstrap(settings: Settings) -> str:
    """KAFKA_BOOTSTRAP, else the local broker started by `wirefeed kafka start`."""
    if settings.bootstrap:
        return settings.bootstrap
    from streams import devkafka

    broker = devkafka.status()
    if broker is None:
        raise click.ClickException(
            "no Kafka broker: set KAFKA_BOOTSTRAP=host:port or run `wirefeed kafka start` first"
        )
    return broker.bootstrap


def iter_files(paths: list[str]) -> Iterator[Path]:
    """Files in the order given; folders expand to their files, sorted, recursively."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def _check_paths(paths: list[str]) -> None:
    for raw in paths:
        if raw != "-" and not Path(raw).exists():
            raise click.ClickException(f"no such file or directory: {raw}")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="wirefeed")
def main() -> None:
    """wirefeed: parse, normalize, deduplicate, tag and republish news-agency wires.

    Configuration comes from environment variables (see `wirefeed config`).
    """
    level = os.environ.get("WIREFEED_LOG_LEVEL", "warning").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        # aiokafka logs every refused connection; the commands say it once, clearly.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


# --------------------------------------------------------------------- process
@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "forced_format",
    metavar="NAME",
    help="Force a format instead of auto-detection (ninjs, nitf, newsml1, newsmlg2, anpa, iptc7901, "
    "webtext, textwire).",
)
@click.option("--no-dedup", is_flag=True, help="Do not deduplicate across the inputs of this run.")
@click.option("--pretty", is_flag=True, help="Indent the JSON (one object per block instead of per line).")
def process(paths: tuple[str, ...], forced_format: str | None, no_dedup: bool, pretty: bool) -> None:
    """Run the pipeline offline on FILES or folders ('-' reads stdin).

    Writes one JSON event per line on stdout: story events, duplicate notices
    and rejections, exactly as the worker would publish them. Exits 0 even when
    inputs are rejected; non-zero only for usage errors or unreadable paths.
    """
    import orjson

    from streams.ingest import ParseContext
    from streams.ingest.detect import resolve_forced
    from streams.pipeline import Pipeline

    settings = _settings()
    if forced_format and resolve_forced(forced_format) is None:
        raise click.ClickException(f"unknown format {forced_format!r}")
    _check_paths(list(paths))
    from streams.tagging import TaggingDataError

    try:
        pipeline = Pipeline(settings, deduper=None if no_dedup else _offline_deduper(settings))
    except TaggingDataError as exc:
        raise click.ClickException(str(exc)) from None
    option = orjson.OPT_INDENT_2 if pretty else 0
    out = sys.stdout.buffer
    sources: list[tuple[str, bytes]] = []
    for raw in paths:
        if raw == "-":
            sources.append(("-", sys.stdin.buffer.read()))
            continue
        for path in iter_files([raw]):
            try:
                sources.append((str(path), path.read_bytes()))
            except OSError as exc:
                raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None
    for name, data in sources:
        ctx = ParseContext(filename=name, max_xml_depth=settings.max_xml_depth)
        for output in pipeline.process(data, ctx, forced_format=forced_format).outputs:
            out.write(orjson.dumps(output.event, option=option) + b"\n")
    out.flush()


def _offline_deduper(settings: Settings) -> Any:
    from streams.dedup import OfflineDeduper

    return OfflineDeduper(dedup_config(settings))


def dedup_config(settings: Settings) -> Any:
    from streams.dedup import DedupConfig

    return DedupConfig(window_hours=settings.dedup_window_hours)


# ---------------------------------------------------------------------- config
@main.command()
def config() -> None:
    """Show every setting, its environment variable and its current value."""
    settings = _settings()
    for env, default, help_text in Settings.describe():
        field_name = next(f for f in Settings.__dataclass_fields__.values() if f.metadata["env"] == env).name
        value = getattr(settings, field_name)
        click.echo(f"{env:32} = {value!s:24} {help_text}" + ("" if str(value) == default else " (set)"))


# ---------------------------------------------------------------------- worker
@main.command()
@click.option("--web-port", type=int, help="Port for /metrics, /health, /ready (WIREFEED_WEB_PORT).")
def worker(web_port: int | None) -> None:
    """Run the stream worker: wires.raw → wires.stories / wires.duplicates / wires.dlq."""
    settings = _settings(**({"web_port": web_port} if web_port else {}))
    settings = settings.replace(bootstrap=resolve_bootstrap(settings))
    run_worker(settings)


def run_worker(settings: Settings) -> None:
    from faust.worker import Worker

    from streams.agents import register_agents
    from streams.app import create_app, worker_topics
    from streams.pipeline import Pipeline
    from streams.tagging import TaggingDataError
    from streams.topics import BrokerUnavailable, ensure_topics

    logging.getLogger("aiokafka").setLevel(logging.NOTSET)
    try:
        pipeline = Pipeline(settings)
    except TaggingDataError as exc:
        raise click.ClickException(str(exc)) from None
    partitions, configs = worker_topics(settings, [rule.topic for rule in pipeline.routes])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(
            ensure_topics(settings.bootstrap, partitions, settings.replication, configs=configs)
        )
    except BrokerUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    app = create_app(settings)
    register_agents(app, pipeline, dedup_config(settings))
    Worker(app, loglevel=settings.log_level, loop=loop, quiet=True).execute_from_commandline()


# ------------------------------------------------------------------------ push
@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--topic", help="Topic to push to (default: WIREFEED_TOPIC_RAW).")
@click.option("--content-type", help="Set a content-type header (forces the format).")
@click.option("--agency", help="Set an agency header (a hint for formats without one).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when many files).")
def push(
    paths: tuple[str, ...],
    topic: str | None,
    content_type: str | None,
    agency: str | None,
    progress: bool | None,
) -> None:
    """Push files or folders to the raw topic, one message per file, `filename` header set."""
    settings = _settings()
    bootstrap = resolve_bootstrap(settings)
    _check_paths(list(paths))
    files = list(iter_files(list(paths)))
    headers = {}
    if content_type:
        headers["content-type"] = content_type
    if agency:
        headers["agency"] = agency
    try:
        sent = asyncio.run(
            push_files(bootstrap, topic or settings.topic_raw, files, headers, show_progress=progress)
        )
    except _KafkaDown as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"pushed {sent} file(s) to {topic or settings.topic_raw} at {bootstrap}", err=True)


class _KafkaDown(RuntimeError):
    pass


async def push_files(
    bootstrap: str,
    topic: str,
    files: list[Path],
    headers: dict[str, str] | None = None,
    *,
    show_progress: bool | None = None,
) -> int:
    from aiokafka import AIOKafkaProducer
    from aiokafka.errors import KafkaConnectionError
    from tqdm import tqdm

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=16 * 1024 * 1024)
    try:
        await asyncio.wait_for(producer.start(), 20)
    except (KafkaConnectionError, TimeoutError, OSError):
        with contextlib.suppress(Exception):
            await producer.stop()
        raise _KafkaDown(f"Kafka at {bootstrap} is not reachable") from None
    if show_progress is None:
        show_progress = len(files) > 20 and sys.stderr.isatty()
    bar = tqdm(total=len(files), unit="file", disable=not show_progress, file=sys.stderr)
    try:
        pending = []
        for path in files:
            hdrs = [("filename", path.name.encode())] + [(k, v.encode()) for k, v in (headers or {}).items()]
            pending.append(await producer.send(topic, value=path.read_bytes(), headers=hdrs))
            bar.update(1)
        for fut in pending:
            await fut
    finally:
        bar.close()
        await producer.stop()
    return len(files)


# ------------------------------------------------------------------------ tail
@main.command()
@click.argument("topic", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print raw JSON lines instead of a summary.")
@click.option("--from-beginning/--from-end", default=True, help="Where to start reading.")
@click.option("-n", "--max", "max_messages", type=int, default=0, help="Stop after N messages (0: no limit).")
@click.option("--timeout", type=float, default=0.0, help="Stop after this many idle seconds (0: never).")
def tail(topic: str | None, as_json: bool, from_beginning: bool, max_messages: int, timeout: float) -> None:
    """Print the events of TOPIC (default: the stories topic) as they arrive."""
    settings = _settings()
    bootstrap = resolve_bootstrap(settings)
    topic = topic or settings.topic_stories
    try:
        asyncio.run(_tail(bootstrap, topic, as_json, from_beginning, max_messages, timeout))
    except _KafkaDown as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        pass


async def _tail(
    bootstrap: str, topic: str, as_json: bool, from_beginning: bool, max_messages: int, timeout: float
) -> None:
    from aiokafka import AIOKafkaConsumer
    from aiokafka.errors import KafkaConnectionError

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    try:
        await asyncio.wait_for(consumer.start(), 20)
    except (KafkaConnectionError, TimeoutError, OSError):
        with contextlib.suppress(Exception):
            await consumer.stop()
        raise _KafkaDown(f"Kafka at {bootstrap} is not reachable") from None
    count = 0
    try:
        while not max_messages or count < max_messages:
            batch = await consumer.getmany(timeout_ms=int((timeout or 1) * 1000))
            if not batch and timeout:
                break
            for records in batch.values():
                for record in records:
                    click.echo(format_event(record.value or b"", as_json))
                    count += 1
    finally:
        await consumer.stop()


def format_event(value: bytes, as_json: bool) -> str:
    """One line per event: kind, id, and what a human wants to see first."""
    if as_json:
        return value.decode("utf-8", errors="replace")
    import orjson

    try:
        event = orjson.loads(value)
    except orjson.JSONDecodeError:
        return f"(not JSON, {len(value)} bytes)"
    kind = event.get("event", "?")
    if kind == "rejected":
        prov = event.get("provenance", {})
        return f"rejected   {event.get('reason')}: {event.get('message')} [{prov.get('filename') or ''}]"
    if kind == "duplicate":
        return (
            f"duplicate  {event.get('storyid')} of {event.get('duplicate_of')} "
            f"({event.get('method')}, {event.get('similarity')})"
        )
    headline = (event.get("headlines") or [{}])[0].get("value", "")
    return (
        f"{kind:<10} {event.get('storyid')} [{event.get('language')}, {event.get('agency') or '-'}] "
        f"{headline}"
    )


# ----------------------------------------------------------------------- kafka
@main.group()
def kafka() -> None:
    """Manage the local single-node Kafka broker used for development, tests and the demo."""


@kafka.command("start")
@click.option("--version", "version", help="Kafka version (default: the pinned one).")
def kafka_start(version: str | None) -> None:
    """Start a local KRaft broker (jars from Maven Central, cached) and print its bootstrap."""
    from streams import devkafka

    if os.environ.get("KAFKA_BOOTSTRAP"):
        click.echo(os.environ["KAFKA_BOOTSTRAP"])
        click.echo("KAFKA_BOOTSTRAP is set: using that cluster, nothing started", err=True)
        return
    existing = devkafka.status()
    if existing is not None:
        click.echo(existing.bootstrap)
        click.echo(f"already running (pid {existing.pid}, Kafka {existing.version})", err=True)
        return
    try:
        broker = devkafka.start(version=version)
    except devkafka.DevKafkaError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(broker.bootstrap)
    click.echo(f"Kafka {broker.version} running, pid {broker.pid}; stop with `wirefeed kafka stop`", err=True)


@kafka.command("stop")
def kafka_stop() -> None:
    """Stop the local broker and delete its data."""
    from streams import devkafka

    devkafka.stop()
    click.echo("stopped", err=True)


@kafka.command("status")
def kafka_status() -> None:
    """Print the local broker's bootstrap address, or exit 1 when none runs."""
    from streams import devkafka

    broker = devkafka.status()
    if broker is None:
        click.echo("not running", err=True)
        sys.exit(1)
    click.echo(broker.bootstrap)
    click.echo(f"Kafka {broker.version}, pid {broker.pid}", err=True)


# ------------------------------------------------------------------------ demo
@main.command()
@click.option("--web-port", type=int, default=0, help="Metrics port (default: a free one).")
@click.option("--keep", is_flag=True, help="Keep the broker and worker running until Ctrl-C.")
def demo(web_port: int, keep: bool) -> None:
    """End to end on a local broker: start Kafka (unless KAFKA_BOOTSTRAP), run a worker,
    push the bundled sample dispatches, print the resulting events, then clean up."""
    from streams import devkafka
    from streams.runner import WorkerFailed, free_port, worker_process

    samples = sorted(p for p in SAMPLES_DIR.iterdir() if p.is_file())
    suffix = f"{os.getpid()}-{int(time.time())}"
    env_settings = _settings()
    with contextlib.ExitStack() as stack:
        click.echo("▶ starting Kafka (first run downloads the broker jars with Maven)…", err=True)
        try:
            broker = stack.enter_context(devkafka.local_broker(state_dir=Path(".wirefeed") / "demo-kafka"))
        except devkafka.DevKafkaError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"  broker at {broker.bootstrap}" + (" (external)" if broker.external else ""), err=True)
        settings = env_settings.replace(
            bootstrap=broker.bootstrap,
            app_id=f"wirefeed-demo-{suffix}",
            topic_raw=f"demo.{suffix}.raw",
            topic_stories=f"demo.{suffix}.stories",
            topic_duplicates=f"demo.{suffix}.duplicates",
            topic_dlq=f"demo.{suffix}.dlq",
            web_port=web_port or free_port(),
            store="memory://",
            data_dir=str(Path(".wirefeed") / f"demo-{suffix}"),
        )
        click.echo("▶ starting a worker…", err=True)
        try:
            proc = stack.enter_context(worker_process(settings, ready_timeout=90))
        except WorkerFailed as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"  metrics: http://{settings.web_host}:{settings.web_port}/metrics", err=True)
        click.echo(f"▶ pushing {len(samples)} sample dispatch(es)…", err=True)
        asyncio.run(push_files(settings.bootstrap, settings.topic_raw, samples))
        click.echo("▶ events:", err=True)
        events = asyncio.run(collect_outputs(settings, expect_inputs=len(samples), timeout=90))
        import orjson

        for topic_kind, value in events:
            click.echo(f"── {topic_kind}: {format_event(value, as_json=False)}")
            click.echo(orjson.dumps(orjson.loads(value), option=orjson.OPT_INDENT_2).decode())
        summary = _metrics_summary(settings)
        click.echo(f"▶ {len(events)} event(s) for {len(samples)} input(s); metrics: {summary}", err=True)
        if keep:
            click.echo("running; Ctrl-C to stop and clean up", err=True)
            with contextlib.suppress(KeyboardInterrupt):
                while proc.poll() is None:
                    time.sleep(1)
        click.echo("▶ cleaning up", err=True)


async def collect_outputs(
    settings: Settings, expect_inputs: int, timeout: float = 60, idle: float = 3.0
) -> list[tuple[str, bytes]]:
    """Read the output topics until every input is accounted for and the topics go quiet."""
    from aiokafka import AIOKafkaConsumer

    topics = {
        settings.topic_stories: "stories",
        settings.topic_duplicates: "duplicates",
        settings.topic_dlq: "dlq",
    }
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=settings.bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    out: list[tuple[str, bytes]] = []
    inputs_seen: set[tuple[str, int]] = set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = loop.time()
    try:
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    out.append((topics[tp.topic], record.value or b""))
                    inputs_seen.add(_input_of(record.value or b""))
                    last = loop.time()
            if len(inputs_seen) >= expect_inputs and loop.time() - last > idle:
                break
    finally:
        await consumer.stop()
    return out


def _input_of(value: bytes) -> tuple[str, int]:
    import orjson

    prov = orjson.loads(value).get("provenance", {})
    return (str(prov.get("partition")), int(prov.get("offset", -1)))


def _metrics_summary(settings: Settings) -> str:
    import urllib.request

    url = f"http://{settings.web_host}:{settings.web_port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
    except OSError as exc:
        return f"unavailable ({exc})"
    wanted = ("wirefeed_inputs_total", "wirefeed_stories_total", "wirefeed_dlq_records_total")
    lines = [ln for ln in text.splitlines() if ln.startswith(wanted)]
    return "; ".join(lines)


if __name__ == "__main__":  # pragma: no cover
    main()
