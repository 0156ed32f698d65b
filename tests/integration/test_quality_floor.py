"""The default configuration's dev-set quality stays above a committed floor (quality only, no timing).

Floors sit a little under the figures measured when they were set (see the closing notes
and `rag eval`), so a change that costs quality fails here instead of slipping through. Answers
are scored at the index's own threshold (rag/calibration.py), as users get them.
"""
from __future__ import annotations

import pytest

from rag.evaluation import DEFAULT_SET, answer_metrics, answer_rows, evaluate_retriever, load_qa_set

pytestmark = pytest.mark.model

RETRIEVAL_FLOOR = {"recall@1": 0.90, "recall@5": 0.98, "mrr@10": 0.93}
ENGLISH_RECALL5_FLOOR = 0.95
# Measured 2026-11-30 (session 4) on dev: first quote correct 0.875, unanswerable refused 0.84,
# answerable refused 0.042. The answers issue aims for 0.85, 0.70 and at most 0.05.
# answer-v2.json (2026-12-02), fitted with three DRCD draws beside the seeds, trades unanswerable
# refusals on the seeds (dev 0.84 -> 0.76) for refusing fewer answerable questions (0.042 -> 0.019),
# better first quotes (0.88 -> 0.92) and 0.07-0.10 more unanswerable refusals on every DRCD draw.
ANSWER_FLOOR = {"first_quote_correct": 0.85, "unanswerable_refused": 0.74}
ANSWERABLE_REFUSED_CEILING = 0.05
# The held-out sets pooled (holdout..holdout12: 962 answerable, 593 unanswerable) measured 0.874,
# 0.833 and 0.020: the answer rules must keep working beyond the questions they were tuned on.
HELD_OUT_SETS = sorted((DEFAULT_SET.parent).glob("holdout*.jsonl"))
# holdout13 and holdout14 joined the pool later; holdout14 (scored 0.058 answerable refused at its first
# look, 2026-12-02) took the pooled share from under 0.040 to 0.041, hence a ceiling of 0.045.
# holdout15 joined too; with answer-v2.json the pool refuses 0.769 of its unanswerable questions.
HELD_OUT_FLOOR = {"first_quote_correct": 0.85, "unanswerable_refused": 0.75}
HELD_OUT_REFUSED_CEILING = 0.045


@pytest.fixture(scope="module")
def dev_items():
    return load_qa_set(DEFAULT_SET)


def test_retrieval_quality_floor(retriever, dev_items):
    result = evaluate_retriever(retriever, dev_items, warm_up=False)
    overall = result["overall"]
    for metric, floor in RETRIEVAL_FLOOR.items():
        assert overall[metric] >= floor, f"{metric} {overall[metric]:.3f} fell below {floor}"
    assert result["by_type"]["english"]["recall@5"] >= ENGLISH_RECALL5_FLOOR


def test_answer_quality_floor(retriever, dev_items):
    rows, _ = answer_rows(retriever, dev_items)
    m = answer_metrics(rows, retriever.threshold)  # what users get: the index's own calibrated threshold
    for metric, floor in ANSWER_FLOOR.items():
        assert m[metric] >= floor, f"{metric} {m[metric]:.3f} fell below {floor}"
    assert m["answerable_refused"] <= ANSWERABLE_REFUSED_CEILING


def test_answer_quality_floor_on_the_held_out_sets(retriever):
    items = [item for path in HELD_OUT_SETS for item in load_qa_set(path)]
    assert len(HELD_OUT_SETS) >= 12 and len(items) > 1500
    rows, _ = answer_rows(retriever, items)
    m = answer_metrics(rows, retriever.threshold)
    for metric, floor in HELD_OUT_FLOOR.items():
        assert m[metric] >= floor, f"held-out {metric} {m[metric]:.3f} fell below {floor}"
    assert m["answerable_refused"] <= HELD_OUT_REFUSED_CEILING
