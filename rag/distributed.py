"""The index build on Ray: reading, parsing, chunking, tokenising and embedding as Ray Data stages.

``rag index build --engine ray [--ray-address ADDR]``. Two distributed stages, each a pure function:

- ``parse_source``: one corpus file -> its articles' passages and sentences, keyword tokens and
  content keys (Ray tasks, one file each);
- ``EmbedActor``: one batch of texts -> their vectors (a pool of actors, each loading the model once).

The driver only assembles, in a deterministic order (sources sorted, articles in file order), and
through the local build's own functions: ``build.build_index`` runs unchanged with ``ray_read_pass``
as its first pass and a ``RayEncoder`` as its encoder, so the store, keyword index, vector codes,
manifest, calibration, incremental reuse (by content key, before any text is sent to an actor) and the
atomic publish are the local build's, and the passages and ids equal a local build's.

On a cluster every node needs this package, the model in its cache (``rag models fetch``) and the
corpus at the same path (a shared folder): tasks read files by path.
"""
from __future__ import annotations

import logging
import math
import os
import pickle
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from . import corpus
from .chunking import ChunkingParams
from .embed import Encoder, load_encoder
from .errors import RagError
from .reading import FileTexts, assemble, keyer_of, parse_source
from .types import Passage

LOCAL_CPUS = 2  # a local Ray instance's CPUs, when no --ray-address is given
EMBED_BATCH = 1024  # texts an actor embeds per call: long enough for length-sorted batches inside it
INSTALL_FIX = "install it with `pip install -e '.[ray]'` (ray[data]==2.60.0 and pyarrow)"


# --- stage 1: one file -> its texts (rag.reading.parse_source, as Ray tasks) -----------------------

def _parse_row(row: dict, params: ChunkingParams, keyer) -> dict:
    texts = parse_source(row["source"], row["path"], params, keyer)
    return {"order": row["order"], "texts": pickle.dumps(texts, protocol=pickle.HIGHEST_PROTOCOL)}


def parsed_files(sources: list[tuple[str, Path]], params: ChunkingParams, keyer) -> Iterator[FileTexts]:
    """Every file through ``parse_source`` as Ray tasks, yielded in the order of ``sources``."""
    import ray.data

    rows = [{"order": i, "source": source, "path": str(Path(path).resolve())} for i, (source, path) in enumerate(sources)]
    ds = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows), 4096)))
    ds = ds.map(_parse_row, fn_kwargs={"params": params, "keyer": keyer})
    for expected, row in enumerate(ds.iter_rows()):
        if row["order"] != expected:  # preserve_order is set in ray_session; never assemble out of order
            raise RagError(f"Ray returned file {row['order']} where {expected} was expected; "
                           "rebuild, or build with --engine local")
        yield pickle.loads(row["texts"])


def ray_read_pass(root: Path, folder: Path, encoder: Encoder, params: ChunkingParams, warn: Callable[[str], None],
                  sources: list[tuple[str, Path]] | None) -> dict[str, np.ndarray]:
    """``reading.read_pass`` with files parsed on Ray: the same store, keyword index and keys."""
    sources = corpus.iter_sources(root) if sources is None else sources
    return assemble(root, folder, sources, parsed_files(sources, params, keyer_of(encoder)) if sources else [], warn)


# --- stage 2: one batch of texts -> vectors -------------------------------------------------------

PASSAGE_COLUMNS = ("source", "title", "section", "start", "end", "text", "date")


class EmbedActor:
    """Loads the encoder once per actor; embeds one batch of texts per call."""

    def __init__(self, model: str, fingerprint: str):
        self.encoder = load_encoder(model, query_encoder="float")  # passages only: no int8 query model to load
        if self.encoder.fingerprint != fingerprint:  # another copy of the weights on this node
            raise RagError(f"model {model} on this Ray node has fingerprint {self.encoder.fingerprint}, the driver's "
                           f"{fingerprint}; run `rag models fetch {model}` on every node")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        passages = [Passage(*values) for values in zip(*(batch[c].tolist() for c in PASSAGE_COLUMNS))]
        return {"row": batch["row"], "vector": self.encoder.encode_passages(passages)}


class RayEncoder:
    """An Encoder whose ``encode_passages`` runs on a pool of Ray actors; the rest is the local encoder's
    (keys, query encoding for calibration), so ``build.build_index`` runs unchanged on top of it."""

    def __init__(self, local: Encoder, workers: int, batch: int = EMBED_BATCH):
        if workers < 1:
            raise RagError(f"--ray-workers must be at least 1, not {workers}")
        self.local, self.workers, self.batch = local, workers, batch
        self.name, self.dim, self.fingerprint = local.name, local.dim, local.fingerprint
        self.query_encoder = getattr(local, "query_encoder", "float")  # the local encoder embeds the queries

    def read_query(self, query: str) -> str:
        return self.local.read_query(query)

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        return self.local.encode_queries(queries)

    def input_text(self, passage: Passage) -> str:
        return self.local.input_text(passage)

    def encode_passages(self, passages: Sequence[Passage], progress: Callable[[int], None] | None = None) -> np.ndarray:
        import ray.data

        out = np.zeros((len(passages), self.dim), dtype=np.float32)
        if not passages:
            return out
        rows = [{"row": i, **{c: getattr(p, c) for c in PASSAGE_COLUMNS}} for i, p in enumerate(passages)]
        blocks = math.ceil(len(rows) / self.batch)
        ds = ray.data.from_items(rows, override_num_blocks=blocks)
        ds = ds.map_batches(EmbedActor, fn_constructor_kwargs={"model": self.name, "fingerprint": self.fingerprint},
                            batch_size=self.batch, batch_format="numpy", num_cpus=1,
                            compute=ray.data.ActorPoolStrategy(size=min(self.workers, blocks)))
        done = 0
        for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
            out[batch["row"]] = batch["vector"]
            done += len(batch["row"])
            if progress:
                progress(len(batch["row"]))
        if done != len(passages):
            raise RagError(f"Ray embedded {done} of {len(passages)} texts; rebuild, or build with --engine local")
        return out


# --- the session and the build --------------------------------------------------------------------

@contextmanager
def ray_session(address: str | None = None, num_cpus: int = LOCAL_CPUS) -> Iterator[None]:
    """Ray for one build: joins ``address`` (a cluster) or starts a local instance that never reaches the
    network, and shuts down what it started. A Ray already initialised in this process is used as is."""
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data needs pyarrow)
    except ImportError as exc:
        raise RagError(f"--engine ray needs Ray Data ({exc.name} is missing); {INSTALL_FIX}") from None
    started = not ray.is_initialized()
    if started and address:
        check_reachable(address)
    if started:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage report to the network
        try:
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
            else:
                # Workers import this very package, whatever the driver's sys.path.
                package_root = str(Path(__file__).resolve().parent.parent)
                path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
                ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                         runtime_env={"env_vars": {"PYTHONPATH": path, "RAY_USAGE_STATS_ENABLED": "0"}})
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"at {address}" if address else "locally"
            raise RagError(f"cannot start or reach Ray {where} ({str(exc).splitlines()[0] if str(exc) else exc!r}); "
                           "start the head with `ray start --head` and pass its address (HOST:6379) to "
                           "--ray-address, or leave --ray-address out for a local Ray") from None
    # Ray Data's execution plans and timings, and its note that the build draws its own bar, are noise here.
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    saved = context.execution_options.preserve_order, context.enable_progress_bars
    context.execution_options.preserve_order = True  # files come back in sorted order
    context.enable_progress_bars = False  # the build draws its own bar
    try:
        yield
    finally:
        context.execution_options.preserve_order, context.enable_progress_bars = saved
        if started:
            ray.shutdown()


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast on a head that does not answer: Ray itself retries for minutes. ``auto`` and other
    forms without a port are left to Ray."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise RagError(f"no Ray head answers at {address} ({exc.strerror or exc}); start one there with "
                       "`ray start --head` (it prints the address), or leave --ray-address out for a local Ray") from None


def build_index_ray(root: Path, index_dir: Path, encoder: Encoder, *args, ray_address: str | None = None,
                    workers: int = 2, **kwargs):
    """``build.build_index`` with parsing and embedding on Ray (``workers`` encoder actors); same arguments."""
    from .build import build_index

    with ray_session(ray_address, num_cpus=max(LOCAL_CPUS, workers)):
        return build_index(root, index_dir, RayEncoder(encoder, workers), *args, read=ray_read_pass, **kwargs)
