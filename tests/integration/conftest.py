"""Real-model fixtures: the default index, built into a temp folder when make has not built it."""
from __future__ import annotations

import json

import pytest

import rag
from rag.build import build_index
from rag.embed import load_encoder
from rag.models import DEFAULT_MODEL

from support import ROOT


@pytest.fixture(scope="session")
def encoder():
    return load_encoder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def retriever(encoder, tmp_path_factory) -> rag.Retriever:
    try:
        return rag.Retriever.load(encoder=encoder)
    except rag.IndexMissingError:
        index_dir = tmp_path_factory.mktemp("index") / "default"
        build_index(ROOT / "seeds", index_dir, encoder)
        return rag.Retriever.load(index_dir, encoder=encoder)


@pytest.fixture(scope="session")
def dev_set() -> list[dict]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
