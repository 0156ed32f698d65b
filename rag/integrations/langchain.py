"""The retriever as a LangChain ``BaseRetriever`` (``pip install 'rag[langchain]'``).

    from rag.integrations.langchain import RagRetriever
    docs = RagRetriever.load(k=5, sources=["000_x.txt"]).invoke("网格员做什么工作?")
    docs[0].page_content, docs[0].metadata["source"], docs[0].metadata["start"]

Each Document is one hit: ``page_content`` is the passage verbatim; ``metadata`` holds source,
start, end (``file_text[start:end] == page_content``), title, score and date.
"""
from __future__ import annotations

from pathlib import Path

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as exc:  # pragma: no cover - depends on the environment
    from rag.errors import RagError

    raise RagError("rag.integrations.langchain needs langchain-core; install it with "
                   "`pip install 'rag[langchain]'`") from exc
from pydantic import ConfigDict

from rag.retriever import Retriever
from rag.types import Hit


class RagRetriever(BaseRetriever):
    """Search a rag index from LangChain; the filters are those of ``Retriever.search``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = 5
    mode: str | None = None
    sources: list[str] | None = None
    since: str | None = None
    until: str | None = None
    section: str | None = None

    @classmethod
    def load(cls, path: str | Path | None = None, **settings) -> "RagRetriever":
        """Open an index (the default one unless ``path``), as ``rag.Retriever.load`` does."""
        return cls(retriever=Retriever.load(path), **settings)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.retriever.search(query, k=self.k, mode=self.mode, sources=self.sources, since=self.since,
                                     until=self.until, section=self.section)
        return [to_document(h) for h in hits]


def to_document(hit: Hit) -> Document:
    return Document(page_content=hit.text, metadata={"source": hit.source, "start": hit.start, "end": hit.end,
                                                     "title": hit.title, "score": hit.score, "date": hit.date})
