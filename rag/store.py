"""The text store: each article's text once, in SQLite; passages and sentences are offsets into it.

A passage or a sentence is a row (article, start, end); its text is the article's stored text sliced
at those file offsets, so nothing is stored twice and ``file_text[start:end] == text`` still holds.
Row numbers start at 0 in build order and are the ids of the vectors, so FAISS hits map straight to
rows. Nothing is loaded whole into Python: a million articles cost a file on disk and a few
queries per answer. The file is written once and opened read-only (``immutable``) by one connection,
shared by threads under a lock (queries take microseconds) and held open, so a rebuild that deletes
the folder cannot pull the file from under a running server.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .errors import IndexCorruptError
from .types import Passage

SCHEMA = """
CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE articles (id INTEGER PRIMARY KEY, source INTEGER NOT NULL, title TEXT NOT NULL,
                       section TEXT NOT NULL, date TEXT NOT NULL, start INTEGER NOT NULL, text TEXT NOT NULL);
CREATE TABLE passages (id INTEGER PRIMARY KEY, article INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL);
CREATE TABLE sentences (id INTEGER PRIMARY KEY, article INTEGER NOT NULL, source INTEGER NOT NULL,
                        start INTEGER NOT NULL, end INTEGER NOT NULL);
CREATE TABLE vocab (token TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
"""
# Created after the rows are in: one sort instead of a B-tree update per row.
INDEXES = "CREATE INDEX sentences_at ON sentences (source, start); CREATE INDEX sources_by_name ON sources (name);"
_ROW = ("SELECT s.name, a.title, a.section, a.date, a.start, a.text, t.start, t.end "
        "FROM {table} t JOIN articles a ON a.id = t.article JOIN sources s ON s.id = a.source ")


class StoreWriter:
    """Writes a new store file row by row; ``close`` adds the indexes and commits."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path)
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        self.source_ids: dict[str, int] = {}
        self.counts = {"articles": 0, "passages": 0, "sentences": 0}
        self.longest_sentence = 0
        self.gaps_kept = True  # every article came with the whitespace between its sentences

    def add_article(self, source: str, passages: Sequence[Passage], sentences: Sequence[Passage],
                    gaps: Sequence[Passage] | None = None) -> None:
        """One article's passages and sentences (all of one article: same source, title, section and date)
        and the whitespace between its sentences (chunking.whitespace_gaps; None: not known)."""
        self.gaps_kept &= gaps is not None
        units = list(passages) + list(sentences) + list(gaps or ())
        if not units:
            return
        first = units[0]
        start, end = min(u.start for u in units), max(u.end for u in units)
        text = _covering_text(units, start, end)
        source_id = self._source_id(source)
        article = self.counts["articles"]
        self.db.execute("INSERT INTO articles VALUES (?,?,?,?,?,?,?)",
                        (article, source_id, first.title, first.section, first.date, start, text))
        self.db.executemany("INSERT INTO passages VALUES (?,?,?,?)",
                            [(self.counts["passages"] + i, article, p.start, p.end) for i, p in enumerate(passages)])
        self.db.executemany("INSERT INTO sentences VALUES (?,?,?,?,?)",
                            [(self.counts["sentences"] + i, article, source_id, s.start, s.end)
                             for i, s in enumerate(sentences)])
        self.counts["articles"] += 1
        self.counts["passages"] += len(passages)
        self.counts["sentences"] += len(sentences)
        self.longest_sentence = max([self.longest_sentence, *(s.end - s.start for s in sentences)])

    def _source_id(self, source: str) -> int:
        if source not in self.source_ids:
            self.source_ids[source] = len(self.source_ids)
            self.db.execute("INSERT INTO sources VALUES (?,?)", (self.source_ids[source], source))
        return self.source_ids[source]

    def add_vocab(self, vocab: dict[str, int]) -> None:
        self.db.executemany("INSERT INTO vocab VALUES (?,?)", vocab.items())

    def close(self) -> None:
        self.db.execute("INSERT INTO meta VALUES ('longest_sentence', ?)", (self.longest_sentence,))
        self.db.execute("INSERT INTO meta VALUES ('gaps_kept', ?)", (int(self.gaps_kept),))
        self.db.executescript(INDEXES)
        self.db.commit()
        self.db.close()


def _covering_text(units: Sequence[Passage], start: int, end: int) -> str:
    """The file text from ``start`` to ``end``, pieced together from the units' verbatim texts; a
    stretch no unit covers (between two paragraph runs) is kept as spaces of the same length, so
    offsets hold and the store never claims text it was not given."""
    chars = [" "] * (end - start)
    for u in units:
        chars[u.start - start:u.end - start] = u.text
    return "".join(chars)


class TextStore:
    """Read side of a store file: passages and sentences by row id, sentences by position."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                      check_same_thread=False)
        except sqlite3.Error as exc:
            raise IndexCorruptError(f"index file {self.path} cannot be opened ({exc}); rebuild the index with "
                                    "`rag index build`") from None
        self.passages = TextTable(self, "passages")
        self.sentences = TextTable(self, "sentences")
        self.longest_sentence = self.query("SELECT value FROM meta WHERE key = 'longest_sentence'")[0][0]
        # Stores built before the gaps were kept hold spaces where a gap no passage covers was.
        self.gaps_kept = bool(self.query("SELECT value FROM meta WHERE key = 'gaps_kept'") == [(1,)])

    def query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        try:
            with self._lock:
                return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:  # damaged behind a matching hash, or not SQLite at all
            raise IndexCorruptError(f"index file {self.path} cannot be read ({exc}); rebuild the index with "
                                    "`rag index build`") from None

    def gaps_before(self, ids: Sequence[int]) -> dict[int, str]:
        """{sentence id: the whitespace between it and the sentence before it in its article}, for the
        sentences a paragraph break or an indent (kept verbatim) parts from the one before; {} for a
        store built without its gaps."""
        if not self.gaps_kept or not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.query("SELECT t.id, substr(a.text, p.end - a.start + 1, t.start - p.end) FROM sentences t "
                          "JOIN sentences p ON p.id = t.id - 1 AND p.article = t.article "
                          f"JOIN articles a ON a.id = t.article WHERE t.id IN ({marks}) AND t.start > p.end", list(ids))
        return {sid: gap for sid, gap in rows if gap.isspace()}

    def token_ids(self, tokens: Sequence[str]) -> dict[str, int]:
        """{token: column id} for the tokens the keyword index knows."""
        wanted = sorted(set(tokens))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        return dict(self.query(f"SELECT token, id FROM vocab WHERE token IN ({marks})", wanted))

    def sentences_within(self, source: str, start: int, end: int) -> list[int]:
        """Ids of sentences that overlap [start, end) in source, in file order."""
        return [sid for (sid,) in self.query(
            "SELECT t.id FROM sentences t JOIN sources s ON s.id = t.source WHERE s.name = ? "
            "AND t.start >= ? AND t.start < ? AND t.end > ? ORDER BY t.start",
            (source, start - self.longest_sentence, end, start))]

    def sentences_within_many(self, spans: Sequence[tuple[str, int, int]]) -> list[list[int]]:
        """``sentences_within`` for each (source, start, end), in one query: search rescores ~100
        candidate passages by their sentences, and one query a passage would cost milliseconds."""
        if not spans:
            return []
        values = ",".join(["(?,?,?,?)"] * len(spans))
        args = [x for i, (source, start, end) in enumerate(spans) for x in (i, source, start, end)]
        # CROSS JOIN keeps this join order: each span looks its sentences up in the index (source, start).
        rows = self.query(f"WITH q(i, name, lo, hi) AS (VALUES {values}) SELECT q.i, t.id FROM q "
                          "CROSS JOIN sources s ON s.name = q.name CROSS JOIN sentences t ON t.source = s.id "
                          "AND t.start >= q.lo - ? AND t.start < q.hi AND t.end > q.lo ORDER BY q.i, t.start",
                          args + [self.longest_sentence])
        out: list[list[int]] = [[] for _ in spans]
        for i, sid in rows:
            out[i].append(sid)
        return out

    def spans(self, table: str, rows: int = 200_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(article, start, end) of every row of ``table`` in id order, as arrays: the layout of passages
        and sentences without their text (a build pools passage vectors from it)."""
        parts = [np.array(self.query(f"SELECT article, start, end FROM {table} WHERE id >= ? AND id < ? ORDER BY id",
                                     (lo, lo + rows)), dtype=np.int64).reshape(-1, 3)
                 for lo in range(0, len(getattr(self, table)), rows)]
        spans = np.concatenate(parts) if parts else np.zeros((0, 3), np.int64)
        return spans[:, 0], spans[:, 1], spans[:, 2]

    def passages_per_source(self) -> dict[str, int]:
        return dict(self.query("SELECT s.name, count(*) FROM passages t JOIN articles a ON a.id = t.article "
                               "JOIN sources s ON s.id = a.source GROUP BY s.name"))

    def passage_fields(self) -> tuple[list[str], list[str], list[str]]:
        """(source, date, section) of every passage in id order, without reading any text (for filters)."""
        rows = self.query("SELECT s.name, a.date, a.section FROM passages t JOIN articles a ON a.id = t.article "
                          "JOIN sources s ON s.id = a.source ORDER BY t.id")
        return tuple(map(list, zip(*rows))) if rows else ([], [], [])  # type: ignore[return-value]


class TextTable:
    """Passages or sentences as a read-only sequence of Passage, fetched by id from the store."""

    def __init__(self, store: TextStore, table: str):
        self.store, self.table = store, table
        self._sql = _ROW.format(table=table)
        self._len = store.query(f"SELECT count(*) FROM {table}")[0][0]

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: int) -> Passage:
        if not -self._len <= i < self._len:
            raise IndexError(f"{self.table} row {i} out of range")
        return _passage(self.store.query(self._sql + "WHERE t.id = ?", (i % self._len,))[0])

    def many(self, ids: Sequence[int]) -> list[Passage]:
        """Rows by id, in the order asked."""
        found = {}
        for lo in range(0, len(ids), 500):
            chunk = list(ids[lo:lo + 500])
            rows = self.store.query(self._sql.replace("SELECT ", "SELECT t.id, ", 1)
                                    + f"WHERE t.id IN ({','.join('?' * len(chunk))})", chunk)
            found.update((row[0], _passage(row[1:])) for row in rows)
        return [found[i] for i in ids]

    def __iter__(self) -> Iterator[Passage]:
        for lo in range(0, self._len, 10_000):
            rows = self.store.query(self._sql + "WHERE t.id >= ? AND t.id < ? ORDER BY t.id", (lo, lo + 10_000))
            yield from map(_passage, rows)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, TextTable)) and list(self) == list(other)

    def __add__(self, other: "Sequence[Passage]") -> list[Passage]:
        return list(self) + list(other)


def _passage(row: tuple) -> Passage:
    source, title, section, date, article_start, text, start, end = row
    return Passage(source, title, section, start, end, text[start - article_start:end - article_start], date)
