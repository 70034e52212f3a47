"""Text hygiene shared by every parser: decoding, entities, control characters, NFC.

Charset strategy, in order (see docs/formats.md):

1. A BOM decides (UTF-8, UTF-16).
2. Strict UTF-8: most feeds are UTF-8 even when they declare Latin-1, and a
   non-UTF-8 text almost never happens to be valid UTF-8.
3. A declared charset that is not a Latin-1 alias and decodes strictly.
4. Western single-byte: "Latin-1" wires are really Windows-1252 (0x92 ’,
   0x93/0x94 “ ”, 0x95 •); ISO-8859-15 is chosen instead only when there are no
   bytes in 0x80-0x9F and the 8859-15-specific bytes read as € or œ/Œ/š/ž/Ÿ.
5. When the high bytes do not look like Western text at all, charset-normalizer
   guesses (it guesses poorly on short French/German text, hence step 4 first).
6. Every result goes through a mojibake repair (ftfy) applied only to lines
   that show the typical UTF-8-read-as-cp1252 sequences, so correct text is
   never touched.
"""

from __future__ import annotations

import codecs
import html
import re
import string
import unicodedata

import charset_normalizer
import ftfy

from streams.rejects import Reason, RejectError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls (TAB/LF/CR included: output strings are single-line or already
# split into paragraphs), DEL, C1 controls, and invisible format characters
# (BOM in the middle of text, zero-width spaces) that only appear as debris.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u200b\ufffe\uffff]")
_WS_CONTROL_RE = re.compile(r"[\t\n\r]")
_SPACE_RUN_RE = re.compile(r"[ \u00a0]{2,}")
# UTF-8 lead byte read as cp1252/Latin-1 followed by a continuation byte read the same way.
_MOJIBAKE_HINT_RE = re.compile(r"[ÃÂâÅÐÑÄÆ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u00a0-\u00bf]")
# Only complete entities (with the semicolon): "AT&T" or "R&D" stay as they are.
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

_LATIN1_ALIASES = {
    "iso-8859-1",
    "iso8859-1",
    "iso_8859-1",
    "latin-1",
    "latin1",
    "l1",
    "us-ascii",
    "ascii",
    "cp1252",
    "windows-1252",
    "iso-8859-15",
    "iso8859-15",
    "latin-9",
    "latin9",
}
# Bytes where ISO-8859-15 differs from Latin-1/cp1252.
_8859_15_BYTES = frozenset(b"\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe")
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_8859_15_BYTES_RE = re.compile(b"[" + re.escape(bytes(sorted(_8859_15_BYTES))) + b"]")
# Every byte except the C1 range cp1252 maps to a character: deleting them leaves those.
_NOT_CP1252_C1 = bytes(b for b in range(256) if not (0x80 <= b <= 0x9F and b not in _CP1252_UNDEFINED))
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_ASCII_LETTERS = string.ascii_letters.encode("ascii")
# C0 bytes that are not text. Wire framing (SOH, STX, ETX, EOT, SYN, BEL, FF, US,
# RS, DC1-4) and TAB/LF/CR are legitimate; DEL (0x7f) is not C0 and is allowed too.
_TEXT_CONTROLS = b"\t\n\r\x01\x02\x03\x04\x07\x0c\x11\x12\x13\x14\x16\x1e\x1f"
_BINARY_CONTROLS = bytes(b for b in range(0x20) if b not in _TEXT_CONTROLS)


def strip_bom(data: bytes) -> tuple[bytes, str | None]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :], name
    return data, None


def _western_charset(data: bytes) -> str:
    """cp1252 or iso-8859-15 for bytes that are not UTF-8."""
    if data.translate(None, _NOT_CP1252_C1):  # a byte 0x80-0x9F that cp1252 defines
        return "cp1252"
    votes = 0
    for found in _8859_15_BYTES_RE.finditer(data):
        i = found.start()
        byte = data[i]
        before = chr(data[i - 1]) if i else " "
        after = chr(data[i + 1]) if i + 1 < len(data) else " "
        if byte == 0xA4:
            votes += 1  # ¤ is never written on purpose; € is
        elif byte in (0xBC, 0xBD, 0xBE) and (before.isdigit() or after.isdigit()):
            votes -= 1  # 2½ is cp1252's fraction
        elif before.isalpha() or after.isalpha():
            votes += 1  # œuvre, Škoda
    return "iso-8859-15" if votes > 0 else "cp1252"


def _looks_western(text: str) -> bool:
    """Western text: accented letters are a minority among ASCII letters.

    Cyrillic or Greek read as cp1252 also gives letters (Ïðåçèäåíò), but
    almost only accented ones.
    """
    high = _NON_ASCII_RE.findall(text)
    if not high:
        return True
    good = sum(1 for c in high if c.isalpha() or c in "«»‘’‚“”„–—…•€£°§·×÷¿¡ºª½¼¾\u00a0")
    high_letters = sum(1 for c in high if c.isalpha())
    ascii_part = text.encode("ascii", "ignore")
    letters = len(ascii_part) - len(ascii_part.translate(None, _ASCII_LETTERS)) + high_letters
    return good / len(high) >= 0.9 and high_letters <= 0.3 * letters


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes → (text, charset actually used). Raises RejectError if hopeless."""
    data, bom_charset = strip_bom(data)
    if bom_charset:
        try:
            return repair(data.decode(bom_charset)), bom_charset
        except UnicodeDecodeError:
            pass
    try:
        return repair(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    name = (declared or "").strip().strip('"').lower()
    if name and name not in _LATIN1_ALIASES and name not in ("utf-8", "utf8"):
        try:
            codecs.lookup(name)
            return repair(data.decode(name)), name
        except (LookupError, UnicodeDecodeError):
            pass
    western = _western_charset(data)
    try:
        text = data.decode(western)
    except UnicodeDecodeError:
        text = ""
    if text and _looks_western(text):
        return repair(text), western
    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None:
        return repair(str(guess)), guess.encoding
    if text:
        return repair(text), western
    try:
        return repair(data.decode("latin-1")), "latin-1"
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes any byte
        raise RejectError(Reason.UNDECODABLE, str(exc)) from exc


def repair(text: str) -> str:
    """Fix mojibake (UTF-8 read as Latin-1/cp1252), line by line, only where evident.

    Per line because a file may mix correct lines and mojibake lines, and
    ftfy refuses to fix a string that also holds correct non-ASCII text.
    """
    if not _MOJIBAKE_HINT_RE.search(text):
        return text
    lines = text.split("\n")
    return "\n".join(ftfy.fix_encoding(line) if _MOJIBAKE_HINT_RE.search(line) else line for line in lines)


def unescape(text: str) -> str:
    """Numeric and named entities, including double-escaped `&amp;eacute;`."""
    for _ in range(3):
        if "&" not in text:
            break
        new = _ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), text)
        if new == text:
            break
        text = new
    return text


def clean(text: str) -> str:
    """One output string: no control characters, NFC, trimmed, single spaces.

    Typographic quotes, « » and the (narrow) no-break spaces of French
    typography are kept: they are content, not noise.
    """
    # Each pass is skipped when it cannot change anything: the control
    # characters removed here are all non-printable (Cc, Cf, Cn), ASCII is
    # always NFC, and a space run needs two spaces or a NBSP. Same result as
    # running every pass, at a fraction of the cost on clean text.
    if not text.isprintable():
        text = _WS_CONTROL_RE.sub(" ", text)
        text = _CONTROL_RE.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        if "\xa0" in text:
            text = _SPACE_RUN_RE.sub(" ", text)
    if "  " in text:
        text = _SPACE_RUN_RE.sub(" ", text)
    return text.strip()


def clean_or_none(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = clean(text)
    return cleaned or None


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks → cleaned paragraphs, empty ones dropped."""
    blocks = re.split(r"\n\s*\n", normalize_newlines(text))
    out = []
    for block in blocks:
        para = clean(" ".join(line.strip() for line in block.split("\n")))
        if para:
            out.append(para)
    return out


def looks_binary(data: bytes) -> bool:
    """NUL bytes or a high share of non-text control bytes in the first 4 KiB."""
    head = data[:4096]
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False  # NUL bytes are half of UTF-16 text
    if b"\x00" in head:
        return True
    # Counted in C: the bytes left out by deleting the non-text controls.
    bad = len(head) - len(head.translate(None, _BINARY_CONTROLS))
    return bad / len(head) > 0.05
