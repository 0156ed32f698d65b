"""Every file of a built index, damaged every way: a RagError naming the file and the fix, never a
raw traceback or a crash (the FAISS files are also loaded in a subprocess, so a segfault would show)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rag
from rag.index import MANIFEST
from rag.util import sha256_file

ROOT = Path(__file__).resolve().parent.parent
FIX = "rag index build"


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    for i in range(max(0, mid - 4), min(len(data), mid + 4)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def nul_bytes(path: Path) -> None:
    path.write_bytes(b"\0" * path.stat().st_size)


def empty(path: Path) -> None:
    path.write_bytes(b"")


def delete(path: Path) -> None:
    path.unlink()


DAMAGES = [truncate, flip_middle, nul_bytes, empty, delete]


def index_files(index: Path) -> list[str]:
    folder = index.resolve()
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_index_has_the_files_this_module_damages(mini_index):
    files = index_files(mini_index)
    assert set(files) == set(PARTS), "the index's files changed: update PARTS"
    assert {MANIFEST, "store.sqlite", "passages.faiss", "sentences/codes.bin"} <= set(files)
    assert any(f.startswith("bm25/") for f in files)


PARTS = [MANIFEST, "store.sqlite", "passages.faiss", "sentences/codec.faiss", "sentences/codes.bin",
         "sentences/codes.json", "bm25/indptr.npy", "bm25/docs.npy", "bm25/scores.npy",
         "keys/passages.npy", "keys/sentences.npy", "passage_sentences.npy"]
BINARY_PARTS = ["passages.faiss", "sentences/codec.faiss", "sentences/codes.bin", "store.sqlite", "bm25/scores.npy",
                "passage_sentences.npy"]


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("damage", DAMAGES, ids=lambda f: f.__name__)
def test_damaged_part_is_refused_by_name(mini_index, fake_encoder, part, damage):
    path = mini_index / part
    assert path.is_file(), f"{part} is not part of the index any more: update this test"
    damage(path)
    with pytest.raises(rag.RagError) as err:
        rag.Retriever.load(mini_index, encoder=fake_encoder)
    message = str(err.value)
    assert FIX in message
    assert part in message or (part == MANIFEST and "manifest" in message), message


@pytest.mark.parametrize("part", BINARY_PARTS)
@pytest.mark.parametrize("damage", DAMAGES, ids=lambda f: f.__name__)
def test_cli_reports_a_damaged_binary_part_without_crashing(mini_index, part, damage):
    damage(mini_index / part)
    done = rag_search(mini_index)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("rag: error:") and part in done.stderr and FIX in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("part", BINARY_PARTS)
@pytest.mark.parametrize("damage", [truncate, flip_middle, nul_bytes, empty], ids=lambda f: f.__name__)
def test_garbage_behind_a_matching_hash_never_crashes(mini_index, part, damage):
    """Worst case: the manifest vouches for the damaged bytes, so FAISS itself parses them."""
    damage(mini_index / part)
    manifest_path = mini_index / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["parts"][part] = {"bytes": (mini_index / part).stat().st_size, "sha256": sha256_file(mini_index / part)}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    done = rag_search(mini_index)
    assert done.returncode >= 0, f"killed by signal {-done.returncode}: {done.stderr}"
    assert "Traceback" not in done.stderr
    if done.returncode:  # flipped vector values can still be a readable index: then the search just runs
        assert done.returncode == 2 and done.stderr.startswith("rag: error:") and FIX in done.stderr


def rag_search(index: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", "search", "网格员", "--index", str(index)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONFAULTHANDLER": ""})


@pytest.mark.parametrize("field", ["passages", "parts", "model", "corpus", "sentences"])
def test_manifest_missing_a_field_is_corrupt_not_a_keyerror(mini_index, fake_encoder, field):
    path = mini_index / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest[field]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(rag.IndexCorruptError, match=f"manifest.*{field}.*{FIX}"):
        rag.Retriever.load(mini_index, encoder=fake_encoder)


def test_manifest_dropping_a_part_is_refused(mini_index, fake_encoder):
    """A part the manifest does not list would be read unchecked."""
    path = mini_index / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["parts"]["passages.faiss"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(rag.IndexCorruptError, match=f"manifest.*passages.faiss.*{FIX}"):
        rag.Retriever.load(mini_index, encoder=fake_encoder)


def test_link_to_a_missing_folder(mini_index, fake_encoder):
    target = mini_index.resolve()
    for p in sorted(target.rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    target.rmdir()
    with pytest.raises(rag.IndexMissingError, match=f"points to a missing folder.*{FIX}"):
        rag.Retriever.load(mini_index, encoder=fake_encoder)
    done = rag_search(mini_index)
    assert done.returncode == 2 and done.stderr.startswith("rag: error:") and "Traceback" not in done.stderr


def test_folder_without_manifest_names_it(mini_index, fake_encoder, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "store.sqlite").write_text("{}\n", encoding="utf-8")
    with pytest.raises(rag.IndexMissingError, match=f"{MANIFEST}.*{FIX}"):
        rag.Retriever.load(plain, encoder=fake_encoder)


def test_a_rebuild_after_damage_repairs_the_index(mini_index, mini_corpus, fake_encoder):
    nul_bytes(mini_index / "passages.faiss")
    from rag.cli import main

    assert main(["index", "build", "--corpus", str(mini_corpus), "--index", str(mini_index), "--model", "fake-64"]) == 0
    assert rag.Retriever.load(mini_index, encoder=fake_encoder).search("网格员")


def test_a_large_part_is_checked_by_its_ends_on_load_and_whole_by_verify(mini_index, fake_encoder, monkeypatch, capsys):
    """Loading a million-article index cannot hash gigabytes: parts above FULL_HASH_BYTES are checked
    by size and their first and last MiB; `rag index verify` hashes everything."""
    import rag.index
    from rag.cli import main

    monkeypatch.setattr(rag.index, "FULL_HASH_BYTES", 300)
    monkeypatch.setattr(rag.index, "SAMPLE_BYTES", 50)
    assert main(["index", "build", "--corpus", str(ROOT / "tests" / "fixtures" / "mini_corpus"),
                 "--index", str(mini_index), "--model", "fake-64"]) == 0
    manifest = json.loads((mini_index / MANIFEST).read_text(encoding="utf-8"))
    codes = mini_index / "sentences" / "codes.bin"
    assert "sample" in manifest["parts"]["sentences/codes.bin"] and codes.stat().st_size > 300
    data = bytearray(codes.read_bytes())
    data[len(data) // 2] ^= 0xFF  # the middle: outside the sampled ends
    codes.write_bytes(bytes(data))
    rag.Retriever.load(mini_index, encoder=fake_encoder)  # passes the quick check
    capsys.readouterr()
    assert main(["index", "verify", "--index", str(mini_index)]) == 2
    assert "sentences/codes.bin" in capsys.readouterr().err
    data[0] ^= 0xFF  # an end: caught on load
    codes.write_bytes(bytes(data))
    with pytest.raises(rag.IndexCorruptError, match="codes.bin"):
        rag.Retriever.load(mini_index, encoder=fake_encoder)
