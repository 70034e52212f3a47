"""Pure fingerprints of a Story: exact content hash, MinHash/LSH, SimHash.

Everything here is deterministic across processes and machines (no Python
``hash()``, whose seed changes per process): band keys are used as Kafka
repartition keys, so two workers must compute the same key for the same text.

What the fingerprints look at: the body (headline only when there is no body),
normalized so that what differs between two deliveries of the same text
(quote styles, accents, case, punctuation, digit forms, thousands separators,
datelines, agency signatures, photo captions) does not matter. Captions and
signature are separate Story fields; when a parser leaves them inside the
paragraphs they are dropped here.

Two near-duplicate features:

* ``near``: word 3-shingles (per paragraph, so reordering paragraphs keeps
  almost every shingle) -> MinHash -> LSH bands. Catches edits, typo fixes,
  added/removed paragraphs.
* ``topic``: content-word unigrams (stop words removed) -> MinHash -> bands
  of one row. Two agencies telling the same event share names, places and
  numbers but few 3-word phrases; this feature finds those for clustering.

SimHash over the same shingles is implemented for the comparison in
``bench/dedup_accuracy.py`` (see docs/dedup.md for the numbers).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from streams.model import Story

U64 = npt.NDArray[np.uint64]

# --------------------------------------------------------------------------- normalization

_QUOTES_RE = re.compile(r"[«»“”„‟\"‹›‚`´]")
# Apostrophes of every style separate words: "l'armée" / "l’armée" -> "l armee", "don't" -> "don t".
# The elided article or the "t" becomes a short token that the topic feature ignores (len <= 2),
# and both deliveries of one text always get the same tokens, which is all fingerprints need.
_APOS_RE = re.compile(r"['’‘ʼ′]")
# Thousands separators between digit groups: 1,000 / 1.000 / 1 000 / 1'000 -> 1000.
_DIGIT_GROUP_RE = re.compile(r"(\d)[ \u00a0\u202f.,'’](?=\d{3}(?!\d))")
_NON_WORD_RE = re.compile(r"[\W_]+")
_DE_FOLD = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
_DE_RE = re.compile("[äöüÄÖÜß]")

# Leading dateline, agency style: "PARIS, 25 nov 2026 (AFP) - ", "LONDON, Nov 25 (Reuters) - ",
# "BERLIN (dpa) - ", "MADRID, 25 (EFE).- ", and AP's "WASHINGTON (AP) — " / "KYIV, Ukraine — ".
_DATELINE_RE = re.compile(
    r"^\s*[A-ZÀ-ÞА-Я][^\n()]{0,60}?\((?:[A-Za-z][\w .\-/]{0,20})\)\s*[.\-–—:]+\s*"
    r"|^\s*[A-ZÀ-Þ][A-ZÀ-Þ .'\-]{2,30}(?:,[^–—\n]{0,30})?\s+[–—]\s+"
)
# A paragraph that is only an agency signature / reporting credit.
_SIGNATURE_RE = re.compile(
    r"^\s*(?:\(?\s*(?:reporting|writing|editing|additional reporting|compiled)\s+by\b.*"
    r"|[\w.\- ]{0,12}/[\w./\- ]{0,30}"  # AFP/M.R., mr/sba, jb/abc/xyz
    r"|(?:dpa|afp|efe|ansa|ap|reuters|belga|apa|ats)(?:[\s/][a-z]{1,4}){1,4})\s*\)?\s*$",
    re.IGNORECASE,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "a an the and or but of to in on at by for with from as is are was were be been being it its this "
        "that these those he she they we you i his her their our said says say will would could should "
        "has have had not no after before over under about into than then also more most other some such "
        "who which what when where while there here up down out new one two three last first year years "
        "told on monday tuesday wednesday thursday friday saturday sunday"
    ),
    "fr": _words(
        "le la les un une des du de d l et ou mais a au aux en dans sur par pour avec sans sous ce cet cette "
        "ces il elle ils elles on nous vous je est sont etait ete etre a ont avait qui que quoi dont ou ne "
        "pas plus se sa son ses leur leurs lui y selon a-t-il t aussi apres avant entre comme deux trois "
        "lundi mardi mercredi jeudi vendredi samedi dimanche an ans annee dit declare jusqu lorsqu puisqu"
    ),
    "de": _words(
        "der die das den dem des ein eine einer eines einem einen und oder aber von zu im in am an auf aus "
        "bei mit nach fuer ueber unter um vor als ist sind war waren wird werden wurde wurden hat haben "
        "hatte es er sie wir ihr sich nicht kein keine auch noch nur so wie dass seit bis zwei drei jahr "
        "jahren "
        "montag dienstag mittwoch donnerstag freitag samstag sonntag sagte sagt teilte mit"
    ),
    "es": _words(
        "el la los las un una unos unas de del y o pero a al en por para con sin sobre entre como que quien "
        "cual se su sus le les lo es son fue fueron era ha han habia ser esta estan este esta estos no mas "
        "tambien tras ante desde hasta segun dos tres ano anos lunes martes miercoles jueves viernes sabado "
        "domingo dijo afirmo"
    ),
    "it": _words(
        "il lo la i gli le un uno una di del della dei delle e o ma a al alla in nel nella con per su da "
        "che chi cui si suo sua suoi non piu anche come dopo prima tra fra due tre anno anni ha hanno detto"
    ),
}
_ALL_STOPWORDS = frozenset().union(*_STOPWORDS.values())


def _lang(language: str | None) -> str | None:
    return language.split("-")[0].lower() if language else None


# Combining marks of Latin, Greek and Cyrillic scripts (what NFKD splits accents into).
_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Decimal digits NFKC leaves alone: Arabic-Indic, extended Arabic-Indic, Devanagari, Bengali, Thai.
_NON_ASCII_DIGIT_RE = re.compile(r"[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef\u0e50-\u0e59]")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))


def _ascii_digits(text: str) -> str:
    # Arabic-Indic, full-width, Devanagari ... digits -> 0-9 (NFKC alone leaves most of them).
    return _NON_ASCII_DIGIT_RE.sub(lambda m: str(unicodedata.decimal(m.group())), text)


# Non-word characters become separators in two cheap passes instead of one regex match per gap:
# the ASCII ones ("_" included, "\n" kept) through a byte table on the UTF-8 text, the few
# non-ASCII symbols (dashes, currency, ...) through a regex that skips whitespace; ``str.split``
# then collapses every run (whitespace is never a word character). Same result as replacing
# each run of ``(?:[^\w\n]|_)+`` by one space and dropping spaces around newlines.
_ASCII_NON_WORD = bytes(b if b >= 0x80 or b == 0x0A or chr(b).isalnum() else 0x20 for b in range(256))
_SYMBOLS_RE = re.compile(r"[^\w\s]+")


def _words_by_line(text: str) -> str:
    text = text.encode("utf-8", "surrogatepass").translate(_ASCII_NON_WORD).decode("utf-8", "surrogatepass")
    if not text.isascii():
        text = _SYMBOLS_RE.sub(" ", text)
    return "\n".join([" ".join(line.split()) for line in text.split("\n")]).strip()


def _normalize(text: str, lang: str | None) -> str:
    # Newlines survive (they separate paragraphs when several are normalized in one pass).
    text = unicodedata.normalize("NFKC", text)
    ascii_only = text.isascii()
    if not ascii_only:
        text = _ascii_digits(text)
    text = _QUOTES_RE.sub(" ", text)
    text = _DIGIT_GROUP_RE.sub(r"\1", text)
    text = _APOS_RE.sub(" ", text)
    if lang in (None, "de") and not ascii_only:
        # Without a language the fold is still safe: "ae" is how ASCII-only wires write ä anyway.
        text = _DE_RE.sub(lambda m: _DE_FOLD[m.group()], text)
    return _words_by_line(_strip_accents(text).casefold())


def normalize_text(text: str, language: str | None = None) -> str:
    """Text reduced to what two deliveries of the same words share.

    Language-aware where spelling conventions differ: German umlauts fold to
    the digraph that ASCII-only wires use (ä -> ae, ß -> ss); stop words per
    language are used by the topic feature.
    """
    return _normalize(text.replace("\n", " "), _lang(language))


def normalize_lines(lines: Sequence[str], language: str | None = None) -> list[str]:
    """``normalize_text`` of each line, in one pass (the regexes run once per story, not per line)."""
    if not lines:
        return []
    joined = "\n".join(line.replace("\n", " ") for line in lines)
    out = _normalize(" " + joined.replace("\n", " \n ") + " ", _lang(language)).split("\n")
    return (
        [o.strip() for o in out] if len(out) == len(lines) else [normalize_text(x, language) for x in lines]
    )


def _is_signature(paragraph: str) -> bool:
    return len(paragraph) <= 60 and bool(_SIGNATURE_RE.match(paragraph))


def body_paragraphs(story: Story) -> list[str]:
    """Normalized paragraphs of the body, without dateline, captions and signatures."""
    lang = story.language or story.language_declared
    extra: list[str] = [c.text for c in story.captions]
    extra += [c.credit for c in story.captions if c.credit]
    if story.signature:
        extra.append(story.signature)
    raw: list[str] = []
    for para in story.paragraphs:
        if _is_signature(para):
            continue
        if not raw:
            para = _DATELINE_RE.sub("", para, count=1)
        raw.append(para)
    norm = normalize_lines([*raw, *extra], lang)
    drop = set(norm[len(raw) :])
    drop.discard("")
    return [p for p in norm[: len(raw)] if p and p not in drop]


# --------------------------------------------------------------------------- hashing helpers

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_K3 = np.uint64(0x165667B19E3779F9)


_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _splitmix(x: U64) -> U64:
    # Bit mixer (splitmix64 finalizer): multiply-shift MinHash and SimHash both need well-spread bits.
    # In place on one fresh array (the input is left alone): fewer temporaries, same values.
    x = x ^ (x >> _S30)
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


_TOKEN_CACHE: dict[str, int] = {}
_TOKEN_CACHE_MAX = 500_000


def _crc64(token: str) -> int:
    b = token.encode()
    return (zlib.crc32(b) << 32) | zlib.crc32(b, 0x5BD1E995)


def _token_hash(token: str) -> int:
    # crc32 is C-fast and stable across processes; two seeds give 64 bits so that token collisions
    # are negligible. News vocabulary is small, so a bounded cache makes this a dict lookup.
    h = _TOKEN_CACHE.get(token)
    if h is None:
        h = _crc64(token)
        if len(_TOKEN_CACHE) >= _TOKEN_CACHE_MAX:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[token] = h
    return h


def _token_hashes(tokens: Sequence[str]) -> U64:
    # Cache hits through the C-level dict lookup (no Python call per token); misses filled after.
    missing = set(tokens).difference(_TOKEN_CACHE)
    if missing:
        # Hash only the new words (set difference in C), then read everything from the cache.
        if len(_TOKEN_CACHE) + len(missing) > _TOKEN_CACHE_MAX:
            _TOKEN_CACHE.clear()
            missing = set(tokens)
        for t in missing:
            _TOKEN_CACHE[t] = _crc64(t)
    return np.fromiter(map(_TOKEN_CACHE.__getitem__, tokens), dtype=np.uint64, count=len(tokens))


def _shingle_hashes(split: Sequence[list[str]], k: int) -> U64:
    """``shingle_hashes`` over paragraphs already split into tokens."""
    tokens: list[str] = []
    lengths: list[int] = []
    short: list[int] = []
    for toks in split:
        if 0 < len(toks) < k:
            # A paragraph shorter than a shingle is one shingle of all its words.
            acc = 0
            for t in toks:
                acc = (acc * 0x9E3779B97F4A7C15 + _token_hash(t)) & 0xFFFFFFFFFFFFFFFF
            short.append(acc)
            continue
        tokens += toks
        lengths.append(len(toks))
    parts: list[U64] = [np.array(short, dtype=np.uint64)] if short else []
    if len(tokens) >= k:
        th = _token_hashes(tokens)
        n = len(tokens) - k + 1
        sh = th[0:n] * _K1 + th[1 : n + 1] * _K2
        if k >= 3:
            sh += th[2 : n + 2] * _K3
        if len(lengths) > 1:
            # Only shingles whose first and last token are in the same paragraph.
            pid = np.repeat(np.arange(len(lengths)), lengths)
            sh = sh[pid[0:n] == pid[k - 1 : n + k - 1]]
        parts.append(sh)
    if not parts:
        return np.zeros(0, dtype=np.uint64)
    return np.unique(_splitmix(np.concatenate(parts) if len(parts) > 1 else parts[0]))


def shingle_hashes(paragraphs: Iterable[str], k: int = 3) -> U64:
    """Unique 64-bit hashes of word k-shingles, taken within each paragraph (k is 2 or 3).

    One numpy pass over all tokens; shingles that would straddle two paragraphs are
    masked out, so reordering paragraphs keeps every shingle.
    """
    return _shingle_hashes([p.split() for p in paragraphs], k)


def token_set_hashes(tokens: Iterable[str]) -> U64:
    uniq = sorted(set(tokens))
    return _splitmix(_token_hashes(uniq)) if uniq else np.zeros(0, dtype=np.uint64)


@lru_cache(maxsize=16)
def _perm_params(num_perm: int, seed: int) -> tuple[U64, U64]:
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def minhash(hashes: U64, num_perm: int, seed: int = 1) -> npt.NDArray[np.uint32]:
    """MinHash signature: per permutation, the minimum of the top 32 bits of (a*x + b) mod 2^64.

    Multiply-shift with odd ``a`` is a universal family; numpy wraps uint64
    arithmetic silently, which is the mod 2^64 we want.
    """
    if hashes.size == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    a, b = _perm_params(num_perm, seed)
    vals = np.multiply.outer(hashes, a)
    vals += b
    # The top 32 bits are monotone in the value: shift the 64 minima, not the whole matrix.
    out: npt.NDArray[np.uint32] = (vals.min(axis=0) >> np.uint64(32)).astype(np.uint32)
    return out


def simhash(hashes: U64) -> int:
    """64-bit SimHash (unweighted) of a set of 64-bit feature hashes."""
    if hashes.size == 0:
        return 0
    bits = (hashes[:, None] >> np.arange(64, dtype=np.uint64)[None, :]) & np.uint64(1)
    counts = bits.sum(axis=0)
    mask = counts * 2 > hashes.size
    return int(np.sum(np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))[mask], dtype=np.uint64))


def simhash_similarity(a: int, b: int) -> float:
    return 1.0 - (a ^ b).bit_count() / 64.0


def compact_signature(sig: npt.NDArray[np.uint32], bits: int) -> bytes:
    """b-bit MinHash (Li & König): keep the low ``bits`` bits of each value (8 or 16)."""
    if bits == 8:
        return (sig & np.uint32(0xFF)).astype(np.uint8).tobytes()
    if bits == 16:
        return (sig & np.uint32(0xFFFF)).astype("<u2").tobytes()
    raise ValueError("bits must be 8 or 16")


def compact_similarity(a: bytes, b: bytes, bits: int) -> float:
    """Estimated Jaccard from two b-bit signatures (corrected for chance matches)."""
    if not a or len(a) != len(b):
        return 0.0
    dtype = np.uint8 if bits == 8 else np.dtype("<u2")
    va = np.frombuffer(a, dtype=dtype)
    vb = np.frombuffer(b, dtype=dtype)
    match = float(np.count_nonzero(va == vb)) / va.size
    chance = 1.0 / (1 << bits)
    return max(0.0, (match - chance) / (1.0 - chance))


_ROW_MULT = tuple(
    np.uint64(x)
    for x in (
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
    )
)


def lsh_band_keys(sig: npt.NDArray[np.uint32], bands: int, rows: int, prefix: str) -> list[str]:
    """One key per band: the band's ``rows`` MinHash values mixed into 64 bits (vectorized)."""
    return _band_key_strings(_splitmix(_band_sums(sig, bands, rows)), bands, prefix)


def _band_sums(sig: npt.NDArray[np.uint32], bands: int, rows: int) -> U64:
    """Per band, before mixing: a different odd multiplier per row and per band index, summed."""
    if bands * rows > sig.size:
        raise ValueError(f"{bands} bands x {rows} rows needs {bands * rows} permutations, have {sig.size}")
    base, mult = _band_params(bands, rows)
    m = sig[: bands * rows].astype(np.uint64).reshape(bands, rows)
    # uint64 sums wrap mod 2^64, so one vectorized sum equals the row-by-row accumulation.
    out: U64 = base + (m * mult).sum(axis=1, dtype=np.uint64)
    return out


@lru_cache(maxsize=16)
def _band_params(bands: int, rows: int) -> tuple[U64, U64]:
    base = np.arange(1, bands + 1, dtype=np.uint64) * _K3
    mult = np.array([_ROW_MULT[r % len(_ROW_MULT)] for r in range(rows)], dtype=np.uint64)
    return base, mult


@lru_cache(maxsize=16)
def _band_prefixes(bands: int, prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{i:02d}" for i in range(bands))


def _band_key_strings(mixed: U64, bands: int, prefix: str) -> list[str]:
    hexed = mixed.astype(">u8").tobytes().hex()
    return [p + hexed[16 * i : 16 * i + 16] for i, p in enumerate(_band_prefixes(bands, prefix))]


def simhash_band_keys(value: int, blocks: int = 4) -> list[str]:
    """Pigeonhole keys: two SimHashes within Hamming distance < ``blocks`` share a block."""
    width = 64 // blocks
    mask = (1 << width) - 1
    return [f"s{i:02d}{(value >> (i * width)) & mask:x}" for i in range(blocks)]


# --------------------------------------------------------------------------- the Story fingerprint


@dataclass(frozen=True, slots=True)
class FingerprintConfig:
    """Feature parameters. Changing them changes every key: state must then be rebuilt."""

    shingle: int = 3
    near_perm: int = 64
    near_bands: int = 16
    near_rows: int = 4
    topic_perm: int = 64
    topic_bands: int = 16
    topic_rows: int = 1
    signature_bits: int = 8  # b-bit MinHash kept in state (per value)
    seed: int = 1
    simhash: bool = False  # only the benchmark's comparison needs it; costs ~20 µs/story


@dataclass(frozen=True, slots=True)
class Fingerprint:
    exact: str  # 32 hex chars; equal iff normalized bodies are equal
    near: bytes  # b-bit MinHash of 3-shingles (compact, stored in state)
    topic: bytes  # b-bit MinHash of content words
    near_keys: tuple[str, ...]
    topic_keys: tuple[str, ...]
    bits: int  # b of the b-bit signatures above
    simhash: int = 0  # 0 unless FingerprintConfig.simhash (benchmark only)
    tokens: int = 0  # distinct shingles (diagnostics)

    @property
    def band_keys(self) -> list[str]:
        return [*self.near_keys, *self.topic_keys]


def _content_tokens(paragraphs: Iterable[str], language: str | None) -> list[str]:
    stop = _STOPWORDS.get(_lang(language) or "", _ALL_STOPWORDS)
    return [t for p in paragraphs for t in p.split() if len(t) > 2 and t not in stop]


def _content_token_set(split: Iterable[list[str]], language: str | None) -> list[str]:
    """The distinct ``_content_tokens`` (set operations in C, the length test on distinct words only)."""
    stop = _STOPWORDS.get(_lang(language) or "", _ALL_STOPWORDS)
    words: set[str] = set()
    for toks in split:
        words.update(toks)
    words -= stop
    return [t for t in words if len(t) > 2]


def fingerprint(story: Story, config: FingerprintConfig | None = None) -> Fingerprint:
    cfg = config or FingerprintConfig()
    lang = story.language or story.language_declared
    body = body_paragraphs(story)
    headline = normalize_text(story.headline, lang)
    # Exact: the body only, so a new headline on the same text is still "same content";
    # a flash without body falls back to its headline.
    basis = "\n".join(body) if body else headline
    exact = hashlib.blake2b(basis.encode(), digest_size=16).hexdigest()
    # Near: the headline counts as one more paragraph; on a 400-word body a new headline
    # moves the Jaccard by a few points only, and it is all there is on a short flash.
    texts = [headline, *body] if headline else body
    split = [p.split() for p in texts]
    sh = _shingle_hashes(split, cfg.shingle)
    near_sig = minhash(sh, cfg.near_perm, cfg.seed)
    # MinHash is a minimum: the order of the token hashes does not matter (no sort needed).
    words = _content_token_set(split, lang)
    topic = _splitmix(_token_hashes(words)) if words else np.zeros(0, dtype=np.uint64)
    topic_sig = minhash(topic, cfg.topic_perm, cfg.seed + 1)
    # Both families' band keys through one mixing pass (same values as ``lsh_band_keys``).
    mixed = _splitmix(
        np.concatenate(
            (
                _band_sums(near_sig, cfg.near_bands, cfg.near_rows),
                _band_sums(topic_sig, cfg.topic_bands, cfg.topic_rows),
            )
        )
    )
    return Fingerprint(
        exact=exact,
        near=compact_signature(near_sig, cfg.signature_bits),
        topic=compact_signature(topic_sig, cfg.signature_bits),
        near_keys=tuple(_band_key_strings(mixed[: cfg.near_bands], cfg.near_bands, "n")),
        topic_keys=tuple(_band_key_strings(mixed[cfg.near_bands :], cfg.topic_bands, "t")),
        simhash=simhash(sh) if cfg.simhash else 0,
        tokens=int(sh.size),
        bits=cfg.signature_bits,
    )


def band_keys(story: Story, config: FingerprintConfig | None = None) -> list[str]:
    """LSH band keys (near family then topic family), usable as Kafka repartition keys."""
    return fingerprint(story, config).band_keys
