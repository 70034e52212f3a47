"""Story → Story: the canonical form every later stage can rely on.

Parsers already clean their strings; this stage derives what must be the same
whatever the format: the stable story id and uri, and the cleanup guarantees
(no control characters, NFC) on every field, as a last line of defence.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from streams.ingest.text import clean, clean_or_none
from streams.model import Caption, Story

_NON_WORD_RE = re.compile(r"[\W_]+", re.UNICODE)
_SLUG_RE = re.compile(r"[^a-z0-9]+")


def content_key(headline: str, paragraphs: list[str]) -> str:
    """Text reduced to what a re-delivery cannot change: letters and digits, lowercase.

    Line endings, spacing, quote styles and punctuation differ between two
    deliveries of the same dispatch; the words do not.
    """
    text = unicodedata.normalize("NFKC", headline + "\n" + "\n".join(paragraphs)).casefold()
    return _NON_WORD_RE.sub(" ", text).strip()


def agency_slug(agency: str | None) -> str:
    slug = _SLUG_RE.sub("-", (agency or "unknown").lower()).strip("-")
    return slug or "unknown"


def story_id(story: Story) -> str:
    """Stable id: agency + the agency's item id, else agency + normalized content.

    The agency's id is stable across versions, so all versions share a story
    id (a compacted topic then holds the latest). Without one, the same text
    delivered twice still gets the same id.
    """
    slug = agency_slug(story.agency)
    if story.item_id:
        basis = f"id\x00{slug}\x00{story.item_id}"
    else:
        basis = f"text\x00{slug}\x00{content_key(story.headline, story.paragraphs)}"
    return f"{slug}-{hashlib.sha256(basis.encode()).hexdigest()[:20]}"


def normalize(story: Story) -> Story:
    paragraphs = [p for p in (clean(p) for p in story.paragraphs) if p]
    story = story.replace(
        headline=clean(story.headline),
        paragraphs=paragraphs,
        slugline=clean_or_none(story.slugline),
        byline=clean_or_none(story.byline),
        section=clean_or_none(story.section),
        ednote=clean_or_none(story.ednote),
        signature=clean_or_none(story.signature),
        captions=[Caption(clean(c.text), clean_or_none(c.credit)) for c in story.captions if clean(c.text)],
        keywords=[k for k in (clean(k) for k in story.keywords) if k],
        agency=clean_or_none(story.agency),
    )
    storyid = story_id(story)
    uri = story.uri or f"urn:wirefeed:story:{storyid}"
    return story.replace(storyid=storyid, uri=uri)
