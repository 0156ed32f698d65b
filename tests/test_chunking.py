"""Passages and sentences are verbatim slices; runs break at gaps; attributions stay with their quote."""
from __future__ import annotations

from rag.chunking import ChunkingParams, article_sentences, chunk_article, contiguous_runs
from rag.types import Article

PAGE = ("标题\n\n第一段说了一件事。还有第二句话,写得比较长一些。\n\n第二段接着\n\n写完。\n\n重复段。\n\n"
        "“这对吸引人才有很大作用。”书记张得明说。同时还建立了制度。")


def spans_of(*pieces: str) -> tuple[tuple[int, int], ...]:
    return tuple((PAGE.index(p), PAGE.index(p) + len(p)) for p in pieces)


ARTICLE = Article("p.txt", "标题", paragraphs=spans_of("第一段说了一件事。还有第二句话,写得比较长一些。", "第二段接着\n\n写完。",
                                                      "“这对吸引人才有很大作用。”书记张得明说。同时还建立了制度。"))


def test_runs_merge_adjacent_paragraphs_and_break_at_a_skipped_one():
    runs = contiguous_runs(PAGE, ARTICLE.paragraphs)
    assert len(runs) == 2  # "重复段。" lies between the second and third paragraph
    assert PAGE[runs[0][0]:runs[0][1]].endswith("写完。")


def test_passages_are_verbatim_and_small():
    passages = chunk_article(ARTICLE, PAGE, ChunkingParams(size=20, overlap=5))
    assert len(passages) > 2
    for p in passages:
        assert PAGE[p.start:p.end] == p.text and len(p.text) <= 20 and p.title == "标题"


def test_sentences_keep_column_breaks_inside_and_attributions_with_their_quote():
    texts = [s.text for s in article_sentences(ARTICLE, PAGE)]
    assert "第二段接着\n\n写完。" in texts
    assert "“这对吸引人才有很大作用。”书记张得明说。" in texts
    assert "同时还建立了制度。" in texts
