"""How much of a long query to read (issue 15): latency and retrieval at several limits.

    .venv/bin/python eval/sweep_query_limits.py [--tokens 64 128 256 512 1024] [--chars 200 500 1000 2000]
                                                [--runs 5] [--probe 40] [--dev] [--out FILE]

For each model token limit N (keyword prefix fixed at the shipped value), then for each keyword
prefix K in characters (N fixed at the shipped value):
- warm median ms of search and answer for the 100,000-character query of bench_long_query.py;
- "long-question probe": recall@5 in hybrid search of --probe answerable dev questions, each followed
  by an unrelated seed page repeated to 100,000 characters (a question with a pasted document after
  it): does reading more of such a query help retrieval?
- with --dev, the dev figures (recall@1/@5, the three answer figures) at each N and K.
Writes JSON (default eval/reports/query_limits.json). Wall-clock figures: run on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

import rag  # noqa: E402
from bench_long_query import dev_questions, long_query  # noqa: E402
from rag import evaluation, retriever as retriever_module  # noqa: E402


def median_ms(fn, arg, runs: int) -> float:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(arg)
        out.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(out), 1)


def probe_items(items: list[dict], n: int) -> list[tuple[dict, str]]:
    """(item, question + an unrelated seed page repeated to 100,000 characters), single-seed items only."""
    pages = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))}
    out = []
    for item in items:
        if not evaluation.is_answerable(item) or not item.get("seed") or item["type"] == "multi-hop":
            continue
        other = next(name for name in pages if name != item["seed"])
        filler = pages[other] * (100_000 // len(pages[other]) + 1)
        out.append((item, (item["question"] + "\n" + filler)[:100_000]))
        if len(out) == n:
            break
    return out


def probe_recall(r: rag.Retriever, probes: list[tuple[dict, str]]) -> float:
    root = evaluation.corpus_root_of(r)
    found = 0
    for item, query in probes:
        rel = evaluation.relevance(r.search(query, k=5), evaluation.locate_evidence(item, root))
        found += any(rel)
    return round(found / len(probes), 3)


def dev_figures(r: rag.Retriever, items: list[dict]) -> dict:
    search = evaluation.evaluate_retriever(r, items, warm_up=False)["overall"]
    answers = evaluation.evaluate_answers(r, items)
    return {"recall@1": round(search["recall@1"], 3), "recall@5": round(search["recall@5"], 3),
            **{k: round(answers[k], 3) for k in ("first_quote_correct", "unanswerable_refused", "answerable_refused")}}


def measure(r: rag.Retriever, query: str, probes, items, args) -> dict:
    row = {"long_search_ms": median_ms(lambda q: r.search(q, k=5), query, args.runs),
           "long_answer_ms": median_ms(r.answer, query, args.runs),
           "dense_chars_read": len(r.read_query(query).dense)}
    if probes:
        row["probe_recall@5"] = probe_recall(r, probes)
    if args.dev:
        row["dev"] = dev_figures(r, items)
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--tokens", type=int, nargs="*", default=[64, 128, 256, 512, 1024])
    ap.add_argument("--chars", type=int, nargs="*", default=[200, 500, 1000, 2000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--probe", type=int, default=40, help="dev questions in the long-question probe (0: none)")
    ap.add_argument("--dev", action="store_true", help="also the dev figures at every limit")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "query_limits.json")
    args = ap.parse_args()

    r = rag.Retriever.load(args.index)
    items = evaluation.load_qa_set(ROOT / "eval" / "dev.jsonl")
    probes = probe_items(items, args.probe)
    query = long_query(dev_questions(1)[0], 100_000)
    r.answer(query)  # warm-up
    shipped_tokens, shipped_chars = r.encoder.max_query_tokens, retriever_module.MAX_KEYWORD_CHARS
    report = {"machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()},
              "shipped": {"tokens": shipped_tokens, "keyword_chars": shipped_chars}, "tokens": {}, "keyword_chars": {}}
    for n in args.tokens:
        print(f"model reads {n} tokens", flush=True)
        r.encoder.max_query_tokens = n
        report["tokens"][n] = measure(r, query, probes, items, args)
    r.encoder.max_query_tokens = shipped_tokens
    for k in args.chars:
        print(f"keyword side reads {k} characters", flush=True)
        retriever_module.MAX_KEYWORD_CHARS = k
        report["keyword_chars"][k] = measure(r, query, probes, items, args)
    retriever_module.MAX_KEYWORD_CHARS = shipped_chars
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
