"""Newspaper pages (``.txt``): split a page into articles, captions and briefs with exact offsets.

A page is plain text: one paragraph per line, paragraphs separated by blank lines, with section
marks (``◎广角``), titles, bylines (``□本报记者 宋爽``), photo captions (``… 本报记者 X 摄``) and
bullet items (``● ◆ ★``) mixed in. ``parse_page`` walks the lines once, classifies each, and
groups them into ``Article`` values; the decoded text the spans index is the file itself.

The page layout comes from scanned pages, so its rules are heuristics tuned on the seed pages;
the parser never raises on odd input (see the property tests).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rag.types import Article, Span

from .dates import DATELINE, normalize_date
from .spans import BULLETS, NEWLINE, Draft, Parsed, first_clause, looks_short

# Column names seen on the pages; they may also appear without the ◎ mark.
KNOWN_SECTIONS = (
    "广角", "信息集装箱", "观潮", "学思践悟", "知行合一", "五化协同 大抓基层",
    "初心如磐", "每周一学", "掠影", "北疆党旗红", "红船初心",
)
# Sections whose body is a box of short news items: each paragraph is a brief.
BOX_SECTIONS = frozenset({"信息集装箱", "每周一学"})

SECTION_MARK = "◎"

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
    bounds = [(m.start(), m.end()) for m in NEWLINE.finditer(text)] + [(len(text), len(text))]
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
    elif looks_short(s):
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


DATELINE_LOOKS = 3  # a page's date line stands among its first lines, before any article


def parse_page(text: str, source: str) -> list[Article]:
    """Split one page into articles, captions and briefs, in reading order."""
    pieces = _split_pieces(text)
    _mark_duplicates(pieces)
    date = _take_dateline(pieces)
    articles = _PageParser(text, source, pieces).run()
    return [replace(a, date=date) for a in articles] if date else articles


def _take_dateline(pieces: list[_Piece]) -> str:
    """The page's date from a date line at its top ("2023年5月12日 星期五"), which is then no text."""
    for p in pieces[:DATELINE_LOOKS]:
        if DATELINE.match(p.text) and (date := normalize_date(p.text)):
            p.kind = "markup"
            return date
    return ""


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
        self.cur: Draft | None = None
        self.pending: list[_Piece] = []
        self.done: list[Draft] = []
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
            self.cur = Draft(self.section, byline=p.name)

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
        self.cur = Draft(self.section, kind=kind, byline=byline)

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

    def _article(self, d: Draft) -> Article | None:
        """Freeze a draft; untitled ones get their first clause as title."""
        if d.title_span is None:
            if not d.paras:
                return None
            d.title_span = first_clause(self.text, d.paras[0])
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


def read_page(raw: str, source: str) -> Parsed:
    return Parsed(raw, parse_page(raw, source))
