"""Shared fixtures: a tiny checked-in corpus, the fake encoder, indexes built from them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import rag
from rag.build import build_index
from rag.testing import FakeEncoder

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mini_corpus(tmp_path: Path) -> Path:
    """A copy, so tests may change files without touching the checked-in fixture."""
    return Path(shutil.copytree(FIXTURES / "mini_corpus", tmp_path / "corpus"))


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder(64)


@pytest.fixture
def mini_index(mini_corpus: Path, fake_encoder: FakeEncoder, tmp_path: Path) -> Path:
    index_dir = tmp_path / "indexes" / "mini"
    build_index(mini_corpus, index_dir, fake_encoder)
    return index_dir


@pytest.fixture
def mini_retriever(mini_index: Path, fake_encoder: FakeEncoder) -> rag.Retriever:
    return rag.Retriever.load(mini_index, encoder=fake_encoder)
