"""Read corpus files and split them into articles with exact offsets.

Formats, by extension (case-insensitive):

- ``.txt``: newspaper pages. A page is plain text: one paragraph per line,
  paragraphs separated by blank lines, with section marks (``◎广角``), titles,
  bylines (``□本报记者 宋爽``), photo captions (``… 本报记者 X 摄``) and bullet
  items (``● ◆ ★``) mixed in. ``parse_page`` walks the lines once, classifies
  each, and groups them into ``Article`` values.
- ``.md``: see ``parse_markdown``; ``.html``/``.htm``: see ``html_text`` and
  ``parse_html``; ``.jsonl``: see ``jsonl_text``.

Every span indexes the file's *decoded text*, the string ``read_text``
returns: ``text[s:e]`` is always the verbatim paragraph or title. For .txt and
.md that is the file itself; for HTML and JSON lines it is a plain-text layout
built from the file (documented where it is built), so quotes read as text.

The page layout comes from scanned pages, so its rules are heuristics tuned on
the seed pages; no parser raises on odd input (see the property tests).
Unusable files (empty, binary, undecodable, no article text) are skipped and
reported by ``read_corpus``, so one bad file does not stop a build.
"""
from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from rag.errors import CorpusError
from rag.types import Article, Span

# --------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------

SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
_PATTERNS = "*.txt, *.md, *.html, *.htm or *.jsonl"
_BOMS_UTF32 = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_BOMS_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_BOM_UTF8 = b"\xef\xbb\xbf"
_RESAVE = "re-save it as UTF-8 text, or remove it from the corpus"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x19\x1b-\x1f\x7f]")


class UnusableFileError(CorpusError):
    """A corpus file that cannot be used; ``reason`` says why in a few words."""

    def __init__(self, path: Path, reason: str, fix: str = _RESAVE):
        self.reason = reason
        super().__init__(f"{path}: {reason}; {fix}")


def read_text(path: Path) -> str:
    """The decoded text of a corpus file: the string every span of its articles indexes.

    Bytes are decoded without newline translation, so offsets are stable:
    UTF-8 (BOM stripped; offsets refer to the text without it), UTF-16/32 with
    BOM (LE or BE), else GB18030 (a superset of GBK and GB2312); an HTML
    file's ``<meta charset>`` is honoured. HTML and JSON lines files then
    become their plain-text layout (``html_text``, ``jsonl_text``). Binary
    or undecodable files raise UnusableFileError (a CorpusError).
    """
    path = Path(path)
    raw = decode_file(path)
    kind = path.suffix.lower()
    if kind in (".html", ".htm"):
        return html_text(raw).text
    if kind == ".jsonl":
        return jsonl_text(raw, path.name).text
    return raw


def decode_file(path: Path) -> str:
    """The file's characters, as written (before any HTML or JSON lines layout)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnusableFileError(path, f"cannot read file ({e.strerror})", "check the path and permissions") from e
    if data.startswith(_BOM_UTF8):
        return _decode(path, data[len(_BOM_UTF8):], "utf-8")
    if data.startswith(_BOMS_UTF32):
        return _decode(path, data, "utf-32")
    if data.startswith(_BOMS_UTF16):
        return _decode(path, data, "utf-16")
    if b"\x00" in data:
        raise UnusableFileError(path, "contains NUL bytes, so it looks binary, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        declared = _html_charset(data[:4096]) if path.suffix.lower() in (".html", ".htm") else None
        text = _decode(path, data, declared or "gb18030", fallback="gb18030")
    if len(_CONTROL.findall(text, 0, 4096)) > 8:
        raise UnusableFileError(path, "is full of control characters, so it looks binary, not text")
    return text


def _html_charset(head: bytes) -> str | None:
    """The multi-byte codec an HTML file declares in ``<meta charset>`` (Big5, Shift_JIS ...).

    GBK and GB2312 are read as GB18030 (a superset); single-byte Western
    declarations are ignored, as old Chinese pages often declare them wrongly.
    """
    m = _META_CHARSET.search(head)
    if not m:
        return None
    try:
        info = codecs.lookup(m.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None
    if info.name in ("gbk", "gb2312", "gb18030") or info.name.startswith(("latin", "iso8859", "cp125", "ascii")):
        return None
    return info.name


def _decode(path: Path, data: bytes, encoding: str, fallback: str = "") -> str:
    """Strictly decode ``data`` (else with ``fallback``); a failure becomes an UnusableFileError with the fix."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        if fallback and fallback != encoding:
            return _decode(path, data, fallback)
        raise UnusableFileError(
            path, f"not valid {encoding} (byte {e.start}) nor any other supported encoding "
            "(UTF-8, UTF-16 with BOM, GB18030/GBK)") from e


class Page(NamedTuple):
    """One corpus file: its relative source name, decoded text and articles."""

    source: str
    text: str
    articles: list[Article]


class Skipped(NamedTuple):
    """A file (or one line of a JSON lines file) left out of the corpus, and why."""

    source: str
    reason: str
    line: int = 0  # 1-based line of a .jsonl file; 0 for a whole file

    def __str__(self) -> str:
        where = f"{self.source} line {self.line}" if self.line else self.source
        return f"{where} ({self.reason})"


class CorpusReport(NamedTuple):
    """What ``read_corpus`` found: the usable pages and everything skipped."""

    pages: list[Page]
    skipped: list[Skipped]


def iter_sources(root: Path) -> list[tuple[str, Path]]:
    """``(source, path)`` for every supported file under root, sorted; hidden paths skipped.

    Unusable files are listed too: their hashes make an index stale once fixed.
    """
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"corpus directory not found: {root}; pass the folder that holds the {_PATTERNS} files")
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if (path.suffix.lower() in SUFFIXES and path.is_file()
                and not any(part.startswith(".") for part in rel.parts)):
            found.append((rel.as_posix(), path))
    return sorted(found)


def read_page(path: Path, source: str) -> tuple[Page, list[Skipped]]:
    """Read and parse one file by its extension; also returns its skipped JSON lines.

    Raises UnusableFileError for an empty, binary or undecodable file.
    """
    path = Path(path)
    raw = decode_file(path)
    if not raw.strip():
        raise UnusableFileError(path, "empty file", "add text to it or remove it from the corpus")
    kind = path.suffix.lower()
    if kind == ".md":
        return Page(source, raw, parse_markdown(raw, source)), []
    if kind in (".html", ".htm"):
        doc = html_text(raw)
        articles = [replace(a, date=doc.date, url=doc.url) for a in parse_html(doc.text, source)]
        return Page(source, doc.text, articles), []
    if kind == ".jsonl":
        doc = jsonl_text(raw, source)
        return Page(source, doc.text, doc.articles), [Skipped(source, why, n) for n, why in doc.bad_lines]
    return Page(source, raw, parse_page(raw, source)), []


def read_corpus(root: Path, sources: list[tuple[str, Path]] | None = None) -> CorpusReport:
    """Read and parse every supported file under root (sorted by relative path), or the given
    ``(source, path)`` list (a corpus about to change, see rag.update).

    Unusable files are skipped and listed in ``skipped``; CorpusError only when
    the folder is missing or holds no usable file at all.
    """
    sources = iter_sources(root) if sources is None else sources
    if not sources:
        raise CorpusError(f"no {_PATTERNS} files under {root}; put the newspaper pages there")
    pages: list[Page] = []
    skipped: list[Skipped] = []
    for source, path in sources:
        try:
            page, bad_lines = read_page(path, source)
        except UnusableFileError as e:
            skipped.append(Skipped(source, e.reason))
            continue
        skipped.extend(bad_lines)
        if any(a.paragraphs for a in page.articles):
            pages.append(page)
        else:
            skipped.append(Skipped(source, "no article text found"))
    if not pages:
        raise CorpusError(f"no usable file under {root}: {describe_skipped(skipped)}; "
                          "fix these files or add UTF-8 text files")
    return CorpusReport(pages, skipped)


def load_corpus(root: Path) -> list[Page]:
    """The usable pages under root; ``read_corpus`` also tells what was skipped."""
    return read_corpus(root).pages


def describe_skipped(skipped: list[Skipped]) -> str:
    """One line naming every skipped file or line, with its reason."""
    return "; ".join(str(s) for s in skipped)


# --------------------------------------------------------------------------
# Line classification
# --------------------------------------------------------------------------

# Column names seen on the pages; they may also appear without the ◎ mark.
KNOWN_SECTIONS = (
    "广角", "信息集装箱", "观潮", "学思践悟", "知行合一", "五化协同 大抓基层",
    "初心如磐", "每周一学", "掠影", "北疆党旗红", "红船初心",
)
# Sections whose body is a box of short news items: each paragraph is a brief.
BOX_SECTIONS = frozenset({"信息集装箱", "每周一学"})

BULLETS = "●◆★■▲•◇☆"
SECTION_MARK = "◎"
TITLE_MAX = 40        # longest derived title (first clause of a caption/brief)
SHORT_MAX = 32        # longest line that can be a title or subheading
MIN_COMMA_CLAUSE = 5  # "近日," is too short to be a title: cut at a later comma

_NEWLINE = re.compile(r"\r\n|\r|\n")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_ROLE = r"(?:本报记者|本报通讯员|特约记者|见习记者|实习记者|记者|通讯员|实习生)"
_NAME = rf"[{_CJK}·]{{2,5}}"
_NAMES = rf"(?:{_ROLE}\s*)?{_NAME}(?:\s+(?:{_ROLE}\s*)?{_NAME})*"
_BYLINE_RE = re.compile(rf"^(?:□\s*(?P<box>\S.{{0,38}})|{_ROLE}\s*{_NAME}(?:\s+(?:{_ROLE}\s*)?{_NAME})*)$")
_PAREN_BYLINE_RE = re.compile(rf"^[(（]\s*(?P<name>{_NAMES})\s*[)）]$")
_CREDIT_RE = re.compile(rf"^(?P<name>{_NAMES})\s+摄$")
_INLINE_CREDIT_RE = re.compile(rf"(?<=[。！？!?”」）)\s])\s*(?P<name>{_NAMES})\s+摄$")
_TRAILING_PAREN_RE = re.compile(rf"[(（]\s*(?P<name>{_NAMES})\s*[)）]$")
_SECTION_SUFFIX_RE = re.compile(r"^[\u2460-\u2473\d]*$")
_AUTHOR_MARK_RE = re.compile(rf"^[{_CJK}]{{2,4}}$")

_TERMINAL = set("。！？!?…；;：:”’\"'」』）)】》—~")
_NOT_TITLE_END = set("，,、；;：:。…“‘(（")
_HARD_STOPS = set("。！？!?：:；;")
_COMMAS = set("，,")


@dataclass
class _Piece:
    """One non-blank line: trimmed span, text, kind and what its kind needs."""

    start: int
    end: int
    text: str
    gap: int                 # blank lines between the previous piece and this one
    kind: str = "body"       # section|mark|byline|credit|bullet|short|body|markup
    name: str = ""           # section name or byline text
    paren: bool = False      # byline written as "(本报记者 X)"
    inline_title: Span | None = None   # "◎学思践悟 Title" on one line
    credit: str = ""         # trailing "X 摄" photo credit inside a paragraph
    dup: bool = False        # body text already seen earlier on the page


def _split_pieces(text: str) -> list[_Piece]:
    """Non-blank lines of text as trimmed spans, with the blank-line gap before each."""
    pieces: list[_Piece] = []
    gap, pos = 0, 0
    bounds = [(m.start(), m.end()) for m in _NEWLINE.finditer(text)] + [(len(text), len(text))]
    for nl_start, nl_end in bounds:
        line = text[pos:nl_start]
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            pieces.append(_classify(text, start, start + len(stripped), gap))
            gap = 0
        else:
            gap += 1
        pos = nl_end
    if pieces:
        pieces[0].gap = max(pieces[0].gap, 2)  # the page start opens a block
    return pieces


def _classify(text: str, start: int, end: int, gap: int) -> _Piece:
    """Decide what one trimmed line is, from its own text only."""
    s = text[start:end]
    p = _Piece(start, end, s, gap)
    if s[0] == SECTION_MARK:
        _classify_mark(text, p)
    elif _is_known_section(s):
        p.kind, p.name = "section", s
    elif m := _BYLINE_RE.match(s):
        p.kind, p.name = "byline", (m.group("box") or s).strip()
    elif m := _PAREN_BYLINE_RE.match(s):
        p.kind, p.name, p.paren = "byline", m.group("name"), True
    elif m := _CREDIT_RE.match(s):
        p.kind, p.name = "credit", m.group("name")
    elif s[0] in BULLETS:
        _classify_bullet(text, p)
    elif _looks_short(s):
        p.kind = "short"
    else:
        m = _INLINE_CREDIT_RE.search(s)
        p.credit = m.group("name") if m else ""
    return p


def _classify_mark(text: str, p: _Piece) -> None:
    """``◎Name``: a section, a section plus inline title, or an author mark."""
    body_start = p.start + 1
    while body_start < p.end and text[body_start].isspace():
        body_start += 1
    name = text[body_start:p.end]
    p.kind, p.name = "section", name
    for known in sorted(KNOWN_SECTIONS, key=len, reverse=True):
        rest = name[len(known):]
        if name.startswith(known) and rest[:1].isspace() and len(rest.strip()) >= 4:
            p.name = known
            t_start = body_start + len(known) + len(rest) - len(rest.lstrip())
            p.inline_title = (t_start, p.end)
            return
        if name.startswith(known) and _SECTION_SUFFIX_RE.match(rest):
            return
    if _AUTHOR_MARK_RE.match(name):
        p.kind = "mark"  # unknown 2-4 character name: section or author, by context


def _classify_bullet(text: str, p: _Piece) -> None:
    """A bullet item; its span starts after the bullet glyph(s)."""
    s = p.start
    while s < p.end and (text[s] in BULLETS or text[s].isspace()):
        s += 1
    if s >= p.end:
        p.kind = "markup"
        return
    p.kind, p.start, p.text = "bullet", s, text[s:p.end]


def _is_known_section(s: str) -> bool:
    """An unmarked line that is exactly a known column name (maybe numbered)."""
    return any(s.startswith(k) and _SECTION_SUFFIX_RE.match(s[len(k):]) for k in KNOWN_SECTIONS)


def _looks_short(s: str) -> bool:
    """Title/subheading shape: short, no sentence punctuation inside or at the end."""
    if len(s) > SHORT_MAX or s[-1] in _NOT_TITLE_END or "。" in s or ";" in s or "；" in s:
        return False
    inner = s[:-1]
    if any(c in inner for c in "!?！？"):
        return False
    return not (s[-1] in "!?！？" and len(s) > 20)


def _mark_duplicates(pieces: list[_Piece]) -> None:
    """Flag body/bullet lines whose text already appeared earlier on the page."""
    seen: set[str] = set()
    for p in pieces:
        if p.kind in ("body", "bullet"):
            p.dup = p.text in seen
            seen.add(p.text)


def _is_fragment(s: str) -> bool:
    """A short line that is a sentence piece (comma inside, open end), not a heading."""
    return _ends_open(s) and any(c in s for c in "，,")


def _ends_open(s: str) -> bool:
    """True when a paragraph stops mid-sentence (no closing punctuation)."""
    return s[-1] not in _TERMINAL


# --------------------------------------------------------------------------
# Grouping lines into articles
# --------------------------------------------------------------------------


@dataclass
class _Draft:
    """An article being assembled."""

    section: str
    kind: str = "article"
    title_span: Span | None = None
    byline: str = ""
    paras: list[Span] = field(default_factory=list)


def parse_page(text: str, source: str) -> list[Article]:
    """Split one page into articles, captions and briefs, in reading order."""
    pieces = _split_pieces(text)
    _mark_duplicates(pieces)
    return _PageParser(text, source, pieces).run()


class _PageParser:
    """One pass over the classified lines of a page, building drafts.

    Title-like lines wait in ``pending`` until the next line shows what they
    are: a title (byline or body follows), a subheading (inside an article),
    a caption title (a credited photo paragraph follows) or a title printed
    after its own article (a section mark or the page end follows).
    """

    def __init__(self, text: str, source: str, pieces: list[_Piece]):
        self.text, self.source, self.pieces = text, source, pieces
        self.section = ""
        self.cur: _Draft | None = None
        self.pending: list[_Piece] = []
        self.done: list[_Draft] = []
        self.prev_kind = ""

    def run(self) -> list[Article]:
        """Walk all lines and return the finished articles."""
        i = 0
        while i < len(self.pieces):
            p = self.pieces[i]
            if p.dup or p.kind == "markup":
                i += 1
                continue
            if p.gap >= 2:
                self._on_gap()
            i = self._dispatch(i, p)
            self.prev_kind = p.kind
        self._resolve_trailing()
        self._close()
        return [a for d in self.done if (a := self._article(d)) is not None]

    def _dispatch(self, i: int, p: _Piece) -> int:
        """Handle line i by kind; return the index of the next line to read."""
        if p.kind == "mark":
            if self.pending and self._next_kind(i) != "byline":
                self._start_from_pending(byline=p.name)
            else:
                self._on_section(i, p)
        elif p.kind == "section":
            self._on_section(i, p)
        elif p.kind == "byline":
            self._on_byline(p)
        elif p.kind == "credit":
            self._on_credit(p)
        elif p.kind == "short":
            self.pending.append(p)
        else:
            return self._on_body(i, p)
        return i + 1

    # -- helpers over the line list ---------------------------------------

    def _next_index(self, i: int) -> int | None:
        """Index of the next line after i that is not skipped, or None."""
        for j in range(i + 1, len(self.pieces)):
            if not self.pieces[j].dup and self.pieces[j].kind != "markup":
                return j
        return None

    def _next_kind(self, i: int) -> str:
        """Kind of the next line after i that is read ("" at the page end)."""
        j = self._next_index(i)
        return "" if j is None else self.pieces[j].kind

    def _join(self, i: int) -> tuple[Span, int]:
        """Span of line i plus the lines continuing it across column breaks.

        A paragraph continues when it ends without closing punctuation and the
        very next line (at most one blank line away) is ordinary body text.
        """
        p = self.pieces[i]
        end, j = p.end, i
        while (
            self.pieces[j].kind in ("body", "bullet")
            and not self.pieces[j].credit
            and _ends_open(self.pieces[j].text)
            and j + 1 < len(self.pieces)
        ):
            q = self.pieces[j + 1]
            if q.kind != "body" or q.dup or q.gap > 1:
                break
            end, j = q.end, j + 1
        return (p.start, end), j + 1

    # -- events -------------------------------------------------------------

    def _on_gap(self) -> None:
        """A run of blank lines starts a new layout block (photo, box, column)."""
        if self.pending:
            self._resolve_trailing()
        if self.prev_kind != "section":
            self.section = ""

    def _on_section(self, i: int, p: _Piece) -> None:
        """A column mark closes the current article and sets the section."""
        if self.pending:
            # carried over when the mark sits between a title and its article
            if p.inline_title or self._next_kind(i) not in ("byline", "body"):
                self._resolve_trailing()
        self._close()
        self.section = p.name
        if p.inline_title:
            s, e = p.inline_title
            self.pending.append(_Piece(s, e, self.text[s:e], 0, kind="short"))

    def _on_byline(self, p: _Piece) -> None:
        """A byline starts an article after a title, or completes the current one."""
        cur = self.cur
        if self.pending:
            self._start_from_pending(byline=p.name)
        elif cur and cur.kind == "article" and not cur.paras:
            cur.byline = f"{cur.byline} {p.name}".strip()
        elif p.paren and cur and not cur.byline:
            cur.byline = p.name
        else:
            self._close()
            self.cur = _Draft(self.section, byline=p.name)

    def _on_credit(self, p: _Piece) -> None:
        """A stand-alone "X 摄" line credits the caption just read."""
        if self.cur and self.cur.kind == "caption" and not self.cur.byline:
            self.cur.byline = p.name
        elif self.pending:
            last = self.pending.pop()
            if self.pending:
                self._start_from_pending(kind="caption", byline=p.name)
            else:
                self._start(kind="caption", byline=p.name)
            self.cur.paras.append((last.start, last.end))

    def _on_body(self, i: int, p: _Piece) -> int:
        """Place a paragraph (or bullet item): new article, caption, brief or append."""
        span, nxt = self._join(i)
        credit = p.credit or (
            self.pieces[nxt].name if nxt < len(self.pieces) and self.pieces[nxt].kind == "credit" else ""
        )
        is_caption = p.kind == "body" and bool(credit)
        cur = self.cur
        in_article = cur is not None and cur.kind == "article"
        if self.pending:
            if is_caption:
                self._start_from_pending(kind="caption", byline=credit)
            elif p.kind == "bullet":
                self._pending_as_label()
                self._start(kind="brief", byline=_trailing_byline(p.text))
            elif in_article and self.pending[0].gap < 2:
                span = self._flush_subheadings(p, span)
            else:
                self._start_from_pending()
        elif is_caption and (not in_article or p.gap >= 2 or self.prev_kind == "section"):
            self._start(kind="caption", byline=credit)
        elif p.kind == "bullet":
            self._start(kind="brief", byline=_trailing_byline(p.text))
        elif in_article:
            pass
        elif self.section in BOX_SECTIONS:
            self._start(kind="brief", byline=_trailing_byline(p.text))
        else:
            self._start()
        self.cur.paras.append(span)
        if self.cur.kind in ("caption", "brief"):
            self.cur.byline = self.cur.byline or credit
        return nxt

    def _flush_subheadings(self, p: _Piece, span: Span) -> Span:
        """Pending lines inside an article are subheadings, kept as paragraphs.

        The last one is instead the head of ``span`` when it reads as a
        sentence broken across columns (has a comma, no closing punctuation).
        """
        *head, last = self.pending
        self.pending = []
        self.cur.paras.extend((q.start, q.end) for q in head)
        if p.kind == "body" and p.gap <= 1 and _is_fragment(last.text):
            return (last.start, span[1])
        self.cur.paras.append((last.start, last.end))
        return span

    # -- draft management ---------------------------------------------------

    def _start(self, kind: str = "article", byline: str = "") -> None:
        """Close the current draft and open a new one in the current section."""
        self._close()
        self.cur = _Draft(self.section, kind=kind, byline=byline)

    def _start_from_pending(self, kind: str = "article", byline: str = "") -> None:
        """New draft titled by the last pending line; earlier ones lead its body."""
        *head, title = self.pending
        self.pending = []
        self._start(kind, byline)
        self.cur.title_span = (title.start, title.end)
        self.cur.paras.extend((q.start, q.end) for q in head)

    def _pending_as_label(self) -> None:
        """Short lines right before bullet items: the last one names the box."""
        *head, label = self.pending
        self.pending = head
        if head:
            self._resolve_trailing()
        self.section = label.text

    def _resolve_trailing(self) -> None:
        """Pending lines not followed by their article: a late title or plain text.

        An untitled article takes the last one as its title (some pages print
        the headline after the body); otherwise they are kept as paragraphs.
        """
        if not self.pending:
            return
        cur = self.cur
        if cur and cur.kind == "article" and cur.title_span is None and cur.paras:
            *head, title = self.pending
            cur.paras.extend((q.start, q.end) for q in head)
            cur.title_span = (title.start, title.end)
        elif cur and cur.kind == "article":
            cur.paras.extend((q.start, q.end) for q in self.pending)
        else:
            self._start()
            self.cur.paras.extend((q.start, q.end) for q in self.pending)
        self.pending = []

    def _close(self) -> None:
        """Finish the current draft, if any."""
        if self.cur is not None:
            self.done.append(self.cur)
            self.cur = None

    def _article(self, d: _Draft) -> Article | None:
        """Freeze a draft; untitled ones get their first clause as title."""
        if d.title_span is None:
            if not d.paras:
                return None
            d.title_span = _first_clause(self.text, d.paras[0])
        s, e = d.title_span
        return Article(
            source=self.source,
            title=self.text[s:e],
            section=d.section,
            byline=d.byline,
            kind=d.kind,
            title_span=d.title_span,
            paragraphs=tuple(d.paras),
        )


def _trailing_byline(s: str) -> str:
    """Author of a news brief from its closing "(本报记者 X)", else ""."""
    m = _TRAILING_PAREN_RE.search(s)
    return m.group("name") if m else ""


def _first_clause(text: str, span: Span) -> Span:
    """Span of a paragraph's first clause (to 。:; or a later ，), at most TITLE_MAX.

    Used as title for captions, briefs and articles printed without one.
    """
    start, end = span
    s = start
    while s < end and (text[s] in BULLETS or text[s].isspace()):
        s += 1
    if s >= end:
        s = start
    cut = end
    for k in range(s, end):
        ch = text[k]
        if ch in _HARD_STOPS or (ch in _COMMAS and k - s >= MIN_COMMA_CLAUSE):
            cut = k
            break
    if cut == s:  # the paragraph starts with a stop: take its beginning
        cut = end
    cut = min(cut, s + TITLE_MAX)
    while cut > s + 1 and text[cut - 1].isspace():
        cut -= 1
    return (s, cut)


# --------------------------------------------------------------------------
# Other formats: markdown, HTML, JSON lines
# --------------------------------------------------------------------------


def _trim(text: str, start: int, end: int) -> Span:
    """``(start, end)`` narrowed past surrounding whitespace (empty when all blank)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _line_bounds(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """``(start, end)`` of each line of text[start:end], newline characters excluded."""
    end = len(text) if end is None else end
    bounds, pos = [], start
    for m in _NEWLINE.finditer(text, start, end):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, end))
    return bounds


def _text_lines(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Trimmed spans of the non-blank lines of text[start:end]."""
    return [(s, e) for s, e in (_trim(text, *b) for b in _line_bounds(text, start, end)) if e > s]


def _freeze(text: str, source: str, d: _Draft, date: str = "", url: str = "") -> Article | None:
    """An article from a draft with body text; untitled ones get their first clause as title."""
    if not d.paras:
        return None
    if d.title_span is None:
        d.title_span = _first_clause(text, _text_lines(text, *d.paras[0])[0])
    s, e = d.title_span
    return Article(source=source, title=text[s:e], section=d.section, byline=d.byline, kind=d.kind,
                   title_span=d.title_span, paragraphs=tuple(d.paras), date=date, url=url)


# -- markdown ---------------------------------------------------------------

_MD_HEADING = re.compile(r" {0,3}(#{1,6})(?=\s|$)")
_MD_CLOSING = re.compile(r"(?:^|\s)#+\s*$")
_MD_RULE = re.compile(r" {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|=+[ \t]*|-+[ \t]*)$")
_MD_FENCE = re.compile(r" {0,3}(?:`{3,}|~{3,})")
_MD_ITEM = re.compile(r"[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?=[ \t])|>)")


def parse_markdown(text: str, source: str) -> list[Article]:
    """Articles of a markdown file, whose decoded text is the file itself.

    Each level-1 heading starts an article titled by it; before the first one,
    the title is the first heading, else a short first line, else the first
    clause of the first paragraph. Paragraphs are blocks separated by blank
    lines; other headings, list items and quotes are paragraphs of their own.
    Spans leave out the markup at a line start (``#``, ``-``, ``1.``, ``>``);
    inline markup (``**bold**``, links) stays, since spans are verbatim.
    """
    drafts = [_Draft("")]
    block: list[int] = []  # [start, end, lines] of the paragraph being read
    fenced = False

    def flush() -> None:
        if block:
            _md_paragraph(text, drafts[-1], (block[0], block[1]), block[2])
            block.clear()

    for s, e in _line_bounds(text):
        line = text[s:e]
        if _MD_FENCE.match(line):
            flush()
            fenced = not fenced
        elif not line.strip():
            flush()
        elif not fenced and (m := _MD_HEADING.match(line)):
            flush()
            _md_heading(text, drafts, s + m.end(), e, len(m.group(1)))
        elif not fenced and _MD_RULE.match(line):
            if block and block[2] == 1 and line.strip()[0] in "=-":  # setext underline
                span = (block[0], block[1])
                block.clear()
                _md_heading(text, drafts, *span, 1 if "=" in line else 2)
            else:
                flush()
        else:
            if not fenced and (m := _MD_ITEM.match(line)):
                flush()
                s += m.end()
            ts, te = _trim(text, s, e)
            if te == ts:
                continue
            if block:
                block[1], block[2] = te, block[2] + 1
            else:
                block[:] = [ts, te, 1]
    flush()
    return [a for d in drafts if (a := _freeze(text, source, d)) is not None]


def _md_heading(text: str, drafts: list[_Draft], start: int, end: int, level: int) -> None:
    """A heading: title of a new article (level 1), of an untitled one, else a paragraph."""
    m = _MD_CLOSING.search(text, start, end)
    span = _trim(text, start, m.start() if m else end)
    if span[1] == span[0]:
        return
    cur = drafts[-1]
    if level == 1 and (cur.title_span or cur.paras):
        cur = _Draft("")
        drafts.append(cur)
    if cur.title_span is None and not cur.paras:
        cur.title_span = span
    else:
        cur.paras.append(span)


def _md_paragraph(text: str, draft: _Draft, span: Span, lines: int) -> None:
    """A paragraph; a short single line opening an untitled article is its title."""
    if draft.title_span is None and not draft.paras and lines == 1 and _looks_short(text[span[0]:span[1]]):
        draft.title_span = span
    else:
        draft.paras.append(span)


# -- HTML -------------------------------------------------------------------

_HTML_DROP = frozenset({"script", "style", "noscript", "template", "nav", "aside", "footer", "svg", "iframe",
                        "select", "button"})
_HTML_PARA = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt",
                        "figcaption", "td", "th"})
_HTML_BLOCK = _HTML_PARA | {"div", "section", "article", "header", "main", "body", "table", "tr", "ul", "ol",
                            "dl", "figure", "address", "hr", "form", "center"}
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_DATE_META = frozenset({"article:published_time", "og:published_time", "pubdate", "publishdate", "publish_date",
                        "date", "dc.date", "dc.date.issued", "datepublished"})


class HtmlDoc(NamedTuple):
    """An HTML file as plain text (its decoded text for offsets) plus its metadata."""

    text: str
    date: str = ""
    url: str = ""


def html_text(markup: str) -> HtmlDoc:
    """The article text of an HTML page: the decoded text its spans index.

    Layout: the title (first ``<h1>``, else ``<title>``, else the first clause
    of the first paragraph) on the first line, then each paragraph (text of
    ``<p>``, ``<h2>``-``<h6>``, ``<li>``, ...; a ``<br>`` starts a new one) on
    its own line, all separated by blank lines and ending with a newline.
    Scripts, styles, navigation, asides and footers are dropped; when a page has
    no paragraph tags, the text of its other blocks (``<div>``) is used.
    Whitespace runs become one space. Date and URL come from ``<meta>``,
    ``<time datetime>`` and ``<link rel=canonical>``.
    """
    parser = _HtmlExtractor()
    parser.feed(markup)
    parser.close()
    return parser.doc()


def parse_html(text: str, source: str) -> list[Article]:
    """The article in ``html_text`` output: first line the title, each further line a paragraph."""
    lines = _text_lines(text)
    if len(lines) < 2:
        return []
    return [_freeze(text, source, _Draft("", title_span=lines[0], paras=lines[1:]))]


class _HtmlExtractor(HTMLParser):
    """Collects title, paragraph blocks and metadata from one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.drop = 0            # depth inside dropped elements
        self.para = 0            # depth inside paragraph elements
        self.in_title = False
        self.title: list[str] = []
        self.buf: list[str] = []
        self.buf_para = False
        self.buf_h1 = False
        self.blocks: list[tuple[str, bool, bool]] = []  # (text, from a paragraph tag, is an h1)
        self.date = self.url = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self.in_title = True
        elif tag == "meta":
            self._meta(a)
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split():
            self.url = self.url or a.get("href", "").strip()
        elif tag == "time" and a.get("datetime"):
            self.date = self.date or a["datetime"].strip()
        if tag in _HTML_DROP:
            self.drop += 1
        elif tag == "br":
            self.buf.append("\n")
        elif tag in _HTML_BLOCK:
            self._flush()
            if tag in _HTML_PARA:
                self.para += 1
                self.buf_h1 = tag == "h1"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_DROP:  # <script/> opens nothing
            return
        self.handle_starttag(tag, attrs)
        if tag in _HTML_PARA:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _HTML_DROP:
            self.drop = max(0, self.drop - 1)
        elif tag in _HTML_BLOCK:
            self._flush()
            if tag in _HTML_PARA:
                self.para = max(0, self.para - 1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.drop:
            self.buf.append(data)
            self.buf_para = self.buf_para or self.para > 0

    def _meta(self, a: dict[str, str]) -> None:
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
        content = a.get("content", "").strip()
        if key in _DATE_META and content:
            self.date = self.date or content
        elif key == "og:url" and content:
            self.url = self.url or content

    def _flush(self) -> None:
        """Close the text read since the last block boundary as paragraphs (one per line)."""
        for line in "".join(self.buf).split("\n"):
            line = _HTML_SPACE.sub(" ", line).strip()
            if line:
                self.blocks.append((line, self.buf_para, self.buf_h1))
        self.buf, self.buf_para, self.buf_h1 = [], False, False

    def doc(self) -> HtmlDoc:
        self._flush()
        blocks = self.blocks
        if any(from_para for _, from_para, _ in blocks):
            blocks = [b for b in blocks if b[1]]
        paras = [t for t, _, _ in blocks]
        h1 = next((i for i, b in enumerate(blocks) if b[2]), None)
        if h1 is not None:
            title = paras.pop(h1)
        else:
            title = _HTML_SPACE.sub(" ", "".join(self.title)).strip()
        if not paras:
            return HtmlDoc("", self.date, self.url)
        if not title:
            s, e = _first_clause(paras[0], (0, len(paras[0])))
            title = paras[0][s:e]
        return HtmlDoc("\n\n".join([title, *paras]) + "\n", self.date, self.url)


# -- JSON lines -------------------------------------------------------------


class JsonlDoc(NamedTuple):
    """A JSON lines file as text (its decoded text for offsets), its articles and its bad lines."""

    text: str
    articles: list[Article]
    bad_lines: list[tuple[int, str]]  # (1-based line number, reason)


def jsonl_text(raw: str, source: str) -> JsonlDoc:
    """Articles of a JSON lines file, one object a line: ``{"title", "text", "date"?, "url"?}``.

    The decoded text the spans index is the layout ``title\\n\\ntext\\n\\n`` for
    each usable line in file order (``text\\n\\n`` when the title is missing or
    empty; the title's whitespace runs become one space). Each non-blank line
    of ``text`` is a paragraph. A line that is not such an object is left out
    and listed in ``bad_lines``.
    """
    parts: list[str] = []
    drafts: list[tuple[_Draft, str, str]] = []
    bad: list[tuple[int, str]] = []
    pos = 0
    for number, line in enumerate(raw.split("\n"), 1):  # not splitlines: U+2028 may sit in a string
        if not line.strip():
            continue
        item, reason = _jsonl_item(line)
        if item is None:
            bad.append((number, reason))
            continue
        title = " ".join(_scalar(item.get("title")).split())
        head = f"{title}\n\n" if title else ""
        body = item["text"]
        draft = _Draft("", title_span=(pos, pos + len(title)) if title else None,
                       paras=[(pos + len(head) + s, pos + len(head) + e) for s, e in _text_lines(body)])
        drafts.append((draft, _scalar(item.get("date")).strip(), _scalar(item.get("url")).strip()))
        parts.append(f"{head}{body}\n\n")
        pos += len(parts[-1])
    text = "".join(parts)
    return JsonlDoc(text, [_freeze(text, source, d, date, url) for d, date, url in drafts], bad)


def _jsonl_item(line: str) -> tuple[dict | None, str]:
    """The object on one line, or None and why it cannot be used."""
    try:
        item = json.loads(line)
    except ValueError as e:
        return None, f"not valid JSON: {getattr(e, 'msg', e)}"
    if not isinstance(item, dict):
        return None, "not a JSON object"
    if not isinstance(item.get("text"), str) or not item["text"].strip():
        return None, 'no "text" string with article text'
    return item, ""


def _scalar(value: object) -> str:
    """A metadata value as text; lists, objects and null become ""."""
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
