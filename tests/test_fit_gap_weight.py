"""eval/fit_two_sided.py gap: the calibration gap weight fitted from rag eval reports alone."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rag import calibration

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "eval"))
import fit_two_sided  # noqa: E402


def write_report(path: Path, refused: float, cap: float, answerable: list[float], unanswerable: list[float]) -> Path:
    """A report.json as rag eval writes it, reduced to what the gap fit reads."""
    rows = ([{"answerable": True, "confidence": c, "first_quote_relevant": True} for c in answerable]
            + [{"answerable": False, "confidence": c, "first_quote_relevant": False} for c in unanswerable])
    calibrated = {"percentile": 88.0, "figures": {"present": {"p10": cap}, "absent": {"p88": refused}, "bound": "absent"}}
    answers = {"rows": rows, "calibration": calibrated, "params": {"sha256": "same"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"answers": answers}), encoding="utf-8")
    return path


def test_the_fit_places_thresholds_as_the_calibration_does(tmp_path: Path):
    report = write_report(tmp_path / "a/report.json", 0.4, 0.6, [0.7] * 10, [0.45] * 10)
    (row, *_), w = fit_two_sided.report_rows(report), 0.3
    assert fit_two_sided.gap_threshold(row, w) == pytest.approx(0.4 + w * (0.6 - 0.4))
    assert fit_two_sided.gap_threshold({**row, "refused": 0.7}, w) == 0.6  # above the cap: the cap


def test_the_fitted_weight_is_the_largest_that_keeps_each_corpus_within_its_bound(tmp_path: Path):
    # answerable questions from 0.505 up, unanswerable ones 0.45-0.59; the gap runs from 0.4 to 0.8
    a = write_report(tmp_path / "a/report.json", 0.4, 0.8, [0.505 + i / 100 for i in range(50)],
                     [0.45 + i / 100 for i in range(15)])
    corpora = fit_two_sided.gap_corpora([["a", "0.04", str(a)]])
    w = fit_two_sided.best_gap_weight(corpora, ["a"])
    # two of the 50 answerable questions (0.505, 0.515) may be refused: the threshold stops below 0.525
    figures = fit_two_sided.gap_figures(corpora["a"]["rows"], w)
    assert w == pytest.approx(0.31) and figures["answerable_refused"] == pytest.approx(0.04)
    assert figures["unanswerable_refused"] == pytest.approx(8 / 15)  # 0.45 ... 0.52
    loose = fit_two_sided.gap_corpora([["a", "0.2", str(a)]])
    assert fit_two_sided.best_gap_weight(loose, ["a"]) > w


def test_reports_of_different_params_are_not_pooled(tmp_path: Path):
    a = write_report(tmp_path / "a/report.json", 0.4, 0.6, [0.7], [0.3])
    b = write_report(tmp_path / "b/report.json", 0.4, 0.6, [0.7], [0.3])
    data = json.loads(b.read_text())
    data["answers"]["params"]["sha256"] = "other"
    b.write_text(json.dumps(data))
    with pytest.raises(SystemExit, match="different params"):
        fit_two_sided.gap_corpora([["a", "0.04", str(a)], ["b", "0.04", str(b)]])


def test_the_shipped_gap_weight_is_within_the_fit_grid():
    assert calibration.fitted_gap_weight() in [float(w) for w in fit_two_sided.GAP_WEIGHTS]
