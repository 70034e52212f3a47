"""Labeled dedup corpus: hand-written articles + generated deliveries with known answers.

Articles live in bench/data/dedup_corpus/{en,fr,de,es}.txt, one block per article:

    @@ id=... event=... topic=... role=base|rewrite|followup agency=...
    Headline

    Paragraph ...

* ``base``: an original story. Every base gets generated variants.
* ``rewrite``: the same event written by another agency -> same cluster, NOT a duplicate.
* ``followup``: a later story on the same event (often reusing one background paragraph)
  -> same cluster, not a duplicate (hard negative for near-duplicate detection).
Bases of the same topic and language (two rate decisions, two football matches...) are
hard negatives for each other: different events, different clusters.

``make_stream(seed)`` returns deliveries in arrival order, each labeled with the
expected result: new, redelivery, update, correction, kill, stale, killed, content, near.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streams.model import Caption, Provenance, PubStatus, Signal, Story
from streams.normalize import story_id

DATA = Path(__file__).parent / "data" / "dedup_corpus"
T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)

ADDED_PARAGRAPH = {
    "en": "Further details were not immediately available, and officials said more information would be "
    "released later in the day.",
    "fr": "Aucun autre détail n'était disponible dans l'immédiat, les autorités promettant de nouvelles "
    "informations dans la journée.",
    "de": "Weitere Einzelheiten waren zunächst nicht bekannt. Die Behörden kündigten für den Tag weitere "
    "Informationen an.",
    "es": "No se facilitaron de inmediato más detalles, y las autoridades anunciaron que darán más "
    "información a lo largo del día.",
}
UPDATE_PARAGRAPH = {
    "en": "Officials later confirmed the figures in a written statement, adding that the situation was "
    "being monitored closely.",
    "fr": "Les autorités ont ensuite confirmé ces chiffres dans un communiqué, précisant que la situation "
    "restait suivie de près.",
    "de": "Die Behörden bestätigten die Zahlen später in einer schriftlichen Erklärung und kündigten an, die "
    "Lage weiter genau zu beobachten.",
    "es": "Las autoridades confirmaron después las cifras en un comunicado y precisaron que la situación "
    "se sigue de cerca.",
}
NEW_HEADLINE_PREFIX = {
    "en": "UPDATE 1-",
    "fr": "ACTUALISATION - ",
    "de": "ZUSAMMENFASSUNG - ",
    "es": "AMPLIACIÓN: ",
}
CAPTION = {
    "en": "Rescuers and residents at the scene on Tuesday.",
    "fr": "Des habitants sur les lieux mardi.",
    "de": "Einsatzkräfte am Dienstag vor Ort.",
    "es": "Vecinos en el lugar este martes.",
}


@dataclass(frozen=True)
class Article:
    key: str
    event: str
    topic: str
    role: str
    agency: str
    language: str
    headline: str
    paragraphs: tuple[str, ...]


@dataclass
class Item:
    story: Story
    expected: str  # new | redelivery | update | correction | kill | stale | killed | content | near
    article: str  # article key the item derives from
    event: str  # true cluster
    original: str | None = None  # storyid the duplicate should point to (content/near)
    op: str = ""  # which edit produced it (for per-edit breakdowns)
    arrival: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)


def load_articles(path: Path = DATA) -> list[Article]:
    out: list[Article] = []
    for f in sorted(path.glob("*.txt")):
        lang = f.stem
        for block in re.split(r"^@@ ", f.read_text(encoding="utf-8"), flags=re.M)[1:]:
            header, _, body = block.partition("\n")
            meta = dict(re.findall(r"(\w+)=([^=]+?)(?=\s+\w+=|$)", header.strip()))
            parts = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
            out.append(
                Article(
                    key=meta["id"],
                    event=meta["event"],
                    topic=meta["topic"],
                    role=meta["role"],
                    agency=meta["agency"],
                    language=lang,
                    headline=parts[0],
                    paragraphs=tuple(parts[1:]),
                )
            )
    return out


def make_story(
    a: Article,
    *,
    item_id: str | None,
    version: int | None,
    when: datetime,
    headline: str | None = None,
    paragraphs: list[str] | None = None,
    signal: Signal = Signal.NEW,
    pubstatus: PubStatus = PubStatus.USABLE,
    agency: str | None = None,
    captions: list[Caption] | None = None,
    signature: str | None = None,
) -> Story:
    s = Story(
        headline=headline if headline is not None else a.headline,
        paragraphs=list(paragraphs if paragraphs is not None else a.paragraphs),
        provenance=Provenance(format="bench", received=when),
        agency=agency or a.agency,
        item_id=item_id,
        version=str(version) if version is not None else None,
        version_rank=version,
        language=a.language,
        signal=signal,
        pubstatus=pubstatus,
        versioncreated=when,
        captions=captions or [],
        signature=signature,
    )
    return s.replace(storyid=story_id(s))


# --------------------------------------------------------------------------- edits


def typos(rng: random.Random, paragraphs: list[str], n: int) -> list[str]:
    """Swap two adjacent letters inside ``n`` random words (a typo, or its fix)."""
    paras = list(paragraphs)
    for _ in range(n):
        i = rng.randrange(len(paras))
        words = paras[i].split(" ")
        # Only swaps that change the word ("ll" swapped is no typo).
        cand = [
            (j, k)
            for j, w in enumerate(words)
            if len(w) > 4 and w.isalpha()
            for k in range(1, len(w) - 2)
            if w[k] != w[k + 1]
        ]
        if not cand:
            continue
        j, k = rng.choice(cand)
        w = words[j]
        words[j] = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
        paras[i] = " ".join(words)
    return paras


def cosmetic(text: str) -> str:
    """What a different channel does to the same text: quotes, apostrophes, spacing, dashes."""
    for a, b in (
        ("«\u00a0", '"'),
        ("\u00a0»", '"'),
        ("« ", '"'),
        (" »", '"'),
        ("«", '"'),
        ("»", '"'),
        ("“", '"'),
        ("”", '"'),
        ("’", "'"),
        (" - ", " -- "),
        (", ", " ,  "),
    ):
        text = text.replace(a, b)
    return text


def light_edit(rng: random.Random, a: Article, op: str) -> tuple[str, list[str]]:
    paras = list(a.paragraphs)
    headline = a.headline
    lang = a.language
    if op == "typos":
        paras = typos(rng, paras, 3)
    elif op == "headline":
        headline = NEW_HEADLINE_PREFIX[lang] + headline.split(",")[0]
        paras = typos(rng, paras, 1)
    elif op == "add_paragraph":
        paras.insert(rng.randrange(1, len(paras) + 1), ADDED_PARAGRAPH[lang])
    elif op == "remove_paragraph":
        del paras[rng.randrange(1, len(paras))]
    elif op == "reorder":
        i, j = rng.sample(range(1, len(paras)), 2) if len(paras) > 2 else (0, 1)
        paras[i], paras[j] = paras[j], paras[i]
    elif op == "combined":
        headline = NEW_HEADLINE_PREFIX[lang] + headline
        paras.insert(len(paras), ADDED_PARAGRAPH[lang])
        paras = typos(rng, paras, 2)
    else:
        raise ValueError(op)
    return headline, paras


LIGHT_OPS = ("typos", "headline", "add_paragraph", "remove_paragraph", "reorder", "combined")


def make_stream(seed: int = 1, articles: list[Article] | None = None) -> list[Item]:
    rng = random.Random(seed)
    arts = articles or load_articles()
    by_event: dict[str, Article] = {a.event: a for a in arts if a.role == "base"}
    items: list[Item] = []

    def add(item: Item, arrival: datetime) -> None:
        item.arrival = arrival.timestamp()
        items.append(item)

    bases = [a for a in arts if a.role == "base"]
    for n, a in enumerate(bases):
        # Spread originals over four days so that windows and hot keys are exercised.
        t = T0 + timedelta(hours=rng.uniform(0, 96))
        idless = n % 5 == 4  # plain-text wires: no agency item id
        item_id = None if idless else f"{a.agency}-{a.key}-{seed}"
        v1 = make_story(a, item_id=item_id, version=None if idless else 1, when=t)
        add(Item(v1, "new", a.key, a.event, op="original"), t)
        # Exact resend (same id, same version; id-less: same text again, re-encoded).
        if idless:
            resend = make_story(
                a, item_id=None, version=None, when=t, paragraphs=[cosmetic(p) for p in a.paragraphs]
            )
        else:
            resend = make_story(a, item_id=item_id, version=1, when=t)
        # Before any later version: after one, an old copy is stale by definition.
        add(
            Item(resend, "redelivery", a.key, a.event, op="resend"), t + timedelta(minutes=rng.uniform(1, 15))
        )
        if not idless:
            k = n % 4
            t2 = t + timedelta(minutes=rng.uniform(20, 120))
            if k in (0, 1):
                # Version bump: a paragraph added (a real update), then a late copy of v1 edited (stale).
                paras2 = [*a.paragraphs, UPDATE_PARAGRAPH[a.language]]
                v2 = make_story(a, item_id=item_id, version=2, when=t2, paragraphs=paras2)
                add(Item(v2, "update", a.key, a.event, op="version_bump"), t2)
                stale = make_story(
                    a, item_id=item_id, version=1, when=t, paragraphs=typos(rng, list(a.paragraphs), 2)
                )
                add(Item(stale, "stale", a.key, a.event, op="stale"), t2 + timedelta(minutes=5))
            elif k == 2:
                v2 = make_story(
                    a,
                    item_id=item_id,
                    version=2,
                    when=t2,
                    paragraphs=typos(rng, list(a.paragraphs), 1),
                    signal=Signal.CORRECTION,
                )
                add(Item(v2, "correction", a.key, a.event, op="correction"), t2)
            else:
                kill = make_story(
                    a,
                    item_id=item_id,
                    version=2,
                    when=t2,
                    signal=Signal.KILL,
                    pubstatus=PubStatus.CANCELED,
                    headline="KILL: " + a.headline,
                    paragraphs=["This story has been withdrawn. Please do not use it."],
                )
                add(Item(kill, "kill", a.key, a.event, op="kill"), t2)
                late = make_story(a, item_id=item_id, version=1, when=t)
                add(Item(late, "killed", a.key, a.event, op="late_after_kill"), t2 + timedelta(minutes=10))
        if n % 4 == 3 and not idless:
            continue  # killed stories get no copies under other ids
        # Same body under another id: new headline, other channel's typography, caption and
        # signature left in the paragraphs by a parser.
        paras_c = [cosmetic(p) for p in a.paragraphs]
        paras_c.insert(1, CAPTION[a.language])
        paras_c.append("AFP/ab/xy")
        c = make_story(
            a,
            item_id=f"partner-{a.key}-{seed}",
            version=1,
            when=t + timedelta(minutes=30),
            agency="Partner",
            headline=a.headline.upper() + " (REPEAT)",
            paragraphs=paras_c,
            captions=[Caption(CAPTION[a.language], "AFP")],
        )
        add(
            Item(c, "content", a.key, a.event, original=v1.storyid, op="same_content"),
            t + timedelta(minutes=rng.uniform(30, 600)),
        )
        # Light edits under another id (two per base, random kinds).
        for op in rng.sample(LIGHT_OPS, 2):
            h, p = light_edit(rng, a, op)
            tv = t + timedelta(minutes=rng.uniform(10, 24 * 60))
            e = make_story(
                a,
                item_id=f"edit-{op}-{a.key}-{seed}",
                version=1,
                when=tv,
                agency=a.agency,
                headline=h,
                paragraphs=p,
            )
            add(Item(e, "near", a.key, a.event, original=v1.storyid, op=op), tv)
    # Rewrites and follow-ups: new stories, same cluster as their base.
    for a in arts:
        if a.role == "base":
            continue
        base_t = next(it.story.versioncreated for it in items if it.article == by_event[a.event].key)
        assert base_t is not None
        if a.role == "rewrite":
            t = base_t + timedelta(minutes=rng.uniform(-60, 180))
        else:
            t = base_t + timedelta(hours=rng.uniform(36, 60))
        s = make_story(a, item_id=f"{a.agency}-{a.key}-{seed}", version=1, when=t)
        add(Item(s, "new", a.key, a.event, op=a.role), t)
    items.sort(key=lambda it: it.arrival)
    return items
