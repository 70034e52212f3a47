"""Inputs for the performance benchmarks: realistic dispatches, each made unique.

Uses the bundled samples and the test fixtures (every format), and rewrites a
few words per copy so dedup treats each as a new story rather than a
re-delivery — a benchmark of only duplicates would measure the cheap path.
"""

from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "streams" / "samples", ROOT / "tests" / "fixtures"]

_WORDS = [
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "Montag",
    "Dienstag",
    "Monday",
    "Tuesday",
    "lunes",
    "martes",
    "gouvernement",
    "Regierung",
    "government",
    "gobierno",
    "ministre",
    "Minister",
    "minister",
    "ministro",
    "Paris",
    "Berlin",
    "Madrid",
    "London",
    "Rome",
    "Lyon",
    "Hamburg",
    "Sevilla",
    "Chicago",
    "Genf",
]


def base_documents() -> list[bytes]:
    docs = []
    for folder in SOURCES:
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or (path.suffix in (".py", ".md", ".json") and "ninjs" not in str(path)):
                continue
            if "hostile" in path.parts or path.name.startswith("zz-"):
                continue
            data = path.read_bytes()
            if 200 < len(data) < 64_000:
                docs.append(data)
    return docs


def unique_copies(n: int, seed: int = 7) -> list[bytes]:
    """n inputs cycling over the base documents, each with a distinct sentence inserted."""
    rng = random.Random(seed)
    docs = base_documents()
    seed_doc = (ROOT / "streams" / "samples" / "afp-fr-russie-syrie.txt").read_bytes()
    out = []
    for i in range(n):
        doc = docs[i % len(docs)] if docs else seed_doc
        words = " ".join(rng.choice(_WORDS) for _ in range(12))
        marker = f" {words} {i}.".encode()
        # Insert before the last full stop of the body: stays valid in text, XML and JSON.
        cut = doc.rfind(b".", 0, max(1, len(doc) - 40))
        out.append(doc[:cut] + marker + doc[cut:] if cut > 0 else doc + marker)
    return out


def typical_dispatches(n: int = 200) -> list[bytes]:
    """~3 KB plain-text dispatches (the DESIGN's reference size), made unique."""
    seed_doc = (ROOT / "streams" / "samples" / "afp-fr-russie-syrie.txt").read_bytes()
    rng = random.Random(3)
    out = []
    for i in range(n):
        words = " ".join(rng.choice(_WORDS) for _ in range(40))
        extra = f"\n\nSelon nos informations, {words} ({i}).\n\n".encode()
        cut = seed_doc.rfind(b"\n\nAFP/")
        out.append(seed_doc[:cut] + extra + seed_doc[cut:])
    return out
