"""Corpus folder -> index folder: parse, chunk, embed, index, save atomically.

Two passes, so nothing the size of the archive is held in Python: the first (rag/reading.py) parses
the corpus files on worker processes into the text store and the keyword index; the second embeds the
sentences, read back from the store in blocks, and pools them into passage vectors (rag/pooling.py),
then builds the passage index. The manifest's ``build_seconds`` says where the time went.

Builds are incremental: a sentence (or an encoded passage) whose embedding input is unchanged since
the previous index at the same place, with the same model, keeps its vector (its very code: the
quantisers are kept too); only the rest is encoded. Pooled passage vectors are pooled anew: it is cheap.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from . import corpus, pooling
from .chunking import ChunkingParams
from .dense import CodesWriter, DenseIndex, DenseParams, VectorCodes, trained_enough
from .embed import Encoder
from .errors import CorpusError, RagError
from .index import (MANIFEST, SENTENCE_VECTORS, STORE, IndexData, load_index, make_manifest, new_build_folder, open_parts, publish,
                    read_keys, save_passage_sentences, save_vectors, write_manifest)
from .milvus import check_reachable, serve_build
from .reading import KEY_BYTES, keyword_text, read_pass, texts_of, vector_key  # noqa: F401 (part of build's API)
from .store import TextStore
from .text import TOKENIZER_VERSION
from .types import Passage

# faiss factory string of the sentence codes (6 bits a dimension); RAG_SENTENCE_CODEC=SQ8, SQ4, SQfp16 or
# Flat to compare. On dev, SQ6 and SQ8 give identical answer figures, SQ4 moves them (README "Archive scale").
SENTENCE_CODEC = os.environ.get("RAG_SENTENCE_CODEC") or "SQ6"
BLOCK = 65_536  # texts embedded per block; the first block of sentences trains their quantiser
PASSAGE_VECTORS = ("pooled", "encoded")  # how a build makes passage vectors (rag/pooling.py)

# {source: file to read it from, or None to leave it out}: the corpus as it will be after an add/remove.
Changes = dict[str, "Path | None"]


def sources_after(root: Path, changes: Changes) -> list[tuple[str, Path]]:
    listing = dict(corpus.iter_sources(root))
    listing.update(changes)
    return sorted((source, path) for source, path in listing.items() if path is not None)


def warn_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def collect_texts(root: Path, params: ChunkingParams, warn: Callable[[str], None] = warn_stderr,
                  sources: list[tuple[str, Path]] | None = None) -> tuple[list[Passage], list[Passage]]:
    """(passages, sentences) of the whole corpus in memory: for tests and small tools, not for builds."""
    passages: list[Passage] = []
    sentences: list[Passage] = []
    for page in _pages(root, warn, sources):
        for ps, ss, _gaps in texts_of(page, params):
            passages.extend(ps)
            sentences.extend(ss)
    return passages, sentences


def _pages(root: Path, warn: Callable[[str], None], sources: list[tuple[str, Path]] | None) -> Iterator[corpus.Page]:
    skipped: list[corpus.Skipped] = []
    yield from corpus.iter_pages(root, sources, skipped)
    if skipped:
        warn(f"rag: warning: skipped {len(skipped)} unusable corpus item(s), fix them and rebuild "
             f"to include them: {corpus.describe_skipped(skipped)}")


@dataclass
class Previous:
    """What a build may reuse from the index it replaces: vectors by content key, and the quantisers."""

    keys: dict[str, np.ndarray] = field(default_factory=dict)  # sorted keys and their row ids, per table
    data: IndexData | None = None

    def rows(self, table: str, keys: np.ndarray) -> np.ndarray:
        """For each key, the previous row with that key, or -1."""
        ordered, rows = self.keys.get(table, (np.zeros(0, f"S{KEY_BYTES}"), np.zeros(0, np.int64)))
        if not len(ordered):
            return np.full(len(keys), -1)
        pos = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
        return np.where(ordered[pos] == keys, rows[pos], -1)

    def encoded_passage_rows(self, keys: np.ndarray) -> np.ndarray:
        """``rows("passages", keys)``, but -1 where the previous vector was pooled, not encoded: a pooled
        vector stands for the sentences around the passage, not for its text."""
        rows = self.rows("passages", keys)
        if self.data is None or self.data.manifest.get("passage_vectors") != "pooled":
            return rows  # an index from before pooling encoded every passage
        store = self.data.store
        pooled = pooling.sentence_shares(store.spans("passages"), store.spans("sentences")).pooled
        return np.where((rows >= 0) & ~pooled[np.maximum(rows, 0)], rows, -1)


def previous_index(index_dir: Path, encoder: Encoder) -> Previous:
    """The index at index_dir if it loads and was built by this encoder, else nothing to reuse.
    Its keyword tokeniser may be older: vectors do not depend on it."""
    try:
        old = load_index(index_dir, any_tokenizer=True, local=True)
        keys = read_keys(Path(index_dir).resolve())
    except (RagError, OSError):  # absent, corrupt, other format: embed everything
        return Previous()
    model = old.manifest["model"]
    if (model.get("name"), model.get("fingerprint"), old.dense.dim) != (encoder.name, encoder.fingerprint, encoder.dim):
        return Previous()
    sorted_keys = {}
    for table, array in keys.items():
        order = np.argsort(array, kind="stable")
        sorted_keys[table] = (array[order], order)
    return Previous(sorted_keys, old)


class Progress:
    def __init__(self, total: int, report: Callable[[int, int], None] | None):
        self.done, self.total, self.report = 0, total, report

    def __call__(self, n: int) -> None:
        self.done += n
        if self.report:
            self.report(self.done, self.total)


def embed_block(encoder: Encoder, texts: list[Passage], rows: np.ndarray, reuse: Callable[[np.ndarray], np.ndarray],
                step: Callable[[int], None]) -> tuple[np.ndarray, int]:
    """(vectors of texts, how many were encoded): reused where ``rows`` names a previous row, the rest encoded."""
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    kept = np.flatnonzero(rows >= 0)
    if len(kept):
        out[kept] = reuse(rows[kept])
    step(len(kept))
    todo = np.flatnonzero(rows < 0)
    if len(todo):
        out[todo] = encoder.encode_passages([texts[i] for i in todo], progress=step)
    return out, len(todo)


def embed_pass(store: TextStore, encoder: Encoder, keys: dict[str, np.ndarray], previous: Previous,
               dense_params: DenseParams, sentence_codec: str, step: Callable[[int], None], folder: Path,
               clock: "Stopwatch", pool: bool = True) -> tuple[DenseIndex, VectorCodes, int, int]:
    """Second pass: sentence vectors into codes (under ``folder``), pooled as they come into the vectors
    of the passages they make up (rag/pooling.py); the passages that hold no whole sentence are encoded;
    then the searched passage index. Returns it, the codes, how many texts were encoded, how many pooled.
    Without ``pool`` every passage is encoded. Also saves each passage's run of sentence ids, which
    search reads to score a passage by its best sentence (``PASSAGE_SENTENCES``)."""
    layout = store.spans("passages"), store.spans("sentences")
    save_passage_sentences(folder, pooling.sentence_ranges(*layout))
    shares = pooling.sentence_shares(*layout) if pool else pooling.Shares.none(len(store.passages))
    del layout  # a million articles' spans are hundreds of MB
    passage_vectors = np.zeros((len(store.passages), encoder.dim), dtype=np.float16)
    pooler = pooling.PassagePooler(shares, passage_vectors)
    codes, embedded = _sentence_codes(store, encoder, keys, previous, sentence_codec, step, folder / SENTENCE_VECTORS,
                                      pooler.add)
    clock.lap("sentences")
    pooler.finish()
    pooled = int(shares.pooled.sum())
    step(pooled)
    embedded += _encode_passages(store, encoder, shares.encoded, keys, previous, passage_vectors, step)
    clock.lap("passage_vectors")
    dense = DenseIndex.build(passage_vectors, dense_params, previous.data.dense if previous.data else None)
    clock.lap("passage_index")
    return dense, codes, embedded, pooled


def _encode_passages(store: TextStore, encoder: Encoder, ids: np.ndarray, keys: dict[str, np.ndarray],
                     previous: Previous, out: np.ndarray, step: Callable[[int], None]) -> int:
    """Vectors of the passages ``ids`` into ``out``: reused when unchanged since the previous index,
    else encoded. Returns how many were encoded."""
    rows = previous.encoded_passage_rows(keys["passages"][ids])
    embedded = 0
    for lo in range(0, len(ids), BLOCK):
        block_ids = ids[lo:lo + BLOCK]
        vectors, n = embed_block(encoder, store.passages.many(block_ids.tolist()), rows[lo:lo + len(block_ids)],
                                 lambda r: previous.data.dense.vectors(r), step)
        out[block_ids], embedded = vectors, embedded + n
    return embedded


def _sentence_codes(store: TextStore, encoder: Encoder, keys: dict[str, np.ndarray], previous: Previous,
                    spec: str, step: Callable[[int], None], folder: Path,
                    pool: Callable[[int, np.ndarray], None]) -> tuple[VectorCodes, int]:
    """Sentence codes block by block, written to ``folder`` as they come (never all in memory); each
    block's vectors go to ``pool`` (first id, vectors) on the way. A reused
    sentence keeps its very code when the old quantiser is kept (trained on enough vectors to hold new
    ones); otherwise its decoded vector is coded anew."""
    old = previous.data.sentence_dense if previous.data else None
    old = old if old is not None and old.spec == spec else None
    rows = previous.rows("sentences", keys["sentences"]) if old is not None else np.full(len(store.sentences), -1)
    # A quantiser fitted to a few pages is kept when no new sentence needs coding (a rebuild of the
    # same corpus, or files removed): coding its decoded vectors anew would shift them at each rebuild.
    nothing_new = len(rows) > 0 and bool((rows >= 0).all())
    codec = old if old is not None and (trained_enough(len(old)) or nothing_new) else None
    embedded = 0
    with CodesWriter(folder) as out:
        for lo in range(0, len(store.sentences), BLOCK):
            ids = list(range(lo, min(lo + BLOCK, len(store.sentences))))
            block_rows = rows[lo:lo + len(ids)]
            vectors, n = embed_block(encoder, store.sentences.many(ids), block_rows, lambda r: old.vectors(r), step)
            pool(lo, vectors)
            coded = VectorCodes.build(vectors, spec, like=codec)
            kept = np.flatnonzero(block_rows >= 0)
            if codec is old and len(kept):
                coded.codes[kept] = old.codes[block_rows[kept]]
            if codec is None:  # the first block trains the quantiser the rest share
                codec = coded
            out.write(coded.codes)
            embedded += n
        if codec is None:  # no sentence at all
            codec = VectorCodes.build(np.zeros((0, encoder.dim), np.float32), spec)
        return out.finish(codec.codec, spec), embedded


class Stopwatch:
    """Seconds spent in each phase of a build, for the manifest: where an archive's build time goes."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(self.seconds.get(phase, 0.0) + now - self._last, 2)
        self._last = now


def build_index(root: Path, index_dir: Path, encoder: Encoder, params: ChunkingParams = ChunkingParams(),
                progress: Callable[[int, int], None] | None = None,
                warn: Callable[[str], None] = warn_stderr, incremental: bool = True,
                changes: Changes | None = None, calibrate: bool = True,
                dense_params: DenseParams = DenseParams(), sentence_codec: str = SENTENCE_CODEC,
                backend: dict | None = None, passage_vectors: str | None = None,
                read: Callable[..., dict[str, np.ndarray]] = read_pass) -> IndexData:
    """Build and atomically save an index; the previous one stays until the new one is complete.

    With ``incremental``, vectors of texts unchanged since the index at index_dir are reused
    (manifest "build" counts reused and embedded texts). Unusable corpus files are skipped and
    named in one ``warn`` message (stderr by default). ``changes`` builds the corpus as it will be
    once those files are added or removed, without touching it yet. With ``calibrate``, the
    manifest records the refusal threshold fitted to this corpus. ``backend`` {"kind": "milvus", "uri",
    "collection"} also serves the index from Milvus (rag/milvus.py), {"kind": "local"} not; None keeps
    the backend of the index replaced. ``passage_vectors`` "pooled" (from the sentences' vectors,
    rag/pooling.py) or "encoded"; None keeps the choice of the index replaced, else pooled. ``read`` is
    the first pass (``read_pass``;
    rag.distributed.ray_read_pass parses on Ray).
    """
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist; pass --corpus DIR with your pages")
    check_reachable(index_dir, backend)  # fail now, not after hours of embedding
    passage_vectors = wanted_passage_vectors(index_dir, passage_vectors)
    sources = sources_after(root, changes) if changes else None
    files = corpus.corpus_file_hashes(root, sources)
    folder = new_build_folder(index_dir)
    clock = Stopwatch()
    try:
        keys = read(root, folder, encoder, params, warn, sources)
        clock.lap("read")
        store = TextStore(folder / STORE)
        previous = previous_index(index_dir, encoder) if incremental else Previous()
        step = Progress(len(store.passages) + len(store.sentences), progress)
        dense, codes, embedded, pooled = embed_pass(store, encoder, keys, previous, dense_params, sentence_codec,
                                                    step, folder, clock, pool=passage_vectors == "pooled")
        save_vectors(folder, dense, codes, keys)
        total = len(store.passages) + len(store.sentences)
        extra = {"sentences": len(store.sentences), "tokenizer": TOKENIZER_VERSION,
                 "sections": [s for (s,) in store.query("SELECT DISTINCT section FROM articles ORDER BY section")],
                 "build": {"embedded": embedded, "reused": total - embedded - pooled, "pooled": pooled},
                 "passage_vectors": passage_vectors, "build_seconds": clock.seconds,
                 "dense": dense_params.as_dict(), "sentence_codec": sentence_codec}
        manifest = make_manifest(
            model={"name": encoder.name, "fingerprint": encoder.fingerprint, "dim": encoder.dim},
            chunking=params, corpus_root=root, corpus_files=files, passages=len(store.passages), extra=extra)
        manifest = write_manifest(folder, manifest)
        clock.lap("save")
        data = open_parts(index_dir, folder, manifest)
        if calibrate:
            calibration = calibration_of(data, encoder, index_dir)
            clock.lap("calibrate")
            data.manifest = write_manifest(folder, {**manifest, "calibration": calibration}, parts=manifest["parts"])
        data, drop_replaced_collections = serve_build(data, folder, index_dir, backend)
        publish(index_dir, folder)
        drop_replaced_collections()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return data


def wanted_passage_vectors(index_dir: Path, asked: str | None) -> str:
    """``asked`` if given, else what the index at index_dir records (so `rag index add` keeps it), else pooled."""
    if asked is None:
        try:
            asked = json.loads((Path(index_dir) / MANIFEST).read_text(encoding="utf-8")).get("passage_vectors")
        except (OSError, ValueError, AttributeError):
            asked = None
        return asked if asked in PASSAGE_VECTORS else PASSAGE_VECTORS[0]
    if asked not in PASSAGE_VECTORS:
        raise RagError(f"passage vectors must be one of {', '.join(PASSAGE_VECTORS)}, got {asked!r}")
    return asked


def calibration_of(data: IndexData, encoder: Encoder, index_dir: Path) -> dict | None:
    """The refusal threshold fitted to this corpus (rag/calibration.py), before the index is published."""
    from .calibration import calibrate_retriever
    from .retriever import Retriever

    fitted = calibrate_retriever(Retriever(data, encoder, index_dir))
    return fitted.as_dict() if fitted else None
