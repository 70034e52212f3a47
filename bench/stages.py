"""Offline per-stage cost on typical ~3 KB dispatches (one core, no Kafka).

Reports µs per story for each pure stage and, because these machines are
noisy, each figure also as a ratio to a baseline measured in the same run:
orjson encoding of the same story event (a floor any pipeline pays).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

from bench.corpus import typical_dispatches
from streams.events import story_event
from streams.ingest import ParseContext, parse_input
from streams.model import Story
from streams.normalize import normalize


def _time_per_item(fn: Callable[[Any], Any], items: list[Any], repeat: int = 5) -> float:
    """Median over `repeat` passes of the mean seconds per item."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            fn(item)
        runs.append((time.perf_counter() - start) / len(items))
    return statistics.median(runs)


def run(n: int = 200) -> dict[str, float]:
    docs = typical_dispatches(n)
    size = statistics.mean(len(d) for d in docs)
    ctx = ParseContext(filename="bench.txt")

    def parse(d: bytes) -> list[Story]:
        result = parse_input(d, ctx)
        assert isinstance(result, list)
        return result

    parsed = [parse(d)[0] for d in docs]
    normalized = [normalize(s) for s in parsed]
    results: dict[str, float] = {}
    results["parse"] = _time_per_item(parse, docs)
    results["normalize"] = _time_per_item(normalize, parsed)

    tagged = normalized
    try:
        from streams.tagging import default_tagger

        tagger = default_tagger()
        tagged = [tagger.tag(s) for s in normalized]
        results["tag"] = _time_per_item(tagger.tag, normalized)
    except ImportError:
        pass
    try:
        from streams.dedup.offline import OfflineDeduper

        def dedup_pass(stories: list[Story]) -> None:
            deduper = OfflineDeduper()
            for s in stories:
                deduper.decide(s)

        start = time.perf_counter()
        for _ in range(3):
            dedup_pass(tagged)
        results["dedup"] = (time.perf_counter() - start) / (3 * len(tagged))
    except ImportError:
        pass
    results["encode"] = _time_per_item(lambda s: orjson.dumps(story_event(s)), tagged)
    events = [story_event(s) for s in tagged]
    baseline = _time_per_item(orjson.dumps, events)

    total = sum(results.values())
    print(f"\n## Offline stage cost — {n} dispatches of {size / 1024:.1f} KB (median of 5 passes)\n")
    print("| stage | µs/story | × baseline |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds * 1e6:.1f} | {seconds / baseline:.1f} |")
    print(f"| **total** | **{total * 1e6:.1f}** | **{total / baseline:.1f}** |")
    print(f"| baseline: orjson.dumps(event) | {baseline * 1e6:.1f} | 1.0 |")
    print(f"\nDESIGN target: total ≤ 250 µs per 3 KB dispatch → {'met' if total <= 250e-6 else 'NOT met'}")
    return results | {"total": total, "baseline": baseline}


if __name__ == "__main__":
    run()
