"""Checks on the evaluation question sets in eval/*.jsonl (no models, fast).

Every line must be a JSON object with the required fields; evidence strings
must be exact substrings of their seed page(s); unanswerable questions carry
no seed and no evidence; the dev set must meet the agreed counts.
"""
from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"
EVAL = ROOT / "eval"

REQUIRED = ("id", "question", "seed", "evidence", "answer", "type")
TYPES = {"fact", "number", "entity", "why-how", "keyword", "english", "multi-hop", "list", "unanswerable"}
EVAL_FILES = sorted(EVAL.glob("*.jsonl"))


@lru_cache(maxsize=None)
def seed_text(name: str) -> str:
    path = SEEDS / name
    # newline="" : no newline translation, same as the corpus reader
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def load(path: Path) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:  # pragma: no cover - reported as failure
                pytest.fail(f"{path.name}:{lineno}: invalid JSON: {e}")
            assert isinstance(rec, dict), f"{path.name}:{lineno}: not a JSON object"
            records.append(rec)
    return records


def all_records() -> list[tuple[str, dict]]:
    return [(p.name, r) for p in EVAL_FILES for r in load(p)]


def test_eval_files_exist():
    assert (EVAL / "dev.jsonl").is_file(), "eval/dev.jsonl is missing"
    assert SEEDS.is_dir(), f"seed directory not found: {SEEDS}"


@pytest.mark.parametrize("path", EVAL_FILES, ids=lambda p: p.name)
def test_fields_and_types(path: Path):
    for rec in load(path):
        rid = rec.get("id", "<no id>")
        for key in REQUIRED:
            assert key in rec, f"{path.name} {rid}: missing field {key!r}"
        assert isinstance(rec["id"], str) and rec["id"], f"{rid}: bad id"
        assert isinstance(rec["question"], str) and rec["question"].strip(), f"{rid}: empty question"
        assert isinstance(rec["answer"], str), f"{rid}: answer must be a string"
        assert isinstance(rec["evidence"], list), f"{rid}: evidence must be a list"
        assert all(isinstance(e, str) for e in rec["evidence"]), f"{rid}: evidence items must be strings"
        assert rec["type"] in TYPES, f"{rid}: unknown type {rec['type']!r}"
        assert rec["seed"] is None or isinstance(rec["seed"], str), f"{rid}: seed must be str or null"


@pytest.mark.parametrize("path", EVAL_FILES, ids=lambda p: p.name)
def test_unique_ids(path: Path):
    ids = [r["id"] for r in load(path)]
    dup = [i for i, n in Counter(ids).items() if n > 1]
    assert not dup, f"{path.name}: duplicate ids {dup}"


def test_unique_ids_across_files():
    ids = [r["id"] for _, r in all_records()]
    dup = [i for i, n in Counter(ids).items() if n > 1]
    assert not dup, f"duplicate ids across eval files: {dup}"


@pytest.mark.parametrize("path", EVAL_FILES, ids=lambda p: p.name)
def test_unanswerable_shape(path: Path):
    for rec in load(path):
        rid = rec["id"]
        if rec["type"] == "unanswerable":
            assert rec["seed"] is None, f"{rid}: unanswerable must have seed null"
            assert rec["evidence"] == [], f"{rid}: unanswerable must have no evidence"
            assert rec["answer"] == "", f"{rid}: unanswerable must have empty answer"
            assert "seeds" not in rec or not rec["seeds"], f"{rid}: unanswerable must have no seeds"
        else:
            assert rec["seed"], f"{rid}: answerable question needs a seed"
            assert rec["evidence"], f"{rid}: answerable question needs evidence"
            assert rec["answer"].strip(), f"{rid}: answerable question needs an answer"


@pytest.mark.parametrize("path", EVAL_FILES, ids=lambda p: p.name)
def test_evidence_is_exact_substring(path: Path):
    for rec in load(path):
        rid = rec["id"]
        if rec["type"] == "unanswerable":
            continue
        ev = rec["evidence"]
        if "seeds" in rec:
            seeds = rec["seeds"]
            assert isinstance(seeds, list) and len(seeds) == len(ev), (
                f"{rid}: 'seeds' must list one file per evidence string")
            assert seeds[0] == rec["seed"], f"{rid}: seed must name the file of the first evidence"
        else:
            seeds = [rec["seed"]] * len(ev)
        for name, e in zip(seeds, ev):
            assert (SEEDS / name).is_file(), f"{rid}: seed file not found: {name}"
            assert e.strip() == e and e, f"{rid}: evidence has surrounding whitespace or is empty: {e!r}"
            assert "\n" not in e, f"{rid}: evidence spans a line break: {e!r}"
            assert 10 <= len(e) <= 120, f"{rid}: evidence length {len(e)} out of range: {e!r}"
            assert e in seed_text(name), f"{rid}: evidence not found verbatim in {name}: {e!r}"


@pytest.mark.parametrize("path", EVAL_FILES, ids=lambda p: p.name)
def test_multi_hop_has_several_evidence(path: Path):
    for rec in load(path):
        if rec["type"] == "multi-hop":
            assert len(rec["evidence"]) >= 2, f"{rec['id']}: multi-hop needs two or more evidence strings"


def test_dev_set_counts():
    recs = load(EVAL / "dev.jsonl")
    types = Counter(r["type"] for r in recs)
    n = len(recs)
    assert n >= 150, f"dev set has {n} questions, need >= 150"
    assert types["english"] >= 0.10 * n, f"english {types['english']}/{n} < 10%"
    assert types["unanswerable"] >= 15, f"only {types['unanswerable']} unanswerable"
    assert types["multi-hop"] >= 10, f"only {types['multi-hop']} multi-hop"


def test_dev_set_covers_every_seed():
    recs = load(EVAL / "dev.jsonl")
    used = set()
    for r in recs:
        used.update(r.get("seeds") or ([r["seed"]] if r["seed"] else []))
    missing = {p.name for p in SEEDS.glob("*.txt")} - used
    assert not missing, f"seed files without questions: {sorted(missing)}"


def test_unique_questions():
    recs = load(EVAL / "dev.jsonl")
    dup = [q for q, n in Counter(r["question"].strip() for r in recs).items() if n > 1]
    assert not dup, f"duplicate questions: {dup}"
