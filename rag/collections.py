"""Collections: named corpora, each with its own index, that the chat answers from (the Library).

Layout under the collections root (``indexes/collections``, or ``$RAG_COLLECTIONS``)::

    <root>/<name>/corpus/     the collection's files; citations name them
    <root>/<name>/index       its index (a link to a build folder, saved atomically by rag.index)
    <root>/<name>/.incoming/  uploads checked and renamed, waiting for their turn to be indexed

The default collection is the default index (built from ``seeds/``): read-only here. Changes go
through rag.update (journal and lock) in one background worker, one at a time; until a change
is saved the chat keeps answering from the collection's previous index, then the new one is
swapped in. Every upload is checked before anything is staged: a safe file name with a known
suffix, the size limit, and text the corpus reader can use.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
import time
import unicodedata
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from . import corpus
from .batching import BatchingEncoder
from .errors import CorpusError, RagError
from .index import read_manifest
from .retriever import PROJECT_ROOT, Retriever, default_index_dir
from .update import add_files, check_usable, corpus_lock, remove_sources, start_index

DEFAULT_COLLECTION = "default"
MAX_UPLOAD_MB = 20  # per file; RAG_MAX_UPLOAD_MB or the app's --max-upload-mb change it
MAX_NAME_CHARS = 40
MAX_FILE_NAME_CHARS = 120
_NAME = re.compile(rf"[^\W_][\w-]{{0,{MAX_NAME_CHARS - 1}}}")  # letters of any script, digits, _ and -
_UNSAFE_IN_FILE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def default_collections_dir() -> Path:
    return Path(os.environ.get("RAG_COLLECTIONS") or PROJECT_ROOT / "indexes" / "collections")


def default_max_upload_mb() -> float:
    value = os.environ.get("RAG_MAX_UPLOAD_MB")
    try:
        return float(value) if value else MAX_UPLOAD_MB
    except ValueError:
        raise CorpusError(f"RAG_MAX_UPLOAD_MB must be a number of megabytes, got {value!r}") from None


# --- names -----------------------------------------------------------------------------

def validate_name(name: object) -> str:
    """A collection name: 1-40 letters (any script), digits, '_' or '-', not starting with '_' or '-'."""
    cleaned = unicodedata.normalize("NFC", name.strip()) if isinstance(name, str) else ""
    if cleaned == DEFAULT_COLLECTION:
        raise CorpusError(f"the name {DEFAULT_COLLECTION!r} is the read-only default collection; choose another")
    if not _NAME.fullmatch(cleaned):
        raise CorpusError(f"collection name {name!r} is not allowed: use 1-{MAX_NAME_CHARS} letters, digits, "
                          "'_' or '-' (no spaces, dots or slashes), starting with a letter or digit, e.g. 2024年报道")
    return cleaned


def safe_file_name(name: str) -> str:
    """The name an upload is stored under: its last path part, without a leading dot or characters
    no file name should hold; refused (CorpusError) when the suffix is not one the corpus reads."""
    base = unicodedata.normalize("NFC", re.split(r"[/\\]", name or "")[-1])
    base = _UNSAFE_IN_FILE_NAME.sub("_", base).strip().lstrip(". ").rstrip(". ")
    stem, suffix = os.path.splitext(base)
    if suffix.lower() not in corpus.SUFFIXES or not stem:
        raise CorpusError(f"cannot add {name!r}: the library takes only {', '.join(corpus.SUFFIXES)} files")
    return stem[:MAX_FILE_NAME_CHARS - len(suffix)] + suffix


def check_size(path: Path, label: str, max_mb: float) -> None:
    size = Path(path).stat().st_size
    if size > max_mb * 1024 * 1024:
        raise CorpusError(f"cannot add {label}: it is {size / 1024 / 1024:.1f} MB and uploads are limited to "
                          f"{max_mb:g} MB a file (--max-upload-mb or RAG_MAX_UPLOAD_MB raise the limit)")


# --- what the Library shows ---------------------------------------------------------------

@dataclass(frozen=True)
class Document:
    """One file of a collection, as the Library lists it."""

    source: str
    articles: int
    passages: int  # in the index now (0 until its change is saved)
    added: float  # seconds since the epoch: when the file entered the corpus
    size: int  # bytes


@dataclass
class Job:
    """A change being indexed in the background; ``done``/``total`` are units embedded or reused."""

    collection: str
    action: str  # "add" | "remove"
    files: tuple[str, ...]
    state: str = "queued"  # queued -> running -> done | failed
    done: int = 0
    total: int = 0
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total


@lru_cache(maxsize=4096)
def _article_count(path: Path, mtime_ns: int, size: int) -> int:
    """Articles with text in a file; keyed by its mtime and size, so an edit is read again."""
    try:
        page, _ = corpus.read_file(path, path.name)
    except corpus.UnusableFileError:
        return 0
    return sum(1 for a in page.articles if a.paragraphs)


def article_count(path: Path) -> int:
    stat = path.stat()
    return _article_count(path, stat.st_mtime_ns, stat.st_size)


# --- the library ----------------------------------------------------------------------------

class Library:
    """The default collection plus the writable ones under ``root``; hands the chat a retriever for each."""

    def __init__(self, default_index: Path | str | None = None, root: Path | str | None = None,
                 max_upload_mb: float | None = None, encoder=None, batch_queries: bool = False):
        """``batch_queries``: encode questions asked at the same moment in one model call
        (rag.batching), for a server answering many users at once."""
        self.default_index = Path(default_index) if default_index else default_index_dir()
        self.root = Path(root) if root else default_collections_dir()
        self.max_upload_mb = max_upload_mb if max_upload_mb is not None else default_max_upload_mb()
        if self.max_upload_mb <= 0:
            raise CorpusError(f"the upload limit must be above 0 MB, got {self.max_upload_mb:g}")
        default = Retriever.load(self.default_index, encoder=encoder)
        if batch_queries:
            default.encoder = BatchingEncoder(default.encoder)
        self.encoder = default.encoder  # new collections are built with the default index's model
        self._retrievers: dict[str, Retriever | None] = {DEFAULT_COLLECTION: default}
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-library")

    # where things are
    def corpus_dir(self, name: str) -> Path:
        if name == DEFAULT_COLLECTION:  # the folder the default index was built from (seeds/)
            return Path(self.retriever(DEFAULT_COLLECTION).data.manifest["corpus"]["root"])
        return self.root / validate_name(name) / "corpus"

    def index_dir(self, name: str) -> Path:
        return self.default_index if name == DEFAULT_COLLECTION else self.root / validate_name(name) / "index"

    def names(self) -> list[str]:
        """The default collection first, then the others by name."""
        found = sorted(p.parent.name for p in self.root.glob("*/corpus") if _NAME.fullmatch(p.parent.name))
        return [DEFAULT_COLLECTION, *found]

    def is_writable(self, name: str | None) -> bool:
        return bool(name) and name != DEFAULT_COLLECTION and name in self.names()

    def create(self, name: str) -> str:
        name = validate_name(name)
        folder = self.root / name / "corpus"
        if folder.exists():
            raise CorpusError(f"a collection named {name} already exists; choose it, or pick another name")
        folder.mkdir(parents=True)
        return name

    def create_for_upload(self) -> str:
        """A new collection for files uploaded while the read-only default was chosen."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1, 100):
            name = f"uploads-{stamp}" + (f"-{n}" if n > 1 else "")
            if not (self.root / name).exists():
                return self.create(name)
        raise CorpusError("too many collections created this second; try again")

    def _require(self, name: str) -> str:
        if name not in self.names():
            raise CorpusError(f"no collection named {name!r}; create it first (known: {', '.join(self.names())})")
        return name

    def _require_writable(self, name: str) -> str:
        if name == DEFAULT_COLLECTION:
            raise CorpusError("the default collection (the seed pages) is read-only; create a collection "
                              "for your files, or upload with none chosen to get one")
        return self._require(validate_name(name))

    # what is in a collection
    def documents(self, name: str) -> list[Document]:
        """The collection's files with their counts, by name."""
        root = self.corpus_dir(self._require(name))
        retriever = self.retriever(name)
        passages = Counter(retriever.data.store.passages_per_source()) if retriever else Counter()
        return [Document(source, article_count(path), passages[source], path.stat().st_mtime, path.stat().st_size)
                for source, path in corpus.iter_sources(root)]

    def retriever(self, name: str | None) -> Retriever | None:
        """The collection's current index (None while it holds no document). Loaded once, then kept
        until a change replaces it, so questions asked during indexing use the previous index."""
        name = name or DEFAULT_COLLECTION
        with self._lock:
            if name not in self._retrievers:
                self._retrievers[name] = self._load(self._require(name))
            return self._retrievers[name]

    def _load(self, name: str) -> Retriever | None:
        index = self.index_dir(name)
        if not corpus.iter_sources(self.corpus_dir(name)) or not _exists(index):
            return None
        return Retriever.load(index, encoder=self._encoder_for(index))

    def _encoder_for(self, index: Path):
        """The shared encoder when the index was built with its model; None lets rag load the right one."""
        return self.encoder if read_manifest(index)["model"]["name"] == self.encoder.name else None

    # changes, checked at once and indexed in the background
    def submit_add(self, name: str, uploads: Sequence[Path | str], new_if_read_only: bool = False) -> Job:
        """Check uploaded files (see module docstring), then queue them for indexing; the job names
        the collection. A file of the same name as one in the collection replaces it. With
        ``new_if_read_only``, files for the default collection go to a new one instead."""
        uploads = [Path(p) for p in uploads]
        names = self._check_uploads(uploads)
        if new_if_read_only and not self.is_writable(name):
            name = self.create_for_upload()
        name = self._require_writable(name)
        incoming = self._receive(name, uploads, names)
        job = Job(name, "add", tuple(p.name for p in incoming))
        return self._submit(job, lambda: self.add(name, incoming, job))

    def submit_remove(self, name: str, sources: Sequence[str]) -> Job:
        name = self._require_writable(name)
        if not sources:
            raise CorpusError("no document chosen; tick the files to remove first")
        job = Job(name, "remove", tuple(sources))
        return self._submit(job, lambda: self.remove(name, list(sources), job))

    def job(self, name: str | None) -> Job | None:
        """The latest change of a collection, running or finished."""
        return self._jobs.get(name or DEFAULT_COLLECTION)

    def _submit(self, job: Job, change) -> Job:
        def run() -> None:
            job.state = "running"
            try:
                change()
                job.state = "done"
            except Exception as exc:  # noqa: BLE001 - shown in the page; the worker goes on with the next change
                job.error, job.state = str(exc) if isinstance(exc, RagError) else f"{type(exc).__name__}: {exc}", "failed"

        self._jobs[job.collection] = job
        self._worker.submit(run)
        return job

    def _check_uploads(self, uploads: list[Path]) -> list[str]:
        """The safe name of each upload, once all pass every check; messages name a file by its
        safe name, never by a server path."""
        if not uploads:
            raise CorpusError(f"no file given; choose {', '.join(corpus.SUFFIXES)} files to upload")
        names = [safe_file_name(p.name) for p in uploads]
        for path, clean in zip(uploads, names):
            if names.count(clean) > 1:
                raise CorpusError(f"cannot add {clean}: two of the chosen files are named so; rename one")
            check_size(path, clean, self.max_upload_mb)
            check_usable(path, clean)
        return names

    def _receive(self, name: str, uploads: list[Path], names: list[str]) -> list[Path]:
        """Copy checked uploads under their safe names into a folder of their own."""
        folder = self.root / name / ".incoming" / uuid.uuid4().hex
        folder.mkdir(parents=True)
        return [Path(shutil.copyfile(path, folder / clean)) for path, clean in zip(uploads, names)]

    def add(self, name: str, paths: Sequence[Path], job: Job | None = None) -> None:
        """Index files into a writable collection now (the background worker calls this)."""
        name, index, progress = self._require_writable(name), self.index_dir(name), job.progress if job else None
        try:
            if not _exists(index):
                start_index(self.corpus_dir(name), index, paths, self.encoder, progress=progress, warn=_ignore)
            else:
                add_files(index, paths, replace=True, progress=progress, warn=_ignore,
                          encoder=self._encoder_for(index))
        finally:
            incoming = {Path(p).parent for p in paths if Path(p).parent.parent.name == ".incoming"}
            for folder in incoming:
                shutil.rmtree(folder, ignore_errors=True)
        self._swap_in(name)

    def remove(self, name: str, sources: list[str], job: Job | None = None) -> None:
        """Remove files from a writable collection now; removing every file empties it (no index)."""
        name = self._require_writable(name)
        root, index = self.corpus_dir(name), self.index_dir(name)
        known = {source for source, _ in corpus.iter_sources(root)}
        unknown = [s for s in sources if s not in known]
        if unknown:
            raise CorpusError(f"not in collection {name}: {', '.join(unknown)}; refresh the list and try again")
        if set(sources) >= known or not _exists(index):
            self._drop(root, index, sources, emptied=set(sources) >= known)
        else:
            remove_sources(index, sources, progress=job.progress if job else None, warn=_ignore,
                           encoder=self._encoder_for(index))
        self._swap_in(name)

    @staticmethod
    def _drop(root: Path, index: Path, sources: list[str], emptied: bool) -> None:
        """Delete files without rebuilding: the collection is emptied, or has no index to update."""
        with corpus_lock(root):
            if emptied and index.is_symlink():
                target = index.resolve()
                index.unlink()
                shutil.rmtree(target, ignore_errors=True)
            for source in sources:
                (root / source).unlink(missing_ok=True)

    def _swap_in(self, name: str) -> None:
        """Load the collection's new index, then replace the one the chat uses in one step."""
        fresh = self._load(name)
        with self._lock:
            self._retrievers[name] = fresh

    def close(self) -> None:
        self._worker.shutdown(wait=True)


def _exists(index: Path) -> bool:
    """An index is there (a link to a missing folder counts: loading it then says what to do)."""
    return index.exists() or index.is_symlink()


def _ignore(message: str) -> None:
    """Skipped-file warnings: uploads are checked before staging, so there is nothing new to say."""
