"""The only place XML is parsed — hardened — plus helpers the structured parsers share.

Hostile input is stopped *before* lxml sees it: any DTD or entity declaration is
refused outright (no legitimate wire needs one, and every entity-expansion and
XXE attack needs one), and size and nesting depth are checked by a cheap scan.
lxml then runs with entity resolution, DTD loading and network access off, as
a second line of defence.

Decoding is done here rather than by libxml2 because feeds lie about their
encoding: a declared iso-8859-1 that holds UTF-8, "Latin-1" that is really
cp1252, a BOM before ``<?xml``. The text is decoded with `text.decode`, the
declaration is rewritten to UTF-8 and lxml parses clean UTF-8 bytes.

The second half holds the field helpers shared by nitf / newsml1 / newsmlg2 /
ninjs (urgency, signals from headlines, datelines, embargo lines, subjects),
so that the four formats map the same quirk to the same Story value.
"""

from __future__ import annotations

import html
import itertools
import re
import string
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html.entities import html5
from typing import Any, TypeAlias

from lxml import etree

from streams.ingest import dates
from streams.ingest.text import clean, clean_or_none, decode, unescape
from streams.model import Caption, Dateline, PubStatus, Signal, Story, Subject
from streams.rejects import Reason, RejectError

MAX_XML_BYTES = 2 * 1024 * 1024

Element: TypeAlias = etree._Element

# Case-insensitive and whitespace-tolerant on purpose: libxml2 would not accept
# `<!doctype`, but a refusal costs nothing and a gap in the check could.
_FORBIDDEN_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b", re.IGNORECASE)
_DECL_RE = re.compile(r"^\s*<\?xml[^>]*?\?>", re.IGNORECASE)
_ENCODING_IN_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
# Characters XML 1.0 forbids. Real feeds carry BEL urgency markers and framing
# bytes inside elements; libxml2 would reject the whole file for one of them.
_XML_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ILLEGAL_CHARREF_RE = re.compile(
    r"&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));", re.IGNORECASE
)
_NAMED_ENTITY_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
# Comments, CDATA and PIs first so their content never counts as tags; an unclosed one
# runs to the end of the input (else every "<!--" of "<!--<!--<!--…" would rescan the
# rest: quadratic, hours for 2 MB; libxml2 reports the syntax error). A tag runs to
# the first ">" and is self-closing when "/" precedes it (no backtracking: a "/" inside
# the tag is only consumed when no ">" follows it).
# findall() gives ("", "", "") for comments/CDATA/PIs, (closing, first name char,
# selfclosing) for tags.
_TAG_SCAN_RE = re.compile(
    r"<(?:!--.*?(?:-->|\Z)|!\[CDATA\[.*?(?:\]\]>|\Z)|\?.*?(?:\?>|\Z)|(/?)([A-Za-z_])(?:[^<>/]*/(?!>))*[^<>/]*(/?)>)",
    re.DOTALL,
)
# Depth change per scanned token: opening +1, closing -1 (also `</a/>`), self-closing
# and comments/CDATA/PIs 0. Keyed by every possible findall() tuple.
_DEPTH_STEP: dict[tuple[str, str, str], int] = {("", "", ""): 0}
for _first in string.ascii_letters + "_":
    _DEPTH_STEP |= {("", _first, ""): 1, ("/", _first, ""): -1, ("", _first, "/"): 0, ("/", _first, "/"): -1}


@dataclass(frozen=True, slots=True)
class XmlDoc:
    root: Element
    charset: str


def _declared_encoding(data: bytes) -> str | None:
    match = _ENCODING_IN_DECL_RE.match(data[:200])
    return match.group(1).decode("ascii") if match else None


def _named_to_numeric(match: re.Match[str]) -> str:
    # NITF and NewsML 1.2 files are often written against a DTD that defined the
    # HTML entities (&eacute;, &nbsp;); with the DTD refused they must be mapped here.
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    value = html5.get(name + ";")
    if value is None:
        return match.group(0)  # left for libxml2 to report as a syntax error
    return "".join(f"&#{ord(ch)};" for ch in value)


def check_depth(text: str, max_depth: int) -> None:
    # Running depth after each token; the scan and the sum run in C.
    steps = map(_DEPTH_STEP.__getitem__, _TAG_SCAN_RE.findall(text))
    if max(itertools.accumulate(steps, initial=0)) > max_depth:
        raise RejectError(Reason.XML_LIMITS, f"nesting deeper than {max_depth} elements")


def prepare(data: bytes, *, max_depth: int = 64, max_bytes: int = MAX_XML_BYTES) -> tuple[bytes, str]:
    """Bytes → (UTF-8 bytes safe to hand to libxml2, charset the input really had)."""
    if len(data) > max_bytes:
        raise RejectError(Reason.XML_LIMITS, f"{len(data)} bytes of XML, limit is {max_bytes}")
    text, charset = decode(data, _declared_encoding(data.lstrip(b"\xef\xbb\xbf")))
    found = _FORBIDDEN_RE.search(text)
    if found:
        raise RejectError(Reason.XML_FORBIDDEN, f"<!{found.group(1).upper()} declarations are not accepted")
    check_depth(text, max_depth)
    text = _DECL_RE.sub("", text, count=1).lstrip()
    text = _XML_ILLEGAL_RE.sub("", text)
    text = _ILLEGAL_CHARREF_RE.sub("", text)
    text = _NAMED_ENTITY_RE.sub(_named_to_numeric, text)
    return text.encode("utf-8"), charset


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """One hardened parser per thread: building one costs more than parsing a wire."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            recover=False,
            encoding="utf-8",
        )
        _PARSERS.parser = parser
    return parser


def parse_xml(data: bytes, *, max_depth: int = 64, max_bytes: int = MAX_XML_BYTES) -> XmlDoc:
    clean_bytes, charset = prepare(data, max_depth=max_depth, max_bytes=max_bytes)
    parser = _parser()
    try:
        root = etree.fromstring(clean_bytes, parser)
    except etree.XMLSyntaxError as exc:
        raise RejectError(Reason.XML_SYNTAX, str(exc)) from exc
    if root is None:
        raise RejectError(Reason.XML_SYNTAX, "no root element")
    return XmlDoc(root, charset)


# --- namespace-agnostic lookups ------------------------------------------------


def lname(el: Any) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""  # comment / PI / entity
    return tag.rpartition("}")[2]


def kids(el: Element | None, name: str | None = None) -> list[Element]:
    if el is None:
        return []
    if name is None:
        return [c for c in el if isinstance(c.tag, str)]
    # "{*}name": the local name in any namespace or none, matched by lxml in C.
    return list(el.iterchildren("{*}" + name))


def find(el: Element | None, *path: str) -> Element | None:
    """First element along a path of local names, direct children at each step."""
    node = el
    for name in path:
        if node is None:
            return None
        # "{*}name": the local name in any namespace or none, matched by lxml in C.
        node = next(node.iterchildren("{*}" + name), None)
    return node


def find_all(el: Element | None, *path: str) -> list[Element]:
    if el is None or not path:
        return []
    nodes = [el]
    for name in path:
        nodes = [c for n in nodes for c in kids(n, name)]
    return nodes


def descendants(el: Element | None, name: str) -> Iterator[Element]:
    if el is None:
        return
    for node in el.iter("{*}" + name):
        if node is not el:
            yield node


def first_desc(el: Element | None, name: str) -> Element | None:
    return next(descendants(el, name), None)


def attr(el: Element | None, name: str) -> str | None:
    """Attribute by local name (so `xml:lang` is `lang`), stripped, None if empty."""
    if el is None:
        return None
    value = el.get(name)
    if value is None:
        # Namespaced attributes (xml:lang, xlink:href) are rare: only then scan them all.
        suffix = "}" + name
        value = next((str(v) for k, v in el.attrib.items() if str(k).endswith(suffix)), None)
        if value is None:
            return None
    value = clean(str(value))
    return value or None


def text_of(el: Element | None) -> str | None:
    """All text of an element and its descendants, cleaned; None if empty."""
    if el is None:
        return None
    return clean_or_none(_ws(unescape("".join(el.itertext()))))


_WS_RE = re.compile(r"\s+")


def _ws(text: str) -> str:
    if text.isascii() and text.isprintable() and "  " not in text:
        return text  # no whitespace but single spaces: nothing to collapse
    return _WS_RE.sub(" ", text)


# --- body rendering -------------------------------------------------------------

_BLOCK = {
    "p": "p",
    "h1": "h2",
    "h2": "h2",
    "h3": "h3",
    "h4": "h4",
    "h5": "h4",
    "h6": "h4",
    "hl2": "h2",  # NITF sub-headline
    "hl1": "h2",
    "bq": "p",
    "blockquote": "p",
}
_LISTS = {"ul", "ol"}
_INLINE = {"b": "b", "strong": "strong", "i": "i", "em": "em"}
# Never rendered: active content, and NITF/XHTML containers whose content is
# metadata (captions, notes) collected separately.
_DROP = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "form",
    "media",
    "figure",
    "img",
    "note",
    "ed-msg",
    "head",
    "body.head",
    "body.end",
    "tagline",
    "bibliography",
}
_NOTE_MARKERS = ("ednote", "editor", "not-for-pub", "notforpub", "non-public", "nonpublic", "internal")
_EDNOTE_TEXT_RE = re.compile(
    r"^\s*(?:eds?\s*:|editor'?s note|editors?'? note|note to editors|note aux r[ée]dactions|"
    r"nota (?:a los|para) (?:editores|redactores)|anm(?:erkung)?\.? d(?:er)?\.? red|# ?dpa[- ]notizblock|"
    r"# ?dpa notebook|not for publication|nicht zur ver[öo]ffentlichung)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Body:
    paragraphs: list[str]
    html: str | None
    ednotes: list[str]
    captions: list[Caption]


def is_ednote_text(text: str) -> bool:
    return bool(_EDNOTE_TEXT_RE.match(text))


_NOTE_ATTRS = ("class", "noteclass", "type", "role", "rendition")


def _is_note_element(el: Element) -> bool:
    for key in _NOTE_ATTRS:
        value = el.get(key)
        if value and any(marker in value.lower() for marker in _NOTE_MARKERS):
            return True
    return False


def _safe_href(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    return value if re.match(r"https?://", value, re.IGNORECASE) else None


# The characters text.clean removes (controls, stray BOMs, zero-width spaces, non-characters).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u200b\ufffe\uffff]")


def _esc(text: str) -> str:
    # Inline runs keep their boundary spaces ("une phase <em>critique</em> »"); blocks strip.
    if not text:
        return ""
    return html.escape(_ws(_CONTROL_RE.sub("", unescape(text))), quote=False)


class _Renderer:
    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.blocks: list[str] = []
        self.ednotes: list[str] = []
        self.captions: list[Caption] = []

    # inline content of one block → (plain, html)
    def inline(self, el: Element, include_tail: bool = False) -> tuple[str, str]:
        plain: list[str] = [el.text or ""]
        out: list[str] = [_esc(el.text or "")]
        for child in el:
            name = lname(child)
            if not name or name in _DROP:
                pass
            elif name == "br":
                plain.append(" ")
                out.append("<br>")
            else:
                p, h = self.inline(child)
                plain.append(p)
                tag = _INLINE.get(name)
                href = _safe_href(attr(child, "href")) if name == "a" else None
                if tag:
                    out.append(f"<{tag}>{h}</{tag}>" if p.strip() else h)
                elif href:
                    out.append(f'<a href="{html.escape(href, quote=True)}">{h}</a>')
                else:
                    out.append(h)  # unknown inline markup (NITF person/location/chron…): unwrapped
            plain.append(child.tail or "")
            out.append(_esc(child.tail or ""))
        return "".join(plain), "".join(out)

    def emit(self, tag: str, el: Element) -> None:
        plain, markup = self.inline(el)
        text = clean(_ws(unescape(plain)))
        if not text:
            return  # empty lead paragraphs and spacer <p/> are noise
        if _is_note_element(el) or is_ednote_text(text) or is_embargo_line(text):
            self.ednotes.append(text)
            return
        self.paragraphs.append(text)
        self.blocks.append(f"<{tag}>{markup.strip()}</{tag}>")

    def caption(self, el: Element) -> None:
        text = next(
            (
                t
                for t in (text_of(first_desc(el, n)) for n in ("media-caption", "figcaption", "caption"))
                if t
            ),
            None,
        )
        if not text:
            return
        credit = text_of(first_desc(el, "media-producer")) or text_of(first_desc(el, "credit"))
        self.captions.append(Caption(text, credit))

    def table(self, el: Element) -> None:
        rows_html: list[str] = []
        for row in descendants(el, "tr"):
            cells = [c for c in row if lname(c) in ("td", "th")]
            rendered = []
            plain_cells = []
            for cell in cells:
                p, h = self.inline(cell)
                plain_cells.append(clean(_ws(unescape(p))))
                rendered.append(f"<{lname(cell)}>{h.strip()}</{lname(cell)}>")
            if any(plain_cells):
                self.paragraphs.append(" | ".join(plain_cells))
                rows_html.append("<tr>" + "".join(rendered) + "</tr>")
        if rows_html:
            self.blocks.append("<table>" + "".join(rows_html) + "</table>")

    def block(self, el: Element) -> None:
        name = lname(el)
        if not name:
            return
        if name in ("media", "figure"):
            self.caption(el)
            return
        if name in _DROP:
            if name in ("note", "ed-msg"):
                note = text_of(el) or attr(el, "info")
                if note:
                    self.ednotes.append(note)
            return
        if _is_note_element(el):
            note = text_of(el)
            if note:
                self.ednotes.append(note)
            return
        if name in _BLOCK:
            self.emit(_BLOCK[name], el)
        elif name in _LISTS:
            items = []
            for li in kids(el, "li"):
                plain, markup = self.inline(li)
                text = clean(_ws(unescape(plain)))
                if text:
                    self.paragraphs.append(text)
                    items.append(f"<li>{markup.strip()}</li>")
            if items:
                self.blocks.append(f"<{name}>{''.join(items)}</{name}>")
        elif name == "table":
            self.table(el)
        elif name == "pre":
            # Agency tables arrive as <pre>: one paragraph per line keeps them readable.
            for line in "".join(el.itertext()).splitlines():
                text = clean(unescape(line))
                if text:
                    self.paragraphs.append(text)
                    self.blocks.append(f"<p>{html.escape(text, quote=False)}</p>")
        else:
            # Containers (block, div, section, body.content, body) and loose text.
            loose = clean(_ws(el.text or ""))
            if loose:
                self.paragraphs.append(clean(unescape(loose)))
                self.blocks.append(f"<p>{html.escape(clean(unescape(loose)), quote=False)}</p>")
            for child in el:
                self.block(child)
                tail = clean(_ws(unescape(child.tail or "")))
                if tail:
                    self.paragraphs.append(tail)
                    self.blocks.append(f"<p>{html.escape(tail, quote=False)}</p>")


def render_body(elements: Iterable[Element | None]) -> Body:
    """Body containers → plain paragraphs, sanitized HTML, editor notes, captions.

    The HTML is rebuilt from scratch from a small allow-list (p, h2-h4, ul/ol/li,
    b/strong, i/em, a[href http(s)], br, table/tr/td/th), so no attribute or
    element of the input survives unless listed.
    """
    renderer = _Renderer()
    for el in elements:
        if el is not None:
            renderer.block(el)
    markup = "".join(renderer.blocks)
    if not markup.isascii():
        # Text runs are escaped one by one; NFC once over the whole, like the paragraphs.
        markup = unicodedata.normalize("NFC", markup)
    return Body(
        paragraphs=renderer.paragraphs,
        html=markup or None,
        ednotes=renderer.ednotes,
        captions=renderer.captions,
    )


def paragraphs_html(paragraphs: list[str]) -> str | None:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs) or None


def body_from_html_string(markup: str) -> Body:
    """An HTML fragment from a JSON field (ninjs body_html) through the same allow-list.

    Parsed with lxml's HTML parser, which never fetches anything and does not
    expand entities beyond HTML's own; scripts and styles are dropped by the renderer.
    """
    from lxml import html as lxml_html

    markup = _XML_ILLEGAL_RE.sub("", markup)
    if not markup.strip():
        return Body([], None, [], [])
    try:
        fragment = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return Body([], None, [], [])
    return render_body([fragment])


# --- field helpers shared by the structured formats ------------------------------

AGENCY_NAMES: dict[str, str] = {
    "afp": "AFP",
    "afp.com": "AFP",
    "agence france-presse": "AFP",
    "ap": "AP",
    "ap.org": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "reuters": "Reuters",
    "reuters.com": "Reuters",
    "thomsonreuters.com": "Reuters",
    "dpa": "dpa",
    "dpa.de": "dpa",
    "dpa.com": "dpa",
    "efe": "EFE",
    "efe.com": "EFE",
    "agencia efe": "EFE",
    "ansa": "ANSA",
    "ansa.it": "ANSA",
    "ats": "ATS",
    "apa": "APA",
    "belga": "Belga",
    "anp": "ANP",
    "kyodo": "Kyodo",
    "xinhua": "Xinhua",
}


_COPYRIGHT_PREFIX_RE = re.compile(r"^(?:copyright|©|\(c\))\s*(?:\d{4}\s*)?")
_TOKEN_SEP_RE = re.compile(r"[\s/,;:]+")


def agency_name(value: str | None) -> str | None:
    """A provider id / qcode / domain / copyright line → the agency's usual short name."""
    if not value:
        return None
    raw = clean(value)
    key = raw.lower()
    for prefix in ("nprov:", "prov:", "provider:", "www."):
        key = key.removeprefix(prefix)
    key = _COPYRIGHT_PREFIX_RE.sub("", key).strip(" .")
    if key in AGENCY_NAMES:
        return AGENCY_NAMES[key]
    for token in _TOKEN_SEP_RE.split(key):
        if token in AGENCY_NAMES:
            return AGENCY_NAMES[token]
    return raw or None


def agency_from_uri(uri: str | None) -> str | None:
    """`urn:newsml:afp.com:…`, `tag:reuters.com,2024:…`, `http://dpa.com/…` → agency."""
    if not uri:
        return None
    match = re.search(r"(?:urn:newsml:|tag:|https?://(?:www\.)?)([A-Za-z0-9\-]+(?:\.[A-Za-z]+)+)", uri)
    if not match:
        return None
    domain = match.group(1).lower()
    parts = domain.split(".")
    for i in range(len(parts) - 1):
        candidate = ".".join(parts[i:])
        if candidate in AGENCY_NAMES:
            return AGENCY_NAMES[candidate]
    return AGENCY_NAMES.get(parts[-2]) if len(parts) >= 2 else None


def urgency(raw: str | int | None, *, scale_max: int = 9) -> tuple[int | None, str | None]:
    """Raw priority → (ninjs urgency 1-9, raw string).

    NITF ed-urg (1-8), NewsML 1.2 / G2 / ninjs urgency (1-9) and AFP's 1-5 all put
    1 at the top, so the number is kept and only clamped to the ninjs range.
    """
    if raw is None or str(raw).strip() == "":
        return None, None
    text = str(raw).strip()
    match = re.search(r"\d+", text)
    if not match:
        return None, text
    value = int(match.group(0))
    if value < 1:
        value = 1
    return min(value, scale_max, 9), text


_CORRECTION_PREFIX_RE = re.compile(
    r"^\s*(?:corrected|correction|correctif|rectificatif|rectification|berichtigung|korrektur|"
    r"correcci[oó]n|corregido|rectifica)\s*(?:\d+\s*)?[-:–—]+\s*",
    re.IGNORECASE,
)
_UPDATE_PREFIX_RE = re.compile(r"^\s*(?:update\s*\d+|refile|2nd lead|1st lead|new lead)\s*[-:–—]+\s*", re.I)


def headline_signal(headline: str) -> tuple[str, Signal | None, str | None]:
    """Strip `CORRECTED-` / `Correction:` / `UPDATE 2-` / `REFILE-` prefixes.

    Returns (headline without prefixes, signal they imply or None, removed prefix).
    Prefixes may be stacked (`CORRECTED-UPDATE 1-`); a correction wins.
    """
    signal: Signal | None = None
    removed = ""
    for _ in range(3):
        match = _CORRECTION_PREFIX_RE.match(headline)
        if match:
            signal = Signal.CORRECTION
        else:
            match = _UPDATE_PREFIX_RE.match(headline)
            if match and signal is None:
                signal = Signal.UPDATE
        if not match:
            break
        removed += match.group(0)
        headline = headline[match.end() :]
    return headline.strip(), signal, clean(removed) or None


def headline_from_body(paragraphs: list[str], limit: int = 100) -> str:
    """Urgents often have no headline: first sentence of the body, cut at a word boundary."""
    for para in paragraphs:
        text = _DATELINE_PREFIX_RE.sub("", para, count=1).strip() or para
        match = re.match(r"(.+?[.!?…])(?:\s|$)", text)
        sentence = match.group(1) if match else text
        if len(sentence) > limit:
            cut = sentence[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
            sentence = cut + "…"
        return sentence
    return ""


AGENCY_WORDS = r"AFP|AP|dpa|DPA|Reuters|REUTERS|EFE|ANSA|ats|ATS|Kyodo|Xinhua|Belga|APA|ANP|ats afp|ats/afp"
_DATELINE_PREFIX_RE = re.compile(
    r"^(?P<dl>[A-ZÀ-Ýa-zà-ÿ][^()\n]{1,80}?\s*\((?:"
    + AGENCY_WORDS
    + r")[^)]{0,20}\)\s*[.,]?\s*(?:[-–—_:]+\s*)?)"
)
_DATE_HINT_RE = re.compile(r"\d")


_TRAILING_DASH_RE = re.compile(r"\s*[-–—_:.]+\s*$")
_TRAILING_PAREN_RE = re.compile(r"\s*\((?:[^)]*)\)[\s.:\-–—_]*$")
_TRAILING_AGENCY_RE = re.compile(r"\s+(?:" + AGENCY_WORDS + r")\s*$")


def parse_dateline(raw: str | None) -> Dateline | None:
    """`PARIS, 10 juil 2024 (AFP) -`, `Berlin (dpa) -`, `SAITAMA, Japan, Dec. 9 Kyodo -` → Dateline."""
    text = clean_or_none(raw)
    if not text:
        return None
    body = _TRAILING_DASH_RE.sub("", text)
    body = _TRAILING_PAREN_RE.sub("", body)
    body = _TRAILING_AGENCY_RE.sub("", body)
    parts = [p.strip() for p in body.split(",") if p.strip()]
    if not parts:
        return Dateline(text)
    place = parts[0]
    dated = [part for part in parts[1:] if _DATE_HINT_RE.search(part)]
    return Dateline(text, place or None, ", ".join(dated) or None)


def dateline_in_paragraph(paragraph: str) -> Dateline | None:
    match = _DATELINE_PREFIX_RE.match(paragraph)
    return parse_dateline(match.group("dl")) if match else None


_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "jan january janv janvier januar jän jänner enero ene",
        "feb february fév fev févr fevr février fevrier februar febrero",
        "mar march mars märz maerz marzo",
        "apr april avr avril abril",
        "may mai mayo",
        "jun june juin juni junio",
        "jul july juil juillet juli julio",
        "aug august aoû aou août aout agosto ago",
        "sep sept september septembre septiembre",
        "oct october octobre okt oktober octubre",
        "nov november novembre noviembre",
        "dec december déc decembre décembre dez dezember diciembre dic",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

# An embargo *notice*, not a story about an embargo ("Embargo on Russian oil …"):
# the keyword must be followed by until/to/bis/hasta or a colon, and the line be short.
_EMBARGO_LINE_RE = re.compile(
    r"^\s*(?:embargo(?:ed)?\s*(?:to|until|till|for|:|-)|sperrfrist\b|embargad[oa]\s+hasta|"
    r"embargo\s+hasta|sous embargo|embargo\s+jusqu)",
    re.IGNORECASE,
)


def embargo_from_text(text: str, zone: tzinfo, reference: datetime | None) -> datetime | None:
    """`Embargoed to 0001 Friday September 9`, `Sperrfrist 10. Juli 2024, 18.00 Uhr`, … → instant.

    Day, month name (en/fr/de/es), optional year (else the reference's) and an
    HHMM / HH:MM / HH.MM time; naive, so read in the agency's zone.
    """
    low = text.lower()
    month = None
    month_pos = -1
    for match in re.finditer(r"[a-zà-ÿ]+", low):
        word = match.group(0).rstrip(".")
        if word in _MONTHS:
            month, month_pos = _MONTHS[word], match.start()
            break
    if month is None:
        return None
    day_match = re.search(r"(?<![\d:.])(\d{1,2})(?:\.|er|st|nd|rd|th)?(?![\d:.]\d)", low[month_pos:])
    before = re.findall(r"(?<![\d:.])(\d{1,2})\.?\s*$", low[:month_pos].rstrip())
    day = int(before[-1]) if before else int(day_match.group(1)) if day_match else None
    year_match = re.search(r"\b(20\d\d)\b", low)
    year = int(year_match.group(1)) if year_match else (reference.year if reference else None)
    time_match = re.search(r"\b(\d{1,2})[:.h](\d{2})\b", low) or re.search(r"\b(\d{2})(\d{2})\b(?!\d)", low)
    if day is None or year is None:
        return None
    hour, minute = (int(time_match.group(1)), int(time_match.group(2))) if time_match else (0, 0)
    try:
        local = datetime(year, month, day, hour % 24, minute % 60)
    except ValueError:
        return None
    return dates.to_utc(local, zone)


def is_embargo_line(text: str) -> bool:
    return len(text) <= 160 and bool(_EMBARGO_LINE_RE.match(text))


def subject_from_code(code: str, name: str | None, agency: str | None) -> Subject | None:
    """`medtop:04000000` / `subj:04000000` / bare 8-digit IPTC subject code → Subject."""
    code = code.strip()
    scheme, _, value = code.partition(":")
    if not value:
        scheme, value = ("subj", code) if re.fullmatch(r"\d{8}", code) else ("", code)
    scheme = scheme.lower()
    if scheme == "medtop":
        uri = f"http://cv.iptc.org/newscodes/mediatopic/{value}"
    elif scheme in ("subj", "iptc"):
        scheme, uri = "subj", f"http://cv.iptc.org/newscodes/subjectcode/{value}"
    else:
        uri = None
    literal = f"{scheme}:{value}" if scheme else value
    return Subject(name=clean(name or literal), uri=uri, literal=literal, creator=agency)


def version_rank(version: str | None, versioncreated: datetime | None) -> int | None:
    """Comparable per provider: the integer version, then the version time.

    rank = version x 10^10 + versioncreated (epoch seconds), so a higher version
    always wins and a correction re-sent with the same version (AFP keeps
    RevisionId 1) still outranks the original by its later time. Versions too
    large for that (G2 timestamps as versions) rank by the version alone, which
    keeps every rank inside a signed 64-bit integer for JSON encoders.
    """
    stamp = int(versioncreated.timestamp()) if versioncreated else 0
    if version is not None:
        digits = version.strip()
        if digits.isdigit():
            value = int(digits)
            if value < 900_000_000:
                return value * 10**10 + stamp
            return value
    return stamp or None


def is_first_version(version: str | None) -> bool:
    return version is None or version.strip() in ("", "0", "1")


def record_time(original: dict[str, str], key: str, raw: str | None) -> None:
    if raw and raw.strip():
        original[key] = clean(raw)


def to_time(raw: str | None, zone: tzinfo) -> datetime | None:
    return dates.parse_datetime(clean(raw), zone) if raw else None


def split_notes(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Plain paragraphs → (public ones, editor notes / embargo lines)."""
    public: list[str] = []
    notes: list[str] = []
    for para in paragraphs:
        (notes if is_ednote_text(para) or is_embargo_line(para) else public).append(para)
    return public, notes


def finalize(story: Story, notes: Iterable[str], zone: tzinfo) -> Story:
    """The rules every structured format shares, applied once the fields are read.

    - `CORRECTED-` / `Correction:` / `UPDATE 1-` headline prefixes set the signal
      and are removed (kept in annotations["headline_prefix"]);
    - an empty headline (urgents) becomes the body's first sentence, recorded as
      annotations["headline_source"] = "body";
    - editor notes and embargo lines go to `ednote`, an embargo only stated in
      text becomes `embargoed` (annotations["embargo_source"] = "text");
    - a dateline missing from the metadata is read from the first paragraph;
    - kill and canceled always go together.
    """
    headline, prefix_signal, prefix = headline_signal(story.headline)
    story.headline = headline
    if prefix:
        story.annotations["headline_prefix"] = prefix
    if prefix_signal is Signal.CORRECTION and story.signal is not Signal.KILL:
        story.signal = Signal.CORRECTION
    elif prefix_signal is Signal.UPDATE and story.signal is Signal.NEW:
        story.signal = Signal.UPDATE
    if not story.headline and story.paragraphs:
        story.headline = headline_from_body(story.paragraphs)
        story.annotations["headline_source"] = "body"
    all_notes = [n for n in ([story.ednote] if story.ednote else []) + list(notes) if n]
    unique = list(dict.fromkeys(clean(n) for n in all_notes if clean(n)))
    story.ednote = "\n".join(unique) or None
    if story.embargoed is None:
        for note in unique:
            if is_embargo_line(note):
                when = embargo_from_text(note, zone, story.versioncreated or story.firstcreated)
                if when:
                    story.embargoed = when
                    story.annotations["embargo_source"] = "text"
                    break
    if story.dateline is None and story.paragraphs:
        story.dateline = dateline_in_paragraph(story.paragraphs[0])
    if story.signal is Signal.KILL or story.pubstatus is PubStatus.CANCELED:
        story.signal = Signal.KILL
        story.pubstatus = PubStatus.CANCELED
    return story


def pubstatus_from(value: str | None) -> PubStatus | None:
    """`stat:usable`, `Usable`, `canceled`/`cancelled`, `withheld`, `embargoed` → PubStatus."""
    if not value:
        return None
    key = value.lower().rpartition(":")[2].strip()
    if key in ("canceled", "cancelled", "cancel", "kill", "killed", "withdrawn", "deleted"):
        return PubStatus.CANCELED
    if key in ("withheld", "withhold", "held"):
        return PubStatus.WITHHELD
    if key in ("usable", "embargoed", "published"):
        return PubStatus.USABLE
    return None


_BYLINE_PREFIX_RE = re.compile(r"^(?:by|von|par|por|de)\s+", re.IGNORECASE)
_BYLINE_EQUALS_RE = re.compile(r"\s*[=]+\s*$")
_BYLINE_AGENCY_RE = re.compile(r",\s*(?:" + AGENCY_WORDS + r")\s*$")


def strip_byline(value: str | None) -> str | None:
    """`By Jane Doe =`, `Von Hans Muster, dpa`, `Par …`, `Por …` → the names."""
    text = clean_or_none(value)
    if not text:
        return None
    text = _BYLINE_PREFIX_RE.sub("", text)
    text = _BYLINE_EQUALS_RE.sub("", text)
    text = _BYLINE_AGENCY_RE.sub("", text)
    return text or None


_INITIALS_RE = re.compile(r"^(?:(?:AFP|dpa|DPA|EFE)\s*[/ ]\s*)?([A-Za-z]{1,4}\.?(?:/[A-Za-z]{1,4}\.?)+)$")


def signature_parts(value: str | None) -> tuple[str | None, str | None]:
    """`hh/ph/ts`, `AFP/M.R.`, `dpa kre/su` → (signature, initials)."""
    text = clean_or_none(value)
    if not text:
        return None, None
    match = _INITIALS_RE.match(text)
    return text, (match.group(1) if match else None)
