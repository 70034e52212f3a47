"""`python -m bench [NAME…]`: run benchmarks and print their tables.

Names: stages (offline per-stage µs), throughput (through Kafka, vs a raw
aiokafka passthrough), dedup (accuracy + state size), tagging (evaluation +
speed). Without names: all of them.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = {
    "stages": "bench.stages",
    "throughput": "bench.throughput",
    "dedup": "bench/dedup_accuracy.py",
    "tagging": "bench/tagging_eval.py",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown or "-h" in names or "--help" in names:
        print(__doc__)
        return 2 if unknown else 0
    for name in names:
        target = BENCHES[name]
        print(f"\n# bench: {name}", flush=True)
        sys.argv = [target]
        if target.endswith(".py"):
            runpy.run_path(str(HERE.parent / target), run_name="__main__")
        else:
            runpy.run_module(target, run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
