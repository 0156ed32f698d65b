"""rag index add / remove: change an index's corpus folder and the index together, recoverably.

The corpus may change only once the index that matches it is saved, and a kill may come at any
moment. So an add first copies each file to a hidden ``.NAME.rag-partial`` beside its target
(the corpus reader skips hidden files) and writes a journal (``.rag-pending.json``) naming what
is to be renamed or deleted; then the index is built from the corpus as it will be; then the
journal is carried out and removed.

- Killed before the index is saved: the previous index and its corpus stand, in step.
- Killed after: the index is ahead of its corpus and refuses to load as stale, naming
  `rag index build`, which (like any later add or remove) first finishes the journal
  (finish_interrupted).

One change at a time per corpus: a lock file serialises them.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

from . import corpus
from .corpus import PENDING, has_pending
from .build import ChunkingParams, build_index, warn_stderr
from .embed import Encoder
from .errors import CorpusError
from .index import IndexData, build_command, read_manifest

SEED_CORPUS = Path(__file__).resolve().parent.parent / "seeds"  # byte-identical to the shared pages
LOCK = ".rag-lock"
PARTIAL_SUFFIX = ".rag-partial"


def add_files(index_dir: Path, paths: Sequence[Path], replace: bool = False,
              progress: Callable[[int, int], None] | None = None,
              warn: Callable[[str], None] = warn_stderr, encoder: Encoder | None = None) -> IndexData:
    """Add files to an index's corpus folder and to the index (see the module docstring).
    ``encoder``: one already loaded for the index's model (else it is loaded from the manifest)."""
    root, encoder, params = index_settings(index_dir, encoder)
    return _add(root, index_dir, encoder, params, paths, replace, progress, warn)


def start_index(root: Path, index_dir: Path, paths: Sequence[Path], encoder: Encoder,
                progress: Callable[[int, int], None] | None = None,
                warn: Callable[[str], None] = warn_stderr) -> IndexData:
    """Add files to a corpus folder that has no index yet and build its first one (default
    chunking), staged and journaled like add_files; files of the same name are replaced."""
    return _add(Path(root), index_dir, encoder, ChunkingParams(), paths, True, progress, warn)


def _add(root: Path, index_dir: Path, encoder: Encoder, params: ChunkingParams, paths: Sequence[Path],
         replace: bool, progress: Callable[[int, int], None] | None, warn: Callable[[str], None]) -> IndexData:
    with corpus_lock(root):
        finish_pending(root)
        remove_strays(root)
        targets = check_additions(root, [Path(p) for p in paths], replace)
        staged = {target.name: stage_copy(path, target) for path, target in targets}
        write_pending(root, copy={name: partial.name for name, partial in staged.items()})
        data = build_index(root, index_dir, encoder, params, progress, warn, changes=dict(staged))
        finish_pending(root)
    return data


def remove_sources(index_dir: Path, sources: Sequence[str], progress: Callable[[int, int], None] | None = None,
                   warn: Callable[[str], None] = warn_stderr, encoder: Encoder | None = None) -> IndexData:
    """Remove files (by source name, as in citations) from an index and its corpus folder."""
    root, encoder, params = index_settings(index_dir, encoder)
    with corpus_lock(root):
        finish_pending(root)
        remove_strays(root)
        known = dict(corpus.iter_sources(root))
        unknown = [s for s in sources if s not in known]
        if unknown:
            some = ", ".join(sorted(known)[:5]) + (", …" if len(known) > 5 else "")
            raise CorpusError(f"not in the corpus {root} of index {index_dir}: {', '.join(unknown)}; "
                              f"known sources: {some or 'none'}")
        if set(sources) >= set(known):
            raise CorpusError(f"refusing to remove every file of the corpus {root}; an index needs at least one")
        write_pending(root, delete=list(dict.fromkeys(sources)))
        data = build_index(root, index_dir, encoder, params, progress, warn,
                           changes={source: None for source in sources})
        finish_pending(root)
    return data


def index_settings(index_dir: Path, encoder: Encoder | None = None) -> tuple[Path, Encoder, ChunkingParams]:
    """(corpus root, encoder, chunking) recorded in an index's manifest; the encoder is loaded now
    (unless one of the index's model is given), so a missing model fails before the corpus is touched."""
    from .embed import load_encoder

    manifest = read_manifest(index_dir)
    root = Path(manifest["corpus"]["root"])
    if not root.is_dir():
        raise CorpusError(f"the corpus folder {root} of index {index_dir} is gone; rebuild with "
                          f"`{build_command(index_dir, '<folder>')}`")
    if root.resolve() == SEED_CORPUS.resolve():
        raise CorpusError(f"index {index_dir} is built from the project's seed pages ({root}), which stay as "
                          "shipped; build your own with `rag index build --corpus DIR --index DIR`, then add "
                          "or remove files with --index DIR")
    chunking = manifest["chunking"]
    if encoder is None or encoder.name != manifest["model"]["name"]:
        encoder = load_encoder(manifest["model"]["name"])
    return root, encoder, ChunkingParams(chunking["size"], chunking["overlap"])


def check_additions(root: Path, paths: list[Path], replace: bool) -> list[tuple[Path, Path]]:
    """(file, where it goes) for each path; every problem is raised before anything is copied,
    including a file the corpus reader would skip (binary, undecodable, no article text)."""
    names = [p.name for p in paths]
    for path in paths:
        if not path.is_file():
            raise CorpusError(f"cannot add {path}: no such file")
        if path.suffix.lower() not in corpus.SUFFIXES:
            raise CorpusError(f"cannot add {path}: the corpus reads only {', '.join(corpus.SUFFIXES)} files")
        if path.name.startswith("."):
            raise CorpusError(f"cannot add {path}: the corpus skips hidden files; rename it without the leading dot")
        if names.count(path.name) > 1:
            raise CorpusError(f"cannot add {path}: two of the given files are named {path.name}")
        if (root / path.name).exists() and not replace:
            raise CorpusError(f"cannot add {path}: the corpus {root} already has a {path.name}; "
                              "pass --replace to overwrite it")
        check_usable(path)
    return [(path, root / path.name) for path in paths]


def check_usable(path: Path, label: str | None = None) -> None:
    """Refuse a file the corpus reader would skip, naming it (``label``, else its path) and the fix."""
    try:
        page, _ = corpus.read_file(path, path.name)
    except corpus.UnusableFileError as err:
        raise CorpusError(f"cannot add {label or path}: {err.reason}; save it as text (UTF-8, GB18030/GBK or "
                          f"UTF-16 with a BOM) in one of {', '.join(corpus.SUFFIXES)}, or leave it out") from None
    if not any(article.paragraphs for article in page.articles):
        raise CorpusError(f"cannot add {label or path}: no article text found in it; "
                          "add paragraphs of text, or leave it out")


# --- the journal -------------------------------------------------------------------

def stage_copy(path: Path, target: Path) -> Path:
    """Copy path to a hidden file beside target, on disk before it is named in the journal."""
    partial = target.with_name(f".{target.name}{PARTIAL_SUFFIX}")
    shutil.copyfile(path, partial)
    _fsync(partial)
    return partial


def write_pending(root: Path, copy: dict[str, str] | None = None, delete: list[str] | None = None) -> None:
    """Record, atomically and durably, the renames and deletions that finish a change."""
    tmp = root / f"{PENDING}.tmp"
    tmp.write_text(json.dumps({"copy": copy or {}, "delete": delete or []}, ensure_ascii=False), encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, root / PENDING)
    _fsync(root)


def finish_interrupted(root: Path) -> None:
    """Before a plain rebuild: finish an add/remove killed after saving its index, if any.
    Touches nothing (not even a lock file) in a corpus without a journal, e.g. seeds/."""
    root = Path(root)
    if has_pending(root):
        with corpus_lock(root):
            finish_pending(root)


def finish_pending(root: Path) -> None:
    """Carry out the journal of a change whose index was saved (or may have been), then drop it.
    Call with the corpus lock held."""
    journal = root / PENDING
    if not journal.exists():
        return
    pending = json.loads(journal.read_text(encoding="utf-8"))
    for name, partial in pending["copy"].items():
        if (root / partial).exists():
            os.replace(root / partial, root / name)
    for source in pending["delete"]:
        (root / source).unlink(missing_ok=True)
    _fsync(root)
    journal.unlink()


def remove_strays(root: Path) -> None:
    """Staged copies no journal names (a change killed before writing it). Call with the lock held."""
    for stray in root.glob(f".*{PARTIAL_SUFFIX}"):
        stray.unlink()
    (root / f"{PENDING}.tmp").unlink(missing_ok=True)


@contextmanager
def corpus_lock(root: Path) -> Iterator[None]:
    """One add or remove at a time on a corpus folder (a second one waits)."""
    with open(root / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
