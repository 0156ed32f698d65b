"""Helpers shared by unit and integration tests (plain functions, importable by name)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def read_source(root: Path, source: str) -> str:
    """A file's decoded text exactly as offsets count it (no newline translation)."""
    return (Path(root) / source).read_bytes().decode("utf-8-sig")


def seed_text(source: str) -> str:
    return read_source(SEEDS, source)
