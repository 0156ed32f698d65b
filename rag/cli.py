"""The `rag` command: build indexes, search, ask, fetch models."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import models
from .errors import RagError
from .retriever import DEFAULT_MODE, MAX_K, MODES, default_corpus_dir, default_index_dir
from .util import progress_bar


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except RagError as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rag", description="Cited search and quoted answers over a news archive.")
    sub = top.add_subparsers(required=True, metavar="COMMAND")

    index = sub.add_parser("index", help="build or inspect an index").add_subparsers(required=True, metavar="ACTION")
    build = index.add_parser("build", help="build an index from a corpus folder")
    build.add_argument("--corpus", type=Path, default=None, help="folder of pages (default: seeds/)")
    build.add_argument("--index", type=Path, default=None, help="index folder (default: indexes/default)")
    build.add_argument("--model", default=models.DEFAULT_MODEL, help=f"one of {', '.join(models.REGISTRY)}")
    build.add_argument("--chunk-size", type=int, default=None, help="passage size in characters")
    build.add_argument("--chunk-overlap", type=int, default=None, help="overlap between passages in characters")
    build.add_argument("--if-stale", action="store_true", help="do nothing when the index is complete and fresh")
    build.add_argument("--backend", choices=("local", "milvus"), default=None,
                       help="serve the index from its folder (local) or from Milvus (default: as the index it replaces)")
    build.add_argument("--milvus-uri", default=None, help="Milvus server (http://host:19530) or milvus-lite file (x.db)")
    build.add_argument("--milvus-collection", default=None,
                       help="prefix of the index's Milvus collections (default: rag_<index folder name>)")
    build.add_argument("--passage-vectors", choices=("pooled", "encoded"), default=None,
                       help="pooled from their sentences' vectors (1.7x cheaper to build) or encoded (the top "
                            "passage right more often); default: what the index being replaced used, else pooled")
    build.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="ray: parse and embed as Ray Data stages (pip install -e '.[ray]')")
    build.add_argument("--ray-address", default=None, metavar="ADDR",
                       help="with --engine ray: a running cluster's head (HOST:6379); default a local Ray")
    build.add_argument("--ray-workers", type=int, default=2, metavar="N",
                       help="with --engine ray: encoder actors, each loading the model once (default 2)")
    build.add_argument("--device", default=None, help="auto (default: cuda when torch sees a GPU, else cpu), cpu or "
                       "cuda[:N]; also RAG_DEVICE. The backend is RAG_BACKEND: auto, torch or openvino")
    build.set_defaults(run=cmd_index_build)
    add = index.add_parser("add", help="copy files into an index's corpus folder and update the index")
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".txt, .md, .html, .htm or .jsonl files")
    add.add_argument("--index", type=Path, default=None, help="index folder (default: indexes/default)")
    add.add_argument("--replace", action="store_true", help="overwrite corpus files of the same name")
    add.set_defaults(run=cmd_index_add)
    remove = index.add_parser("remove", help="delete files from an index's corpus folder and update the index")
    remove.add_argument("sources", nargs="+", metavar="SOURCE", help="file names as cited, e.g. page_a.txt")
    remove.add_argument("--index", type=Path, default=None, help="index folder (default: indexes/default)")
    remove.set_defaults(run=cmd_index_remove)
    calibrate = index.add_parser("calibrate", help="fit the refusal threshold to an index's corpus again")
    calibrate.add_argument("--index", type=Path, default=None, help="index folder (default: indexes/default)")
    calibrate.set_defaults(run=cmd_index_calibrate)
    status = index.add_parser("status", help="say whether an index is present and fresh")
    status.add_argument("--index", type=Path, default=None)
    status.set_defaults(run=cmd_index_status)
    verify = index.add_parser("verify", help="hash every part of an index in full (loading checks large parts "
                                             "by size and their first and last MiB)")
    verify.add_argument("--index", type=Path, default=None)
    verify.set_defaults(run=cmd_index_verify)

    search = sub.add_parser("search", help="the most relevant passages, with citations")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=5, help=f"number of hits, 1-{MAX_K}")
    search.add_argument("--mode", choices=MODES, default=DEFAULT_MODE)
    add_common(search)
    search.set_defaults(run=cmd_search)

    ask = sub.add_parser("ask", help="quoted extracts that answer a question")
    ask.add_argument("question")
    add_common(ask)
    ask.set_defaults(run=cmd_ask)

    from .evaluation import CONFIGS

    ev = sub.add_parser("eval", help="evaluate retrieval on a QA set; writes report.json/.md/.png")
    ev.add_argument("--set", dest="sets", nargs="+", action="extend", type=Path, default=None, metavar="FILE",
                    help="QA set(s), JSON lines (default: eval/dev.jsonl)")
    ev.add_argument("--out", type=Path, default=None, metavar="DIR",
                    help="report folder (default: eval/reports/latest)")
    ev.add_argument("--config", dest="configs", nargs="+", default=None, choices=list(CONFIGS), metavar="NAME",
                    help="configurations to compare (default: all): " + ", ".join(CONFIGS))
    ev.add_argument("--k-max", type=int, default=10, help="hits retrieved per question (5-100)")
    ev.add_argument("--squad", type=Path, default=None, metavar="FILE",
                    help="a SQuAD-format file (SQuAD, DRCD...): index its contexts and ask its questions")
    ev.add_argument("--articles", type=int, default=100, help="with --squad: articles indexed (default 100)")
    ev.add_argument("--absent", type=int, default=50,
                    help="with --squad: further articles left out, whose questions the index cannot answer (default 50)")
    ev.add_argument("--seed", type=int, default=0, help="with --squad: which articles are drawn")
    ev.add_argument("--work", type=Path, default=None, metavar="DIR",
                    help="with --squad: folder for its corpus and index (default indexes/squad/...)")
    ev.set_defaults(run=cmd_eval)

    mdl = sub.add_parser("models", help="fetch and verify embedding models").add_subparsers(required=True, metavar="ACTION")
    fetch = mdl.add_parser("fetch", help="download, assemble and verify models into the cache")
    fetch.add_argument("names", nargs="*", default=list(models.REGISTRY))
    fetch.set_defaults(run=cmd_models_fetch)
    verify = mdl.add_parser("verify", help="re-check the sha256 of every cached model file")
    verify.add_argument("names", nargs="*", default=list(models.REGISTRY))
    verify.set_defaults(run=cmd_models_verify)
    return top


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, default=None, help="index folder (default: indexes/default)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument("--source", dest="sources", action="append", default=None, metavar="NAME",
                   help="only passages of this file, as cited (repeatable)")
    p.add_argument("--since", default=None, metavar="DATE", help="only articles dated on or after DATE (YYYY-MM-DD)")
    p.add_argument("--until", default=None, metavar="DATE", help="only articles dated on or before DATE (YYYY-MM-DD)")
    p.add_argument("--section", default=None, metavar="NAME", help="only passages of this page section, e.g. 广角")


def filters_of(args: argparse.Namespace) -> dict:
    return {"sources": args.sources, "since": args.since, "until": args.until, "section": args.section}


def cited(item) -> str:
    """“title (file start-end, date)” for a hit or quote."""
    date = f", {item.date}" if item.date else ""
    return f"{item.title} ({item.source} {item.start}-{item.end}{date})"


def cmd_index_build(args: argparse.Namespace) -> int:
    from .build import build_index
    from .chunking import ChunkingParams
    from .embed import prepare_encoder
    from .update import finish_interrupted

    if args.engine != "ray" and args.ray_address:
        raise RagError("--ray-address needs --engine ray; add it, or leave --ray-address out")
    corpus = args.corpus or default_corpus_dir()
    index_dir = args.index or default_index_dir()
    finish_interrupted(Path(corpus))  # an add/remove killed after saving its index: put its files in place
    params = ChunkingParams(**{k: v for k, v in (("size", args.chunk_size), ("overlap", args.chunk_overlap)) if v})
    if args.if_stale and index_is_current(index_dir, corpus, args.model, params, args.device):
        print(f"index {index_dir} is up to date")
        return 0
    backend = backend_arg(args)
    encoder = prepare_encoder(args.model, log=print_stderr, device=args.device)
    with progress_bar() as progress:
        if args.engine == "ray":
            from .distributed import build_index_ray

            data = build_index_ray(corpus, index_dir, encoder, params, progress, backend=backend,
                                   passage_vectors=args.passage_vectors, ray_address=args.ray_address,
                                   workers=args.ray_workers)
        else:
            data = build_index(corpus, index_dir, encoder, params, progress, backend=backend,
                               passage_vectors=args.passage_vectors)
    print_built("built", index_dir, data)
    return 0


def cmd_index_add(args: argparse.Namespace) -> int:
    from .update import add_files

    index_dir = args.index or default_index_dir()
    with progress_bar() as progress:
        data = add_files(index_dir, args.paths, args.replace, progress)
    print_built("updated", index_dir, data)
    return 0


def cmd_index_remove(args: argparse.Namespace) -> int:
    from .update import remove_sources

    index_dir = args.index or default_index_dir()
    with progress_bar() as progress:
        data = remove_sources(index_dir, args.sources, progress)
    print_built("updated", index_dir, data)
    return 0


def print_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def backend_arg(args: argparse.Namespace) -> dict | None:
    """The build's --backend with its Milvus settings, checked before anything is embedded."""
    if args.backend != "milvus":
        if args.milvus_uri or args.milvus_collection:
            raise RagError("--milvus-uri and --milvus-collection need --backend milvus")
        return None if args.backend is None else {"kind": "local"}
    uri = args.milvus_uri or os.environ.get("MILVUS_URI")
    if not uri:
        raise RagError("--backend milvus needs --milvus-uri URI (a server, http://host:19530, or a milvus-lite "
                         "file, e.g. indexes/milvus.db) or MILVUS_URI set")
    return {"kind": "milvus", "uri": uri, "collection": args.milvus_collection}


def print_built(verb: str, index_dir: Path, data) -> None:
    m = data.manifest
    counts = m.get("build", {})
    print(f"{verb} {index_dir}: {len(data.passages)} passages from {len(m['corpus']['files'])} files "
          f"with {m['model']['name']} ({counts.get('reused', 0)} vectors reused, {counts.get('embedded', 0)} embedded, "
          f"{counts.get('pooled', 0)} passages pooled from their sentences)")


def index_is_current(index_dir: Path, corpus: Path, model: str, params, device: str | None = None) -> bool:
    """True when the index loads, matches the corpus on disk, the model and the chunking."""
    from .embed import expected_fingerprint
    from .index import check_index, read_manifest, verify_parts

    try:
        manifest = read_manifest(index_dir)
        verify_parts(index_dir, manifest)
        check_index(index_dir, manifest, (model, expected_fingerprint(model)), corpus_root=Path(corpus))
    except RagError:
        return False
    return manifest["chunking"] == params.as_dict() and calibration_is_current(manifest, model, device)


def calibration_is_current(manifest: dict, model: str, device: str | None = None) -> bool:
    """The index was calibrated (or found too small to be) under the answer params and the query encoder
    in use: a threshold fitted on another params file's confidence scale, or on other query vectors,
    refuses the wrong answers. Older builds lack one, or the query encoder (theirs was float), or the int8
    export's version (theirs was 2 or older)."""
    from . import answer
    from .embed import query_encoder_for
    from .query_int8 import export_version_for

    if "calibration" not in manifest:
        return False
    fitted, encoder = manifest["calibration"], query_encoder_for(model, device)
    return fitted is None or ((fitted.get("params") or {}).get("sha256") == answer.PARAMS_ID["sha256"]
                              and fitted.get("query_encoder", "float") == encoder
                              and fitted.get("query_export") == export_version_for(encoder))


def cmd_index_calibrate(args: argparse.Namespace) -> int:
    from .calibration import calibrate_retriever
    from .index import update_manifest
    from .retriever import Retriever

    index_dir = args.index or default_index_dir()
    fitted = calibrate_retriever(Retriever.load(index_dir))
    update_manifest(index_dir, calibration=fitted.as_dict() if fitted else None)
    if fitted:
        from .calibration import CAP_SHARE

        side = (f"refuses {fitted.percentile:g}% of them asked with their own article left out, moved "
                f"{fitted.gap_weight:g} of the way to the answerable side"
                if fitted.figures["bound"] == "absent" else f"capped: refuses {CAP_SHARE:g}% of them asked of the whole index")
        print(f"{index_dir}: refusal threshold {fitted.threshold:.3f}, from {fitted.probes} questions made from its "
              f"sentences: it {side}")
    else:
        print(f"{index_dir}: too few sentences to calibrate on; answers use the default threshold")
    return 0


def cmd_index_status(args: argparse.Namespace) -> int:
    from .retriever import Retriever

    index_dir = args.index or default_index_dir()
    r = Retriever.load(index_dir)
    m = r.data.manifest
    source = "calibrated on its corpus" if m.get("calibration") else "the default"
    print(f"{index_dir}: {len(r)} passages, model {m['model']['name']}, built {m['created']}, fresh; "
          f"refusal threshold {r.threshold:.3f} ({source})")
    return 0


def cmd_index_verify(args: argparse.Namespace) -> int:
    from .index import read_manifest, verify_parts

    index_dir = args.index or default_index_dir()
    manifest = read_manifest(index_dir)
    verify_parts(index_dir, manifest, full=True)
    print(f"{index_dir}: all {len(manifest['parts'])} parts match their sha256")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .retriever import Retriever

    retriever = Retriever.load(args.index)
    hits = retriever.search(args.query, k=args.k, mode=args.mode, **filters_of(args))
    note_if_shortened(retriever, args.query)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
        return 0
    for rank, h in enumerate(hits, start=1):
        print(f"[{rank}] {h.score:.3f}  {cited(h)}")
        print("    " + h.text.replace("\n", " ")[:300])
    return 0


def note_if_shortened(retriever, query: str) -> None:
    """Say on stderr (stdout may be JSON) when only the beginning of a long query was read."""
    read = retriever.read_query(query)
    if read.shortened:
        print(f"rag: note: the query is long; only its first {read.chars_read} characters were read",
              file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> int:
    from .retriever import Retriever
    from .text import one_line

    retriever = Retriever.load(args.index)
    ans = retriever.answer(args.question, **filters_of(args))
    note_if_shortened(retriever, args.question)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=1))
        return 0
    if not ans.quotes:
        print(f"The archive holds no passage that answers this question (confidence {ans.confidence:.2f}, "
              f"threshold {retriever.threshold:.2f}). Nearest passages:")
    for n, q in enumerate(ans.quotes or ans.nearest, start=1):
        print(f"[{n}] “{one_line(q.text)}”\n    — {cited(q)}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import DEFAULT_OUT, DEFAULT_SET, run_evaluation, run_squad_evaluation
    from .report import markdown_table
    from .retriever import PROJECT_ROOT

    out = args.out or DEFAULT_OUT
    if args.squad and args.sets:
        raise RagError("pass either --set (QA sets in the project's format) or --squad (a SQuAD-format file), not both")
    if args.squad:
        report = run_squad_evaluation(args.squad, out, args.articles, args.absent, args.seed, args.work,
                                      args.configs, args.k_max)
    else:
        sets = [s if s.is_absolute() or s.exists() else PROJECT_ROOT / s for s in (args.sets or [DEFAULT_SET])]
        report = run_evaluation(sets, out, args.configs, args.k_max)
    for name, message in report["errors"].items():
        print(f"rag: warning: configuration {name} failed: {message}", file=sys.stderr)
    print(markdown_table(report))
    print(f"\nreport written to {out}/report.json, report.md, report.png")
    return 1 if report["errors"] else 0


def cmd_models_fetch(args: argparse.Namespace) -> int:
    from .embed import prepare_backend

    for name in args.names:
        path = models.ensure_model(name, log=print_stderr)
        backend = prepare_backend(name, log=print_stderr)  # the OpenVINO and int8 query exports, derived here once
        print(f"{name}: {path} (backend {backend})")
    return 0


def cmd_models_verify(args: argparse.Namespace) -> int:
    from .embed import prepare_backend

    for name in args.names:
        models.verify_model(name)
        prepare_backend(name, log=print_stderr, full_check=True)  # a broken export is rebuilt
        print(f"{name}: every file matches its sha256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
