"""The on-disk index: texts, FAISS vectors and BM25 under one folder with a manifest.

Layout: ``<index>`` is a symlink to a sibling build folder ``.<name>.<stamp>`` holding
``store.sqlite`` (article texts once, passages and sentences as offsets, the keyword vocabulary),
``passages.faiss`` (searched), ``sentences/`` (quantised codes, read by id), ``bm25/`` (scores,
memory-mapped), ``keys/`` (content keys of every vector, for incremental builds),
``passage_sentences.npy`` (each passage's run of sentence ids) and ``manifest.json``. The manifest
is written last and names every part with its size and sha256, so
its presence means the build is complete; the symlink is swapped atomically, so a crash at any
moment leaves the previous index in place and loadable.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from . import corpus
from .chunking import ChunkingParams
from .dense import DenseIndex, DenseParams, VectorCodes
from .errors import IndexCorruptError, IndexMissingError, IndexStaleError
from .sparse import NPY_HEADER_LOCK, SparseIndex
from .store import TextStore
from .text import TOKENIZER_VERSION
from .types import Passage
from .util import sha256_file

# 2: sentence store for quoted answers; 3: passages and sentences carry their date; 4: SQLite text
# store with offsets, quantised vectors, HNSW above a size, memory-mapped BM25, keys out of the manifest
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
STORE = "store.sqlite"
VECTORS = "passages.faiss"
SENTENCE_VECTORS = "sentences"
BM25_DIR = "bm25"
KEYS_DIR = "keys"
PASSAGE_SENTENCES = "passage_sentences.npy"  # (first, past) sentence ids of each passage, for search
# Parts up to this size are hashed whole on every load; larger ones by size and their first and last
# MiB, so a million-article index loads in seconds. `rag index verify` hashes everything.
FULL_HASH_BYTES = 64 << 20
SAMPLE_BYTES = 1 << 20


def build_command(index_dir: Path | None = None, corpus: str | None = None) -> str:
    """The command that (re)builds an index, quoted in error messages."""
    cmd = "rag index build"
    if corpus:
        cmd += f" --corpus {corpus}"
    if index_dir is not None:
        cmd += f" --index {index_dir}"
    return cmd


@dataclass
class IndexData:
    passages: Sequence[Passage]  # a TextTable read from the store (or a list, in tests)
    dense: DenseIndex
    sparse: SparseIndex
    manifest: dict
    sentences: Sequence[Passage]  # quotable sentences, verbatim with offsets
    sentence_dense: VectorCodes
    store: TextStore | None = None
    # (first, past) sentence ids of each passage (rag.pooling.sentence_ranges); None: ask the store
    passage_sentences: np.ndarray | None = None


def corpus_fingerprint(files: dict[str, str]) -> str:
    """One hash over {source: sha256 of its bytes}; changes when any file changes, appears or goes."""
    import hashlib

    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def make_manifest(*, model: dict, chunking: ChunkingParams, corpus_root: Path, corpus_files: dict[str, str],
                  passages: int, extra: dict | None = None) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": model,
        "chunking": chunking.as_dict(),
        "corpus": {"root": str(corpus_root.resolve()), "files": corpus_files, "hash": corpus_fingerprint(corpus_files)},
        "passages": passages,
        **(extra or {}),
    }


# --- saving --------------------------------------------------------------------

def new_build_folder(index_dir: Path) -> Path:
    """A fresh folder beside the index for a build to write into; the index itself is untouched."""
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.{time.strftime('%Y%m%d%H%M%S')}.{os.getpid()}.",
                                  dir=index_dir.parent))
    build.chmod(0o755)
    return build


def save_vectors(build: Path, dense: DenseIndex, sentence_codes: VectorCodes, keys: dict[str, np.ndarray]) -> None:
    """Every part but the store and the keyword index (written by the first pass) and the manifest (last)."""
    dense.save(build / VECTORS)
    sentence_codes.save(build / SENTENCE_VECTORS)
    (build / KEYS_DIR).mkdir()
    for name, array in keys.items():
        np.save(build / KEYS_DIR / f"{name}.npy", array)


def save_passage_sentences(build: Path, ranges: np.ndarray | None) -> None:
    """Each passage's sentence ids as (first, past) rows; nothing when they are not runs (see
    rag.pooling.sentence_ranges), and search then asks the store."""
    if ranges is not None:
        np.save(build / PASSAGE_SENTENCES, ranges)


def load_passage_sentences(folder: Path, passages: int, sentences: int) -> np.ndarray | None:
    """The (first, past) sentence ids of every passage, read whole (16 bytes a passage), or None for an
    index built before they were saved."""
    path = folder / PASSAGE_SENTENCES
    if not path.exists():
        return None
    with NPY_HEADER_LOCK:
        ranges = np.load(path)
    if ranges.shape != (passages, 2) or ranges.dtype.kind not in "iu" or (len(ranges) and (
            ranges.min() < 0 or ranges.max() > sentences or (ranges[:, 1] < ranges[:, 0]).any())):
        raise ValueError(f"{PASSAGE_SENTENCES} holds {ranges.shape} rows for {passages} passages and {sentences} sentences")
    return ranges


def describe_parts(build: Path) -> dict[str, dict]:
    """{relative path: {"bytes", "sha256"}} of every file of a build."""
    return {p.relative_to(build).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256_file(p),
                                              **({"sample": sample_hash(p)} if p.stat().st_size > FULL_HASH_BYTES else {})}
            for p in sorted(build.rglob("*")) if p.is_file() and p.name != MANIFEST}


def sample_hash(path: Path) -> str:
    """sha256 of a file's size and its first and last MiB: the load-time check of a large part."""
    import hashlib

    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        digest.update(f.read(SAMPLE_BYTES))
        f.seek(max(0, size - SAMPLE_BYTES))
        digest.update(f.read(SAMPLE_BYTES))
    return digest.hexdigest()


def write_manifest(build: Path, manifest: dict, parts: dict | None = None) -> dict:
    """The manifest, with every part's size and hash (``parts``: already described, the files unchanged)."""
    manifest = {**manifest, "parts": parts or describe_parts(build)}
    _write_durably(build / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def publish(index_dir: Path, build: Path) -> None:
    """Point the index at a finished build (manifest written); the previous build is removed."""
    _swap_symlink(Path(index_dir), build)


def _write_durably(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _swap_symlink(index_dir: Path, target: Path) -> None:
    """Atomically repoint index_dir at target and delete the folder it pointed to before."""
    previous = index_dir.resolve() if index_dir.is_symlink() else None
    if index_dir.exists() and not index_dir.is_symlink():
        # An index folder from elsewhere: move it aside (kept) so the name can become a link.
        index_dir.rename(index_dir.with_name(f".{index_dir.name}.replaced.{int(time.time())}"))
    link = index_dir.with_name(f".{index_dir.name}.link.{os.getpid()}")
    if link.is_symlink():
        link.unlink()
    link.symlink_to(target.name)
    os.replace(link, index_dir)
    if previous and previous != target.resolve() and previous.exists():
        shutil.rmtree(previous, ignore_errors=True)
    _remove_abandoned_builds(index_dir, keep=target)


def _remove_abandoned_builds(index_dir: Path, keep: Path) -> None:
    """Folders of builds whose process died before the swap are garbage once a newer build landed,
    and so are the temporary links (``.<index>.link.<pid>``) of builders killed mid-swap."""
    for folder in index_dir.parent.glob(f".{index_dir.name}.2*"):
        if folder.resolve() != keep.resolve() and folder.is_dir() and not _builder_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
    for link in index_dir.parent.glob(f".{index_dir.name}.link.*"):
        if link.is_symlink() and not _builder_alive(link, pid_at=-1):
            link.unlink(missing_ok=True)


def _builder_alive(folder: Path, pid_at: int = -2) -> bool:
    """A build folder is named .<index>.<stamp>.<pid>.<random>; another live process may still be writing it."""
    try:
        pid = int(folder.name.split(".")[pid_at])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def update_manifest(index_dir: Path, **fields) -> dict:
    """Set top-level manifest fields of a saved index (e.g. a new calibration), atomically: the parts
    are untouched, so their hashes still hold."""
    folder = Path(index_dir).resolve()
    manifest = {**read_manifest(index_dir, folder), **fields}
    tmp = folder / f"{MANIFEST}.tmp"
    _write_durably(tmp, json.dumps(manifest, ensure_ascii=False, indent=1))
    os.replace(tmp, folder / MANIFEST)
    return manifest


# --- loading -------------------------------------------------------------------

REQUIRED_KEYS = {"format_version": int, "model": dict, "corpus": dict, "passages": int, "sentences": int,
                 "parts": dict, "chunking": dict}
REQUIRED_PARTS = (STORE, VECTORS, f"{SENTENCE_VECTORS}/codes.bin", f"{BM25_DIR}/scores.npy")
LOAD_ATTEMPTS = 3  # a rebuild may swap the link (and delete the old folder) while we read


def read_manifest(index_dir: Path, folder: Path | None = None, any_tokenizer: bool = False) -> dict:
    """The manifest of index_dir (read from ``folder``, its resolved build folder, when given)."""
    index_dir = Path(index_dir)
    path = (folder or index_dir) / MANIFEST
    fix = build_command(index_dir)
    if index_dir.is_symlink() and not index_dir.exists():
        raise IndexMissingError(f"index {index_dir} points to a missing folder ({os.readlink(index_dir)}); "
                                f"rebuild with `{fix}`")
    if not path.exists():
        if index_dir.is_dir():
            raise IndexMissingError(f"index folder {index_dir} has no {MANIFEST} (an unfinished or foreign "
                                    f"build); rebuild with `{fix}`")
        raise IndexMissingError(f"no index at {index_dir}; build it with `{fix}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"index manifest {path} is unreadable ({exc}); rebuild with `{fix}`") from None
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"index manifest {path} is not a JSON object; rebuild with `{fix}`")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"index {index_dir} has format version {manifest.get('format_version')!r}, this rag reads "
            f"version {FORMAT_VERSION}; rebuild it with `{fix}`")
    if manifest.get("tokenizer") != TOKENIZER_VERSION and not any_tokenizer:
        raise IndexStaleError(f"index {index_dir} was built with keyword tokeniser {manifest.get('tokenizer')!r}, "
                              f"this rag uses {TOKENIZER_VERSION!r}; rebuild it with `{fix}`")
    _check_manifest_shape(manifest, path, fix)
    return manifest


def _check_manifest_shape(manifest: dict, path: Path, fix: str) -> None:
    """A manifest that parses but lacks a field or a part is as corrupt as one that does not parse."""
    bad = [key for key, kind in REQUIRED_KEYS.items() if not isinstance(manifest.get(key), kind)]
    bad += [f"{sub} of {key}" for key, subs in (("model", ("name", "fingerprint")), ("corpus", ("root", "hash", "files")))
            if isinstance(manifest.get(key), dict) for sub in subs if sub not in manifest[key]]
    bad += [f"part {part}" for part in REQUIRED_PARTS if part not in (manifest.get("parts") or {})]
    if bad:
        raise IndexCorruptError(f"index manifest {path} lacks or garbles {', '.join(bad)}; rebuild with `{fix}`")


def verify_parts(index_dir: Path, manifest: dict, folder: Path | None = None, full: bool = False) -> None:
    """Every part must exist with the size and hash the manifest recorded: no silent truncation.
    Large parts are checked by their first and last MiB unless ``full``."""
    fix = build_command(index_dir)
    for rel, recorded in manifest.get("parts", {}).items():
        path = Path(folder or index_dir) / rel
        try:
            size = path.stat().st_size if path.is_file() else None
            if size is not None and size == recorded.get("bytes"):
                quick = "sample" in recorded and not full
                ok = (sample_hash(path) == recorded["sample"]) if quick else sha256_file(path) == recorded.get("sha256")
            else:
                ok = False
        except OSError:  # vanished while we read: a rebuild deleted this folder
            size, ok = None, False
        if size is None:
            raise IndexCorruptError(f"index file {Path(index_dir) / rel} is missing; rebuild with `{fix}`")
        if not ok:
            raise IndexCorruptError(f"index file {Path(index_dir) / rel} is corrupted (its size or sha256 differs "
                                    f"from the manifest); rebuild with `{fix}`")


def load_index(index_dir: Path, any_tokenizer: bool = False, local: bool = False) -> IndexData:
    """Read every part from the one build folder the index link points to (``local``: its own parts
    even when the manifest names a serving backend, as incremental builds want).

    The link is resolved once, so a rebuild that swaps it mid-load cannot mix two builds; if that
    rebuild also deleted the folder being read, the load starts again from the new link.
    """
    index_dir = Path(index_dir)
    for attempt in range(LOAD_ATTEMPTS):
        folder = index_dir.resolve()
        try:
            return _load_folder(index_dir, folder, any_tokenizer, local)
        except (IndexMissingError, IndexCorruptError):
            if attempt + 1 == LOAD_ATTEMPTS or index_dir.resolve() == folder:
                raise
    raise AssertionError("unreachable")


def _load_folder(index_dir: Path, folder: Path, any_tokenizer: bool = False, local: bool = False) -> IndexData:
    manifest = read_manifest(index_dir, folder, any_tokenizer)
    verify_parts(index_dir, manifest, folder)
    return open_parts(index_dir, folder, manifest, local)


def open_parts(index_dir: Path, folder: Path, manifest: dict, local: bool = False) -> IndexData:
    """The index in ``folder`` with this manifest, opened (texts, codes and BM25 stay on disk); served
    from Milvus when the manifest names it as backend (rag/milvus.py), unless ``local``."""
    if not local and (manifest.get("backend") or {}).get("kind") == "milvus":
        from .milvus import open_index

        return open_index(index_dir, manifest, folder)
    fix = build_command(index_dir)
    params = DenseParams.serving(manifest.get("dense", {}))
    try:
        store = TextStore(folder / STORE)
        dense = DenseIndex.load(folder / VECTORS, params)
        sparse = SparseIndex.load(folder / BM25_DIR, manifest["passages"], store.token_ids)
        sentence_codes = VectorCodes.load(folder / SENTENCE_VECTORS)
        ranges = load_passage_sentences(folder, manifest["passages"], manifest["sentences"])
    except Exception as exc:  # hashes matched, so this is a format we cannot read
        raise IndexCorruptError(f"index {index_dir} cannot be read ({type(exc).__name__}: {exc}); "
                                f"rebuild with `{fix}`") from None
    if not (len(store.passages) == len(dense) == manifest["passages"] == sparse.n_docs
            and len(store.sentences) == len(sentence_codes) == manifest["sentences"]):
        raise IndexCorruptError(f"index {index_dir} parts disagree ({len(store.passages)} passages, {len(dense)} "
                                f"vectors, {len(store.sentences)} sentences, {len(sentence_codes)} sentence vectors); "
                                f"rebuild with `{fix}`")
    return IndexData(store.passages, dense, sparse, manifest, store.sentences, sentence_codes, store, ranges)


def read_keys(folder: Path) -> dict[str, np.ndarray]:
    """The content keys of an index's passage and sentence vectors (for incremental builds)."""
    with NPY_HEADER_LOCK:
        return {name: np.load(folder / KEYS_DIR / f"{name}.npy") for name in ("passages", "sentences")}


def check_index(index_dir: Path, manifest: dict, model: tuple[str, str | None], corpus_root: Path | None = None) -> None:
    """Refuse an index built with another model (name, fingerprint) or from other corpus contents.

    The corpus compared is ``corpus_root`` (which must be the folder the index was built from), else
    the folder the manifest names when it is here; an index moved away from its corpus still loads.
    """
    built_with = (manifest["model"]["name"], manifest["model"]["fingerprint"])
    if built_with != model:
        raise IndexStaleError(
            f"index {index_dir} was built with model {built_with[0]} ({built_with[1]}), not {model[0]} "
            f"({model[1]}); rebuild with `{build_command(index_dir)} --model {model[0]}`")
    root = Path(manifest["corpus"]["root"])
    if corpus_root is not None and Path(corpus_root).resolve() != root:
        raise IndexStaleError(f"index {index_dir} was built from {root}, not {corpus_root}; rebuild with "
                              f"`{build_command(index_dir, str(corpus_root))}`")
    if corpus_root is None and not root.is_dir():
        return
    try:
        check_fresh(index_dir, manifest, corpus.corpus_file_hashes(root))
    except IndexStaleError as stale:
        if corpus.has_pending(root):  # an add/remove killed between saving the index and moving files
            raise IndexStaleError(f"{stale}; that also finishes the interrupted "
                                  "`rag index add/remove` whose files are still staged") from None
        raise


def check_fresh(index_dir: Path, manifest: dict, current_files: dict[str, str] | None) -> None:
    """Refuse an index built from other corpus contents than those on disk now."""
    if current_files is None:  # corpus not available here: nothing to compare
        return
    if corpus_fingerprint(current_files) != manifest["corpus"]["hash"]:
        old, new = manifest["corpus"]["files"], current_files
        changed = sorted(s for s in set(old) | set(new) if old.get(s) != new.get(s))
        raise IndexStaleError(
            f"index {index_dir} is stale: {len(changed)} corpus file(s) changed since it was built "
            f"({', '.join(changed[:5])}{'…' if len(changed) > 5 else ''}); rebuild with "
            f"`{build_command(index_dir, manifest['corpus']['root'])}`")
