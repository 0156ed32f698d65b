"""Question answering over a Chinese news archive: cited passages and quoted extracts.

    r = rag.Retriever.load()
    r.search("网格员做什么工作?", k=5)   # hits, best first; higher score is better
    r.answer("网格员做什么工作?").quotes
"""
from .errors import (CorpusError, IndexCorruptError, IndexMissingError, IndexStaleError, ModelError, QueryError,
                     RagError)
from .retriever import DEFAULT_MODE, MODES, QueryText, Retriever, default_corpus_dir, default_index_dir
from .text import one_line
from .types import NEAREST_SHOWN, Answer, Article, Hit, Passage, Quote

__all__ = [
    "Answer", "Article", "CorpusError", "DEFAULT_MODE", "Hit", "IndexCorruptError", "IndexMissingError",
    "IndexStaleError", "MODES", "ModelError", "NEAREST_SHOWN", "Passage", "QueryError", "QueryText", "Quote",
    "RagError", "Retriever",
    "default_corpus_dir", "default_index_dir", "one_line",
]

# The Library (collections of documents the chat can answer from): see rag.collections.
from .collections import (DEFAULT_COLLECTION, MAX_UPLOAD_MB, Document, Job, Library, default_collections_dir,
                          safe_file_name, validate_name)
from .corpus import SUFFIXES

__all__ += ["DEFAULT_COLLECTION", "Document", "Job", "Library", "MAX_UPLOAD_MB", "SUFFIXES", "default_collections_dir",
            "safe_file_name", "validate_name"]
