"""The first pass of a build: corpus files -> the text store, the keyword index and the content keys.

Each file goes through ``parse_source``, a pure function (read, parse, chunk, split into sentences,
tokenise, key), so it can run anywhere: in this process for a few files, in a pool of worker
processes for an archive (``read_pass``), or as Ray tasks (rag/distributed.py). The driver only
assembles the results in source order (``assemble``): the passages, ids and keys are the same
whichever ran the parsing.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from . import corpus
from .chunking import ChunkingParams, article_sentences, chunk_article, whitespace_gaps
from .embed import Encoder, passage_input
from .errors import CorpusError
from .index import BM25_DIR, STORE
from .sparse import SparseBuilder, count_tokens
from .store import StoreWriter
from .text import clean_for_embedding, tokenize
from .types import Passage

KEY_BYTES = 16  # of sha256: collisions stay out of reach at billions of texts
PARALLEL_FILES = 8  # fewer files than this are parsed in this process: starting workers costs more


def texts_of(page: corpus.Page, params: ChunkingParams) -> Iterator[tuple[list[Passage], list[Passage], list[Passage]]]:
    """(passages to search, sentences to quote, the whitespace between the sentences) of each article of a page."""
    for article in page.articles:
        sentences = article_sentences(article, page.text)
        yield chunk_article(article, page.text, params), sentences, whitespace_gaps(sentences, page.text)


def keyword_text(p: Passage) -> str:
    """What BM25 indexes: the title too, so a query naming the article finds its passages."""
    return f"{p.title}\n{clean_for_embedding(p.text)}"


def vector_key(encoder, passage: Passage) -> bytes:
    """Identifies a vector: the model's weights and the exact text the encoder embeds (a passage or a sentence)."""
    return hashlib.sha256(f"{encoder.fingerprint}\0{encoder.input_text(passage)}".encode()).digest()[:KEY_BYTES]


@dataclass(frozen=True)
class PromptKeyer:
    """The part of a sentence-transformers encoder that keys texts (fingerprint, input text), without
    its model, so parsing workers can compute the content keys."""

    fingerprint: str
    template: str

    def input_text(self, passage: Passage) -> str:
        return passage_input(passage, self.template)


def keyer_of(encoder: Encoder):
    """What parsing workers need of an encoder: ``fingerprint`` and ``input_text``, cheap to send."""
    inner = getattr(encoder, "local", encoder)
    if getattr(inner, "spec", None) is not None:  # a real model (torch or OpenVINO): send its prompt only
        return PromptKeyer(inner.fingerprint, inner.spec.document_prompt)
    return inner  # test encoders hold no model and pickle whole


@dataclass
class ArticleTexts:
    passages: list[Passage]
    sentences: list[Passage]
    passage_keys: list[bytes]
    sentence_keys: list[bytes]
    gaps: list[Passage] = field(default_factory=list)  # whitespace between its sentences (chunking.whitespace_gaps)


@dataclass
class FileTexts:
    """What one corpus file gives the index, or why it gives nothing. Keyword tokens are counted per
    passage against the file's own vocabulary, so the driver maps each distinct token once per file."""

    source: str
    articles: list[ArticleTexts] = field(default_factory=list)
    skipped: list[corpus.Skipped] = field(default_factory=list)
    usable: bool = False
    vocab: list[str] = field(default_factory=list)
    token_ids: list[np.ndarray] = field(default_factory=list)  # per passage: distinct file-vocab ids
    token_counts: list[np.ndarray] = field(default_factory=list)  # per passage: their counts
    lengths: list[int] = field(default_factory=list)  # per passage: tokens in all


def parse_source(source: str, path: str | Path, params: ChunkingParams, keyer) -> FileTexts:
    """One file read, parsed, chunked, split into sentences, tokenised and keyed."""
    out = FileTexts(source)
    try:
        page, bad_lines = corpus.read_file(Path(path), source)
    except corpus.UnusableFileError as e:
        out.skipped.append(corpus.Skipped(source, e.reason))
        return out
    out.skipped.extend(bad_lines)
    if not any(a.paragraphs for a in page.articles):
        out.skipped.append(corpus.Skipped(source, "no article text found"))
        return out
    out.usable = True
    vocab: dict[str, int] = {}
    for passages, sentences, gaps in texts_of(page, params):
        out.articles.append(ArticleTexts(passages, sentences, [vector_key(keyer, p) for p in passages],
                                         [vector_key(keyer, s) for s in sentences], gaps))
        for p in passages:
            ids, counts, length = count_tokens(tokenize(keyword_text(p)), vocab)
            out.token_ids.append(ids)
            out.token_counts.append(counts)
            out.lengths.append(length)
    out.vocab = list(vocab)
    return out


def _parse_task(args: tuple) -> FileTexts:
    return parse_source(*args)


def parsed_locally(sources: list[tuple[str, Path]], params: ChunkingParams, keyer,
                   workers: int | None = None) -> Iterator[FileTexts]:
    """Every file through ``parse_source``, in the order of ``sources``: on a pool of worker processes
    (one per core; fresh interpreters, as a forked server's threads would not survive) when there
    are enough files to repay starting them."""
    workers = workers or int(os.environ.get("RAG_READ_WORKERS") or os.cpu_count() or 1)
    tasks = [(source, path, params, keyer) for source, path in sources]
    if workers < 2 or len(tasks) < PARALLEL_FILES or type(keyer).__module__ == "__main__":
        yield from map(_parse_task, tasks)  # (a keyer defined in the caller's script cannot reach a worker)
        return
    with _caller_script_hidden():
        pool = multiprocessing.get_context("spawn").Pool(workers)
    with pool:
        yield from pool.imap(_parse_task, tasks, chunksize=1)


@contextmanager
def _caller_script_hidden() -> Iterator[None]:
    """Spawned workers re-run the caller's main script before working, which hangs a script without
    an ``if __name__ == "__main__"`` guard (each worker would start the build again). Parsing needs
    only rag's own code, so the workers are started while ``__main__`` is an empty module."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def read_pass(root: Path, folder: Path, encoder: Encoder, params: ChunkingParams, warn: Callable[[str], None],
              sources: list[tuple[str, Path]] | None) -> dict[str, np.ndarray]:
    """First pass of a local build: every article into the store and the keyword index; the content keys."""
    sources = corpus.iter_sources(root) if sources is None else sources
    return assemble(root, folder, sources, parsed_locally(sources, params, keyer_of(encoder)), warn)


def assemble(root: Path, folder: Path, sources: list[tuple[str, Path]], files: Iterable[FileTexts],
             warn: Callable[[str], None]) -> dict[str, np.ndarray]:
    """Parsed files, in source order, into the store and the keyword index (saved under ``folder``);
    returns the content keys of the passages and sentences, in id order."""
    if not sources:
        raise CorpusError(f"no {corpus._PATTERNS} files under {root}; put the newspaper pages there")
    store, sparse = StoreWriter(folder / STORE), SparseBuilder()
    keys: dict[str, list[bytes]] = {"passages": [], "sentences": []}
    skipped: list[corpus.Skipped] = []
    usable = 0
    for texts in files:
        skipped.extend(texts.skipped)
        usable += texts.usable
        for article in texts.articles:
            store.add_article(texts.source, article.passages, article.sentences, article.gaps)
            keys["passages"].extend(article.passage_keys)
            keys["sentences"].extend(article.sentence_keys)
        sparse.add_file(texts.vocab, texts.token_ids, texts.token_counts, texts.lengths)
    if not usable:
        store.close()
        raise CorpusError(f"no usable file under {root}: {corpus.describe_skipped(skipped)}; "
                          "fix these files or add UTF-8 text files")
    if skipped:
        warn(f"rag: warning: skipped {len(skipped)} unusable corpus item(s), fix them and rebuild "
             f"to include them: {corpus.describe_skipped(skipped)}")
    store.add_vocab(sparse.vocab)
    store.close()
    if not keys["passages"]:
        raise CorpusError(f"no article text found under {root}; point --corpus at a folder of newspaper pages "
                          "(.txt) or articles (.md, .html, .jsonl)")
    sparse.finish().save(folder / BM25_DIR)  # now, while the vectors are not yet in memory
    return {t: np.array(k, dtype=f"S{KEY_BYTES}") for t, k in keys.items()}
