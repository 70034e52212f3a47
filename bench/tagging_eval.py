"""Evaluate and time streams.tagging on the hand-written eval set.

    python bench/tagging_eval.py                 # quality on the test split
    python bench/tagging_eval.py --split all     # or dev / test / all
    python bench/tagging_eval.py --errors        # list misses and false hits (use on dev only)
    python bench/tagging_eval.py --speed         # µs per story for each tagging stage

The eval set (bench/data/tagging_eval/articles.jsonl) was written independently of
the lexicons: 208 short articles, 52 each in en/fr/de/es, with gold top-level IPTC
Media Topics, countries (ISO alpha-2: named, by adjective, or via a city/region in
them), people and organisations (ids). Every 4th article per language is "dev"
(usable for tuning), the rest "test" (reported).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from streams.model import Provenance, Story
from streams.tagging import Tagger
from streams.tagging.tagger import MEDTOP_URI

DATA = Path(__file__).parent / "data" / "tagging_eval" / "articles.jsonl"
TOP_LABELS = {
    "01000000": "arts, culture, entertainment, media",
    "02000000": "crime, law, justice",
    "03000000": "disaster, accident, emergency",
    "04000000": "economy, business, finance",
    "05000000": "education",
    "06000000": "environment",
    "07000000": "health",
    "08000000": "human interest",
    "09000000": "labour",
    "10000000": "lifestyle and leisure",
    "11000000": "politics",
    "12000000": "religion and belief",
    "13000000": "science and technology",
    "14000000": "society",
    "15000000": "sport",
    "16000000": "conflict, war and peace",
    "17000000": "weather",
}


class PRF:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, gold: set[str], pred: set[str]) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def row(self, name: str) -> str:
        return f"{name:<40} P={self.p:5.3f} R={self.r:5.3f} F1={self.f1:5.3f}  (tp={self.tp} fp={self.fp} fn={self.fn})"


def load(split: str) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def story_of(row: dict[str, object]) -> Story:
    return Story(
        headline=str(row["headline"]),
        paragraphs=[str(p) for p in row["paragraphs"]],  # type: ignore[attr-defined]
        provenance=Provenance(),
        language_declared=None,  # detection is part of what is measured
    )


def predictions(story: Story) -> dict[str, set[str]]:
    tops = {
        s.uri[len(MEDTOP_URI) :]
        for s in story.subjects
        if s.uri and s.uri.startswith(MEDTOP_URI) and s.uri.endswith("000000")
    }
    countries = {p.literal for p in story.places if p.literal and len(p.literal) == 2}
    return {
        "topics": tops,
        "countries": countries,
        "people": {p.literal for p in story.people if p.literal},
        "organisations": {o.literal for o in story.organisations if o.literal},
    }


def evaluate(tagger: Tagger, split: str, show_errors: bool) -> None:
    rows = load(split)
    per_topic: dict[str, PRF] = defaultdict(PRF)
    per_lang: dict[str, dict[str, PRF]] = defaultdict(lambda: defaultdict(PRF))
    overall: dict[str, PRF] = defaultdict(PRF)
    lang_ok: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        tagged = tagger.tag(story_of(row))
        pred = predictions(tagged)
        lang = str(row["lang"])
        lang_ok[lang][0] += tagged.language == lang
        lang_ok[lang][1] += 1
        gold_topics = set(row["topics"])  # type: ignore[call-overload]
        for code in TOP_LABELS:
            per_topic[code].add({code} & gold_topics, {code} & pred["topics"])
        for field in ("topics", "countries", "people", "organisations"):
            gold = set(row[field])  # type: ignore[call-overload]
            overall[field].add(gold, pred[field])
            per_lang[lang][field].add(gold, pred[field])
            if show_errors and gold != pred[field]:
                print(
                    f"{row['id']} {field}: missed={sorted(gold - pred[field])} "
                    f"extra={sorted(pred[field] - gold)}  | {row['headline']}"
                )
    print(f"\n== streams.tagging evaluation: split={split}, {len(rows)} articles ==\n")
    print("Language identification (declared language withheld):")
    for lang, (ok, n) in sorted(lang_ok.items()):
        print(f"  {lang}: {ok}/{n} = {ok / n:.3f}")
    print("\nTop-level IPTC Media Topics, per topic:")
    f1s = []
    for code, label in TOP_LABELS.items():
        prf = per_topic[code]
        if prf.tp + prf.fn == 0 and prf.fp == 0:
            continue
        f1s.append(prf.f1)
        print("  " + prf.row(f"{code} {label}"))
    print(f"\n  top-level topic macro-F1 = {statistics.mean(f1s):.3f} over {len(f1s)} topics")
    print("  " + overall["topics"].row("top-level topic micro"))
    print("\nEntities (micro over articles):")
    for field in ("countries", "people", "organisations"):
        print("  " + overall[field].row(field))
    ent = PRF()
    for field in ("people", "organisations"):
        ent.tp += overall[field].tp
        ent.fp += overall[field].fp
        ent.fn += overall[field].fn
    print("  " + ent.row("people + organisations"))
    print("\nPer language (micro F1):")
    print(f"  {'lang':<6}{'topics':>8}{'countries':>11}{'people':>8}{'orgs':>8}")
    for lang, fields in sorted(per_lang.items()):
        print(
            f"  {lang:<6}{fields['topics'].f1:>8.3f}{fields['countries'].f1:>11.3f}"
            f"{fields['people'].f1:>8.3f}{fields['organisations'].f1:>8.3f}"
        )


def speed(tagger: Tagger, repeat: int) -> None:
    rows = load("all")
    stories = [story_of(r) for r in rows]
    # A typical 3 KB dispatch: eval articles of one language glued to ~3,000 characters.
    long_stories = []
    for lang in ("en", "fr", "de", "es"):
        paras: list[str] = []
        for r in rows:
            if r["lang"] == lang and sum(len(p) for p in paras) < 3000:
                paras.extend(str(p) for p in r["paragraphs"])  # type: ignore[attr-defined]
        long_stories.append(Story(headline="Dispatch", paragraphs=paras, provenance=Provenance()))
    for name, batch in (("eval articles (~300 B)", stories), ("3 KB dispatches", long_stories)):
        for s in batch:  # warm caches (fold table, numpy)
            tagger.tag_timed(s)
        stages: dict[str, list[float]] = defaultdict(list)
        for _ in range(repeat):
            for s in batch:
                t0 = time.perf_counter()
                _, times = tagger.tag_timed(s)
                total = (time.perf_counter() - t0) * 1e6
                for stage in ("language", "scan", "topics", "places", "entities"):
                    stages[stage].append(getattr(times, stage))
                stages["total tag()"].append(total)
        size = statistics.mean(len(s.headline) + sum(len(p) for p in s.paragraphs) for s in batch)
        print(f"\n{name}: {len(batch)} stories x {repeat}, mean {size:.0f} chars")
        for stage, values in stages.items():
            print(
                f"  {stage:<12} mean {statistics.mean(values):8.1f} µs   median {statistics.median(values):8.1f} µs"
                f"   p10 {sorted(values)[len(values) // 10]:8.1f} µs"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--errors", action="store_true", help="print every miss and false hit")
    parser.add_argument("--speed", action="store_true", help="time each stage instead of scoring")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=None, help="extra tagging data directory")
    args = parser.parse_args()
    t0 = time.perf_counter()
    tagger = Tagger(args.data_dir)
    print(f"Tagger() loaded in {(time.perf_counter() - t0) * 1000:.0f} ms")
    if args.speed:
        speed(tagger, args.repeat)
    else:
        evaluate(tagger, args.split, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
