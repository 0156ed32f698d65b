"""Search through the public API on the tiny fixture index with the fake encoder."""
from __future__ import annotations

import pytest

import rag

from support import read_source


@pytest.mark.parametrize("mode", rag.MODES)
def test_every_hit_is_verbatim_at_its_offsets(mini_retriever, mini_corpus, mode):
    hits = mini_retriever.search("流动图书车行驶了多少公里", k=5, mode=mode)
    assert hits
    for h in hits:
        assert read_source(mini_corpus, h.source)[h.start:h.end] == h.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("mode", rag.MODES)
def test_the_right_article_comes_first(mini_retriever, mode):
    hit = mini_retriever.search("一网通办 政务服务中心 营业执照", k=3, mode=mode)[0]
    assert hit.title == "让数据多跑路" and hit.source == "page_b.txt"


def test_column_break_is_one_passage(mini_retriever):
    hit = mini_retriever.search("手机上办理营业执照", k=1)[0]
    assert "能办\n\n理营业执照" in hit.text


def test_keyword_mode_finds_nothing_for_unknown_words(mini_retriever):
    assert mini_retriever.search("zebra quantum", k=5, mode="keyword") == []


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "\x00\x01"])
def test_blank_query_is_refused(mini_retriever, query):
    with pytest.raises(rag.QueryError, match="empty"):
        mini_retriever.search(query)


@pytest.mark.parametrize("k", [0, -1, 101, 2.5, "5", True])
def test_k_out_of_range_is_refused(mini_retriever, k):
    with pytest.raises(rag.QueryError, match="between 1 and 100"):
        mini_retriever.search("图书", k=k)


def test_unknown_mode_is_refused(mini_retriever):
    with pytest.raises(rag.QueryError, match="hybrid"):
        mini_retriever.search("图书", mode="magic")


def test_k_larger_than_the_index_returns_what_there_is(mini_retriever):
    assert len(mini_retriever.search("图书", k=100)) <= len(mini_retriever)


@pytest.mark.parametrize("query", ["图" * 100_000, "🙂🙂 emoji", "!!!???。。。", "Ω≈ç√ mixed 中文 текст"])
def test_odd_queries_return_without_error(mini_retriever, query):
    assert isinstance(mini_retriever.search(query, k=3), list)


def test_answer_quotes_are_verbatim_sentences(mini_retriever, mini_corpus):
    ans = mini_retriever.answer("流动图书车借出了多少册图书?")
    assert ans.quotes
    for q in ans.quotes:
        assert read_source(mini_corpus, q.source)[q.start:q.end] == q.text
    assert len({q.text for q in ans.quotes}) == len(ans.quotes)


@pytest.mark.parametrize("query", ["网格员培训", "群众办事少跑腿", "宣传册"])
def test_a_dense_candidate_scores_as_well_as_its_best_sentence(mini_retriever, query):
    r = mini_retriever
    vector = r.encoder.encode_queries([query])[0]
    plain = r.score(query, vector, "dense", 10, by_best_sentence=False)
    best = r.score(query, vector, "dense", 10)
    assert set(best) == set(plain)
    for pid, cosine in plain.items():
        p = r.data.passages[pid]
        sentences = r.sentences.within(p.source, p.start, p.end)
        top = float((r.sentences.vectors.vectors(sentences) @ vector).max()) if sentences else cosine
        assert best[pid] == pytest.approx(max(cosine, top))


def test_answers_rank_passages_by_their_own_vectors(mini_retriever):
    """A sentence's cosine is already its own feature in an answer; ranking its passage by it too would count
    it twice, so the answer's passages are the plain fusion's."""
    from rag.filters import Filters

    r, question = mini_retriever, "群众办事少跑腿"
    vector = r.encoder.encode_queries([question])[0]
    plain = [(h.source, h.start) for h in r._search(question, vector, "hybrid", 5, Filters(), by_best_sentence=False)]
    assert [(h.source, h.start) for h in r.search(question)] != plain  # the question tells the two apart
    assert [(h.source, h.start) for h in r.answer(question).hits] == plain


def test_a_message_of_two_questions_gets_the_most_confident_answer_of_it_and_its_parts(mini_retriever):
    parts = ["锡林郭勒盟的流动图书车借出了多少册图书?", "包头市的网格员培训班有多少名网格员参加?"]
    whole = mini_retriever.answer("".join(parts), min_confidence=float("-inf"))
    alone = [mini_retriever.answer(p, min_confidence=float("-inf")) for p in parts]
    assert whole.question == "".join(parts)
    assert whole.confidence >= max(a.confidence for a in alone)
    for a in alone:
        if a.confidence == whole.confidence:
            assert whole.quotes == a.quotes


def test_a_part_that_names_nothing_is_not_asked_alone(mini_retriever, monkeypatch):
    asked = []
    read_query = mini_retriever.read_query
    monkeypatch.setattr(mini_retriever, "read_query", lambda q: asked.append(q) or read_query(q))
    mini_retriever.answer("锡林郭勒盟的流动图书车借出了多少册图书?一共有多少人参加?")
    assert asked == ["锡林郭勒盟的流动图书车借出了多少册图书?一共有多少人参加?", "锡林郭勒盟的流动图书车借出了多少册图书?"]


def test_a_message_longer_than_the_model_reads_is_asked_whole(mini_retriever, monkeypatch):
    asked = []
    read_query = mini_retriever.read_query
    monkeypatch.setattr(mini_retriever, "read_query", lambda q: asked.append(q) or read_query(q))
    pasted = "锡林郭勒盟的流动图书车借出了多少册图书?" + "包头市的网格员培训班有多少名网格员参加?" * 40
    assert read_query(pasted).shortened
    mini_retriever.answer(pasted)
    assert asked == [pasted]
