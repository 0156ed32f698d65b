"""Serving an index from Milvus, for archives past one machine.

``rag index build --backend milvus --milvus-uri URI`` builds the index locally as always (store,
vectors, BM25, keys, calibration), then uploads it into three Milvus collections named in the
manifest (``"backend": {"kind": "milvus", ...}``):

- ``<prefix>_passages``: id (the passage row), the passage vector (FLAT up to the dense exact limit,
  HNSW above, inner product), the verbatim text with source/title/section/date and file offsets, and
  ``keywords``, analysed by Milvus's jieba tokenizer into a BM25 full-text index;
- ``<prefix>_sentences``: the quotable sentences, same fields and vectors (read by id, never searched);
- ``<prefix>_vocab``: the keyword vocabulary, so a query's token coverage is known as locally.

Loading such an index (``open_parts``) returns Milvus-backed objects with the methods the retriever
uses; the local parts stay in the folder for incremental rebuilds and ``rag index verify`` but
serve nothing. Vectors are the local index's decoded codes, so cosines match the local build.

Keyword text is normalised as the local tokenizer does (NFKC, case, traditional -> simplified) and
stripped of punctuation before Milvus's jieba (search mode, the same stopwords) cuts it, so Milvus
sees the local BM25's tokens (456 of 458 seed texts identical) and, with k1 1.5 and b 0.75, its
scores times (k1 + 1), which ``MilvusSparse`` divides out.

Search filters (sources, dates, section) go to Milvus as an expression over the passages' source,
date and section fields (``Filters.expression``), so a filter costs the same at any archive size and
filtered search is exact: Milvus only ever returns allowed passages. Sources and sections are
checked against the manifest, not by reading every passage back.
"""
from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .dense import DenseParams
from .errors import IndexCorruptError, RagError
from .filters import Filters
from .text import STOPWORDS, normalize, tokenize
from .types import Passage

K1, B = 1.5, 0.75  # as rag.sparse, so scores agree
JIEBA = {"tokenizer": {"type": "jieba", "mode": "search"},
         "filter": [{"type": "stop", "stop_words": sorted(STOPWORDS)}]}
# Punctuation and symbol runs, except + # & . % - inside a word or number (3.5, covid-19): jieba
# would keep them as tokens that the local tokenizer drops.
_PUNCT = re.compile(r"[^\w\s+#&.%\-]|_|(?<![0-9a-z])[+#&.%\-]+|[+#&.%\-]+(?![0-9a-z])")
BATCH = 1_000  # rows per insert or fetch
RANGE_RUNS = 64  # allowed ids in at most this many runs are sent as ranges, else as a list
CONNECT_TIMEOUT = 10.0
MAX_VARCHAR = 65_535
TEXT_FIELDS = ("text", "source", "title", "section", "date")
FIELDS = ["id", "text", "source", "title", "section", "date", "start_offset", "end_offset"]
GAP = "gap_before"  # a sentence's field: the whitespace before it in its article (rag.answer.after_gap)
INSTALL = 'pip install -e ".[milvus]"'  # from the checkout


class MilvusError(RagError):
    """The Milvus server is missing, unreachable, or lacks the index's collections."""


def keyword_field(text: str) -> str:
    """What Milvus's analyser reads of a text: normalised, punctuation blanked."""
    return _PUNCT.sub(" ", normalize(text))


def default_prefix(index_dir: Path) -> str:
    return "rag_" + re.sub(r"\W", "_", Path(index_dir).name, flags=re.ASCII)


def collection_names(prefix: str) -> dict[str, str]:
    return {table: f"{prefix}_{table}" for table in ("passages", "sentences", "vocab")}


def connect(uri: str, fix: str = ""):
    """A MilvusClient for uri, or a MilvusError naming it and the fix (and ``fix``, another one)."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise MilvusError(f"serving from Milvus ({uri}) needs pymilvus; install it with `{INSTALL}`") from None
    if not uri.startswith(("http://", "https://", "tcp://", "unix:")):
        _quiet_milvus_lite()
    try:
        client = MilvusClient(uri=uri, timeout=CONNECT_TIMEOUT)
        client.list_collections()
    except Exception as exc:  # pymilvus raises MilvusException, grpc and OS errors alike
        raise MilvusError(f"Milvus at {uri} is unreachable ({type(exc).__name__}: {str(exc)[:200]}); start the "
                          f"server or correct the URI{f' ({fix})' if fix else ''}") from None
    return client


def _quiet_milvus_lite() -> None:
    """milvus-lite runs in this process: its jieba announces its dictionary, and its gRPC server logs
    a traceback for AllocTimestamp, which it lacks and pymilvus does without (while creating an index)."""
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)


# --- upload --------------------------------------------------------------------------------------

def upload(data, uri: str, prefix: str, index_dir: Path) -> dict:
    """Put a locally built index (rag.index.IndexData) into new Milvus collections; the manifest's
    "backend" entry naming them. Collections of the same names are replaced."""
    from .build import keyword_text

    fix = f"rebuild with `rag index build --index {index_dir} --backend milvus --milvus-uri {uri}`"
    client = connect(uri)
    names = collection_names(prefix)
    dense_params = data.manifest.get("dense", {})
    try:
        _create(client, names["passages"], data.dense.dim, data.passages, keywords=True,
                hnsw=len(data.passages) > dense_params.get("exact_limit", 20_000), params=dense_params)
        _fill(client, names["passages"], data.passages, data.dense,
              lambda i, p: {"keywords": keyword_field(keyword_text(p))})
        gaps = sentence_gaps(data.store, len(data.sentences))
        _create(client, names["sentences"], data.sentence_dense.dim, data.sentences, keywords=False,
                gap_bytes=_varchar(iter(gaps.values())))
        _fill(client, names["sentences"], data.sentences, data.sentence_dense, lambda i, p: {GAP: gaps.get(i, "")})
        _upload_vocab(client, names["vocab"], [t for (t,) in data.store.query("SELECT token FROM vocab")])
    except BaseException as exc:
        drop(uri, {"collections": names})
        if isinstance(exc, (RagError, KeyboardInterrupt)):
            raise
        raise MilvusError(f"uploading the index to Milvus at {uri} failed ({type(exc).__name__}: "
                          f"{str(exc)[:300]}); {fix}") from None
    return {"kind": "milvus", "uri": uri, "collections": names,
            "bm25": {"k1": K1, "b": B, "analyzer": JIEBA["tokenizer"]}}


def _varchar(values: Iterator[str]) -> int:
    """The VARCHAR length that holds every value (Milvus counts bytes)."""
    return _check_varchar(max((len(v.encode()) for v in values), default=1))


def _check_varchar(longest: int) -> int:
    if longest > MAX_VARCHAR:
        raise MilvusError(f"a text of {longest} bytes is longer than Milvus's VARCHAR limit ({MAX_VARCHAR}); "
                          "rebuild with a smaller --chunk-size")
    return max(longest, 1)


def sentence_gaps(store, n: int) -> dict[int, str]:
    """{sentence id: the whitespace before it} of a local store (rag.store.TextStore.gaps_before)."""
    gaps: dict[int, str] = {}
    for lo in range(0, n, BATCH):
        gaps.update(store.gaps_before(list(range(lo, min(lo + BATCH, n)))))
    return gaps


def _create(client, name: str, dim: int, rows: Sequence[Passage], keywords: bool, hnsw: bool = False,
            params: dict | None = None, gap_bytes: int | None = None) -> None:
    """A collection of passages or sentences; with ``gap_bytes``, sentences with the whitespace before each."""
    from pymilvus import DataType, Function, FunctionType

    if client.has_collection(name):
        client.drop_collection(name)
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    longest = dict.fromkeys(TEXT_FIELDS, 1)
    for p in rows:  # one pass over the store for every field's length
        for field in TEXT_FIELDS:
            longest[field] = max(longest[field], len(getattr(p, field).encode()))
    for field in TEXT_FIELDS:
        schema.add_field(field, DataType.VARCHAR, max_length=_check_varchar(longest[field]))
    schema.add_field("start_offset", DataType.INT64)
    schema.add_field("end_offset", DataType.INT64)
    if gap_bytes is not None:
        schema.add_field(GAP, DataType.VARCHAR, max_length=gap_bytes)
    index = client.prepare_index_params()
    if hnsw:
        params = params or {}
        index.add_index("vector", index_type="HNSW", metric_type="IP",
                        params={"M": params.get("hnsw_m", 32), "efConstruction": params.get("ef_construction", 80)})
    else:
        index.add_index("vector", index_type="FLAT", metric_type="IP")
    if keywords:
        schema.add_field("keywords", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                         analyzer_params=JIEBA)
        schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["keywords"], output_field_names=["bm25"]))
        index.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                        params={"bm25_k1": K1, "bm25_b": B})
    client.create_collection(name, schema=schema, index_params=index)


def _fill(client, name: str, rows, vectors, extra) -> None:
    """Rows in id order with their vectors (the local index's decoded codes)."""
    for lo in range(0, len(rows), BATCH):
        ids = list(range(lo, min(lo + BATCH, len(rows))))
        block = vectors.vectors(ids)
        client.insert(name, [{"id": i, "vector": block[j].tolist(), "text": p.text, "source": p.source,
                              "title": p.title, "section": p.section, "date": p.date, "start_offset": p.start,
                              "end_offset": p.end, **extra(i, p)} for j, (i, p) in enumerate(zip(ids, rows.many(ids)))])
    client.flush(name)
    client.load_collection(name)


def _upload_vocab(client, name: str, tokens: list[str]) -> None:
    """The keyword vocabulary, for query coverage; Milvus wants a vector in every collection, so each
    token carries a constant one."""
    from pymilvus import DataType

    if client.has_collection(name):
        client.drop_collection(name)
    schema = client.create_schema(auto_id=False)
    schema.add_field("token", DataType.VARCHAR, is_primary=True, max_length=_varchar(iter(tokens)))
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=2)
    index = client.prepare_index_params()
    index.add_index("vector", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=index)
    for lo in range(0, len(tokens), 10 * BATCH):
        client.insert(name, [{"token": t, "vector": [1.0, 0.0]} for t in tokens[lo:lo + 10 * BATCH]])
    client.flush(name)
    client.load_collection(name)


def drop(uri: str, backend: dict) -> None:
    """Remove a build's collections (a replaced or failed build); an unreachable server is left as is."""
    try:
        from pymilvus import MilvusClient

        client = MilvusClient(uri=uri, timeout=CONNECT_TIMEOUT)
        for name in backend.get("collections", {}).values():
            if client.has_collection(name):
                client.drop_collection(name)
    except Exception:  # best effort: the index that matters is already published or never was
        pass


def new_prefix(base: str) -> str:
    """Collections of each build get their own names, so a rebuild never touches what is served."""
    return f"{base}_{time.strftime('%Y%m%d%H%M%S')}_{secrets.token_hex(3)}"


# --- serving -------------------------------------------------------------------------------------

def open_index(index_dir: Path, manifest: dict, folder: Path | None = None):
    """rag.index.IndexData served from the Milvus collections the manifest names, with the passages'
    sentence runs from the build ``folder`` when it has them (search then asks Milvus for vectors
    by id, not for the sentences of each passage)."""
    from .index import IndexData, load_passage_sentences

    backend = manifest["backend"]
    uri, names = backend.get("uri"), backend.get("collections") or {}
    fix = f"rebuild with `rag index build --index {index_dir} --backend milvus --milvus-uri {uri}`"
    if not isinstance(uri, str) or not uri:
        raise IndexCorruptError(f"index {index_dir} names Milvus as its backend but no URI; rebuild with "
                                f"`rag index build --index {index_dir} --backend milvus --milvus-uri URI`")
    client = connect(uri, f"to serve it from another server, rebuild with `rag index build --index {index_dir} "
                          "--backend milvus --milvus-uri URI`")
    counts = {"passages": manifest["passages"], "sentences": manifest["sentences"]}
    for table in ("passages", "sentences", "vocab"):
        name = names.get(table)
        if not name or not client.has_collection(name):
            raise MilvusError(f"Milvus at {uri} has no collection {name!r} for index {index_dir}; {fix}")
        client.load_collection(name)
        rows = int(client.get_collection_stats(name).get("row_count", -1))
        if table in counts and rows != counts[table]:
            raise IndexCorruptError(f"Milvus collection {name} at {uri} holds {rows} rows, index {index_dir} "
                                    f"has {counts[table]} {table}; {fix}")
    dim = manifest["model"].get("dim")
    passages = MilvusTable(client, names["passages"], counts["passages"])
    cache = RowCache()
    sentences = MilvusTable(client, names["sentences"], counts["sentences"], cache)
    dense = MilvusDense(client, names["passages"], counts["passages"], dim, manifest.get("dense", {}))
    sparse = MilvusSparse(client, names["passages"], names["vocab"], counts["passages"])
    sentence_vectors = MilvusVectors(client, names["sentences"], counts["sentences"], dim, cache)
    store = MilvusStore(client, names["passages"], names["sentences"], passages, sentences)
    try:
        ranges = load_passage_sentences(folder, counts["passages"], counts["sentences"]) if folder else None
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index {index_dir} cannot be read ({type(exc).__name__}: {exc}); {fix}") from None
    return IndexData(passages, dense, sparse, manifest, sentences, sentence_vectors, store, ranges)


def filter_of(allowed: "np.ndarray | Filters | None") -> str:
    """The Milvus expression for what a search may return: search filters over the passages' fields, or
    (for callers holding ids) an id expression."""
    if allowed is None:
        return ""
    return allowed.expression() if isinstance(allowed, Filters) else id_filter(allowed)


def id_filter(ids: np.ndarray) -> str:
    """A Milvus expression admitting exactly these passage ids: ranges when they run together."""
    ids = np.unique(np.asarray(ids, dtype=np.int64))
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts, ends = np.r_[ids[:1], ids[breaks + 1]], np.r_[ids[breaks], ids[-1:]]
    if len(starts) <= RANGE_RUNS:
        return " or ".join(f"(id >= {a} and id <= {b})" for a, b in zip(starts.tolist(), ends.tolist()))
    return f"id in [{','.join(map(str, ids.tolist()))}]"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class RowCache:
    """The last sentence rows ``sentences_within`` read, text and vector: an answer reads exactly
    those next, and one query instead of one per sentence saves a round trip each."""

    def __init__(self, size: int = 4096):
        self.size, self.rows, self.lock = size, OrderedDict(), threading.Lock()

    def put(self, rows: list[dict]) -> None:
        with self.lock:
            for row in rows:
                self.rows[row["id"]] = row
                self.rows.move_to_end(row["id"])
            while len(self.rows) > self.size:
                self.rows.popitem(last=False)

    def get(self, ids: Sequence[int]) -> dict[int, dict]:
        with self.lock:
            return {i: self.rows[i] for i in ids if i in self.rows}


def _fetch(client, name: str, ids: Sequence[int], fields: list[str], cache: RowCache | None = None) -> dict[int, dict]:
    ids = [int(i) for i in ids]
    found = cache.get(ids) if cache is not None else {}
    missing = [i for i in ids if i not in found]
    for lo in range(0, len(missing), BATCH):
        chunk = missing[lo:lo + BATCH]
        found.update((row["id"], row) for row in client.get(name, ids=chunk, output_fields=fields))
    return found


def _passage(row: dict) -> Passage:
    return Passage(row["source"], row["title"], row["section"], int(row["start_offset"]), int(row["end_offset"]),
                   row["text"], row["date"])


class MilvusTable:
    """Passages or sentences as a read-only sequence of Passage, fetched by id from a collection."""

    def __init__(self, client, name: str, length: int, cache: RowCache | None = None):
        self.client, self.name, self._len, self.cache = client, name, length, cache

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: int) -> Passage:
        if not -self._len <= i < self._len:
            raise IndexError(f"{self.name} row {i} out of range")
        return self.many([i % self._len])[0]

    def many(self, ids: Sequence[int]) -> list[Passage]:
        found = _fetch(self.client, self.name, ids, FIELDS, self.cache)
        return [_passage(found[int(i)]) for i in ids]

    def __iter__(self) -> Iterator[Passage]:
        for lo in range(0, self._len, BATCH):
            yield from self.many(range(lo, min(lo + BATCH, self._len)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __add__(self, other: Sequence[Passage]) -> list[Passage]:
        return list(self) + list(other)


class MilvusVectors:
    """Vectors of a collection read by id (the sentences'; the passages' through MilvusDense)."""

    def __init__(self, client, name: str, length: int, dim: int, cache: RowCache | None = None):
        self.client, self.name, self._len, self._dim, self.cache = client, name, length, dim, cache

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return self._len

    def vectors(self, ids) -> np.ndarray:
        ids = [int(i) for i in np.asarray(ids, dtype=np.int64)]
        if not ids:
            return np.zeros((0, self.dim), np.float32)
        found = _fetch(self.client, self.name, ids, ["vector"], self.cache)
        return np.array([found[i]["vector"] for i in ids], dtype=np.float32)


class MilvusDense(MilvusVectors):
    """The passage vectors: searched by inner product, within a filter's ids when given."""

    def __init__(self, client, name: str, length: int, dim: int, params: dict):
        super().__init__(client, name, length, dim)
        self.ef = params.get("ef_search", DenseParams.ef_search)

    applies_filters = True  # the retriever hands it search filters, not a mask over every passage

    def search(self, query: np.ndarray, k: int, allowed: "np.ndarray | Filters | None" = None) -> dict[int, float]:
        k = min(k, len(self) if allowed is None or isinstance(allowed, Filters) else len(allowed))
        if k <= 0:
            return {}
        hits = self.client.search(self.name, data=[np.asarray(query, np.float32).ravel().tolist()],
                                  anns_field="vector", limit=k, output_fields=["id"], filter=filter_of(allowed),
                                  search_params={"metric_type": "IP", "params": {"ef": max(self.ef, k)}})
        return {int(h["id"]): float(h["distance"]) for h in hits[0]}


class MilvusSparse:
    """BM25 by Milvus full-text search, on the local BM25's scale."""

    def __init__(self, client, name: str, vocab: str, n_docs: int):
        self.client, self.name, self.vocab, self.n_docs = client, name, vocab, n_docs

    def known(self, tokens: list[str]) -> set[str]:
        wanted = sorted(set(tokens))
        return {row["token"] for row in self.client.get(self.vocab, ids=wanted, output_fields=["token"])} if wanted else set()

    def search(self, query: str, k: int, allowed: "np.ndarray | Filters | None" = None) -> tuple[dict[int, float], float]:
        """({passage id: BM25 score > 0} for the top k, among the passages ``allowed`` (a mask, or search
        filters) if given; coverage)."""
        tokens = tokenize(query)
        known = self.known(tokens)
        if not known:
            return {}, 0.0
        coverage = sum(t in known for t in tokens) / len(tokens)
        if isinstance(allowed, np.ndarray):
            allowed = np.flatnonzero(allowed) if allowed.dtype == bool else allowed
            if not len(allowed):
                return {}, coverage
        hits = self.client.search(self.name, data=[keyword_field(query)], anns_field="bm25", limit=k,
                                  output_fields=["id"], filter=filter_of(allowed),
                                  search_params={"metric_type": "BM25"})
        # milvus-lite reports BM25 negated (as a distance); the server as is. BM25 is never negative.
        scores = {int(h["id"]): abs(float(h["distance"])) / (K1 + 1) for h in hits[0]}
        return {pid: s for pid, s in scores.items() if s > 0}, coverage


class MilvusStore:
    """What the retriever asks of the text store, answered by the collections."""

    def __init__(self, client, passages_name: str, sentences_name: str, passages: MilvusTable,
                 sentences: MilvusTable):
        self.client, self.passages_name, self.sentences_name = client, passages_name, sentences_name
        self.passages, self.sentences = passages, sentences
        # Collections uploaded before the gaps were kept have no such field.
        self.gaps_kept = GAP in {f["name"] for f in client.describe_collection(sentences_name)["fields"]}
        self.row_fields = FIELDS + ["vector"] + ([GAP] if self.gaps_kept else [])

    def gaps_before(self, ids: Sequence[int]) -> dict[int, str]:
        """{sentence id: the whitespace before it in its article} (rag.store.TextStore.gaps_before)."""
        if not self.gaps_kept or not ids:
            return {}
        found = _fetch(self.client, self.sentences_name, ids, ["id", GAP], self.sentences.cache)
        return {i: row[GAP] for i, row in found.items() if row.get(GAP)}

    def sentences_within(self, source: str, start: int, end: int) -> list[int]:
        """Ids of sentences that overlap [start, end) in source, in file order."""
        rows = self.client.query(self.sentences_name, output_fields=self.row_fields,
                                 filter=f"source == {_quoted(source)} and start_offset < {int(end)} "
                                        f"and end_offset > {int(start)}")
        if self.sentences.cache is not None:
            self.sentences.cache.put(rows)
        return [row["id"] for row in sorted(rows, key=lambda r: (r["start_offset"], r["id"]))]

    def sentences_within_many(self, spans: Sequence[tuple[str, int, int]]) -> list[list[int]]:
        """``sentences_within`` for each (source, start, end), in one query."""
        if not spans:
            return []
        by_source: dict[str, list[str]] = {}
        for source, start, end in spans:
            by_source.setdefault(source, []).append(f"(start_offset < {int(end)} and end_offset > {int(start)})")
        expression = " or ".join(f"(source == {_quoted(source)} and ({' or '.join(ranges)}))"
                                 for source, ranges in by_source.items())
        rows = self.client.query(self.sentences_name, output_fields=self.row_fields, filter=expression)
        if self.sentences.cache is not None:
            self.sentences.cache.put(rows)
        rows.sort(key=lambda r: (r["start_offset"], r["id"]))
        return [[r["id"] for r in rows if r["source"] == source and r["start_offset"] < end and r["end_offset"] > start]
                for source, start, end in spans]

    def passage_fields(self) -> tuple[list[str], list[str], list[str]]:
        """(source, date, section) of every passage in id order (for filters)."""
        rows: list[dict] = []
        for lo in range(0, len(self.passages), 10 * BATCH):
            rows += self.client.query(self.passages_name, output_fields=["id", "source", "date", "section"],
                                      filter=f"id >= {lo} and id < {lo + 10 * BATCH}")
        rows.sort(key=lambda r: r["id"])
        return ([r["source"] for r in rows], [r["date"] for r in rows], [r["section"] for r in rows])

    def passages_per_source(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for source in self.passage_fields()[0]:
            counts[source] = counts.get(source, 0) + 1
        return counts


# --- the build step ------------------------------------------------------------------------------

def current_backend(index_dir: Path) -> dict | None:
    """The "backend" entry of the index now at index_dir, if any (a build replacing it keeps it)."""
    from .index import MANIFEST

    try:
        backend = json.loads((Path(index_dir) / MANIFEST).read_text(encoding="utf-8")).get("backend")
    except (OSError, ValueError, AttributeError):
        return None
    return backend if isinstance(backend, dict) else None


def wanted_backend(index_dir: Path, asked: dict | None) -> dict | None:
    """{"kind": "milvus", "uri", "collection"} to upload a build to, or None for a local index.
    ``asked`` None keeps the backend of the index being replaced (so `rag index add` stays on Milvus)."""
    if asked is None:
        previous = current_backend(index_dir)
        if not previous or previous.get("kind") != "milvus":
            return None
        return {"kind": "milvus", "uri": previous["uri"], "collection": previous.get("collection")}
    return asked if asked.get("kind") == "milvus" else None


def check_reachable(index_dir: Path, asked: dict | None) -> None:
    """Before a build embeds anything: the Milvus server it will upload to answers."""
    target = wanted_backend(index_dir, asked)
    if target is not None:
        connect(target["uri"])


def serve_build(data, folder: Path, index_dir: Path, asked: dict | None):
    """For a finished local build about to replace the index at index_dir: upload it to Milvus when
    it is to be served from there (``wanted_backend``) and record the collections in its manifest.
    Returns the IndexData to serve and a function to call once the new build is published, which
    drops collections no index needs any more.

    The replaced index's collections are kept for one more build (manifest "retired"): a process
    still serving it (the chat, an API server) keeps working until the next rebuild, as one that
    holds a replaced local index open does. An index taken back to local drops them at once."""
    replaced = current_backend(index_dir) or {}
    replaced = replaced if replaced.get("kind") == "milvus" else {}
    retired = replaced.get("retired") or {}

    def drop_unneeded(*backends: dict) -> None:
        for old in backends:
            if old.get("uri"):
                drop(old["uri"], old)

    target = wanted_backend(index_dir, asked)
    if target is None:
        return data, lambda: drop_unneeded(retired, replaced)
    from .index import write_manifest

    base = target.get("collection") or default_prefix(index_dir)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,200}", base):
        raise MilvusError(f"Milvus collection name {base!r} is not valid; use letters, digits and underscores, "
                          "starting with a letter")
    backend = {**upload(data, target["uri"], new_prefix(base), index_dir), "collection": base}
    if replaced:
        backend["retired"] = {"uri": replaced["uri"], "collections": replaced["collections"]}
    try:
        manifest = write_manifest(folder, {**data.manifest, "backend": backend})
        served = open_index(index_dir, manifest, folder)
    except BaseException:
        drop(backend["uri"], backend)
        raise
    return served, lambda: drop_unneeded(retired)
