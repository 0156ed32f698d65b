"""Retriever: load an index with its encoder, search it, answer from it."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import answer, fusion
from .embed import Encoder, load_encoder
from .errors import QueryError
from .filters import Filters, LeftOut, PassageColumns
from .index import IndexData, check_index, load_index
from .question import analyse, question_parts, stands_alone
from .types import Answer, Hit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODES = ("hybrid", "dense", "keyword")
DEFAULT_MODE = "hybrid"
MAX_K = 100
MAX_QUERY_CHARS = 2000  # longer input is cut before anything reads it
# Keyword search and question analysis read at most this prefix (jieba, BM25, rag.question); the
# model reads at most embed.MAX_QUERY_TOKENS tokens. Questions run to 195 characters here.
MAX_KEYWORD_CHARS = 500
CANDIDATES = 50  # per side, before fusion
KEYWORD_WEIGHT = 0.3  # weight of max-normalised BM25 next to cosine, at full token coverage
MAX_PARTS = 3  # questions of one message asked alone besides the whole (each costs an answer)
LEFT_OUT_MARGIN = 2  # with an article left out, each side fetches this many times CANDIDATES, then drops it


def default_index_dir() -> Path:
    return Path(os.environ.get("RAG_INDEX") or PROJECT_ROOT / "indexes" / "default")


def default_corpus_dir() -> Path:
    return Path(os.environ.get("RAG_CORPUS") or PROJECT_ROOT / "seeds")


def clean_query(query: object) -> str:
    """The query without control characters or surrounding space; refuses a blank one."""
    if not isinstance(query, str):
        raise QueryError(f"query must be a string, got {type(query).__name__}")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in query).strip()
    if not cleaned:
        raise QueryError("query is empty; type a question, e.g. rag search \"网格员做什么工作?\"")
    return cleaned


def validate_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise QueryError(f"k must be an integer between 1 and {MAX_K}, got {k!r}")
    return k


def validate_mode(mode: str) -> str:
    if mode not in MODES:
        raise QueryError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


@dataclass(frozen=True)
class QueryText:
    """A query as search and answer read it: the model reads ``dense``, at most the encoder's
    max_query_tokens tokens with its prompt; keyword search and question analysis read ``keywords``,
    at most MAX_KEYWORD_CHARS characters. Both are prefixes of ``text``, the cleaned query (cut at
    MAX_QUERY_CHARS). ``shortened`` is true when part of the query was not read: a long question is
    answered by its beginning."""

    text: str
    dense: str
    keywords: str
    shortened: bool

    @property
    def chars_read(self) -> int:
        """How many characters from its start anything read."""
        return max(len(self.dense), len(self.keywords))


class Retriever:
    def __init__(self, data: IndexData, encoder: Encoder, index_dir: Path, mode: str = DEFAULT_MODE):
        self.data, self.encoder, self.index_dir = data, encoder, Path(index_dir)
        self.mode = validate_mode(mode)

    @classmethod
    def load(cls, path: str | Path | None = None, *, encoder: Encoder | None = None,
             mode: str = DEFAULT_MODE) -> "Retriever":
        """Open an index; refuses a missing, corrupted, stale or incompatible one with the fix."""
        index_dir = Path(path) if path is not None else default_index_dir()
        data = load_index(index_dir)
        encoder = encoder or load_encoder(data.manifest["model"]["name"])
        check_index(index_dir, data.manifest, (encoder.name, encoder.fingerprint))
        return cls(data, encoder, index_dir, mode)

    def __len__(self) -> int:
        return len(self.data.passages)

    def read_query(self, query: str) -> QueryText:
        """What search and answer read of a query (see QueryText); refuses a blank one."""
        cleaned = clean_query(query)
        text = cleaned[:MAX_QUERY_CHARS]
        dense, keywords = self.encoder.read_query(text), text[:MAX_KEYWORD_CHARS]
        return QueryText(text, dense, keywords, max(len(dense), len(keywords)) < len(cleaned))

    def search(self, query: str, k: int = 5, mode: str | None = None, *, sources: list[str] | None = None,
               since: str | None = None, until: str | None = None, section: str | None = None) -> list[Hit]:
        """The k most relevant passages, best first, each cited by file and exact offsets.

        Filters: only passages from these ``sources`` (file names as cited), dated from ``since``
        to ``until`` (inclusive, YYYY-MM-DD, YYYY-MM or YYYY; undated passages are left out), or
        in this page ``section`` (e.g. 广角)."""
        read, k, mode = self.read_query(query), validate_k(k), validate_mode(mode or self.mode)
        filters = Filters.of(sources, since, until, section)
        vector = None if mode == "keyword" else self.encoder.encode_queries([read.dense])[0]
        return self._search(read.keywords, vector, mode, k, filters)

    def _search(self, query: str, vector: np.ndarray | None, mode: str, k: int, filters: Filters,
                left_out: LeftOut | None = None, by_best_sentence: bool = True) -> list[Hit]:
        scores = self.score(query, vector, mode, max(k, CANDIDATES), self._allowed(filters), left_out,
                            by_best_sentence)
        return [self._hit(pid, score) for pid, score in fusion.ranked(scores)[:k]]

    def _allowed(self, filters: Filters) -> np.ndarray | Filters | None:
        """What the filters let through, as the backend takes it: a mask over the passages, or, for a
        backend that applies filters itself (Milvus), the filters, checked against the manifest."""
        if not filters:
            return None
        if getattr(self.data.dense, "applies_filters", False):
            sections = self.data.manifest.get("sections")
            filters.check_named(frozenset(self.data.manifest["corpus"]["files"]),
                                None if sections is None else frozenset(sections) - {""})
            return filters
        return filters.mask(self.columns)

    def score(self, query: str, vector: np.ndarray | None, mode: str, candidates: int,
              allowed: np.ndarray | Filters | None = None, left_out: LeftOut | None = None,
              by_best_sentence: bool = True) -> dict[int, float]:
        """{passage id: score} from the chosen side(s), among the passages ``allowed`` (a mask, or filters
        for a backend that applies them) if given, without those of the ``left_out`` article. With
        ``by_best_sentence`` a dense candidate scores as well as its best sentence (``_rescored``)."""
        fetch = candidates * LEFT_OUT_MARGIN if left_out else candidates
        if mode == "keyword":
            return self._without(self.data.sparse.search(query, fetch, allowed)[0], left_out, candidates)
        ids = np.flatnonzero(allowed) if isinstance(allowed, np.ndarray) else allowed
        dense = self._without(self.data.dense.search(vector, fetch, ids), left_out, candidates)
        rescored = self._rescored if by_best_sentence else (lambda _, scores: scores)
        if mode == "dense":
            return rescored(vector, dense)
        sparse, coverage = self.data.sparse.search(query, fetch, allowed)
        sparse = self._without(sparse, left_out, candidates)
        dense.update(self._cosines(vector, [p for p in sparse if p not in dense]))
        return fusion.weighted(rescored(vector, dense), sparse, KEYWORD_WEIGHT, coverage)

    def _rescored(self, vector: np.ndarray, dense: dict[int, float]) -> dict[int, float]:
        """Each dense candidate's cosine raised to its best sentence's: a passage answers a question as
        well as its best sentence does, and one sentence's match is diluted in a passage's vector (most
        of all in a vector pooled from its sentences). With encoded passage vectors, recall@1 0.910 ->
        0.925 on the seeds' sets and 0.957 -> 0.970 on a DRCD draw, recall@5 unchanged (README
        "Pooled passage vectors")."""
        best = self._best_sentence_cosines(vector, list(dense))
        return {pid: max(cosine, best.get(pid, cosine)) for pid, cosine in dense.items()}

    def _best_sentence_cosines(self, vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """{passage id: the highest cosine of a sentence in it}, for passages that hold a sentence."""
        if not ids:
            return {}
        within = self._sentences_of(ids)
        flat = [sid for sids in within for sid in sids]
        if not flat:
            return {}
        cosines = dict(zip(flat, (self.sentences.vectors.vectors(flat) @ vector).tolist()))
        return {pid: max(cosines[sid] for sid in sids) for pid, sids in zip(ids, within) if sids}

    def _sentences_of(self, ids: list[int]) -> list[list[int]]:
        """The sentence ids of each passage: from the runs the build saved, without reading the store
        (one lookup a passage, the difference between warm and cold disk at a million articles), or,
        for an index without them, by the passages' offsets."""
        ranges = self.data.passage_sentences
        if ranges is not None:
            return [list(range(first, past)) for first, past in ranges[ids].tolist()]
        rows = self._passages(ids)
        return self.sentences.within_each([(p.source, p.start, p.end) for p in rows])

    def _without(self, scores: dict[int, float], left_out: LeftOut | None, keep: int) -> dict[int, float]:
        """The ``keep`` best of ``scores`` that are not passages of the left-out article."""
        if left_out is None:
            return scores
        ids = sorted(scores, key=lambda pid: (-scores[pid], pid))
        rows = self._passages(ids)
        kept = [pid for pid, p in zip(ids, rows) if not left_out.drops(p)]
        return {pid: scores[pid] for pid in kept[:keep]}

    def _passages(self, ids: list[int]) -> list:
        """Passages by id in one read where the store allows it (an in-memory list has no ``many``)."""
        passages = self.data.passages
        return passages.many(ids) if hasattr(passages, "many") else [passages[pid] for pid in ids]

    def _cosines(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Exact cosine for passages only keyword search found, so fusion compares like with like."""
        if not ids:
            return {}
        return dict(zip(ids, (self.data.dense.vectors(ids) @ query_vector).tolist()))

    def _hit(self, pid: int, score: float) -> Hit:
        p = self.data.passages[pid]
        return Hit(p.text, p.source, p.start, p.end, p.title, float(score), p.date)

    def answer(self, question: str, k: int = 5, mode: str | None = None, min_confidence: float | None = None, *,
               sources: list[str] | None = None, since: str | None = None, until: str | None = None,
               section: str | None = None, left_out: LeftOut | None = None) -> Answer:
        """Quoted extracts that answer the question; no quotes when nothing clears the threshold
        (``self.threshold`` unless min_confidence is given). Filters as in ``search``; ``left_out``: an
        article answered as if absent from the index (rag/calibration.py's unanswerable probes)."""
        read, k, mode = self.read_query(question), validate_k(k), validate_mode(mode or self.mode)
        filters = Filters.of(sources, since, until, section)
        # A message of several questions ('…是谁?该镇的党委书记又是谁?') is also asked one question at
        # a time, those that name what they ask about, and gets the most confident answer: each part
        # may be told in another article, and one the archive answers is worth quoting even when the
        # whole finds no single passage.
        # A message longer than the model reads is pasted text, not a few questions: it is asked whole.
        parts = [] if read.shortened else question_parts(read.keywords)
        reads = [read] + [self.read_query(part) for part in parts[:MAX_PARTS] if len(parts) > 1 and stands_alone(part)]
        vectors = self.encoder.encode_queries([r.dense for r in reads])
        threshold = self.threshold if min_confidence is None else min_confidence
        answers = [self._answer(r, v, k, mode, threshold, filters, left_out) for r, v in zip(reads, vectors)]
        best = max(answers, key=lambda a: a.confidence)  # the whole message on a tie
        return Answer(read.text, best.quotes, best.hits, best.confidence)

    def probe_confidences(self, question: str, left_out: LeftOut) -> tuple[float, float]:
        """The confidence of a question asked of the whole index and with an article left out, the
        question encoded once (rag/calibration.py asks each probe both ways)."""
        return self.probe_confidences_many([(question, left_out)])[0]

    def probe_confidences_many(self, probes: Sequence[tuple[str, LeftOut]]) -> list[tuple[float, float]]:
        """probe_confidences of many questions, encoded together: the float model runs them in batches, at a
        fraction of a lone question's cost each (a calibration asks a thousand); the int8 query model
        runs them one by one (rag/query_int8.py), each at about half a lone float question's cost."""
        reads = [self.read_query(question) for question, _ in probes]
        vectors = self.encoder.encode_queries([read.dense for read in reads]) if reads else []
        off, none = float("-inf"), Filters()
        return [(self._answer(read, vector, 5, self.mode, off, none).confidence,
                 self._answer(read, vector, 5, self.mode, off, none, left_out).confidence)
                for read, vector, (_, left_out) in zip(reads, vectors, probes)]

    def _answer(self, read: QueryText, vector: np.ndarray, k: int, mode: str, threshold: float, filters: Filters,
                left_out: LeftOut | None = None) -> Answer:
        # Answers rank passages by their own vectors: a sentence's cosine is already its own feature in
        # answer.py, and ranking passages by it too counts it twice (the calibrated threshold rose and
        # dev lost answerable questions; README "Pooled passage vectors").
        hits = self._search(read.keywords, vector, mode, max(k, answer.HITS_CONSIDERED), filters, left_out,
                            by_best_sentence=False)
        frame = analyse(read.keywords)
        candidates = answer.candidates(hits, self.sentences, vector, frame)
        conf = answer.confidence(frame, candidates)
        return Answer(read.text, answer.select_quotes(candidates, conf, threshold, self.sentences), hits[:k], conf)

    @property
    def threshold(self) -> float:
        """The confidence below which answers have no quotes: fitted to this index when it was
        built (manifest "calibration"), else the shipped default."""
        fitted = self.data.manifest.get("calibration")
        return fitted["threshold"] if isinstance(fitted, dict) else answer.MIN_CONFIDENCE

    @cached_property
    def columns(self) -> PassageColumns:
        """What search filters look at, built on first use."""
        if self.data.store is not None:
            return PassageColumns.of_store(self.data.store)
        return PassageColumns.of(self.data.passages)

    @cached_property
    def sentences(self) -> answer.SentenceStore:
        return answer.SentenceStore(self.data.sentences, self.data.sentence_dense, self.data.store)
