"""The Ray build (rag/distributed.py) writes the local build's index: same passages, sentences, keys
and, with the deterministic fake encoder, the same vectors; incremental reuse works across engines."""
from __future__ import annotations

import shutil
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray.data", reason="the [ray] extra is not installed")

import rag
from rag.build import build_index
from rag.cli import main
from rag.distributed import build_index_ray, check_reachable, ray_session
from rag.errors import CorpusError, RagError
from rag.index import load_index, read_keys
from rag.testing import FakeEncoder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "eval"))
import bench_scale  # noqa: E402  (make_archive, sentence_pool)

FIXTURES = Path(__file__).parent / "fixtures"
# Ray Data's own context reads its deprecated settings; nothing here sets them.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray (2 CPUs) for the module: start-up takes seconds."""
    with ray_session(num_cpus=2):
        yield


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """300 synthetic articles of real sentences in 3 .jsonl files."""
    folder = tmp_path_factory.mktemp("archive")
    pool = bench_scale.sentence_pool()
    saved, bench_scale.ARTICLES_PER_FILE = bench_scale.ARTICLES_PER_FILE, 100
    try:
        bench_scale.make_archive(folder, 300, pool, seed=3)
    finally:
        bench_scale.ARTICLES_PER_FILE = saved
    return folder


def assert_same_index(local_dir: Path, ray_dir: Path) -> None:
    local, ray = load_index(local_dir), load_index(ray_dir)
    assert len(ray.passages) == len(local.passages) > 0
    assert list(ray.passages) == list(local.passages)  # text, offsets, title, section, date, source
    assert list(ray.sentences) == list(local.sentences)
    for table, keys in read_keys(local_dir.resolve()).items():
        assert np.array_equal(read_keys(ray_dir.resolve())[table], keys), table
    ids = np.arange(len(local.passages))
    np.testing.assert_allclose(ray.dense.vectors(ids), local.dense.vectors(ids), atol=1e-3)
    sids = np.arange(len(local.sentences))
    np.testing.assert_allclose(ray.sentence_dense.vectors(sids), local.sentence_dense.vectors(sids), atol=1e-5)
    assert ray.manifest["corpus"] == local.manifest["corpus"]
    assert ray.manifest["model"] == local.manifest["model"]
    assert ray.manifest["passages"] == local.manifest["passages"]


def test_mini_corpus_same_index_as_local_build(local_ray, tmp_path):
    corpus = Path(shutil.copytree(FIXTURES / "mini_corpus", tmp_path / "corpus"))
    (corpus / "empty.txt").write_text("", encoding="utf-8")  # skipped by both, with the same warning
    warnings: dict[str, list[str]] = {"local": [], "ray": []}
    build_index(corpus, tmp_path / "local", FakeEncoder(64), warn=warnings["local"].append)
    build_index_ray(corpus, tmp_path / "ray", FakeEncoder(64), warn=warnings["ray"].append, workers=2)
    assert warnings["ray"] == warnings["local"] and "empty.txt" in warnings["ray"][0]
    assert_same_index(tmp_path / "local", tmp_path / "ray")
    local = rag.Retriever.load(tmp_path / "local", encoder=FakeEncoder(64))
    ray = rag.Retriever.load(tmp_path / "ray", encoder=FakeEncoder(64))
    for query in ("网格员培训", "群众办事少跑腿"):
        assert ([(h.source, h.start, h.end) for h in ray.search(query, k=5)]
                == [(h.source, h.start, h.end) for h in local.search(query, k=5)])


def test_synthetic_archive_same_index_with_one_and_two_workers(local_ray, archive, tmp_path):
    build_index(archive, tmp_path / "local", FakeEncoder(64), calibrate=False)
    for workers in (1, 2):
        data = build_index_ray(archive, tmp_path / f"ray{workers}", FakeEncoder(64), calibrate=False, workers=workers)
        assert data.manifest["build"]["reused"] == 0
        assert_same_index(tmp_path / "local", tmp_path / f"ray{workers}")


def test_incremental_reuse_across_engines(local_ray, archive, tmp_path):
    """A Ray build over a local index reuses every vector; after an edit it re-embeds only the edited
    texts and gives what a local incremental build gives (kept quantisers included)."""
    corpus = Path(shutil.copytree(archive, tmp_path / "corpus"))
    for index in ("local", "ray"):  # the same history for both: a small index's quantiser is retrained
        first = build_index(corpus, tmp_path / index, FakeEncoder(64), calibrate=False)
    build_index(corpus, tmp_path / "local", FakeEncoder(64), calibrate=False)
    again = build_index_ray(corpus, tmp_path / "ray", FakeEncoder(64), calibrate=False)
    pooled = first.manifest["build"]["pooled"]
    assert again.manifest["build"] == {"embedded": 0, "reused": len(first.passages) + len(first.sentences) - pooled,
                                       "pooled": pooled}
    assert_same_index(tmp_path / "local", tmp_path / "ray")
    path = sorted(corpus.glob("*.jsonl"))[1]
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace('"text": "', '"text": "编者按：本文有更正。', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    local = build_index(corpus, tmp_path / "local", FakeEncoder(64), calibrate=False)
    edited = build_index_ray(corpus, tmp_path / "ray", FakeEncoder(64), calibrate=False)
    assert edited.manifest["build"] == local.manifest["build"]
    assert 0 < edited.manifest["build"]["embedded"] < 20
    assert_same_index(tmp_path / "local", tmp_path / "ray")


def test_cli_engine_ray(local_ray, tmp_path, capsys):
    code = main(["index", "build", "--engine", "ray", "--ray-workers", "1", "--model", "fake-64",
                 "--corpus", str(FIXTURES / "mini_corpus"), "--index", str(tmp_path / "idx")])
    assert code == 0, capsys.readouterr().err
    assert "built" in capsys.readouterr().out
    assert load_index(tmp_path / "idx").manifest["model"]["name"] == "fake-64"


def test_missing_ray_is_a_rag_error_naming_the_fix(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(RagError, match=r"pip install -e '\.\[ray\]'"):
        build_index_ray(FIXTURES / "mini_corpus", tmp_path / "idx", FakeEncoder(64))
    assert not (tmp_path / "idx").exists()


def test_workers_below_one_is_a_rag_error(local_ray, tmp_path):
    with pytest.raises(RagError, match="--ray-workers"):
        build_index_ray(FIXTURES / "mini_corpus", tmp_path / "idx", FakeEncoder(64), workers=0)


def test_unreachable_address_is_a_rag_error_naming_it(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RagError, match=rf"no Ray head answers at 127\.0\.0\.1:{port}.*ray start --head"):
        check_reachable(f"127.0.0.1:{port}")


def test_ray_address_without_engine_ray_is_refused(tmp_path, capsys):
    code = main(["index", "build", "--ray-address", "127.0.0.1:6379", "--model", "fake-64",
                 "--corpus", str(FIXTURES / "mini_corpus"), "--index", str(tmp_path / "idx")])
    assert code == 2 and "--ray-address needs --engine ray" in capsys.readouterr().err


def test_corpus_without_usable_file_is_the_same_error_as_local(local_ray, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(CorpusError) as local:
        build_index(corpus, tmp_path / "local", FakeEncoder(64))
    with pytest.raises(CorpusError) as ray:
        build_index_ray(corpus, tmp_path / "ray", FakeEncoder(64))
    assert str(ray.value) == str(local.value) and "empty.txt" in str(ray.value)
    assert not (tmp_path / "ray").exists() and not list(tmp_path.glob(".ray.*"))  # the build folder is gone
