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


def _byte_table() -> tuple[bytes, bytes]:
    """256-byte translation table doing the fold on cp1252 bytes, and the bytes it cannot do.

    ``str.translate`` with a mapping runs one Python-level lookup per character as soon as
    the text holds one non-ASCII character (~30 ns a character: ~90 µs for a 3 KB French
    story). Western European wire text (accents, ’ « » – — € œ) encodes to cp1252 one byte
    per character, and ``bytes.translate`` folds that at C speed. Characters whose fold is
    not itself a cp1252 character (µ → Greek μ) are left to the slow path.
    """
    table = bytearray(range(256))
    unsupported = bytearray()
    for byte in range(256):
        try:
            char = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue  # never produced by encoding
        folded = char.translate(_TABLE)
        try:
            encoded = folded.encode("cp1252")
        except UnicodeEncodeError:
            unsupported.append(byte)
            continue
        table[byte] = encoded[0]
    return bytes(table), bytes(unsupported)


_BYTE_TABLE, _UNSUPPORTED_BYTES = _byte_table()


def fold(text: str) -> str:
    """Same-length folded copy of ``text`` (see module doc)."""
    if text.isascii():
        return text.translate(_TABLE)  # CPython's ASCII fast path
    try:
        encoded = text.encode("cp1252")
    except UnicodeEncodeError:
        return text.translate(_TABLE)
    for byte in _UNSUPPORTED_BYTES:
        if byte in encoded:
            return text.translate(_TABLE)
    return encoded.translate(_BYTE_TABLE).decode("cp1252")


def fold_term(term: str) -> str:
    """Folded lexicon/gazetteer key: the term's own whitespace collapsed, then folded.

    Punctuation folds to a space *after* the collapse, exactly as in the folded text, so
    "U.S. Congress" and "Workers' Party" keep the double space the text will have.
    """
    return fold(_SPACES.sub(" ", term).strip()).strip()


def slug(text: str) -> str:
    """ASCII-ish id slug used for pattern-found entities ("Jean Dupont" → "jean-dupont")."""
    return "-".join(fold_term(text).split())
