"""Search filters: which passages a query may return, by source file, date range and section.

Validated once at the boundary (``Filters.of``), then applied as a boolean mask over the
index's passages, built from columns computed once per index (``PassageColumns``).
Dates are ISO strings (rag.corpus.dates), so ranges compare as strings; a passage without a
date is left out by any date filter.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import QueryError
from .types import Passage

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_LISTED = 5  # known values named in an error message


@dataclass(frozen=True)
class Filters:
    sources: frozenset[str] = frozenset()
    since: str = ""  # inclusive, YYYY[-MM[-DD]]
    until: str = ""  # inclusive: "2023-05" takes all of May
    section: str = ""

    @classmethod
    def of(cls, sources: object = None, since: object = None, until: object = None,
           section: object = None) -> "Filters":
        """Checked filters from API or CLI arguments; a bad one raises QueryError with the fix."""
        since_, until_ = _date_arg("since", since), _date_arg("until", until)
        if since_ and until_ and since_ > until_:
            raise QueryError(f"since ({since_}) is after until ({until_}); swap them")
        return cls(_sources_arg(sources), since_, until_, _text_arg("section", section))

    def __bool__(self) -> bool:
        return bool(self.sources or self.since or self.until or self.section)

    def expression(self) -> str:
        """The same filters as a Milvus boolean expression over the passages' source, date and section
        fields, for a backend that applies them itself (a mask or an id list would grow with the archive)."""
        parts = []
        if self.sources:
            parts.append(f"source in {json.dumps(sorted(self.sources), ensure_ascii=False)}")
        if self.section:
            parts.append(f"section == {json.dumps(self.section, ensure_ascii=False)}")
        if self.since or self.until:
            parts.append('date != ""')
        if self.since:
            parts.append(f"date >= {json.dumps(self.since)}")
        if self.until:
            parts.append(f"date <= {json.dumps(_upper_bound(self.until))}")
        return " and ".join(parts)

    def check_named(self, sources: frozenset[str], sections: frozenset[str] | None) -> None:
        """Unknown sources or sections are a QueryError naming the known ones (``sections`` None: not
        recorded, left unchecked)."""
        if self.sources:
            _check_known("source", self.sources, sources)
        if self.section and sections is not None:
            _check_known("section", {self.section}, sections)

    def mask(self, columns: "PassageColumns") -> np.ndarray:
        """True for each passage these filters let through."""
        keep = np.ones(len(columns.source), dtype=bool)
        if self.sources:
            columns.check_known("source", self.sources)
            keep &= np.isin(columns.source, sorted(self.sources))
        if self.section:
            columns.check_known("section", {self.section})
            keep &= columns.section == self.section
        if self.since:
            keep &= (columns.date != "") & (columns.date >= self.since)
        if self.until:
            keep &= (columns.date != "") & (columns.date <= _upper_bound(self.until))
        return keep


@dataclass(frozen=True)
class LeftOut:
    """An article to answer as if the archive did not hold it (calibration's unanswerable probes):
    the passages of its file, and of any file under its title (a SQuAD article is one file per
    paragraph). A file is left out whole because the articles that share one are alike (a newspaper
    page is one section); measured on the seeds, this carries a threshold across corpora better
    than leaving out the titled article alone (eval/reports/calibration/two_sided.md). Search
    fetches more candidates and drops these, so no mask over the whole archive is built and every
    backend takes it."""

    source: str
    title: str = ""

    def drops(self, passage: Passage) -> bool:
        return passage.source == self.source or bool(self.title) and passage.title == self.title


@dataclass(frozen=True)
class PassageColumns:
    """What filters look at, one array per field, in passage id order."""

    source: np.ndarray
    date: np.ndarray
    section: np.ndarray
    _known: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, passages: list[Passage]) -> "PassageColumns":
        return cls(*(np.array([getattr(p, name) for p in passages], dtype=str) for name in ("source", "date", "section")))

    @classmethod
    def of_store(cls, store) -> "PassageColumns":
        """From the text store (rag.store.TextStore), without reading passage texts."""
        return cls(*(np.array(values, dtype=str) for values in store.passage_fields()))

    def known(self, field: str) -> frozenset[str]:
        """The distinct non-empty values of a field (cached: the columns never change)."""
        if field not in self._known:
            self._known[field] = frozenset(np.unique(getattr(self, field)).tolist()) - {""}
        return self._known[field]

    def check_known(self, field: str, wanted: set[str] | frozenset[str]) -> None:
        _check_known(field, wanted, self.known(field))


def _check_known(field: str, wanted: set[str] | frozenset[str], known: frozenset[str]) -> None:
    unknown = sorted(set(wanted) - known)
    if unknown:
        some = ", ".join(sorted(known)[:_LISTED]) + (", …" if len(known) > _LISTED else "")
        raise QueryError(f"no {field} named {', '.join(unknown)} in this index; known: {some or 'none'}")


def _upper_bound(until: str) -> str:
    """The last ISO date string an inclusive "until" admits: 2023 -> 2023-99-99 sorts after all of 2023."""
    return until + "-99-99"[len(until) - 4:]


def _date_arg(name: str, value: object) -> str:
    if value is None or value == "":
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else value
    m = _DATE.match(text) if isinstance(text, str) else None
    if not m or not _real_date(m):
        raise QueryError(f"{name} must be a date written YYYY-MM-DD (or YYYY-MM, YYYY), got {value!r}")
    return text


def _real_date(m: re.Match) -> bool:
    try:
        dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return False
    return True


def _sources_arg(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple, set, frozenset)) or not all(isinstance(v, str) and v for v in values):
        raise QueryError(f"sources must be a list of file names as cited (e.g. ['000_x.txt']), got {value!r}")
    return frozenset(values)


def _text_arg(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise QueryError(f"{name} must be a string, got {type(value).__name__}")
    return value.strip()
