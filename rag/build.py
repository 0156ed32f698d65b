"""Corpus folder -> index folder: parse, chunk, embed, index, save atomically.

Builds are incremental: a text (a passage or a sentence) whose embedding input is unchanged since the
previous index at the same place, with the same model, keeps its vector; only the rest is encoded.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import corpus
from .chunking import ChunkingParams, article_sentences, chunk_articles
from .dense import DenseIndex
from .embed import Encoder
from .errors import CorpusError, RagError
from .index import IndexData, load_index, make_manifest, save_index
from .sparse import SparseIndex
from .text import TOKENIZER_VERSION, clean_for_embedding
from .types import Passage


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
    """(passages to search, sentences to quote) for every usable file under root (or in ``sources``).

    Unusable files (and bad JSON lines) are left out and named in one ``warn`` message.
    """
    report = corpus.read_corpus(root, sources)
    if report.skipped:
        warn(f"rag: warning: skipped {len(report.skipped)} unusable corpus item(s), fix them and rebuild "
             f"to include them: {corpus.describe_skipped(report.skipped)}")
    passages: list[Passage] = []
    sentences: list[Passage] = []
    for page in report.pages:
        passages.extend(chunk_articles(page.articles, page.text, params))
        sentences.extend(s for a in page.articles for s in article_sentences(a, page.text))
    if not passages:
        raise CorpusError(f"no article text found under {root}; point --corpus at a folder of newspaper pages "
                          "(.txt) or articles (.md, .html, .jsonl)")
    return passages, sentences


def keyword_text(p: Passage) -> str:
    """What BM25 indexes: the title too, so a query naming the article finds its passages."""
    return f"{p.title}\n{clean_for_embedding(p.text)}"


def vector_key(encoder: Encoder, passage: Passage) -> str:
    """Identifies a vector: the model's weights and the exact text the encoder embeds (a passage or a sentence)."""
    return hashlib.sha256(f"{encoder.fingerprint}\0{encoder.input_text(passage)}".encode()).hexdigest()


def _vector_keys(encoder: Encoder, passages: Sequence[Passage]) -> list[str]:
    return [vector_key(encoder, p) for p in passages]


def previous_vectors(index_dir: Path, encoder: Encoder) -> dict[str, np.ndarray]:
    """{vector key: vector} of the index at index_dir if it loads and was built by this encoder, else {}.

    Keys are the ones recorded at build time (manifest "embedding_keys"), so a changed prompt
    template cannot pass an old vector off as a new one.
    """
    try:
        old = load_index(index_dir)
    except (RagError, OSError):  # absent, corrupt, other format: embed everything
        return {}
    model, keys = old.manifest["model"], old.manifest.get("embedding_keys")
    if ((model.get("name"), model.get("fingerprint"), old.dense.dim) != (encoder.name, encoder.fingerprint, encoder.dim)
            or not isinstance(keys, dict)):
        return {}
    reuse: dict[str, np.ndarray] = {}
    for old_keys, dense in ((keys.get("passages"), old.dense), (keys.get("sentences"), old.sentence_dense)):
        if not isinstance(old_keys, list) or len(old_keys) != len(dense):
            return {}
        reuse.update(zip(old_keys, dense.vectors(list(range(len(dense))))))
    return reuse


def embed_reusing(encoder: Encoder, texts: list[Passage], keys: list[str], reuse: dict[str, np.ndarray],
                  step: Callable[[int], None]) -> tuple[np.ndarray, int]:
    """(vectors of texts, how many were encoded): reused vectors where the key matches, the rest encoded."""
    todo = [i for i, key in enumerate(keys) if key not in reuse]
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in reuse:
            out[i] = reuse[key]
    step(len(texts) - len(todo))
    if todo:
        out[todo] = encoder.encode_passages([texts[i] for i in todo], progress=step)
    return out, len(todo)


def build_index(root: Path, index_dir: Path, encoder: Encoder, params: ChunkingParams = ChunkingParams(),
                progress: Callable[[int, int], None] | None = None,
                warn: Callable[[str], None] = warn_stderr, incremental: bool = True,
                changes: Changes | None = None, calibrate: bool = True) -> IndexData:
    """Build and atomically save an index; the previous one stays until the new one is complete.

    With ``incremental``, vectors of texts unchanged since the index at index_dir are reused
    (manifest "build" counts reused and embedded texts). Unusable corpus files are skipped and
    named in one ``warn`` message (stderr by default). ``changes`` builds the corpus as it will be
    once those files are added or removed, without touching it yet. With ``calibrate``, the
    manifest records the refusal threshold fitted to this corpus.
    """
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist; pass --corpus DIR with your pages")
    sources = sources_after(root, changes) if changes else None
    files = corpus.corpus_file_hashes(root, sources)
    passages, sentences = collect_texts(root, params, warn, sources)
    reuse = previous_vectors(index_dir, encoder) if incremental else {}
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(passages) + len(sentences))

    passage_keys, sentence_keys = _vector_keys(encoder, passages), _vector_keys(encoder, sentences)
    vectors, embedded = embed_reusing(encoder, passages, passage_keys, reuse, step)
    sentence_vectors, sentences_embedded = embed_reusing(encoder, sentences, sentence_keys, reuse, step)
    embedded += sentences_embedded
    extra = {"sentences": len(sentences), "tokenizer": TOKENIZER_VERSION,
             "build": {"embedded": embedded, "reused": len(passages) + len(sentences) - embedded},
             "embedding_keys": {"passages": passage_keys, "sentences": sentence_keys}}
    manifest = make_manifest(
        model={"name": encoder.name, "fingerprint": encoder.fingerprint, "dim": encoder.dim},
        chunking=params, corpus_root=root, corpus_files=files, passages=len(passages), extra=extra)
    data = IndexData(passages, DenseIndex.build(vectors), SparseIndex.build([keyword_text(p) for p in passages]),
                     manifest, sentences, DenseIndex.build(sentence_vectors))
    if calibrate:
        data.manifest["calibration"] = calibration_of(data, encoder, index_dir)
    save_index(index_dir, data)
    return data


def calibration_of(data: IndexData, encoder: Encoder, index_dir: Path) -> dict | None:
    """The refusal threshold fitted to this corpus (rag/calibration.py), before the index is saved."""
    from .calibration import calibrate_retriever
    from .retriever import Retriever

    fitted = calibrate_retriever(Retriever(data, encoder, index_dir))
    return fitted.as_dict() if fitted else None
