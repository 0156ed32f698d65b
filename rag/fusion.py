"""Pure functions that merge rankings. Input and output: {id: score}, higher is better."""
from __future__ import annotations


def ranked(scores: dict[int, float]) -> list[tuple[int, float]]:
    """Best first; ties broken by id so results are deterministic."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def max_normalized(scores: dict[int, float]) -> dict[int, float]:
    """Scale so the best is 1; keyword scores have no fixed range."""
    top = max(scores.values(), default=0.0)
    return {d: s / top for d, s in scores.items()} if top > 0 else {}


def weighted(dense: dict[int, float], sparse: dict[int, float], sparse_weight: float, coverage: float) -> dict[int, float]:
    """Cosine plus weighted, max-normalised BM25.

    The keyword weight shrinks with the share of query tokens the corpus knows, so
    an English question against a Chinese keyword index (coverage ~0) is ranked by
    the dense side alone instead of by a few accidental matches.
    """
    weight = sparse_weight * coverage
    sparse_norm = max_normalized(sparse)
    floor = min(dense.values(), default=0.0)  # a passage only BM25 found gets the weakest dense score
    return {d: dense.get(d, floor) + weight * sparse_norm.get(d, 0.0) for d in set(dense) | set(sparse_norm)}
