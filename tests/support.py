"""Helpers shared by unit and integration tests (plain functions, importable by name)."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def read_source(root: Path, source: str) -> str:
    """A file's decoded text exactly as offsets count it (no newline translation)."""
    return (Path(root) / source).read_bytes().decode("utf-8-sig")


def seed_text(source: str) -> str:
    return read_source(SEEDS, source)


class AppExited(RuntimeError):
    """The app process ended before it listened."""

    def __init__(self, code: int, output: str):
        super().__init__(f"ui.app exited with {code}:\n{output}")
        self.code, self.output = code, output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def running_app(*args: str, start_timeout: float = 120) -> Iterator[str]:
    """Start the chat app on a free loopback port; yield its URL; stop it at the end.

    Raises AppExited when the app ends before it listens (e.g. exit 2: no usable index)."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([sys.executable, "-m", "ui.app", "--host", "127.0.0.1", *args], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_timeout
        while not port_answers(port):
            if proc.poll() is not None:
                log.seek(0)
                raise AppExited(proc.returncode, log.read())
            if time.monotonic() > deadline:
                pytest.fail(f"ui.app did not listen on port {port} within {start_timeout} s")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def build_fake_index(corpus: Path, index: Path) -> Path:
    """An index of corpus built by `rag index build --model fake-64` (this checkout's code, no model)."""
    subprocess.run([sys.executable, "-m", "rag.cli", "index", "build", "--corpus", str(corpus), "--index", str(index),
                    "--model", "fake-64"], cwd=ROOT, check=True, capture_output=True, timeout=300)
    return index


def corpus_files(folder: Path) -> list[str]:
    """The files a corpus reader sees (hidden ones, like rag's lock and journal, are not corpus)."""
    return sorted(p.name for p in Path(folder).iterdir() if not p.name.startswith("."))
