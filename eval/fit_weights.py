"""Fit the answer scoring and confidence weights (rag/params/answer-v1.json) on the dev sets.

Three steps, each reproducible:

    cache   search every question once (the model is the slow part) and keep what answering
            reads: the query text, its vector and its hits; plus the index's calibration probes.
    rows    answer the cached questions with the code as it stands (no model): per question its
            confidence and first quote. Two runs compared row by row prove a refactor changed
            nothing.
    fit     logistic regressions over the candidates' and answers' features, cross-validated
            by set (fit on the others, score on the one left out), then fitted on all.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python eval/fit_weights.py cache \
        --pair indexes/default eval/dev.jsonl ... --pair indexes/squad/drcd_dev-a100-x50-s0/index \
        indexes/squad/drcd_dev-a100-x50-s0/qa.jsonl
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "indexes" / "cache" / "fit_weights"


@dataclass
class CachedQuestion:
    id: str
    set: str
    question: str
    keywords: str
    vector: np.ndarray
    hits: list
    answerable: bool
    evidence: list = field(default_factory=list)  # rag.evaluation.Evidence, answerable questions only


@dataclass
class CachedIndex:
    index: str
    questions: list[CachedQuestion]
    probes: list[CachedQuestion]  # calibration probes (rag.calibration.draw_probes), unlabelled


def cache_path(index: Path, qa_set: Path) -> Path:
    key = hashlib.sha256(f"{Path(index).resolve()}|{Path(qa_set).resolve()}".encode()).hexdigest()[:12]
    return CACHE / f"{Path(qa_set).stem}-{key}.pkl"


def read_question(retriever, text: str, set_name: str = "", item: dict | None = None) -> CachedQuestion:
    """What Retriever.answer reads before analysing the question: the query, its vector, its hits."""
    from rag import answer
    from rag.filters import Filters

    read = retriever.read_query(text)
    vector = retriever.encoder.encode_queries([read.dense])[0]
    hits = retriever._search(read.keywords, vector, retriever.mode, max(5, answer.HITS_CONSIDERED), Filters.of(None, None, None, None))
    return CachedQuestion(item["id"] if item else text, set_name, text, read.keywords, np.asarray(vector), hits,
                          bool(item and item["seed"] is not None))


def cache(index: Path, qa_set: Path) -> Path:
    import rag
    from rag.calibration import draw_probes
    from rag.evaluation import corpus_root_of, is_answerable, load_qa_set, locate_evidence

    out = cache_path(index, qa_set)
    if out.exists():
        return out
    retriever = rag.Retriever.load(index)
    root = corpus_root_of(retriever)
    questions = []
    for n, item in enumerate(load_qa_set(qa_set), 1):
        cq = read_question(retriever, item["question"], Path(qa_set).stem, item)
        if is_answerable(item):
            cq.evidence = locate_evidence(item, root)
        questions.append(cq)
        if n % 100 == 0:
            print(f"{qa_set}: {n}", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pickle.dumps(CachedIndex(str(index), questions, [])))
    probes_out = probes_path(index)
    if not probes_out.exists():  # one set of probes per index, whichever set comes first
        probes = [read_question(retriever, q) for q in draw_probes([s.text for s in retriever.data.sentences])]
        probes_out.write_bytes(pickle.dumps(CachedIndex(str(index), [], probes)))
    return out


def probes_path(index: Path) -> Path:
    key = hashlib.sha256(str(Path(index).resolve()).encode()).hexdigest()[:12]
    return CACHE / f"probes-{key}.pkl"


def load_cached(path: Path) -> CachedIndex:
    return pickle.loads(Path(path).read_bytes())


# --- replaying answers without the model -----------------------------------------

def sentence_store(index: Path):
    from rag.answer import SentenceStore
    from rag.index import load_index

    data = load_index(Path(index))
    return SentenceStore(data.sentences, data.sentence_dense)


def replay(store, cq: CachedQuestion):
    """Retriever.answer from its hits on (threshold off): (confidence, quotes)."""
    from rag import answer
    from rag.question import analyse

    frame = analyse(cq.keywords)
    cands = answer.candidates(cq.hits, store, cq.vector, frame)
    conf = answer.confidence(frame, cands)
    return conf, answer.select_quotes(cands, conf, float("-inf"))


def answer_rows(cached: CachedIndex, store) -> list[dict]:
    from rag.evaluation import covers

    rows = []
    for cq in cached.questions + cached.probes:  # probes: unlabelled, their confidence sets the threshold
        conf, quotes = replay(store, cq)
        first = quotes[0] if quotes else None
        rows.append({"id": cq.id, "set": cq.set or "probe", "answerable": cq.answerable, "confidence": conf,
                     "first_quote": [first.source, first.start, first.end, first.text] if first else None,
                     "first_quote_relevant": bool(first and any(covers(first, ev) for ev in cq.evidence))})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="step", required=True)
    c = sub.add_parser("cache", help="search every question once and keep what answering reads")
    c.add_argument("--pair", nargs=2, action="append", metavar=("INDEX", "QA_SET"), required=True)
    r = sub.add_parser("rows", help="answer the cached questions with the code as it stands")
    r.add_argument("--pair", nargs=2, action="append", metavar=("INDEX", "QA_SET"), required=True)
    r.add_argument("--out", type=Path, required=True, help="JSON lines, one row per question")
    args = p.parse_args()
    if args.step == "cache":
        for index, qa_set in args.pair:
            print(cache(Path(index), Path(qa_set)))
    elif args.step == "rows":
        with args.out.open("w", encoding="utf-8") as out:
            for index in dict.fromkeys(i for i, _ in args.pair):
                store = sentence_store(Path(index))
                for cached in [load_cached(cache_path(Path(i), Path(s))) for i, s in args.pair if i == index] \
                        + [load_cached(probes_path(Path(index)))]:
                    out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in answer_rows(cached, store))


if __name__ == "__main__":
    main()
