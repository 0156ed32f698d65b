"""An index served from Milvus (rag/milvus.py) answers as the local build does.

milvus-lite (an in-process Milvus with a local file URI) stands in for the server; with MILVUS_URI
set, the tests marked ``milvus_server`` run the same build against a real server.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

import rag  # noqa: E402
from rag import milvus  # noqa: E402
from rag.build import build_index  # noqa: E402
from rag.errors import RagError  # noqa: E402
from rag.index import load_index, update_manifest  # noqa: E402
from rag.testing import FakeEncoder  # noqa: E402
from tests.support import free_port  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
# Dated articles (the mini pages are undated), so date filters have something to keep and to leave out.
DATED = [{"title": f"网格员{year}年工作", "date": date,
          "text": f"{year}年，网格员走访社区居民{n}户，帮助群众办理图书借阅和政务服务事项。网格员说，群众满意是最大的心愿。"}
         for year, date, n in ((2021, "2021-03-05", 120), (2022, "2022-07-01", 260), (2023, "2023-11-20", 310))]
QUERIES = ["网格员", "流动图书车借出多少图书?", "呼和浩特市政务服务中心", "冬季防火宣传册", "牧民看书"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The mini corpus built once locally and once served from milvus-lite."""
    root = tmp_path_factory.mktemp("milvus")
    corpus = Path(shutil.copytree(FIXTURES / "mini_corpus", root / "corpus"))
    (corpus / "dated.jsonl").write_text("".join(json.dumps(article, ensure_ascii=False) + "\n" for article in DATED),
                                        encoding="utf-8")
    encoder = FakeEncoder(64)
    build_index(corpus, root / "local", encoder)
    uri = str(root / "milvus.db")
    build_index(corpus, root / "served", encoder, backend={"kind": "milvus", "uri": uri})
    return {"root": root, "corpus": corpus, "encoder": encoder, "uri": uri,
            "local": rag.Retriever.load(root / "local", encoder=encoder),
            "served": rag.Retriever.load(root / "served", encoder=encoder)}


def file_text(corpus: Path, source: str) -> str:
    """The text citations index into: the page as the corpus reader gives it (a .jsonl file's articles
    are laid out one after another)."""
    from rag.corpus import read_file

    return read_file(corpus / source, source)[0].text


def test_manifest_names_the_collections_and_milvus_serves(built):
    served = built["served"]
    backend = served.data.manifest["backend"]
    assert backend["kind"] == "milvus" and backend["uri"] == built["uri"]
    assert set(backend["collections"]) == {"passages", "sentences", "vocab"}
    assert isinstance(served.data.dense, milvus.MilvusDense)
    assert isinstance(served.data.sparse, milvus.MilvusSparse)
    assert isinstance(served.data.passages, milvus.MilvusTable)
    assert isinstance(served.data.store, milvus.MilvusStore)
    assert list(served.data.passages) == list(built["local"].data.passages)
    assert list(served.data.sentences) == list(built["local"].data.sentences)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_search_equals_the_local_build(built, mode):
    for query in QUERIES:
        local = built["local"].search(query, k=4, mode=mode)
        served = built["served"].search(query, k=4, mode=mode)
        assert [(h.source, h.start, h.end) for h in served] == [(h.source, h.start, h.end) for h in local], query
        for a, b in zip(served, local):
            assert a.score == pytest.approx(b.score, abs=1e-4)
            assert file_text(built["corpus"], a.source)[a.start:a.end] == a.text


def test_keyword_scores_are_the_local_bm25(built):
    """Milvus's jieba BM25 over the normalised text gives the local tokens and scores."""
    for query in QUERIES:
        local, local_cover = built["local"].data.sparse.search(query, 10)
        served, served_cover = built["served"].data.sparse.search(query, 10)
        assert served_cover == local_cover
        assert served.keys() == local.keys(), query
        for pid, score in local.items():
            assert served[pid] == pytest.approx(score, rel=1e-4)


def test_answers_equal_the_local_build_and_quote_verbatim(built):
    for question in QUERIES:
        local = built["local"].answer(question)
        served = built["served"].answer(question)
        assert [(q.source, q.start, q.end) for q in served.quotes] == [(q.source, q.start, q.end) for q in local.quotes]
        assert served.confidence == pytest.approx(local.confidence, abs=1e-4)
        for q in served.quotes:
            assert file_text(built["corpus"], q.source)[q.start:q.end] == q.text


def test_sentences_within_every_passage_match(built):
    local, served = built["local"].data.store, built["served"].data.store
    for p in built["local"].data.passages:
        assert served.sentences_within(p.source, p.start, p.end) == local.sentences_within(p.source, p.start, p.end)
    spans = [(p.source, p.start, p.end) for p in built["local"].data.passages]
    assert served.sentences_within_many(spans) == local.sentences_within_many(spans)
    assert served.passages_per_source() == local.passages_per_source()
    every = list(range(len(built["local"].data.sentences)))
    assert served.gaps_before(every) == local.gaps_before(every) != {}  # the paragraph breaks a quote may cross


def test_filters_give_the_local_results(built):
    columns = built["local"].columns
    sections = sorted(set(columns.section.tolist()) - {""})
    cases = [{"sources": ["page_b.txt"]}, {"sources": ["page_a.txt"]}, {"section": sections[0]},
             {"since": "2020"}, {"since": "2022"}, {"until": "2022-07"}, {"since": "2021-03-06", "until": "2023"},
             {"until": "2021"}, {"since": "2024"}, {"sources": ["dated.jsonl", "page_a.txt"], "since": "2022-07-01"}]
    for filters in cases:
        for mode in ("hybrid", "dense", "keyword"):
            local = built["local"].search("网格员 图书", k=4, mode=mode, **filters)
            served = built["served"].search("网格员 图书", k=4, mode=mode, **filters)
            assert [(h.source, h.start) for h in served] == [(h.source, h.start) for h in local], (filters, mode)
    assert built["served"].search("网格员", k=4, sources=["page_b.txt"]) and all(
        h.source == "page_b.txt" for h in built["served"].search("网格员", k=4, sources=["page_b.txt"]))


def test_date_filters_keep_the_dates_asked_for(built):
    for filters, dates in (({"since": "2022"}, {"2022-07-01", "2023-11-20"}), ({"until": "2022-07"}, {"2021-03-05", "2022-07-01"}),
                           ({"since": "2021-03-06", "until": "2023"}, {"2022-07-01", "2023-11-20"}), ({"since": "2024"}, set())):
        for side in ("local", "served"):
            assert {h.date for h in built[side].search("网格员 社区居民", k=10, **filters)} == dates, (side, filters)


def test_served_filters_never_read_every_passage_back(built, monkeypatch):
    """Milvus applies the filters itself: no mask over the passages, no id list, nothing fetched per passage."""
    served = rag.Retriever.load(built["root"] / "served", encoder=built["encoder"])
    monkeypatch.setattr(milvus.MilvusStore, "passage_fields", lambda self: pytest.fail("read every passage back"))
    assert all(h.source == "dated.jsonl" for h in served.search("网格员", k=4, sources=["dated.jsonl"], since="2022"))
    with pytest.raises(rag.QueryError, match="no section named 体育 in this index; known: .*广角"):
        served.search("网格员", section="体育")
    with pytest.raises(rag.QueryError, match="no source named nowhere.txt"):
        served.search("网格员", sources=["nowhere.txt"])


def test_filter_expressions_quote_what_they_are_given():
    from rag.filters import Filters

    expr = Filters.of(sources=['a "b".txt', "报纸.txt"], since="2021-03", until="2022", section="要闻").expression()
    assert expr == ('source in ["a \\"b\\".txt", "报纸.txt"] and section == "要闻" and date != "" '
                    'and date >= "2021-03" and date <= "2022-99-99"')


def test_id_filter_is_exact():
    import numpy as np

    for ids in ([3], [0, 1, 2, 7, 8], list(range(0, 400, 3))):
        expr = milvus.id_filter(np.array(ids))
        admitted = [i for i in range(500) if eval(expr, {"id": i})]  # Milvus's syntax is Python's here
        assert admitted == sorted(ids)


def test_unreachable_server_is_a_rag_error_naming_it(built, monkeypatch, tmp_path):
    monkeypatch.setattr(milvus, "CONNECT_TIMEOUT", 1.0)
    uri = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RagError, match=uri.replace(".", r"\.")):
        build_index(built["corpus"], tmp_path / "idx", built["encoder"], backend={"kind": "milvus", "uri": uri})
    assert not list(tmp_path.iterdir()), "refused before a build folder was made, let alone embedded"
    index = Path(shutil.copytree(built["root"] / "served", tmp_path / "moved", symlinks=False))
    update_manifest(index, backend={**json.loads((index / "manifest.json").read_text())["backend"], "uri": uri})
    with pytest.raises(RagError, match="unreachable") as raised:
        rag.Retriever.load(index, encoder=built["encoder"])
    assert uri in str(raised.value) and "--milvus-uri" in str(raised.value)


def test_missing_collection_is_a_rag_error(built, tmp_path):
    index = Path(shutil.copytree(built["root"] / "served", tmp_path / "copy", symlinks=False))
    backend = json.loads((index / "manifest.json").read_text())["backend"]
    update_manifest(index, backend={**backend, "collections": {**backend["collections"], "passages": "rag_gone"}})
    with pytest.raises(RagError, match="no collection 'rag_gone'"):
        load_index(index)


def test_rebuilds_keep_milvus_reuse_vectors_and_retire_old_collections(tmp_path):
    corpus = Path(shutil.copytree(FIXTURES / "mini_corpus", tmp_path / "corpus"))
    encoder, uri = FakeEncoder(64), str(tmp_path / "m.db")
    client = milvus.connect(uri)

    def exists(data) -> list[bool]:
        return [client.has_collection(name) for name in data.manifest["backend"]["collections"].values()]

    first = build_index(corpus, tmp_path / "idx", encoder, backend={"kind": "milvus", "uri": uri,
                                                                    "collection": "mini"})
    second = build_index(corpus, tmp_path / "idx", encoder)  # no backend asked: keeps Milvus
    assert second.manifest["backend"]["kind"] == "milvus" and second.manifest["build"]["embedded"] == 0
    assert all(name.startswith("mini_") for name in second.manifest["backend"]["collections"].values())
    assert all(exists(first)), "a process may still serve the replaced index: kept one more build"
    third = build_index(corpus, tmp_path / "idx", encoder)
    assert not any(exists(first)) and all(exists(second)) and all(exists(third))
    local = build_index(corpus, tmp_path / "idx", encoder, backend={"kind": "local"})
    assert not any(exists(second)) and not any(exists(third))
    assert "backend" not in local.manifest and not isinstance(load_index(tmp_path / "idx").dense, milvus.MilvusDense)


def test_cli_builds_and_searches_a_milvus_index(tmp_path, monkeypatch, capsys):
    from rag.cli import main

    corpus = Path(shutil.copytree(FIXTURES / "mini_corpus", tmp_path / "corpus"))
    index = tmp_path / "idx"
    assert main(["index", "build", "--corpus", str(corpus), "--index", str(index), "--model", "fake-64",
                 "--backend", "milvus", "--milvus-uri", str(tmp_path / "m.db")]) == 0
    monkeypatch.setenv("RAG_INDEX", str(index))
    assert main(["search", "网格员", "--k", "1"]) == 0
    assert "page_a.txt" in capsys.readouterr().out
    assert main(["index", "build", "--corpus", str(corpus), "--index", str(index), "--model", "fake-64",
                 "--milvus-uri", "x.db"]) == 2
    assert "--backend milvus" in capsys.readouterr().err


@pytest.mark.milvus_server
@pytest.mark.skipif(not os.environ.get("MILVUS_URI"), reason="MILVUS_URI names no Milvus server")
def test_a_real_server_serves_as_the_local_build(tmp_path):
    corpus = Path(shutil.copytree(FIXTURES / "mini_corpus", tmp_path / "corpus"))
    encoder = FakeEncoder(64)
    build_index(corpus, tmp_path / "local", encoder)
    data = build_index(corpus, tmp_path / "served", encoder,
                       backend={"kind": "milvus", "uri": os.environ["MILVUS_URI"], "collection": "rag_test"})
    try:
        local = rag.Retriever.load(tmp_path / "local", encoder=encoder)
        served = rag.Retriever.load(tmp_path / "served", encoder=encoder)
        for query in QUERIES:
            for mode in ("hybrid", "dense", "keyword"):
                assert ([(h.source, h.start) for h in served.search(query, mode=mode)]
                        == [(h.source, h.start) for h in local.search(query, mode=mode)])
    finally:
        milvus.drop(os.environ["MILVUS_URI"], data.manifest["backend"])
