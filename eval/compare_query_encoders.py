"""Retrieval and answer figures with each query encoder, each calibrating the index for itself.

    .venv/bin/python eval/compare_query_encoders.py [--index DIR] [--encoders int8 float] SET.jsonl ...

For every encoder (RAG_QUERY_ENCODER), in its own process: load the index with it, fit the refusal
threshold from the index's probes as a build would (nothing written), then score the sets. Prints one
line of figures per encoder (README, "The int8 query encoder").
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def figures(index: Path, sets: list[str]) -> dict:
    import rag
    from rag import calibration, evaluation

    retriever = rag.Retriever.load(index)
    fitted = calibration.calibrate_retriever(retriever)
    if fitted is None:
        raise SystemExit(f"{index} is too small to calibrate; compare on a larger index")
    items = [item for path in sets for item in evaluation.load_qa_set(path)]
    hits = evaluation.evaluate_retriever(retriever, items)
    answers = evaluation.evaluate_answers(retriever, items, threshold=fitted.threshold)
    return {"query_encoder": fitted.query_encoder, "threshold": round(fitted.threshold, 4),
            "recall@1": round(hits["overall"]["recall@1"], 4), "recall@5": round(hits["overall"]["recall@5"], 4),
            **{k: round(answers[k], 4) for k in ("first_quote_correct", "answerable_refused", "unanswerable_refused")},
            "search_p50_ms": round(hits["latency_ms"]["p50"], 1), "answer_p50_ms": round(answers["latency_ms"]["p50"], 1),
            "n_answerable": answers["n_answerable"], "n_unanswerable": answers["n_unanswerable"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--index", type=Path, default=ROOT / "indexes" / "default")
    parser.add_argument("--encoders", nargs="+", default=["int8", "float"])
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process's own encoder
    args = parser.parse_args()
    if args.one:
        os.environ["RAG_QUERY_ENCODER"] = args.one  # read when the retriever loads its encoder
        print(json.dumps(figures(args.index, args.sets)))
        return
    for encoder in args.encoders:  # each in its own process: one model loaded at a time
        out = subprocess.run([sys.executable, __file__, "--one", encoder, "--index", str(args.index), *args.sets],
                             stdout=subprocess.PIPE, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
