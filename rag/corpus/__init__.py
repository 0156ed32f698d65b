"""Read corpus files and split them into articles with exact offsets.

One module per format, and one registry (``FORMATS``) from file suffix to reader:

- ``.txt``: newspaper pages (``page``); ``.md``: markdown (``markdown``);
  ``.html``/``.htm``: the article text of a web page (``html``); ``.jsonl``: one
  article a line (``jsonl``). ``decode`` turns bytes into text for all of them.

Every span indexes the file's *decoded text*, the string ``read_text`` returns:
``text[s:e]`` is always the verbatim paragraph or title. For .txt and .md that is the
file itself; for HTML and JSON lines it is a plain-text layout built from the file
(documented where it is built), so quotes read as text. No reader raises on odd input.
Unusable files (empty, binary, undecodable, no article text) are skipped and reported by
``read_corpus``, so one bad file does not stop a build.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from rag.errors import CorpusError
from rag.types import Article
from rag.util import sha256_file

from .decode import UnusableFileError, decode_file
from .html import html_text, parse_html, read_html
from .jsonl import jsonl_text, read_jsonl
from .markdown import parse_markdown, read_markdown
from .page import parse_page, read_page
from .spans import Parsed


@dataclass(frozen=True)
class Format:
    """How to read files of one suffix: ``parse(characters, source)``, and whether the file may
    declare its own codec (``<meta charset>``)."""

    parse: Callable[[str, str], Parsed]
    declares_charset: bool = False


FORMATS: dict[str, Format] = {
    ".txt": Format(read_page),
    ".md": Format(read_markdown),
    ".html": Format(read_html, declares_charset=True),
    ".htm": Format(read_html, declares_charset=True),
    ".jsonl": Format(read_jsonl),
}
SUFFIXES = tuple(FORMATS)
_PATTERNS = ", ".join(f"*{s}" for s in SUFFIXES[:-1]) + f" or *{SUFFIXES[-1]}"


def format_of(path: Path) -> Format | None:
    """The reader for a file by its suffix (case-insensitive), None for a file the corpus skips."""
    return FORMATS.get(Path(path).suffix.lower())


def _decode(path: Path) -> tuple[Format, str]:
    fmt = format_of(path) or FORMATS[".txt"]
    return fmt, decode_file(path, fmt.declares_charset)


def read_text(path: Path) -> str:
    """The decoded text of a corpus file: the string every span of its articles indexes.

    Raises UnusableFileError (a CorpusError) for a binary or undecodable file.
    """
    fmt, raw = _decode(Path(path))
    return fmt.parse(raw, Path(path).name).text


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
        if (format_of(path) is not None and path.is_file()
                and not any(part.startswith(".") for part in rel.parts)):
            found.append((rel.as_posix(), path))
    return sorted(found)


def read_file(path: Path, source: str) -> tuple[Page, list[Skipped]]:
    """Read and parse one file by its suffix; also returns its skipped JSON lines.

    Raises UnusableFileError for an empty, binary or undecodable file.
    """
    fmt, raw = _decode(Path(path))
    if not raw.strip():
        raise UnusableFileError(path, "empty file", "add text to it or remove it from the corpus")
    parsed = fmt.parse(raw, source)
    return Page(source, parsed.text, parsed.articles), [Skipped(source, why, n) for n, why in parsed.bad_lines]


def iter_pages(root: Path, sources: list[tuple[str, Path]] | None = None,
               skipped: list[Skipped] | None = None) -> Iterator[Page]:
    """Read and parse every supported file under root (sorted by relative path), or the given
    ``(source, path)`` list (a corpus about to change, see rag.update), one file at a time.

    Unusable files are skipped and appended to ``skipped``; CorpusError only when the folder is
    missing or holds no usable file at all (raised once every file has been tried).
    """
    sources = iter_sources(root) if sources is None else sources
    if not sources:
        raise CorpusError(f"no {_PATTERNS} files under {root}; put the newspaper pages there")
    skipped = [] if skipped is None else skipped
    usable = 0
    for source, path in sources:
        try:
            page, bad_lines = read_file(path, source)
        except UnusableFileError as e:
            skipped.append(Skipped(source, e.reason))
            continue
        skipped.extend(bad_lines)
        if any(a.paragraphs for a in page.articles):
            usable += 1
            yield page
        else:
            skipped.append(Skipped(source, "no article text found"))
    if not usable:
        raise CorpusError(f"no usable file under {root}: {describe_skipped(skipped)}; "
                          "fix these files or add UTF-8 text files")


def read_corpus(root: Path, sources: list[tuple[str, Path]] | None = None) -> CorpusReport:
    """Every usable page in memory and everything skipped (see iter_pages)."""
    skipped: list[Skipped] = []
    return CorpusReport(list(iter_pages(root, sources, skipped)), skipped)


def describe_skipped(skipped: list[Skipped]) -> str:
    """One line naming every skipped file or line, with its reason."""
    return "; ".join(str(s) for s in skipped)



PENDING = ".rag-pending.json"  # journal of an add/remove not yet finished (see rag.update)


def has_pending(root: Path) -> bool:
    """True while a change to the corpus folder is journaled but not carried out."""
    return (Path(root) / PENDING).exists()


def corpus_file_hashes(root: Path, sources: list[tuple[str, Path]] | None = None) -> dict[str, str]:
    """{source: sha256} for every file the corpus reader takes, skipped ones too (fixing one makes an index stale)."""
    return {source: sha256_file(path) for source, path in (iter_sources(root) if sources is None else sources)}


__all__ = [
    "FORMATS", "SUFFIXES", "CorpusReport", "Format", "Page", "Parsed", "Skipped", "UnusableFileError",
    "PENDING", "corpus_file_hashes", "has_pending", "decode_file", "describe_skipped", "format_of", "html_text", "iter_pages", "iter_sources", "jsonl_text",
    "parse_html", "parse_markdown", "parse_page", "read_corpus", "read_file", "read_text",
]
