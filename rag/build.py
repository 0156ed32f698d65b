"""Corpus folder -> index folder: parse, chunk, embed, index, save atomically."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from . import corpus
from .chunking import ChunkingParams, article_sentences, chunk_articles
from .dense import DenseIndex
from .embed import Encoder
from .errors import CorpusError
from .index import IndexData, make_manifest, save_index
from .models import sha256_file
from .sparse import SparseIndex
from .text import TOKENIZER_VERSION, clean_for_embedding
from .types import Passage


def corpus_file_hashes(root: Path) -> dict[str, str]:
    """{source: sha256} for every file the corpus reader takes, skipped ones too (fixing one makes an index stale)."""
    return {source: sha256_file(path) for source, path in corpus.iter_sources(root)}


def warn_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def collect_units(root: Path, params: ChunkingParams,
                  warn: Callable[[str], None] = warn_stderr) -> tuple[list[Passage], list[Passage]]:
    """(passages to search, sentences to quote) for every usable file under root.

    Unusable files (and bad JSON lines) are left out and named in one ``warn`` message.
    """
    report = corpus.read_corpus(root)
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


def build_index(root: Path, index_dir: Path, encoder: Encoder, params: ChunkingParams = ChunkingParams(),
                progress: Callable[[int, int], None] | None = None,
                warn: Callable[[str], None] = warn_stderr) -> IndexData:
    """Build and atomically save an index; the previous one stays until the new one is complete.

    Unusable corpus files are skipped and named in one ``warn`` message (stderr by default).
    """
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist; pass --corpus DIR with your pages")
    files = corpus_file_hashes(root)
    passages, sentences = collect_units(root, params, warn)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(passages) + len(sentences))

    vectors = encoder.encode_passages(passages, progress=step)
    sentence_vectors = encoder.encode_passages(sentences, progress=step)
    manifest = make_manifest(
        model={"name": encoder.name, "fingerprint": encoder.fingerprint, "dim": encoder.dim},
        chunking=params, corpus_root=root, corpus_files=files, passages=len(passages),
        extra={"sentences": len(sentences), "tokenizer": TOKENIZER_VERSION})
    data = IndexData(passages, DenseIndex.build(vectors), SparseIndex.build([keyword_text(p) for p in passages]),
                     manifest, sentences, DenseIndex.build(sentence_vectors))
    save_index(index_dir, data)
    return data
