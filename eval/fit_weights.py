"""Fit the answer scoring and confidence weights (rag/params/answer-v1.json) on the dev sets.

Three steps, each reproducible:

    cache   search every question once (the model is the slow part) and keep what answering
            reads: the query text, its vector and its hits; plus the index's calibration probes.
    rows    answer the cached questions with the code as it stands (no model): per question its
            confidence and first quote. Two runs compared row by row prove a refactor changed
            nothing.
    fit     logistic regressions over the candidates' and answers' features, cross-validated
            by set (fit on the others, score on the one left out), then fitted on all.
    confidence  the confidence penalties and weights and the calibration share alone, refitted on a
            params file's score weights (answer-v4.json from answer-v3.json by default).
    neighbours  first quote against quote length per margin within which a touching sentence joins
            a quote; writes the params with the chosen margin (answer-v5.json from answer-v4.json).
    penalty     one check's confidence penalty alone, every other weight kept: per penalty, each
            corpus recalibrated on its own probes; the penalty that refuses the most unanswerable
            questions with every corpus within its bound on answerable ones refused (answer-v7.json,
            the names_here check, from answer-v6.json).
    kind        one question kind's confidence weight alone (asks_english: answer-v17.json from
            answer-v16.json): per weight, each corpus recalibrated on its own probes; the weight under
            which the most of the issue's targets hold, each seeds QA set and public draw on its own.
            With --calibration, the weight is fitted together with the calibration's absent percentile
            and gap weight (missing_pairs: answer-v22.json from answer-v21.json), since a feature that
            lowers the absent probes moves each corpus's threshold with them.
    bonus       one check's score bonus alone, the same way (means: answer-v18.json from answer-v17.json).
    figures     the figures of the code and params as they stand, replayed from the cache: each
            corpus at the threshold its own probes give, each seeds QA set at the seeds'. A rule
            change is measured on every dev set in minutes, without the model.

Each public draw (indexes/squad/<draw>/index) is its own corpus with its own probes; in the fits
the seeds and the public draws weigh half each.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python eval/fit_weights.py cache \
        --pair indexes/default eval/dev.jsonl ... --pair indexes/squad/drcd_dev-a100-x50-s0/index \
        indexes/squad/drcd_dev-a100-x50-s0/qa.jsonl
"""
from __future__ import annotations

import argparse
import dataclasses
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
    probes: list[CachedQuestion]  # calibration probes (rag.calibration.draw_probe_sources), unlabelled
    absent: list[CachedQuestion] = field(default_factory=list)  # the same probes, their article left out


def index_key(index: Path) -> str:
    """What an index's hits depend on, not its folder: a rebuild that reuses every vector and only
    recalibrates (new answer params) keeps the cache. The passages' and sentences' content keys, the
    keyword index and the sentence codes by their sha256, and the model, chunking and dense-index
    settings; the FAISS files stand for vectors the keys and the model already fix (their bytes
    differ from build to build)."""
    from rag.index import read_manifest

    manifest = read_manifest(Path(index))
    parts = {name: part["sha256"] for name, part in manifest["parts"].items() if not name.endswith(".faiss")}
    what = {"parts": parts, **{k: manifest.get(k) for k in ("model", "chunking", "dense")}}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def cache_path(index: Path, qa_set: Path) -> Path:
    """The cached questions of a QA set on an index, keyed by both contents (an edited set is searched again)."""
    key = hashlib.sha256(f"{index_key(index)}|{hashlib.sha256(Path(qa_set).read_bytes()).hexdigest()}".encode())
    return CACHE / f"{Path(qa_set).stem}-{key.hexdigest()[:12]}.pkl"


def read_question(retriever, text: str, set_name: str = "", item: dict | None = None, left_out=None) -> CachedQuestion:
    """What Retriever.answer reads before analysing the question: the query, its vector, its hits
    (with ``left_out``, a rag.filters.LeftOut: as if the archive lacked that article)."""
    from rag import answer
    from rag.filters import Filters

    read = retriever.read_query(text)
    vector = retriever.encoder.encode_queries([read.dense])[0]
    hits = retriever._search(read.keywords, vector, retriever.mode, max(5, answer.HITS_CONSIDERED),
                             Filters.of(None, None, None, None), left_out, by_best_sentence=False)  # as answers rank
    return CachedQuestion(item["id"] if item else text, set_name, text, read.keywords, np.asarray(vector), hits,
                          bool(item and item["seed"] is not None))


def cache(index: Path, qa_set: Path) -> Path:
    import rag
    from rag.calibration import SentenceTexts, draw_probe_sources
    from rag.filters import LeftOut
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
        sentences = retriever.data.sentences
        drawn = draw_probe_sources(SentenceTexts(sentences))
        probes = [read_question(retriever, q) for _, q in drawn]
        absent = [read_question(retriever, q, left_out=LeftOut(sentences[sid].source, sentences[sid].title))
                  for sid, q in drawn]
        probes_out.write_bytes(pickle.dumps(CachedIndex(str(index), [], probes, absent)))
    return out


def probes_path(index: Path) -> Path:
    return CACHE / f"probes3-{index_key(index)[:12]}.pkl"  # 3: keyed by content (2: by folder, with the absent side)


def load_cached(path: Path) -> CachedIndex:
    with Path(path).open("rb") as f:
        return _Unpickler(f).load()


class _Unpickler(pickle.Unpickler):
    """Caches written by this script run as __main__ name their classes so; imported, it is fit_weights."""

    def find_class(self, module: str, name: str):
        return globals()[name] if module in ("__main__", __name__) and name in globals() else super().find_class(module, name)


# --- replaying answers without the model -----------------------------------------

def sentence_store(index: Path):
    from rag.answer import SentenceStore
    from rag.index import load_index

    data = load_index(Path(index))
    return SentenceStore(data.sentences, data.sentence_dense, data.store)


def replay(store, cq: CachedQuestion):
    """Retriever.answer from its hits on (threshold off): (confidence, quotes)."""
    from rag import answer
    from rag.question import analyse

    frame = analyse(cq.keywords)
    cands = answer.candidates(cq.hits, store, cq.vector, frame)
    conf = answer.confidence(frame, cands)
    return conf, answer.select_quotes(cands, conf, float("-inf"), store)


def answer_rows(cached: CachedIndex, store) -> list[dict]:
    from rag.evaluation import covers

    rows = []
    absent = getattr(cached, "absent", [])  # probes: unlabelled, their confidences set the threshold
    for cq, kind in [(q, None) for q in cached.questions + cached.probes] + [(q, "absent probe") for q in absent]:
        conf, quotes = replay(store, cq)
        first = quotes[0] if quotes else None
        rows.append({"id": cq.id, "set": kind or cq.set or "probe", "answerable": cq.answerable, "confidence": conf,
                     "first_quote": [first.source, first.start, first.end, first.text] if first else None,
                     "first_quote_relevant": bool(first and any(covers(first, ev) for ev in cq.evidence))})
    return rows


# --- fitting ---------------------------------------------------------------------

SCORE_FEATURES = ("cosine", "rank", "overlap", "quantity", "unit", "focus", "place", "reason", "body")
PENALTY_CHECKS = ("value", "role", "place", "reason", "action", "focus", "names", "names_here")
EXTRA_FEATURES = ("coverage", "top_overlap", "missing_pairs", "asks_why-how", "asks_keywords", "asks_english")
DRCD_FOLDS = 4  # DRCD questions fall into this many folds by article
SHARES = tuple(np.arange(50.0, 100.01, 0.5))  # absent-probe percentiles tried for the threshold
MAX_REFUSED = 0.04  # the bound on answerable questions refused


@dataclass
class Question:
    """One cached question with its candidates, which do not depend on the weights."""
    id: str
    index: str  # which index (corpus) it was asked of
    fold: str  # seeds: its QA set; DRCD: a group of articles
    answerable: bool
    frame: object
    cands: list
    labels: np.ndarray  # per candidate: the sentence alone covers an evidence string
    evidence: list
    store: object = None  # its index's rag.answer.SentenceStore: a quote may take in a sentence from it


def prepare(pairs: list[tuple[str, str]]) -> tuple[list[Question], dict[str, tuple[list[Question], list[Question]]]]:
    """Questions and, per index, its calibration probes (asked of the whole index, and with their
    article left out), each analysed and with candidates."""
    from rag import answer
    from rag.evaluation import covers
    from rag.question import analyse

    questions, probes = [], {}
    for index in dict.fromkeys(i for i, _ in pairs):
        store = sentence_store(Path(index))
        name = corpus_name(index)

        def build(cq: CachedQuestion, fold: str, store=store) -> Question:
            frame = analyse(cq.keywords)
            cands = answer.candidates(cq.hits, store, cq.vector, frame)
            labels = np.array([any(covers(c.sentence, ev) for ev in cq.evidence) for c in cands], dtype=bool)
            return Question(cq.id, name, fold, cq.answerable, frame, cands, labels, cq.evidence, store)

        for i, qa_set in ((i, s) for i, s in pairs if i == index):
            for cq in load_cached(cache_path(Path(i), Path(qa_set))).questions:
                fold = f"{name}-{int(hashlib.md5(cq.id.split('-')[0].encode()).hexdigest(), 16) % DRCD_FOLDS}" \
                    if is_public(name) else cq.set
                questions.append(build(cq, fold))
        cached = load_cached(probes_path(Path(index)))
        if not getattr(cached, "absent", None):
            sys.exit(f"{probes_path(Path(index))} has no absent probes: delete it and run the cache step again")
        probes[name] = ([build(cq, "probe") for cq in cached.probes], [build(cq, "probe") for cq in cached.absent])
    return questions, probes


def corpus_name(index: str) -> str:
    """"seeds" for the project's own archive; a public set's draw by its work folder
    (indexes/squad/drcd_dev-a100-x50-s2/index -> drcd_dev-a100-x50-s2): each draw is its own corpus,
    with its own probes and threshold."""
    return public_draw(index) or "seeds"


def public_draw(path: str | Path) -> str | None:
    """The draw a path of `rag eval --squad`'s work folder belongs to (indexes/squad/<draw>/...)."""
    path = Path(path)
    return path.parent.name if path.parent.parent.name == "squad" else None


def is_public(name: str) -> bool:
    return name != "seeds"


def corpus_weights(names) -> dict[str, float]:
    """The seeds and the public sets count half each, however many draws of the latter are fitted on:
    the issue holds the system to both."""
    names = sorted(set(names))
    public = [n for n in names if is_public(n)]
    if not public or len(public) == len(names):
        return {n: 1 / len(names) for n in names}
    return {n: 0.5 / len(public) if is_public(n) else 0.5 / (len(names) - len(public)) for n in names}


def score_matrix(q: Question) -> np.ndarray:
    """Per candidate: the features a sentence's score weighs (SCORE_FEATURES)."""
    return np.array([[c.cosine, 1 / (1 + c.hit_rank), c.overlap] + [float(c.holds.get(n, 0.0)) for n in SCORE_FEATURES[3:]]
                     for c in q.cands], dtype=float).reshape(len(q.cands), len(SCORE_FEATURES))


def coordinate_search(objective, start: dict[str, float], names: list[str], grids: dict[str, list[float]],
                      sweeps: int) -> dict[str, float]:
    """Each weight in turn set to the grid value that most raises the objective, ``sweeps`` times over."""
    w = np.array([start[n] for n in names], dtype=float)
    best = objective(w)
    for _ in range(sweeps):
        for k, name in enumerate(names):
            for value in grids[name]:
                trial = w.copy()
                trial[k] = value
                if (got := objective(trial)) > best + 1e-9:
                    best, w = got, trial
    return {name: float(v) for name, v in zip(names, w)}


def fit_score(questions: list[Question], start: dict[str, float], sweeps: int = 3) -> dict[str, float]:
    """The score weights (cosine units) under which the best-scored sentence holds the answer most
    often, corpus by corpus (weighted by corpus_weights). Coordinate search on a grid from the start values; ties keep
    the current value. (A listwise logistic regression, which weighs every candidate's probability
    rather than the top one, lost the seeds 0.011 of first quotes.)"""
    usable = [q for q in questions if q.answerable and q.cands]
    n = max(len(q.cands) for q in usable)
    X = np.zeros((len(usable), n, len(SCORE_FEATURES)))
    live = np.zeros((len(usable), n), dtype=bool)
    pos = np.zeros((len(usable), n), dtype=bool)
    for k, q in enumerate(usable):
        X[k, :len(q.cands)], live[k, :len(q.cands)], pos[k, :len(q.cands)] = score_matrix(q), True, q.labels
    corpora = sorted({q.index for q in usable})
    groups = [np.array([q.index == c for q in usable]) for c in corpora]
    weights = corpus_weights(corpora)
    names = SCORE_FEATURES[1:]
    grids = {n: np.round(np.arange(0.0, 0.61, 0.01), 2) for n in names}

    def objective(w: np.ndarray) -> float:
        s = np.where(live, X @ np.r_[1.0, w], -np.inf)
        right = pos[np.arange(len(usable)), s.argmax(axis=1)]
        return float(sum(weights[c] * right[g].mean() for c, g in zip(corpora, groups)))

    return {"cosine": 1.0, **coordinate_search(objective, start, names, grids, sweeps)}


def params_with(base: dict, score: dict[str, float] | None = None, conf: dict[str, float] | None = None) -> dict:
    """A params dict: the base's, with the fitted score weights and/or confidence weights in."""
    p = json.loads(json.dumps(base))
    if score:
        p["score"]["rank_bonus"], p["score"]["overlap"] = round(score["rank"], 4), round(score["overlap"], 4)
        for name in SCORE_FEATURES[3:]:
            p["checks"].setdefault(name, {"bonus": 0.0, "penalty": 0.0})["bonus"] = round(score[name], 4)
    if conf:
        for name in PENALTY_CHECKS:
            p["checks"].setdefault(name, {"bonus": 0.0, "penalty": 0.0})["penalty"] = round(conf[name], 4)
        p["confidence"] = {name: round(conf[name], 4) for name in EXTRA_FEATURES}
    return p


def confidence_start(base: dict) -> dict[str, float]:
    """The confidence weights a fit starts from: the base params' (0 for a check or feature it lacks)."""
    return ({n: base["checks"].get(n, {}).get("penalty", 0.0) for n in PENALTY_CHECKS}
            | {n: base["confidence"].get(n, 0.0) for n in EXTRA_FEATURES})


def confidence_row(q: Question) -> list[float]:
    """Under the params in use: [gated best cosine, one 0/1 per check failed (PENALTY_CHECKS), the extra
    answer features]; the confidence is the first plus the weighted rest. Not quite for a when-question
    whose dates all pass the value gate only in part (partial_cost): its confidence is the larger of the
    best cosine less the value penalty and the partial cosine, and the row holds the partial cosine and
    no failure, so a refit underrates it where the penalty is the smaller cost."""
    from rag import answer

    saved = answer.CHECKS
    answer.CHECKS = tuple(dataclasses.replace(c, penalty=float(c.name in PENALTY_CHECKS)) for c in saved)
    weights = answer.CONFIDENCE_WEIGHTS
    answer.CONFIDENCE_WEIGHTS = {name: 1.0 for name in EXTRA_FEATURES}
    try:
        base = answer.confidence(q.frame, q.cands)  # cosine minus one per failed check plus the extras
        extras = answer.answer_features(q.frame, q.cands)
        fails = []
        for check in answer.CHECKS:
            if check.name not in PENALTY_CHECKS:
                continue
            fails.append(float(failed(check, q)))
    finally:
        answer.CHECKS, answer.CONFIDENCE_WEIGHTS = saved, weights
    cosine = base + sum(fails) - sum(extras.values())
    return [cosine] + fails + [extras[name] for name in EXTRA_FEATURES]


def failed(check, q: Question) -> bool:
    """The answer fails the check (as rag.answer.confidence decides it)."""
    if not check.asked(q.frame):
        return False
    if check.gate:
        from rag.answer import passes_gate

        return not any(passes_gate(check, c) for c in q.cands)
    if check.together is not None:
        return not check.together(q.frame, [c.as_read() for c in q.cands])
    ranked = sorted(q.cands, key=lambda c: (-c.relevance, c.sentence.source, c.sentence.start))
    return not any(c.passes(check.name) for c in ranked[:check.looks])


def fit_confidence(questions: list[Question], start: dict[str, float], sweeps: int = 3) -> dict[str, float]:
    """The penalties and extra weights (cosine units) that refuse the most unanswerable questions
    while refusing MAX_REFUSED of the answerable ones, corpus by corpus (weighted by corpus_weights): the operating
    point itself. Coordinate search on a grid from the start values; ties keep the current value.
    (Tried and dropped, eval/reports/weights/README.md: a logistic regression of answerable-or-not,
    and this search with thresholds at the probe percentile instead of each corpus's own. Measured
    again with two-sided calibration on the seeds and three DRCD draws, the probe-threshold search
    stopped at 0.796 of unanswerable questions refused at the operating point, weighted as here,
    against this search's 0.818.)"""
    rows = np.array([confidence_row(q) for q in questions])
    rows[~np.isfinite(rows)] = -1.0  # no candidate at all
    cos, fails, extras = rows[:, 0], rows[:, 1:1 + len(PENALTY_CHECKS)], rows[:, 1 + len(PENALTY_CHECKS):]
    grids = {n: np.round(np.arange(0.0, 1.51, 0.05), 2) for n in PENALTY_CHECKS}
    grids.update({n: np.round(np.arange(-0.5, 0.51, 0.05), 2) for n in EXTRA_FEATURES})
    corpora = sorted({q.index for q in questions})
    groups = [(np.array([q.index == c and q.answerable for q in questions]),
               np.array([q.index == c and not q.answerable for q in questions])) for c in corpora]
    weights = np.array([corpus_weights(corpora)[c] for c in corpora])

    def refused(theta: np.ndarray) -> np.ndarray:
        """Per corpus: the unanswerable questions refused at MAX_REFUSED of the answerable refused."""
        conf = cos - fails @ theta[:len(PENALTY_CHECKS)] + extras @ theta[len(PENALTY_CHECKS):]
        out = []
        for ans, una in groups:
            kept = np.sort(conf[ans])
            threshold = kept[int(MAX_REFUSED * len(kept))]
            out.append(np.mean(conf[una] < threshold) if una.any() else 0.0)
        return np.array(out)

    def objective(theta: np.ndarray) -> float:
        return float(refused(theta) @ weights)

    return coordinate_search(objective, start, list(PENALTY_CHECKS + EXTRA_FEATURES), grids, sweeps)


def answered(q: Question) -> tuple[float, bool]:
    """Confidence and whether the first quote holds the answer, by rag.answer with the params in use."""
    from rag import answer
    from rag.evaluation import covers

    conf = answer.confidence(q.frame, q.cands)
    quotes = answer.select_quotes(q.cands, conf, float("-inf"), q.store)
    return conf, bool(quotes and any(covers(quotes[0], ev) for ev in q.evidence))


def figures(questions: list[Question], thresholds: dict[str, float]) -> dict:
    return figures_of([(q, *answered(q)) for q in questions], thresholds)


def figures_of(rows: list[tuple[Question, float, bool]], thresholds: dict[str, float]) -> dict:
    """figures of questions already answered: (question, confidence, first quote right)."""
    ans = [(q, c, ok) for q, c, ok in rows if q.answerable]
    una = [(q, c, ok) for q, c, ok in rows if not q.answerable]
    return {"first_quote_correct": _share([c >= thresholds[q.index] and ok for q, c, ok in ans]),
            "answerable_refused": _share([c < thresholds[q.index] for q, c, ok in ans]),
            "unanswerable_refused": _share([c < thresholds[q.index] for q, c, ok in una]),
            "n_answerable": len(ans), "n_unanswerable": len(una)}


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def probe_thresholds(probes: dict[str, tuple[list[Question], list[Question]]], share: float) -> dict[str, float]:
    """Each index's threshold as rag.calibration places it, at this share of the absent probes."""
    from rag.calibration import fitted_gap_weight, threshold_of
    from rag import answer

    def confs(ps: list[Question]) -> list[float]:
        return [answer.confidence(p.frame, p.cands) for p in ps]

    gap = fitted_gap_weight()  # the params in use (their gap weight is fitted apart: eval/fit_two_sided.py gap)
    return {name: threshold_of(confs(present), confs(absent), share, gap)[0] for name, (present, absent) in probes.items()}


def fit_share(questions: list[Question], probes: dict) -> float:
    """The highest absent-probe percentile whose thresholds refuse at most MAX_REFUSED of the answerable
    questions in every corpus (the share that carries to a new corpus)."""
    from rag import answer

    confs = {id(q): answer.confidence(q.frame, q.cands) for q in questions}
    best = SHARES[0]
    for share in SHARES:
        t = probe_thresholds(probes, share)
        worst = max(np.mean([confs[id(q)] < t[q.index] for q in questions if q.answerable and q.index == name])
                    for name in t if any(q.index == name and q.answerable for q in questions))
        if worst <= MAX_REFUSED:
            best = share
    return float(best)


def fit_all(train: list[Question], probes: dict, base: dict) -> dict:
    """Score weights, then confidence weights under them, then the calibration share: a params dict."""
    from rag import answer

    score = fit_score(train, {"rank": base["score"]["rank_bonus"], "overlap": base["score"]["overlap"],
                              **{n: base["checks"].get(n, {}).get("bonus", 0.0) for n in SCORE_FEATURES[3:]}})
    answer.use_params(params_with(base, score=score))
    conf = fit_confidence(train, confidence_start(base))
    params = params_with(base, score=score, conf=conf)
    answer.use_params(params)
    params.pop("calibration_percentile", None)  # the one-sided share of params before two-sided calibration
    params["calibration_absent_percentile"] = fit_share(train, probes)
    return params


def cross_validate(questions: list[Question], probes: dict, base: dict) -> dict:
    """Leave one fold out (a seed QA set, or a quarter of the DRCD articles): fit on the rest, answer
    the fold with those weights and its index's probe threshold. Pooled per corpus."""
    from rag import answer

    held: dict[str, list] = {}
    for fold in sorted({q.fold for q in questions}):
        train = [q for q in questions if q.fold != fold]
        test = [q for q in questions if q.fold == fold]
        params = fit_all(train, probes, base)
        answer.use_params(params)
        t = probe_thresholds(probes, params["calibration_absent_percentile"])
        held.setdefault(test[0].index, []).extend((q, *answered(q), t[q.index]) for q in test)
        print(f"fold {fold}: share {params['calibration_absent_percentile']}", file=sys.stderr)
    out = {}
    for name, rows in held.items():
        ans = [r for r in rows if r[0].answerable]
        una = [r for r in rows if not r[0].answerable]
        out[name] = {"first_quote_correct": _share([c >= t and ok for _, c, ok, t in ans]),
                     "answerable_refused": _share([c < t for _, c, ok, t in ans]),
                     "unanswerable_refused": _share([c < t for _, c, ok, t in una]),
                     "n_answerable": len(ans), "n_unanswerable": len(una)}
    return out


def evaluate(questions: list[Question], probes: dict, params: dict) -> dict:
    """In-sample figures of a params dict on every corpus, at its own probe thresholds."""
    from rag import answer

    answer.use_params(params)
    t = probe_thresholds(probes, params["calibration_absent_percentile"])
    return {name: {**figures([q for q in questions if q.index == name], t), "threshold": round(t[name], 4)}
            for name in t}


def default_threshold(questions: list[Question]) -> float:
    """The threshold for an index too small to calibrate: the highest that refuses at most
    MAX_REFUSED of the answerable questions of the seeds' dev set (the archive the project ships)."""
    from rag.evaluation import calibrate_threshold

    rows = [{"answerable": q.answerable, "confidence": answered(q)[0]} for q in questions if q.fold == "dev"]
    return round(calibrate_threshold(rows, MAX_REFUSED), 2)


def fit(pairs: list[tuple[str, str]], base_file: str, out: Path, version: int, report: Path) -> dict:
    from rag import answer

    questions, probes = prepare(pairs)
    base, _ = answer.read_params(base_file)
    answer.use_params(base)  # the hand-set weights at the calibration share that suits them
    before = evaluate(questions, probes, {**base, "calibration_absent_percentile": fit_share(questions, probes)})
    print("hand-set, in-sample:", before, file=sys.stderr)
    held_out = cross_validate(questions, probes, base)
    print("fitted, out of fold:", held_out, file=sys.stderr)
    params = fit_all(questions, probes, base)
    after = write_params(params, out, version, pairs, questions, probes, (
        "Fitted by eval/fit_weights.py fit: the score weights that put a sentence holding the answer first "
        "most often (coordinate search from v0's); then the "
        "confidence penalties and weights that refuse the most unanswerable questions at 4% answerable "
        "refused per corpus (coordinate search); then the percentile of the absent probes (rag/calibration.py) "
        "that refuses <= 4% of answerable questions on every corpus."))
    result = {"params": str(out), "base": base_file, "hand_set_in_sample": before, "fitted_out_of_fold": held_out,
              "fitted_in_sample": after, "folds": sorted({q.fold for q in questions}),
              "questions": {name: sum(q.index == name for q in questions) for name in probes}}
    return write_report(result, report, "fit", FIT_ROWS)


def write_params(params: dict, out: Path, version: int, pairs, questions: list[Question], probes: dict, about: str,
                 fitted_key: str = "fitted_on", refit_default: bool = True) -> dict:
    """The params file, with its default threshold (refitted on the dev set unless a partial refit
    keeps the base's), provenance (under ``fitted_key``: a partial refit keeps the base's "fitted_on")
    and version; returns its in-sample figures."""
    from rag import answer

    answer.use_params(params)
    if refit_default:
        params["min_confidence"] = default_threshold(questions)
    params.update(name="answer", version=version, about=about)
    params[fitted_key] = [provenance(s) for _, s in pairs] + ["(DRCD: indexed the way rag eval --squad does, "
                                                              "absent articles unanswerable)"]
    out.write_text(json.dumps(params, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return evaluate(questions, probes, params)


def provenance(qa_set: str) -> str:
    """A QA set as the params file names it: a path in the project, a public draw by its folder."""
    path = Path(qa_set).resolve()
    if path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    return f"indexes/squad/{draw}/{path.name}" if (draw := public_draw(path)) else str(qa_set)


def write_report(result: dict, report: Path, stem: str, rows) -> dict:
    report.mkdir(parents=True, exist_ok=True)
    (report / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    table = fit_table(result, rows)
    (report / f"{stem}.md").write_text(table, encoding="utf-8")
    print(table)
    return result


def refit_confidence(pairs: list[tuple[str, str]], base_file: str, out: Path, version: int, report: Path) -> dict:
    """The confidence penalties and weights, then the calibration share, refitted on top of a params
    file whose score weights stay: for new dev data (more public draws) without redoing the score fit."""
    from rag import answer

    questions, probes = prepare(pairs)
    base, _ = answer.read_params(base_file)
    answer.use_params(base)
    before = evaluate(questions, probes, base)
    params = params_with(base, conf=fit_confidence(questions, confidence_start(base)))
    answer.use_params(params)
    params["calibration_absent_percentile"] = fit_share(questions, probes)
    after = write_params(params, out, version, pairs, questions, probes, (
        f"Refitted by eval/fit_weights.py confidence from {base_file}, its score weights kept: the confidence "
        "penalties and weights that refuse the most unanswerable questions at 4% answerable refused per corpus "
        "(the seeds and the public draws weighing half each), then the percentile of the absent probes "
        "(rag/calibration.py) that refuses <= 4% of answerable questions on every corpus."))
    result = {"params": str(out), "base": base_file, "base_in_sample": before, "refitted_in_sample": after,
              "questions": {name: sum(q.index == name for q in questions) for name in probes}}
    return write_report(result, report, f"confidence-v{version}",
                        ((f"{base_file}, in-sample", "base_in_sample"), ("refitted, in-sample", "refitted_in_sample")))


def neighbour_tradeoff(pairs: list[tuple[str, str]], base_file: str, margins: list[float], chosen: float, out: Path,
                       version: int, report: Path) -> dict:
    """First quotes against their length as quotes take in touching sentences scoring within a margin
    of the best one (rag.answer.NEIGHBOUR_MARGIN): a trade, not a fit (every margin holds the answer
    more often, in longer quotes), so it is measured per margin and one is chosen by the table. The
    confidence is untouched, so the base's calibration share stays."""
    from rag import answer

    questions, probes = prepare(pairs)
    base, _ = answer.read_params(base_file)
    rows = []
    for margin in margins:
        params = json.loads(json.dumps(base))
        params["score"]["neighbour_margin"] = margin
        figures_of = evaluate(questions, probes, params)  # sets the params
        lengths = {name: [len(quotes[0].text) for q in questions if q.index == name and q.answerable
                          and (quotes := answer.select_quotes(q.cands, 1.0, float("-inf"), q.store))] for name in probes}
        rows += [{"margin": margin, "corpus": name, "first_quote_correct": f["first_quote_correct"],
                  "median_chars": float(np.median(lengths[name])), "over_150_chars": _share([n > 150 for n in lengths[name]])}
                 for name, f in figures_of.items()]
    params = json.loads(json.dumps(base))
    params["score"]["neighbour_margin"] = chosen
    write_params(params, out, version, pairs, questions, probes, (
        f"{base_file} with score.neighbour_margin {chosen}, chosen by eval/fit_weights.py neighbours: a sentence "
        "touching a quote joins it when it scores within the margin of the best one (first quote against "
        "quote length, eval/reports/weights/neighbours.md); the confidence and calibration share are the base's."))
    report.mkdir(parents=True, exist_ok=True)
    lines = ["| margin | corpus | first quote holds the answer | median first-quote chars | share over 150 chars |",
             "|---:|---|---:|---:|---:|"] + [
        f"| {r['margin']:g} | {r['corpus']} | {r['first_quote_correct']} | {r['median_chars']:g} | {r['over_150_chars']} |"
        for r in rows]
    (report / "neighbours.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (report / "neighbours.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print("\n".join(lines))
    return {"rows": rows}


FIT_ROWS = (("hand-set (v0), in-sample", "hand_set_in_sample"), ("fitted, out of fold", "fitted_out_of_fold"),
            ("fitted, in-sample", "fitted_in_sample"))


def fit_table(result: dict, rows=FIT_ROWS) -> str:
    lines = ["| weights | corpus | first quote holds the answer | answerable refused | unanswerable refused | n |",
             "|---|---|---:|---:|---:|---:|"]
    for label, key in rows:
        for name, f in result[key].items():
            lines.append(f"| {label} | {name} | {f['first_quote_correct']} | {f['answerable_refused']} | "
                         f"{f['unanswerable_refused']} | {f['n_answerable']} + {f['n_unanswerable']} |")
    if "fitted_out_of_fold" not in result:
        return "\n".join(lines) + "\n\nIn-sample: every corpus at its own two-sided probe threshold (rag/calibration.py).\n"
    return "\n".join(lines) + ("\n\nOut of fold: each seed QA set, and each quarter of the DRCD articles, answered with "
                               "weights and a calibration share fitted on the others. Thresholds: each index's own "
                               "two-sided probe threshold (rag/calibration.py).\n")


PENALTIES = tuple(np.round(np.arange(0.0, 0.301, 0.01), 2))
DEV_SET = "seeds dev set"  # eval/dev.jsonl alone, at the seeds' threshold
SEED_MAX_REFUSED = 0.05  # the bound for the seed pages (0.04 for the public sets)


def penalty_tradeoff(pairs: list[tuple[str, str]], base_file: str, check: str, out: Path, version: int,
                     report: Path) -> dict:
    """One check's penalty on a grid, each corpus at its own recalibrated threshold: the penalty that
    refuses the most unanswerable questions (the seeds and the public draws weighing half each) while
    no corpus refuses more than its bound of its answerable questions (or than without the penalty,
    when that is more), nor the seeds' dev set on its own (the quality floor test holds it to the
    seeds' bound), and no corpus quotes fewer answers first than without it. Writes the params with
    it and a table. (answer-v7 and v9 were chosen by the plain mean over the corpora, bounds fixed.)"""
    from rag import answer

    questions, probes = prepare(pairs)
    base, _ = answer.read_params(base_file)
    bound = {name: MAX_REFUSED if is_public(name) else SEED_MAX_REFUSED for name in probes}
    dev = [q for q in questions if q.fold == "dev"]
    if dev:
        bound[DEV_SET] = SEED_MAX_REFUSED
    table = {}
    for penalty in PENALTIES:
        params = json.loads(json.dumps(base))
        params["checks"].setdefault(check, {"bonus": 0.0, "penalty": 0.0})["penalty"] = float(penalty)
        answer.use_params(params)
        table[float(penalty)] = f = evaluate(questions, probes, params)
        if dev:
            f[DEV_SET] = {**figures(dev, {"seeds": f["seeds"]["threshold"]}), "threshold": f["seeds"]["threshold"]}

    # A corpus already past its bound without the penalty (a DRCD draw at 0.043) may not rise further:
    # otherwise no penalty is within bounds, and the choice falls to the one refusing the most.
    bound = {n: max(b, table[0.0][n]["answerable_refused"]) for n, b in bound.items()}
    weight = corpus_weights([n for n in probes if table[0.0][n]["unanswerable_refused"] is not None])

    def scored(penalty: float) -> tuple[bool, float]:
        """Within: every corpus within its bound, and none quoting fewer answers first than without the
        penalty (a confidence penalty is there to refuse unanswerable questions, not answered ones).
        Then the unanswerable questions refused, the seeds and the public draws weighing half each."""
        f = table[penalty]
        within = all(f[n]["answerable_refused"] <= bound[n] + 1e-9 for n in f) and all(
            f[n]["first_quote_correct"] >= table[0.0][n]["first_quote_correct"] - 1e-9 for n in f)
        return within, float(sum(w * f[n]["unanswerable_refused"] for n, w in weight.items()))

    chosen = max(table, key=lambda p: (*scored(p), -p))
    params = json.loads(json.dumps(base))
    params["checks"].setdefault(check, {"bonus": 0.0, "penalty": 0.0})["penalty"] = chosen
    answer.use_params(params)
    write_params(params, out, version, pairs, questions, probes, (
        f"{base_file} with the {check} check's penalty {chosen}, chosen by eval/fit_weights.py penalty: on a grid "
        f"0-{PENALTIES[-1]}, each corpus recalibrated on its own probes (share and gap weight kept), the penalty "
        f"refusing the most unanswerable questions (the seeds and the public draws weighing half each) with every "
        f"corpus, and the seeds' dev set alone, within its bound on answerable questions refused ({SEED_MAX_REFUSED} "
        f"seeds, {MAX_REFUSED} public draws, or a corpus's own figure without the penalty when higher) and no corpus "
        f"quoting fewer answers first than without it. Every other weight is the base's."),
        fitted_key=f"{check}_penalty_fitted_on", refit_default=False)
    lines = [f"# The {check} penalty ({base_file} otherwise), each corpus at its recalibrated threshold", "",
             "| penalty | " + " | ".join(f"{n} (bound {bound[n]:g})" for n in bound) + " | unanswerable refused, seeds and public draws half each |",
             "|---:|" + "---|" * len(bound) + "---:|"]
    for penalty, f in table.items():
        cells = [f"{f[n]['threshold']:.3f}: {f[n]['first_quote_correct']:.3f} / {f[n]['answerable_refused']:.3f} / "
                 f"{f[n]['unanswerable_refused']:.3f}" for n in bound]
        mark = " (chosen)" if penalty == chosen else ""
        lines.append(f"| {penalty:.2f}{mark} | " + " | ".join(cells) + f" | {scored(penalty)[1]:.3f} |")
    lines.append("\nCells: threshold: first quote right / answerable refused / unanswerable refused, in sample.")
    report.mkdir(parents=True, exist_ok=True)
    (report / f"penalty-{check}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return {"chosen": chosen, "table": table}


# The targets, met by each QA set on its own: (first quote at least, answerable refused at
# most, unanswerable refused at least), for the seed pages and for a public draw.
SEED_TARGETS = (0.85, SEED_MAX_REFUSED, 0.80)
PUBLIC_TARGETS = (0.90, MAX_REFUSED, 0.95)
KIND_WEIGHTS = tuple(np.round(np.arange(0.0, 0.301, 0.025), 3))
CALIBRATION_SHARES = (86.0, 88.0, 90.0, 92.0)  # kind --calibration: absent percentiles tried with each weight
CALIBRATION_GAPS = (0.18, 0.25, 0.3, 0.35, 0.4)  # and gap weights


def targets_met(f: dict, public: bool) -> int:
    """How many of the issue's three targets one set's figures meet."""
    fq, ar, ur = PUBLIC_TARGETS if public else SEED_TARGETS
    return sum((f["first_quote_correct"] >= fq - 1e-9, f["answerable_refused"] <= ar + 1e-9,
                f["unanswerable_refused"] is not None and f["unanswerable_refused"] >= ur - 1e-9))


def seed_set_figures(questions: list[Question], threshold: float) -> dict:
    """Each seeds QA set's figures at the seeds' threshold (the sets share one index)."""
    folds = dict.fromkeys(q.fold for q in questions if not is_public(q.index))
    return {fold: {**figures([q for q in questions if q.fold == fold], {"seeds": threshold}),
                   "threshold": round(threshold, 4)} for fold in folds}


def kind_tradeoff(pairs: list[tuple[str, str]], base_file: str, feature: str, out: Path, version: int,
                  report: Path, calibration: bool = False) -> dict:
    """One question kind's confidence weight (asks_<kind>) on a grid (weight_tradeoff)."""
    return weight_tradeoff(pairs, base_file, ("confidence", feature), out, version, report, calibration)


def bonus_tradeoff(pairs: list[tuple[str, str]], base_file: str, check: str, out: Path, version: int,
                   report: Path, field: str = "bonus") -> dict:
    """One check's score bonus (``field`` "bonus") on a grid (weight_tradeoff): it moves first quotes, and
    through the quote chosen, the confidence. Or its confidence penalty ("penalty"), on the same grid and
    by the same count of targets met."""
    return weight_tradeoff(pairs, base_file, ("checks", check, field), out, version, report)


def weight_tradeoff(pairs: list[tuple[str, str]], base_file: str, place: tuple[str, ...], out: Path, version: int,
                    report: Path, calibration: bool = False) -> dict:
    """One weight of the params (at ``place``: ("confidence", "asks_english") or ("checks", "means",
    "bonus")) on a grid, each corpus at its own recalibrated threshold: the weight under which the most
    of the issue's targets hold, each seeds QA set and each public draw counted on its own (a set is
    what the issue is checked on); on a tie, the weight nearest the base's. With ``calibration``, each
    weight with each of CALIBRATION_SHARES x CALIBRATION_GAPS as the calibration's absent percentile
    and gap weight (a feature that lowers the absent probes moves the threshold with them). Writes
    the params with it and a table."""
    from rag import answer

    questions, probes = prepare(pairs)
    base, _ = answer.read_params(base_file)
    *parents, key = place
    name = "_".join(place[1:])
    what = f"the confidence weight {place[1]}" if place[0] == "confidence" else f"the {place[1]} check's {'score' if key == 'bonus' else 'confidence'} {key}"

    def with_weight(weight: float) -> dict:
        params = json.loads(json.dumps(base))
        node = params
        for part in parents:
            node = node.setdefault(part, {"bonus": 0.0, "penalty": 0.0} if node is params.get("checks") else {})
        node[key] = float(weight)  # a check the base predates: bonus and penalty 0, as in every params file
        return params

    def weight_in(params: dict) -> float:
        node = params
        for part in place:
            node = node.get(part, {})
        return float(node or 0.0)  # {}: the base predates the weight

    seed_sets = list(dict.fromkeys(q.fold for q in questions if not is_public(q.index)))
    public = [n for n in probes if is_public(n)]
    start = (weight_in(base), float(base["calibration_absent_percentile"]), float(base.get("calibration_gap_weight", 0.0)))
    shares, gaps = (CALIBRATION_SHARES, CALIBRATION_GAPS) if calibration else ((start[1],), (start[2],))
    table, met = {}, {}
    for weight in KIND_WEIGHTS:
        for setting, f in calibrated_figures(questions, probes, with_weight(weight), shares, gaps).items():
            table[(float(weight), *setting)] = f
            met[(float(weight), *setting)] = sum(targets_met(f[n], n in public) for n in f if n != "seeds")
    chosen = max(table, key=lambda c: (met[c], -sum(abs(a - b) / scale for a, b, scale in zip(c, start, (1, 100, 1)))))
    params = with_weight(chosen[0])
    params.update(calibration_absent_percentile=chosen[1], calibration_gap_weight=chosen[2])
    also = (f", the calibration's absent percentile {chosen[1]:g} (was {start[1]:g}) and gap weight {chosen[2]:g} (was "
            f"{start[2]:g}) on a grid {shares} x {gaps}" if calibration else "")
    write_params(params, out, version, pairs, questions, probes, (
        f"{base_file} with {what} {chosen[0]} (was {start[0]}){also}, chosen by eval/fit_weights.py "
        f"{'kind' if place[0] == 'confidence' else 'bonus --field ' + key}{' --calibration' if calibration else ''}: "
        f"on a grid 0-{KIND_WEIGHTS[-1]}, each corpus recalibrated on its own probes, the setting under which the most "
        f"of the issue's targets hold ({met[chosen]} of {3 * (len(seed_sets) + len(public))}), each seeds QA set and each "
        f"public draw counted on its own (seeds: first quote >= {SEED_TARGETS[0]}, answerable refused <= "
        f"{SEED_TARGETS[1]}, unanswerable refused >= {SEED_TARGETS[2]}; public draws {PUBLIC_TARGETS}); on a tie the "
        f"setting nearest the base's. Every other weight is the base's."),
        fitted_key=f"{name}_fitted_on", refit_default=False)
    names = ["seeds"] + public
    lines = [f"# {what[0].upper()}{what[1:]} ({base_file} otherwise), each corpus at its recalibrated threshold",
             "", "| weight | absent percentile | gap weight | targets met | " + " | ".join(names) + " |",
             "|---:|---:|---:|---:|" + "---|" * len(names)]
    for setting, f in table.items():
        cells = [f"{f[n]['threshold']:.3f}: {f[n]['first_quote_correct']:.3f} / {f[n]['answerable_refused']:.3f} / "
                 f"{f[n]['unanswerable_refused']:.3f}" for n in names]
        mark = " (chosen)" if setting == chosen else ""
        lines.append(f"| {setting[0]:.3f}{mark} | {setting[1]:g} | {setting[2]:g} | {met[setting]} | " + " | ".join(cells) + " |")
    lines.append(f"\nTargets: each of {len(seed_sets)} seeds QA sets and {len(names) - 1} public draws, three each. "
                 "Cells: threshold: first quote right / answerable refused / unanswerable refused, in sample.")
    report.mkdir(parents=True, exist_ok=True)
    stem = f"kind-{place[1]}" if place[0] == "confidence" else f"{key}-{place[1]}"
    (report / f"{stem}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return {"chosen": chosen, "met": met, "table": table}


def calibrated_figures(questions: list[Question], probes: dict, params: dict, shares, gaps) -> dict:
    """evaluate's figures, and each seeds QA set's, per (absent percentile, gap weight) of the
    calibration: the questions and probes answered once with ``params``, the thresholds placed per setting."""
    from rag import answer
    from rag.calibration import threshold_of

    answer.use_params(params)
    rows = [(q, *answered(q)) for q in questions]
    sides = {name: tuple([answer.confidence(p.frame, p.cands) for p in side] for side in two) for name, two in probes.items()}
    folds = dict.fromkeys(q.fold for q, _, _ in rows if not is_public(q.index))
    out = {}
    for share in shares:
        for gap in gaps:
            t = {name: threshold_of(present, absent, share, gap)[0] for name, (present, absent) in sides.items()}
            f = {name: {**figures_of([r for r in rows if r[0].index == name], t), "threshold": round(t[name], 4)}
                 for name in t}
            f.update({fold: {**figures_of([r for r in rows if r[0].fold == fold], {"seeds": t["seeds"]}),
                             "threshold": round(t["seeds"], 4)} for fold in folds})
            out[(float(share), float(gap))] = f
    return out


def replay_figures(pairs: list[tuple[str, str]], params_file: str | None = None) -> dict:
    """The figures of the code and params as they stand (or of ``params_file``), replayed from the
    cache: each corpus at the threshold its own probes give, and each of the seeds' QA sets at the
    seeds' threshold. No model runs, so a rule change is measured on every dev set in minutes."""
    from rag import answer

    questions, probes = prepare(pairs)
    params = answer.read_params(params_file)[0] if params_file else answer.PARAMS
    result = evaluate(questions, probes, params)
    thresholds = probe_thresholds(probes, params["calibration_absent_percentile"])
    result.update(seed_set_figures(questions, thresholds["seeds"]))
    for name, f in result.items():
        print(f"{name:36s} {f['threshold']:.3f}: first quote {f['first_quote_correct']} / answerable refused "
              f"{f['answerable_refused']} / unanswerable refused {f['unanswerable_refused']} "
              f"({f['n_answerable']} + {f['n_unanswerable']})")
    return result


def params_step(sub, step: str, helps: str, base: str, version: int) -> argparse.ArgumentParser:
    """A step that writes a params file: the pairs it fits on, the params it starts from, the file and
    version it writes, and the folder of its report."""
    f = sub.add_parser(step, help=helps)
    f.add_argument("--pair", nargs=2, action="append", metavar=("INDEX", "QA_SET"), required=True)
    f.add_argument("--base", default=base, help="params file whose weights are replaced")
    f.add_argument("--out", type=Path, default=None, help="default: rag/params/answer-v<VERSION>.json")
    f.add_argument("--version", type=int, default=version)
    f.add_argument("--report", type=Path, default=ROOT / "eval" / "reports" / "weights")
    return f


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="step", required=True)
    c = sub.add_parser("cache", help="search every question once and keep what answering reads")
    c.add_argument("--pair", nargs=2, action="append", metavar=("INDEX", "QA_SET"), required=True)
    r = sub.add_parser("rows", help="answer the cached questions with the code as it stands")
    r.add_argument("--pair", nargs=2, action="append", metavar=("INDEX", "QA_SET"), required=True)
    r.add_argument("--out", type=Path, required=True, help="JSON lines, one row per question")
    r.add_argument("--params", default=None, help="a params file instead of the shipped one (a weight's grid, row by row)")
    for step, helps, base, version in (
            ("fit", "fit the weights, cross-validate, write the params file and a report", "answer-v0.json", 1),
            ("confidence", "refit the confidence weights and share only, score weights kept", "answer-v3.json", 4)):
        params_step(sub, step, helps, base, version)
    n = params_step(sub, "neighbours", "first quote against quote length per neighbour margin; write params",
                    "answer-v4.json", 5)
    n.add_argument("--margins", type=float, nargs="+", default=[0.0, 0.1, 0.15, 0.2, 0.25, 0.3])
    n.add_argument("--chosen", type=float, default=0.2)
    pe = params_step(sub, "penalty", "one check's penalty alone, each corpus recalibrated; write params",
                     "answer-v6.json", 7)
    pe.add_argument("--check", default="names_here")
    k = params_step(sub, "kind", "one confidence feature's weight (a question kind's, or another) on a grid, targets "
                    "met per set; write params", "answer-v16.json", 17)
    k.add_argument("--feature", default="asks_english", choices=EXTRA_FEATURES)
    k.add_argument("--calibration", action="store_true",
                   help="fit the calibration's absent percentile and gap weight with the weight")
    b = params_step(sub, "bonus", "one check's score bonus (or penalty) on a grid, targets met per set; write params",
                    "answer-v17.json", 18)
    b.add_argument("--check", default="means")
    b.add_argument("--field", default="bonus", choices=("bonus", "penalty"),
                   help="the check's score bonus, or the confidence penalty when it fails")
    fi = sub.add_parser("figures", help="the figures of the code as it stands, replayed from the cache")
    fi.add_argument("--pair", nargs=2, action="append", metavar=("INDEX", "QA_SET"), required=True)
    fi.add_argument("--params", default=None, help="a params file instead of the shipped one")
    args = p.parse_args()
    if getattr(args, "version", None) is not None and args.out is None:  # the file follows --version
        args.out = ROOT / "rag" / "params" / f"answer-v{args.version}.json"
    if args.step == "figures":
        replay_figures([tuple(x) for x in args.pair], args.params)
        return
    if args.step == "kind":
        kind_tradeoff([tuple(x) for x in args.pair], args.base, args.feature, args.out, args.version, args.report,
                      args.calibration)
        return
    if args.step == "bonus":
        bonus_tradeoff([tuple(x) for x in args.pair], args.base, args.check, args.out, args.version, args.report,
                       args.field)
        return
    if args.step == "penalty":
        penalty_tradeoff([tuple(x) for x in args.pair], args.base, args.check, args.out, args.version, args.report)
        return
    if args.step == "neighbours":
        neighbour_tradeoff([tuple(x) for x in args.pair], args.base, args.margins, args.chosen, args.out,
                           args.version, args.report)
        return
    if args.step in ("fit", "confidence"):
        run = fit if args.step == "fit" else refit_confidence
        run([tuple(x) for x in args.pair], args.base, args.out, args.version, args.report)
        return
    if args.step == "cache":
        for index, qa_set in args.pair:
            print(cache(Path(index), Path(qa_set)))
    elif args.step == "rows":
        if args.params:
            from rag import answer

            answer.use_params(*answer.read_params(args.params), file=args.params)
        with args.out.open("w", encoding="utf-8") as out:
            for index in dict.fromkeys(i for i, _ in args.pair):
                store = sentence_store(Path(index))
                for cached in [load_cached(cache_path(Path(i), Path(s))) for i, s in args.pair if i == index] \
                        + [load_cached(probes_path(Path(index)))]:
                    out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in answer_rows(cached, store))


if __name__ == "__main__":
    main()
