"""Text folding shared by data loading and matching.

Matching runs on a *folded* copy of the text: lowercase, accents stripped, every
non-alphanumeric character turned into a space, **same length as the original**.
Keeping the length lets a match found in the folded text be checked against the
original (capital initial, exact acronym case) without an offset map. Lexicon terms
are folded the same way and runs of spaces collapsed, so "al-Assad", "al Assad" and
"Al‑Assad" are one key.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r" {2,}")


class _FoldTable(dict[int, str]):
    """str.translate table filled lazily: one lookup per distinct character, cached."""

    def __missing__(self, key: int) -> str:
        char = chr(key)
        if char.isalnum():
            lower = char.lower()
            decomposed = unicodedata.normalize("NFKD", lower)
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            # Only 1:1 replacements keep offsets aligned (ß, İ, ligatures stay as they are).
            if len(base) == 1 and base.isalnum():
                result = base
            elif len(lower) == 1:
                result = lower
            else:
                result = char
        else:
            result = " "
        self[key] = result
        return result


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Same-length folded copy of ``text`` (see module doc)."""
    return text.translate(_TABLE)


def fold_term(term: str) -> str:
    """Folded lexicon/gazetteer key: folded, spaces collapsed and stripped."""
    return _SPACES.sub(" ", fold(term)).strip()


def slug(text: str) -> str:
    """ASCII-ish id slug used for pattern-found entities ("Jean Dupont" → "jean-dupont")."""
    return "-".join(fold_term(text).split())
