"""Small helpers with no project imports: file hashes, a progress bar, what the CPU can do."""
from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import sys
from collections.abc import Callable, Iterator
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def progress_bar(desc: str = "embedding passages", unit: str = "passage") -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar on stderr, opened at the first call (not before an error)."""
    from tqdm import tqdm

    bars: list = []

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(desc=desc, unit=unit, file=sys.stderr, total=total))
        bars[0].total = total
        bars[0].update(done - bars[0].n)

    try:
        yield progress
    finally:
        for bar in bars:
            bar.close()


# Instruction sets that decide how fast the model runs: bfloat16 and int8 dot products, wide vectors.
CPU_FEATURES = ("amx_bf16", "amx_int8", "avx512_bf16", "avx512_vnni", "avx512f", "avx_vnni", "avx2")


def cpu_description(cpuinfo: str | None = None) -> dict:
    """The CPU's model name and which of CPU_FEATURES it has (``cpuinfo``: the text of Linux
    /proc/cpuinfo, read when not given), for benchmark reports: the model runs 3-12x apart on the
    machines these projects land on (README, "Embedding backends")."""
    info = cpuinfo
    if info is None:
        try:
            info = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
        except OSError:
            return {"model": platform.processor() or platform.machine(), "features": []}
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "")
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []))
    return {"model": model, "features": [f for f in CPU_FEATURES if f in flags]}


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """True on CPUs with native bfloat16 dot products (AVX512-BF16 or AMX)."""
    return bool({"avx512_bf16", "amx_bf16"} & set(cpu_description(cpuinfo)["features"]))


def machine_description() -> dict:
    """What a benchmark report says of the machine it ran on: cores, Python, CPU, load average."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "cpu": cpu_description(),
            "load_avg": os.getloadavg()}
