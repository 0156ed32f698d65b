"""A build killed with SIGKILL at any moment leaves the previous index loadable, and the next build
succeeds and removes what the killed one left behind.

Two kinds of kill: deterministic ones, where the builder kills itself at a named step of
``save_index`` (before the manifest, after it, between creating and renaming the new link, after the
swap), and timed ones from outside while ``rag index build`` runs over a few hundred pages.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rag
from rag.testing import FakeEncoder
from rag.cli import main
from rag.index import MANIFEST

from support import corpus_files, read_source

ROOT = Path(__file__).resolve().parent.parent
TOWNS = ["呼和浩特", "包头", "赤峰", "通辽", "鄂尔多斯", "锡林郭勒", "乌海", "巴彦淖尔"]
FIRST_CHUNK, KILLED_CHUNK = 300, 200  # chunk sizes tell the previous index from the killed build's

# Run inside the builder: kill this very process at one step of save_index, then run the CLI.
KILL_AT = r"""
import os, pathlib, shutil, signal, sys
import rag.index as ix
from rag.cli import main

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def around(owner, name, before=False, after=False):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        if before:
            die()
        result = original(*args, **kwargs)
        if after:
            die()
        return result
    setattr(owner, name, wrapper)

point = sys.argv[1]
if point == "after_passages":
    around(ix.DenseIndex, "save", before=True)
elif point == "after_vectors":
    around(ix.SparseIndex, "save", before=True)
elif point == "before_manifest":
    around(ix, "_write_durably", before=True)
elif point == "after_manifest":
    around(ix, "_write_durably", after=True)
elif point == "after_new_link":
    around(pathlib.Path, "symlink_to", after=True)
elif point == "after_swap":
    around(shutil, "rmtree", before=True)
sys.exit(main(sys.argv[2:]))
"""
BEFORE_SWAP = ["after_passages", "after_vectors", "before_manifest", "after_manifest", "after_new_link"]


def write_corpus(root: Path, pages: int = 300) -> Path:
    root.mkdir(parents=True)
    for i in range(pages):
        town = TOWNS[i % len(TOWNS)]
        (root / f"page_{i:03d}.txt").write_text(
            f"\n\n◎广角\n\n{town}第{i}号新闻\n\n□本报记者 测试员\n\n"
            f"{town}市今年开展第{i}次社区服务活动,参加居民{i * 7}人。\n\n"
            f"活动包括义诊、图书借阅和法律咨询,受到群众欢迎。\n\n"
            f"◎信息集装箱\n\n●近日,{town}举办培训班,{i + 20}名网格员参加学习。(本报记者 测试员)\n",
            encoding="utf-8")
    return root


def build_args(corpus: Path, index: Path, chunk: int) -> list[str]:
    return ["index", "build", "--corpus", str(corpus), "--index", str(index), "--model", "fake-64",
            "--chunk-size", str(chunk), "--chunk-overlap", "20"]


def rag_build(corpus: Path, index: Path, chunk: int) -> None:
    """A normal, uninterrupted `rag index build` (in this process: faster than a fresh interpreter)."""
    assert main(build_args(corpus, index, chunk)) == 0


def assert_loads(index: Path, chunk: int | tuple[int, ...], corpus: Path) -> None:
    """The index loads with the fake encoder, was built with one of the given chunk sizes, and
    returns verbatim hits for a question about the corpus."""
    r = rag.Retriever.load(index, encoder=FakeEncoder(64))
    assert r.data.manifest["chunking"]["size"] in (chunk if isinstance(chunk, tuple) else (chunk,))
    hits = r.search("赤峰网格员培训", k=3)
    assert hits and all(read_source(corpus, h.source)[h.start:h.end] == h.text for h in hits)
    assert any("赤峰" in h.text for h in hits)


def assert_clean(index: Path) -> None:
    """Only the link and the folder it points to remain beside it."""
    left = sorted(p.name for p in index.parent.iterdir())
    assert left == sorted([index.name, os.readlink(index)]), left
    assert (index / MANIFEST).is_file()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("crash") / "corpus")


@pytest.fixture
def index(corpus: Path, tmp_path: Path) -> Path:
    index = tmp_path / "indexes" / "main"
    rag_build(corpus, index, FIRST_CHUNK)
    return index


@pytest.mark.parametrize("point", BEFORE_SWAP + ["after_swap"])
def test_build_killed_at_each_step_of_saving(corpus, index, point):
    killed = subprocess.run([sys.executable, "-c", KILL_AT, point, *build_args(corpus, index, KILLED_CHUNK)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert_loads(index, FIRST_CHUNK if point in BEFORE_SWAP else KILLED_CHUNK, corpus)
    rag_build(corpus, index, FIRST_CHUNK)
    assert_loads(index, FIRST_CHUNK, corpus)
    assert_clean(index)


def test_build_killed_from_outside_at_many_moments(corpus, index):
    """SIGKILL at fixed delays, and at the moment the new build folder (then its manifest) shows up."""
    seen = set()
    for trigger in [0.3, 0.9, 1.3, 1.7, "folder", "bm25", "manifest"]:
        before, target = set(index.parent.iterdir()), os.readlink(index)
        proc = subprocess.Popen([sys.executable, "-m", "rag.cli", *build_args(corpus, index, KILLED_CHUNK)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_then_kill(proc, index, before, trigger)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
        seen.add(proc.returncode)
        # Killed mid-build: the previous index. Finished before the kill: the new one.
        assert_loads(index, (FIRST_CHUNK, KILLED_CHUNK), corpus)
        if proc.returncode == -signal.SIGKILL and trigger in ("folder", "bm25"):
            assert os.readlink(index) == target  # killed before its manifest: the link never moved
    assert -signal.SIGKILL in seen, "no build was ever interrupted: the corpus is too small to test anything"
    rag_build(corpus, index, FIRST_CHUNK)
    assert_loads(index, FIRST_CHUNK, corpus)
    assert_clean(index)


def wait_then_kill(proc: subprocess.Popen, index: Path, before: set[Path], trigger: float | str) -> None:
    """SIGKILL after a delay, or as soon as the new build folder (or its bm25/ or manifest) appears."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if isinstance(trigger, float):
            time.sleep(trigger)
            break
        new = [p for p in set(index.parent.iterdir()) - before if p.name.startswith(f".{index.name}.2")]
        wanted = {"folder": "", "bm25": "bm25", "manifest": MANIFEST}[trigger]
        if any((p / wanted).exists() if wanted else True for p in new):
            break
        time.sleep(0.0005)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)


def test_manifest_is_written_after_every_part(corpus, index):
    """The manifest names every file of its folder, so a complete manifest means a complete build."""
    manifest = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
    files = {p.relative_to(index.resolve()).as_posix() for p in index.resolve().rglob("*") if p.is_file()}
    assert files - {MANIFEST} == set(manifest["parts"])


@pytest.fixture
def own_corpus(corpus: Path, tmp_path: Path) -> Path:
    """A copy of the corpus this test may change (add and remove write to the index's corpus)."""
    import shutil

    return Path(shutil.copytree(corpus, tmp_path / "own"))


# Kill points of add/remove: the five in save_index, after the swap, and while the journal is
# carried out (renaming a staged copy into place, or deleting a removed file).
UPDATE_POINTS = BEFORE_SWAP + ["after_swap", "finishing"]
KILL_FINISHING = KILL_AT.replace("point = sys.argv[1]\n", """point = sys.argv[1]
if point == "finishing":
    import rag.update as up
    finish, calls = up.finish_pending, []
    def finish_then_die(root):
        calls.append(root)
        if len(calls) == 2:  # call 1 clears what an earlier change left; call 2 finishes this one
            around(os, "replace", before=True)
            around(pathlib.Path, "unlink", before=True)
        return finish(root)
    up.finish_pending = finish_then_die
""")


@pytest.mark.parametrize("point", UPDATE_POINTS)
@pytest.mark.parametrize("command", ["add", "remove"])
def test_add_or_remove_killed_at_any_step_is_recoverable(own_corpus, tmp_path, command, point):
    """Killed before the swap: the previous index loads against its unchanged corpus.
    Killed after it: the index refuses to load as stale and names `rag index build`, which
    finishes the change. Either way nothing is lost and the corpus ends in step with the index."""
    index = tmp_path / "indexes" / "own"
    rag_build(own_corpus, index, FIRST_CHUNK)
    extra = tmp_path / "满洲里新闻.txt"
    extra.write_text("\n\n◎广角\n\n满洲里口岸通关忙\n\n满洲里口岸今年通关货运量增长三成。\n", encoding="utf-8")
    args = ["index", "add", str(extra), "--index", str(index)] if command == "add" else \
        ["index", "remove", "page_000.txt", "--index", str(index)]
    killed = subprocess.run([sys.executable, "-c", KILL_FINISHING, point, *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    original = [f"page_{i:03d}.txt" for i in range(300)]
    if point in BEFORE_SWAP:
        sources = {p.source for p in rag.Retriever.load(index, encoder=FakeEncoder(64)).data.passages}
        assert ("满洲里新闻.txt" in sources, "page_000.txt" in sources) == (False, True)
        assert corpus_files(own_corpus) == original, "the corpus changed although the index did not"
    else:
        with pytest.raises(rag.IndexStaleError, match="rag index build") as stale:
            rag.Retriever.load(index, encoder=FakeEncoder(64))
        assert "interrupted" in str(stale.value)
    # Recovery: the command the error names (after a kill before the swap, it finishes the change too).
    rag_build(own_corpus, index, FIRST_CHUNK)
    added = command == "add"
    assert corpus_files(own_corpus) == (sorted(original + ["满洲里新闻.txt"]) if added else original[1:])
    assert not [p.name for p in own_corpus.iterdir() if p.name.startswith(".") and p.name != ".rag-lock"]
    sources = {p.source for p in rag.Retriever.load(index, encoder=FakeEncoder(64)).data.passages}
    assert ("满洲里新闻.txt" in sources) == added and ("page_000.txt" in sources) == added
    assert_clean(index)
