"""Retrieval evaluation behind `rag eval`: QA sets in, metrics out (rag.report writes them as files).

Relevance (the contract's rule): a hit is relevant to an evidence string when it comes from the
evidence's gold file and covers at least half of the evidence's characters at some occurrence of
it in that file's decoded text. Pure functions first; the runner that loads models, builds
missing indexes and writes the report comes last.
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .errors import RagError
from .models import DEFAULT_MODEL
from .retriever import DEFAULT_MODE, MAX_K, PROJECT_ROOT
from .text import to_simplified
from .types import Hit

KS = (1, 3, 5, 10)  # recall cut-offs reported when k_max allows them
COMPLETE_K = 5  # complete@5: every evidence string covered by some top-5 hit
DEFAULT_SET = PROJECT_ROOT / "eval" / "dev.jsonl"
DEFAULT_OUT = PROJECT_ROOT / "eval" / "reports" / "latest"
REQUIRED = ("id", "question", "seed", "evidence", "type")

# name -> (model name, retrieval mode). Keyword mode ignores the model; it uses the default index.
CONFIGS: dict[str, tuple[str, str]] = {
    "default": (DEFAULT_MODEL, DEFAULT_MODE),
    "keyword": (DEFAULT_MODEL, "keyword"),
    "dense-gemma": ("embeddinggemma-300m", "dense"),
    "hybrid-gemma": ("embeddinggemma-300m", "hybrid"),
    "dense-e5": ("multilingual-e5-small", "dense"),
    "hybrid-e5": ("multilingual-e5-small", "hybrid"),
}


# --- QA sets -----------------------------------------------------------------

def load_qa_set(path: str | Path) -> list[dict]:
    """Read and validate a QA set (JSON lines); errors name the file, the line and the fix."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")  # not splitlines: U+2028 may sit in a string
    except OSError as exc:
        raise RagError(f"cannot read QA set {path} ({exc.strerror or exc}); pass an existing file with --set") from None
    except UnicodeDecodeError:
        raise RagError(f"QA set {path} is not UTF-8; save it as UTF-8 JSON lines") from None
    items, seen = [], {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RagError(f"{where}: invalid JSON ({exc.msg}); put one JSON object per line") from None
        _validate_item(item, where)
        if item["id"] in seen:
            raise RagError(f"{where}: id {item['id']!r} already used on line {seen[item['id']]}; "
                           "give each question a unique id")
        seen[item["id"]] = lineno
        items.append(item)
    if not items:
        raise RagError(f"QA set {path} holds no questions; add JSON lines with id, question, seed, evidence, type")
    return items


def _validate_item(item: object, where: str) -> None:
    if not isinstance(item, dict):
        raise RagError(f"{where}: expected a JSON object, got {type(item).__name__}")
    missing = [key for key in REQUIRED if key not in item]
    if missing:
        raise RagError(f"{where}: missing field(s) {', '.join(missing)}; every line needs {', '.join(REQUIRED)}")
    for key in ("id", "question", "type"):
        if not isinstance(item[key], str) or not item[key].strip():
            raise RagError(f"{where}: {key!r} must be a non-empty string")
    seed, evidence = item["seed"], item["evidence"]
    if not isinstance(evidence, list) or not all(isinstance(e, str) and e for e in evidence):
        raise RagError(f"{where}: 'evidence' must be a list of non-empty strings (exact substrings of the seed file)")
    if seed is None:
        if evidence:
            raise RagError(f"{where}: 'seed' is null but evidence is given; name the seed file, or empty the evidence "
                           "for an unanswerable question")
        return
    if not isinstance(seed, str) or not seed:
        raise RagError(f"{where}: 'seed' must be a file name or null")
    if not evidence:
        raise RagError(f"{where}: seed {seed!r} has no evidence; add the exact passage(s), or set seed to null "
                       "for an unanswerable question")
    seeds = item.get("seeds")
    if seeds is not None and (not isinstance(seeds, list) or len(seeds) != len(evidence)
                              or not all(isinstance(s, str) and s for s in seeds)):
        raise RagError(f"{where}: 'seeds' must list one file name per evidence string ({len(evidence)})")


def is_answerable(item: dict) -> bool:
    return item["seed"] is not None


def evidence_sources(item: dict) -> list[tuple[str, str]]:
    """[(gold file, evidence string)]: "seeds" gives one file per evidence, else all are in "seed"."""
    seeds = item.get("seeds") or [item["seed"]] * len(item["evidence"])
    return list(zip(seeds, item["evidence"]))


# --- relevance -----------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One evidence string located in its gold file: its length and every start offset."""

    source: str
    length: int
    starts: tuple[int, ...]


def find_all(text: str, needle: str) -> tuple[int, ...]:
    """Start offsets of every (possibly overlapping) occurrence of needle in text."""
    starts, at = [], text.find(needle)
    while at != -1:
        starts.append(at)
        at = text.find(needle, at + 1)
    return tuple(starts)


@lru_cache(maxsize=256)
def read_text(path: str) -> str:
    """A corpus file decoded exactly as the index's offsets count it (any supported format)."""
    from .corpus import read_text as read_corpus_file

    return read_corpus_file(Path(path))


def locate_evidence(item: dict, corpus_root: str | Path) -> list[Evidence]:
    """The question's evidence strings found in their gold files; RagError when one is absent."""
    found = []
    for source, text in evidence_sources(item):
        path = Path(corpus_root) / source
        try:
            starts = find_all(read_text(str(path)), text)
        except (OSError, RagError):
            raise RagError(f"question {item['id']}: gold file {source} is not in the corpus {corpus_root}; "
                           "fix its seed, or evaluate an index built from the corpus the set was written for") from None
        if not starts:
            raise RagError(f"question {item['id']}: evidence {text[:40]!r} does not occur in {source}; "
                           "copy the evidence verbatim from the file")
        found.append(Evidence(source, len(text), starts))
    return found


def covers(hit: Hit, ev: Evidence) -> bool:
    """True when the hit overlaps at least half of the evidence's characters at some occurrence."""
    if hit.source != ev.source:
        return False
    for start in ev.starts:
        overlap = min(hit.end, start + ev.length) - max(hit.start, start)
        if 2 * overlap >= ev.length:
            return True
    return False


def relevance(hits: Sequence[Hit], evidence: Sequence[Evidence]) -> list[frozenset[int]]:
    """For each hit, the indexes of the evidence strings it covers (empty: not relevant)."""
    return [frozenset(i for i, ev in enumerate(evidence) if covers(h, ev)) for h in hits]


# --- per-question metrics ------------------------------------------------------

def first_relevant_rank(rel: Sequence[frozenset[int]]) -> int | None:
    """1-based rank of the first relevant hit, None when no hit is relevant."""
    return next((rank for rank, covered in enumerate(rel, 1) if covered), None)


def recall_at(rel: Sequence[frozenset[int]], k: int) -> float:
    """1.0 when any of the top-k hits is relevant ("answered at k"), else 0.0; averaged, a hit rate."""
    return float(any(rel[:k]))


def mrr_at(rel: Sequence[frozenset[int]], k: int) -> float:
    """Reciprocal rank of the first relevant hit within the top k, 0.0 when none."""
    rank = first_relevant_rank(rel[:k])
    return 1.0 / rank if rank else 0.0


def ndcg_at(rel: Sequence[frozenset[int]], n_evidence: int, k: int) -> float:
    """Binary nDCG@k with novelty: a hit gains 1 only if it covers an evidence string no higher
    hit covered, so repeats of one passage earn nothing; ideal DCG puts min(n_evidence, k) gains
    at the top ranks. Keeps the value in [0, 1] for multi-evidence questions."""
    credited: set[int] = set()
    dcg = 0.0
    for rank, covered in enumerate(rel[:k], 1):
        if covered - credited:
            dcg += 1.0 / math.log2(rank + 1)
            credited |= covered
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_evidence, k) + 1))
    return dcg / ideal if ideal else 0.0


def complete_at(rel: Sequence[frozenset[int]], n_evidence: int, k: int = COMPLETE_K) -> float:
    """1.0 when every evidence string is covered by some top-k hit, else 0.0."""
    covered = frozenset().union(*rel[:k]) if rel[:k] else frozenset()
    return float(len(covered) == n_evidence and n_evidence > 0)


def metric_names(k_max: int) -> list[str]:
    ks = [k for k in KS if k <= k_max] + ([k_max] if k_max not in KS else [])
    return [f"recall@{k}" for k in ks] + [f"mrr@{k_max}", f"ndcg@{k_max}", f"complete@{COMPLETE_K}"]


def question_metrics(rel: Sequence[frozenset[int]], n_evidence: int, k_max: int = 10) -> dict[str, float]:
    """Every metric for one answerable question from its hits' relevance (best hit first)."""
    out = {}
    for name in metric_names(k_max):
        kind, k = name.split("@")
        k = int(k)
        if kind == "recall":
            out[name] = recall_at(rel, k)
        elif kind == "mrr":
            out[name] = mrr_at(rel, k)
        elif kind == "ndcg":
            out[name] = ndcg_at(rel, n_evidence, k)
        else:
            out[name] = complete_at(rel, n_evidence, k)
    return out


# --- aggregation ---------------------------------------------------------------

def mean_metrics(rows: Iterable[dict[str, float]]) -> dict[str, float]:
    """Metric-wise mean over question rows, plus n; empty input gives {"n": 0}."""
    rows = list(rows)
    if not rows:
        return {"n": 0}
    return {"n": len(rows), **{key: sum(r[key] for r in rows) / len(rows) for key in rows[0]}}


def aggregate(rows: Sequence[dict], group: str = "type") -> dict:
    """Overall and per-group means of the "metrics" of answerable rows."""
    answerable = [r for r in rows if r["answerable"]]
    groups: dict[str, list[dict]] = {}
    for r in answerable:
        groups.setdefault(r[group], []).append(r["metrics"])
    return {"overall": mean_metrics(r["metrics"] for r in answerable),
            "by_" + group: {name: mean_metrics(g) for name, g in sorted(groups.items())}}


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


# --- running one configuration ---------------------------------------------------

def corpus_root_of(retriever) -> Path:
    return Path(retriever.data.manifest["corpus"]["root"])


def evaluate_retriever(retriever, items: Sequence[dict], mode: str | None = None, k_max: int = 10,
                       progress: Callable[[], None] | None = None, warm_up: bool = True) -> dict:
    """Search every question with an already-loaded retriever and score the hits.

    Unanswerable questions are searched too (their latency and top score are recorded) but kept
    out of the retrieval metrics. Returns {"n_questions", "n_unanswerable", "overall", "by_type",
    "by_set", "latency_ms", "rows"}.
    """
    root = corpus_root_of(retriever)
    gold = {item["id"]: locate_evidence(item, root) for item in items if is_answerable(item)}
    if warm_up and items:  # first call pays lazy loading; keep it out of the latency figures
        retriever.search(items[0]["question"], k=k_max, mode=mode)
    rows, latencies = [], []
    for item in items:
        t0 = time.perf_counter()
        hits = retriever.search(item["question"], k=k_max, mode=mode)
        latencies.append((time.perf_counter() - t0) * 1000)
        row = {"id": item["id"], "type": item["type"], "set": item.get("_set", ""), "answerable": is_answerable(item),
               "top_score": hits[0].score if hits else None}
        if row["answerable"]:
            evidence = gold[item["id"]]
            rel = relevance(hits, evidence)
            row.update(first_rank=first_relevant_rank(rel), n_evidence=len(evidence),
                       metrics=question_metrics(rel, len(evidence), k_max))
        rows.append(row)
        if progress:
            progress()
    answerable = sum(r["answerable"] for r in rows)
    result = {"n_questions": answerable, "n_unanswerable": len(rows) - answerable,
              **aggregate(rows, "type"), "by_set": aggregate(rows, "set")["by_set"],
              "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                             "n": len(latencies)},
              "rows": rows}
    return result


# --- answers (quoted extracts) -------------------------------------------------

def answer_rows(retriever, items: Sequence[dict], mode: str | None = None,
                progress: Callable[[], None] | None = None) -> tuple[list[dict], list[float]]:
    """Answer every question with the threshold off; record confidence and whether quote 1 is relevant."""
    root = corpus_root_of(retriever)
    if items:  # warm-up, kept out of the latency figures
        retriever.answer(items[0]["question"], mode=mode)
    rows, latencies = [], []
    for item in items:
        t0 = time.perf_counter()
        ans = retriever.answer(item["question"], mode=mode, min_confidence=float("-inf"))
        latencies.append((time.perf_counter() - t0) * 1000)
        row = {"id": item["id"], "type": item["type"], "answerable": is_answerable(item),
               "confidence": ans.confidence, "first_quote_relevant": False}
        if row["answerable"] and ans.quotes:
            evidence = locate_evidence(item, root)
            row["first_quote_relevant"] = any(covers(ans.quotes[0], ev) for ev in evidence)
        if item.get("left_out_answers"):
            row["quotes_left_out_answer"] = bool(ans.quotes) and holds_answer(ans.quotes[0].text, item["left_out_answers"])
        rows.append(row)
        if progress:
            progress()
    return rows, latencies


# Middle dots between the parts of a transliterated name, which writers set or leave out at will
# (隆納·雷根, 隆納雷根), in their several code points.
_NAME_DOTS = str.maketrans("", "", "·•・‧⋅")


def holds_answer(quote: str, answers: Sequence[str]) -> bool:
    """Whether a quote states one of a question's gold answers, in either script, with or without the
    dots of a transliterated name."""
    folded = _folded_answer(quote)
    return any(answer and answer in folded for answer in map(_folded_answer, answers))


def _folded_answer(text: str) -> str:
    return to_simplified(text).translate(_NAME_DOTS)


def answer_metrics(rows: Sequence[dict], threshold: float) -> dict:
    """The three answer figures at a confidence threshold (a question below it gets no quote); for
    questions about left-out articles (rag eval --squad), also how many are answered with a first
    quote holding their left-out article's answer: another article states it, so those answers are
    likely right and "unanswerable" a label the sample gave them, not a fact of the index."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]

    def share(part: list, whole: list) -> float | None:
        return len(part) / len(whole) if whole else None

    figures = {
        "threshold": threshold,
        "first_quote_correct": share([r for r in answerable if r["confidence"] >= threshold
                                      and r["first_quote_relevant"]], answerable),
        "answerable_refused": share([r for r in answerable if r["confidence"] < threshold], answerable),
        "unanswerable_refused": share([r for r in unanswerable if r["confidence"] < threshold], unanswerable),
        "n_answerable": len(answerable), "n_unanswerable": len(unanswerable),
    }
    left_out = [r for r in unanswerable if "quotes_left_out_answer" in r]
    if left_out:
        figures["left_out_answered_with_its_answer"] = share(
            [r for r in left_out if r["confidence"] >= threshold and r["quotes_left_out_answer"]], left_out)
        figures["n_left_out"] = len(left_out)
    return figures


def calibrate_threshold(rows: Sequence[dict], max_refused: float = 0.04) -> float:
    """The highest threshold that refuses at most max_refused of the answerable questions."""
    answerable = sorted(r["confidence"] for r in rows if r["answerable"])
    if not answerable:
        return float("-inf")
    allowed = int(max_refused * len(answerable))  # this many may fall below the threshold
    return answerable[allowed]


def evaluate_answers(retriever, items: Sequence[dict], mode: str | None = None,
                     threshold: float | None = None, progress: Callable[[], None] | None = None) -> dict:
    """Answer figures at the index's threshold (or the one given), plus latency and per-question rows."""
    from .answer import PARAMS_ID

    rows, latencies = answer_rows(retriever, items, mode, progress)
    used = retriever.threshold if threshold is None else threshold
    fitted = retriever.data.manifest.get("calibration")
    return {**answer_metrics(rows, used), "params": PARAMS_ID,
            "threshold_source": "given" if threshold is not None else "index calibration" if fitted else "default",
            "calibration": fitted,
            "calibrated_threshold_on_this_set": calibrate_threshold(rows),
            "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "n": len(latencies)},
            "rows": rows}


# --- loading retrievers (building indexes when needed) -------------------------

def index_dir_for(model: str) -> Path:
    """The default model's index is the default index; others live in indexes/<model>."""
    from .retriever import default_index_dir

    return default_index_dir() if model == DEFAULT_MODEL else PROJECT_ROOT / "indexes" / model


def load_retriever_for_model(model: str, log: Callable[[str], None] | None = None):
    """Fetch the model if needed, then load its index, building it over the default corpus when
    it is missing, stale or corrupted."""
    from .build import build_index
    from .chunking import ChunkingParams
    from .embed import prepare_encoder
    from .errors import IndexCorruptError, IndexMissingError, IndexStaleError
    from .retriever import Retriever, default_corpus_dir
    from .util import progress_bar

    log = log or (lambda m: print(m, file=sys.stderr))
    encoder = prepare_encoder(model, log)
    index_dir = index_dir_for(model)
    try:
        return Retriever.load(index_dir, encoder=encoder)
    except (IndexMissingError, IndexStaleError, IndexCorruptError) as exc:
        log(f"{exc}\nbuilding {index_dir} with {model} from {default_corpus_dir()}")
    with progress_bar(f"embedding passages ({model})") as progress:
        build_index(default_corpus_dir(), index_dir, encoder, ChunkingParams(), progress)
    return Retriever.load(index_dir, encoder=encoder)


# --- the whole run -------------------------------------------------------------

def run_evaluation(set_paths: Sequence[str | Path], out_dir: str | Path, config_names: Sequence[str] | None = None,
                   k_max: int = 10, load: Callable[[str], object] | None = None,
                   show_progress: bool = True) -> dict:
    """Evaluate the named configurations on the QA set(s), write report.json/.md/.png into out_dir.

    `load(model name) -> Retriever` (default: load_retriever_for_model) is called once per model;
    tests pass one that returns a fixture retriever. A configuration whose model or index cannot
    be had is recorded under "errors" and the others still run. Returns the report.
    """
    from tqdm import tqdm

    load = load or load_retriever_for_model
    names = list(config_names or CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        raise RagError(f"unknown configuration(s) {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
    if isinstance(k_max, bool) or not isinstance(k_max, int) or not COMPLETE_K <= k_max <= MAX_K:
        raise RagError(f"--k-max must be an integer between {COMPLETE_K} and {MAX_K}, got {k_max!r}")
    items = []
    for path in set_paths:
        for item in load_qa_set(path):
            items.append({**item, "_set": Path(path).stem})
    ids = [i["id"] for i in items]
    if len(set(ids)) != len(ids):
        raise RagError("the same question id appears in two QA sets; pass sets with distinct ids")

    retrievers: dict[str, object] = {}
    model_errors: dict[str, str] = {}  # a model that failed once is not tried again
    errors: dict[str, str] = {}
    results: dict[str, dict] = {}
    bar = tqdm(total=len(names) * len(items), desc="evaluating", unit="q", file=sys.stderr, disable=not show_progress)
    try:
        for name in names:
            model, mode = CONFIGS[name]
            bar.set_postfix_str(name)
            if model not in retrievers and model not in model_errors:
                try:
                    retrievers[model] = load(model)
                except Exception as exc:  # noqa: BLE001 - one broken model must not sink the other configs
                    model_errors[model] = str(exc) if isinstance(exc, RagError) else f"{type(exc).__name__}: {exc}"
            if model in model_errors:
                errors[name] = model_errors[model]
                bar.update(len(items))
                continue
            retriever = retrievers[model]
            result = evaluate_retriever(retriever, items, mode, k_max, progress=lambda: bar.update(1))
            results[name] = {"model": model, "mode": mode,
                             "index": str(getattr(retriever, "index_dir", "")), **result}
    finally:
        bar.close()
    if not results:
        raise RagError("no configuration could be evaluated:\n" + "\n".join(f"  {n}: {e}" for n, e in errors.items()))
    report = make_report(items, set_paths, results, errors, k_max)
    default = report["default_config"]
    model, mode = CONFIGS[default]
    if model in retrievers:
        bar = tqdm(total=len(items), desc=f"answering ({default})", unit="q", file=sys.stderr, disable=not show_progress)
        with bar:
            report["answers"] = {"config": default, **evaluate_answers(retrievers[model], items, mode,
                                                                       progress=lambda: bar.update(1))}
    from .report import write_report  # late: the report module reads this one's metric names

    write_report(report, Path(out_dir))
    return report


def make_report(items: Sequence[dict], set_paths: Sequence[str | Path], results: dict[str, dict],
                errors: dict[str, str], k_max: int) -> dict:
    """The report: per config metrics (rows moved out), a per-question table, an open "answers" slot."""
    configs = {name: {k: v for k, v in res.items() if k != "rows"} for name, res in results.items()}
    by_id = {name: {r["id"]: r for r in res["rows"]} for name, res in results.items()}
    questions = []
    for item in items:
        row = {"id": item["id"], "type": item["type"], "set": item["_set"], "question": item["question"],
               "answerable": is_answerable(item), "n_evidence": len(item["evidence"]),
               "first_rank": {}, f"complete@{COMPLETE_K}": {}, "top_score": {}}
        for name in results:
            r = by_id[name][item["id"]]
            row["top_score"][name] = r["top_score"]
            if r["answerable"]:
                row["first_rank"][name] = r["first_rank"]
                row[f"complete@{COMPLETE_K}"][name] = r["metrics"][f"complete@{COMPLETE_K}"]
        questions.append(row)
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sets": [str(p) for p in set_paths],
        "k_max": k_max,
        "metrics": metric_names(k_max),
        "relevance": "a hit is relevant when it covers >= half of an evidence string's characters "
                     "at some occurrence in the gold file",
        "n_questions": sum(is_answerable(i) for i in items),
        "n_unanswerable": sum(not is_answerable(i) for i in items),
        "configs": configs,
        "errors": errors,
        "default_config": "default" if "default" in results else next(iter(results)),
        "questions": questions,  # first relevant rank per config (None: not in the top k_max)
        "answers": None,  # hook: answer (quote) metrics are added here by the answer evaluation
    }


# --- writing -------------------------------------------------------------------


# --- public reading-comprehension sets ------------------------------------------

def squad_work_dir(squad_file: Path, articles: int, absent: int, seed: int) -> Path:
    """Where a SQuAD run keeps its corpus and index, so a rerun reuses the vectors."""
    return PROJECT_ROOT / "indexes" / "squad" / f"{Path(squad_file).stem}-a{articles}-x{absent}-s{seed}"


def run_squad_evaluation(squad_file: str | Path, out_dir: str | Path, articles: int = 100, absent: int = 50,
                         seed: int = 0, work: str | Path | None = None, config_names: Sequence[str] | None = None,
                         k_max: int = 10, show_progress: bool = True) -> dict:
    """``rag eval --squad``: index ``articles`` articles of a SQuAD-format file (each paragraph a
    corpus file), leave ``absent`` more out as unanswerable, and report as ``run_evaluation`` does
    for the configurations that use the default model."""
    from . import squad
    from .build import build_index
    from .chunking import ChunkingParams
    from .embed import prepare_encoder
    from .retriever import Retriever
    from .util import progress_bar

    chosen = squad.sample(squad.load(Path(squad_file)), articles, absent, seed)
    work = Path(work) if work else squad_work_dir(Path(squad_file), articles, absent, seed)
    squad.write_corpus(chosen.indexed, work / "corpus")
    qa_set = work / "qa.jsonl"
    qa_set.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in squad.qa_items(chosen)), encoding="utf-8")
    encoder = prepare_encoder(DEFAULT_MODEL, lambda m: print(m, file=sys.stderr))
    with progress_bar(f"embedding {Path(squad_file).name}") as progress:
        build_index(work / "corpus", work / "index", encoder, ChunkingParams(), progress)
    retriever = Retriever.load(work / "index", encoder=encoder)

    def load(model: str):
        if model != DEFAULT_MODEL:
            raise RagError(f"--squad indexes with the default model ({DEFAULT_MODEL}) only, not {model}")
        return retriever

    names = config_names or [name for name, (model, _) in CONFIGS.items() if model == DEFAULT_MODEL]
    return run_evaluation([qa_set], out_dir, names, k_max, load, show_progress)
