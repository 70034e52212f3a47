"""Evaluate and time streams.tagging on the hand-written eval sets.

    python bench/tagging_eval.py                 # quality on the held-out set v5 (reported)
    python bench/tagging_eval.py --set v3 --errors   # misses and false hits on a dev set
    python bench/tagging_eval.py --set v1        # the first set
    python bench/tagging_eval.py --speed         # µs per story for each tagging stage

v1 (bench/data/tagging_eval/articles.jsonl): 208 short articles, 52 each in en/fr/de/es,
gold people/organisations as gazetteer ids (only those the gazetteer knew when it was
written). Used for tuning: dev.

v2 to v5 (bench/data/tagging_eval_vN/<lang>.jsonl): 240 wire dispatches each, 60 per
language, mostly with datelines, written from one guideline (bench/data/tagging_eval_v2/
GUIDELINE.md) by writers who saw neither the tagger's code and data nor any results; gold
people/organisations are names, matched against every name the tagger knows for what it
found. Each article is rendered as a plain-text wire and goes through the real
parse -> normalize -> tag stages. Each set was held out for one evaluation, then became a
tuning set when the next one was written: v5 is the held-out set (never use --errors on it
while tuning). docs/tagging.md lists every held-out result.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import orjson

from streams.events import story_event
from streams.ingest import ParseContext
from streams.model import Provenance, Story
from streams.pipeline import Pipeline
from streams.tagging import Tagger
from streams.tagging._text import fold_term, slug
from streams.tagging.tagger import MEDTOP_URI

DATA = Path(__file__).parent / "data" / "tagging_eval" / "articles.jsonl"
WIRE_SETS = ("v2", "v3", "v4", "v5")
DATA_DIRS = {v: Path(__file__).parent / "data" / f"tagging_eval_{v}" for v in WIRE_SETS}
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


def load_wires(eval_set: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in sorted(DATA_DIRS[eval_set].glob("*.jsonl")):
        rows.extend(
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    return rows


def wire_text(row: dict[str, object]) -> bytes:
    """An article as the plain-text wire a connector would push: headline, blank line, paragraphs."""
    paragraphs = [str(p) for p in row["paragraphs"]]  # type: ignore[attr-defined]
    return ("\n\n".join([str(row["headline"]), *paragraphs]) + "\n").encode("utf-8")


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


def entity_names(tagger: Tagger, subject_literal: str | None, name: str) -> set[str]:
    """Every folded name the tagger knows for an entity it found (gazetteer names and aliases)."""
    names = {fold_term(name)}
    entity = tagger.data.entities.get(subject_literal or "")
    if entity is not None:
        names |= {fold_term(n) for n in (entity.name, *entity.names.values(), *entity.aliases)}
    return names


def match_names(
    gold: list[str], found: list[tuple[str | None, set[str]]]
) -> tuple[int, int, int, list[str], list[str]]:
    """tp, fp, fn of gold names against found entities; each found entity matches one gold name."""
    unmatched = list(range(len(found)))
    missed: list[str] = []
    for name in gold:
        key = fold_term(name)
        hit = next(
            (i for i in unmatched if key in found[i][1] or slug(name) == (found[i][0] or "")),
            None,
        )
        if hit is None:
            missed.append(name)
        else:
            unmatched.remove(hit)
    extra = [sorted(found[i][1])[0] if found[i][1] else str(found[i][0]) for i in unmatched]
    tp = len(gold) - len(missed)
    return tp, len(extra), len(missed), missed, extra


def tagged_v1(tagger: Tagger, row: dict[str, object]) -> Story:
    return tagger.tag(story_of(row))


def tagged_wire(pipeline: Pipeline, row: dict[str, object]) -> Story | None:
    stories = pipeline.stories(wire_text(row), ParseContext(filename=f"{row['id']}.txt"))
    return stories[0] if isinstance(stories, list) and stories else None


def evaluate(tagger: Tagger, eval_set: str, split: str, show_errors: bool) -> None:
    wires = eval_set != "v1"
    rows = load_wires(eval_set) if wires else load(split)
    if not rows:
        raise SystemExit(f"no articles found for set {eval_set}")
    pipeline = Pipeline(stages=[tagger.tag], routes=[])
    per_topic: dict[str, PRF] = defaultdict(PRF)
    per_lang: dict[str, dict[str, PRF]] = defaultdict(lambda: defaultdict(PRF))
    overall: dict[str, PRF] = defaultdict(PRF)
    lang_ok: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    topic_pairs: list[tuple[set[str], set[str]]] = []
    for row in rows:
        lang = str(row["lang"])
        tagged = tagged_wire(pipeline, row) if wires else tagged_v1(tagger, row)
        if tagged is None:
            print(f"{row['id']}: not parsed as a story (counted as finding nothing)")
            tagged = Story(headline="", paragraphs=[], provenance=Provenance())
        pred = predictions(tagged)
        lang_ok[lang][0] += tagged.language == lang
        lang_ok[lang][1] += 1
        gold_topics = set(row["topics"])  # type: ignore[call-overload]
        for code in TOP_LABELS:
            per_topic[code].add({code} & gold_topics, {code} & pred["topics"])
        topic_pairs.append((gold_topics, pred["topics"]))
        for field in ("topics", "countries", "people", "organisations"):
            gold_list = [str(g) for g in row[field]]  # type: ignore[attr-defined]
            if wires and field in ("people", "organisations"):
                found = [
                    (s.literal, entity_names(tagger, s.literal, s.name))
                    for s in (tagged.people if field == "people" else tagged.organisations)
                ]
                tp, fp, fn, missed, extra = match_names(gold_list, found)
                for prf in (overall[field], per_lang[lang][field]):
                    prf.tp, prf.fp, prf.fn = prf.tp + tp, prf.fp + fp, prf.fn + fn
            else:
                gold = set(gold_list)
                overall[field].add(gold, pred[field])
                per_lang[lang][field].add(gold, pred[field])
                missed, extra = sorted(gold - pred[field]), sorted(pred[field] - gold)
            if show_errors and (missed or extra):
                print(f"{row['id']} {field}: missed={missed} extra={extra}  | {row['headline']}")
    split = eval_set if wires else f"v1 {split}"
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
    low, high = bootstrap_macro_f1(topic_pairs)
    print(f"  (95 % bootstrap interval over articles, 1,000 resamples: {low:.3f} - {high:.3f})")
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


def macro_f1(pairs: list[tuple[set[str], set[str]]]) -> float:
    per_topic: dict[str, PRF] = defaultdict(PRF)
    for gold, pred in pairs:
        for code in TOP_LABELS:
            per_topic[code].add({code} & gold, {code} & pred)
    f1s = [prf.f1 for prf in per_topic.values() if prf.tp + prf.fn + prf.fp]
    return statistics.mean(f1s) if f1s else 0.0


def bootstrap_macro_f1(pairs: list[tuple[set[str], set[str]]], rounds: int = 1000) -> tuple[float, float]:
    """2.5th and 97.5th percentiles of macro-F1 over articles resampled with replacement (seeded):
    with 13-30 gold labels per topic, one article moves a topic's F1 by several points."""
    rng = random.Random(20261125)
    scores = sorted(macro_f1([rng.choice(pairs) for _ in pairs]) for _ in range(rounds))
    return scores[int(0.025 * rounds)], scores[int(0.975 * rounds) - 1]


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
        # Same-run baseline (the machines are noisy): orjson encoding of each tagged story's
        # event, a cost every published story pays anyway.
        events = [story_event(tagger.tag(s)) for s in batch]
        baseline: list[float] = []
        for _ in range(repeat):
            for event in events:
                t0 = time.perf_counter()
                orjson.dumps(event)
                baseline.append((time.perf_counter() - t0) * 1e6)
        base = statistics.median(baseline)
        size = statistics.mean(len(s.headline) + sum(len(p) for p in s.paragraphs) for s in batch)
        print(f"\n{name}: {len(batch)} stories x {repeat}, mean {size:.0f} chars")
        for stage, values in stages.items():
            print(
                f"  {stage:<12} mean {statistics.mean(values):8.1f} µs   median {statistics.median(values):8.1f} µs"
                f"   p10 {sorted(values)[len(values) // 10]:8.1f} µs   median x baseline {statistics.median(values) / base:6.1f}"
            )
        print(f"  baseline: orjson.dumps(story event), median {base:.1f} µs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--set",
        dest="eval_set",
        choices=("v1", *WIRE_SETS),
        default="v5",
        help="eval set (default: v5, held out)",
    )
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all", help="v1 only")
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
        evaluate(tagger, args.eval_set, args.split, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
