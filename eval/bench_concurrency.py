"""Many users at once: latency of the chat app under N concurrent clients (gradio_client, loopback).

Starts `python -m ui.app` on a free loopback port over the default index, then for each client
count runs that many clients at once, each asking its questions one after another the way the
page does (`/user_turn`, then `/respond`, in one session). A question's time is both calls.
Writes p50/p95/max, errors and throughput per run to eval/reports/concurrency.json.

    .venv/bin/python eval/bench_concurrency.py [--clients 20 50] [--questions 10] [--concurrency N]

`--concurrency` is passed to the app (its queue's concurrency limit; default: the app's own).
Every request goes to 127.0.0.1 only, and each run is bounded by --timeout.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np

from bench_browser import free_port, wait_listening

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ["How many grid workers does Huolingol have?", "What does a grid worker do every day?",
           "What is the weather on Mars?"]
CITED = re.compile(r"\\\[1\\\].*\.\w+:\d+\\-\d+")  # “\[1\] title, file.txt:12\-34” in the reply Markdown
NO_ANSWER = ("档案中没有能回答这个问题的段落", "档案中没有找到相关段落", "The archive holds no")


def question_pool() -> list[str]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines[:60] if line.strip()] + ENGLISH


def reply_of(history: list) -> str:
    content = history[-1]["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def reply_error(reply: str, cites: str) -> str | None:
    """None for a cited answer or the no-answer message, else what was wrong."""
    if CITED.search(reply) and cites.startswith("[1] ") or any(m in reply for m in NO_ANSWER):
        return None
    return f"neither cited nor the no-answer message: {reply[:200]!r}"


def one_client(url: str, questions: list[str]) -> list[tuple[float, str | None]]:
    """One user's session: (seconds, error or None) per question."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    timings = []
    for q in questions:
        started = time.perf_counter()
        try:
            history, _ = client.predict(q, [], api_name="/user_turn")
            history, _sources, cites = client.predict(history, 5, "hybrid", api_name="/respond")
            error = reply_error(reply_of(history), cites)
        except Exception as exc:  # noqa: BLE001 - every failure is counted
            error = f"{type(exc).__name__}: {exc}"
        timings.append((time.perf_counter() - started, error and f"{q!r}: {error}"))
    return timings


def run(url: str, clients: int, questions: int, timeout: float) -> dict:
    """All clients at once; figures over every question asked."""
    pool = question_pool()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as executor:
        futures = [executor.submit(one_client, url, [pool[(c * 7 + i * 3) % len(pool)] for i in range(questions)])
                   for c in range(clients)]
        done, pending = wait(futures, timeout=timeout)
    wall = time.perf_counter() - started
    results = [r for f in done for r in f.result()]
    seconds = np.array([t for t, _ in results] or [float("nan")])
    errors = [e for _, e in results if e] + [f"client still waiting after {timeout} s"] * len(pending)
    return {"clients": clients, "questions_each": questions, "answered": len(results) - len(errors),
            "errors": len(errors), "error_examples": errors[:5],
            "p50_s": round(float(np.percentile(seconds, 50)), 3), "p95_s": round(float(np.percentile(seconds, 95)), 3),
            "max_s": round(float(seconds.max()), 3), "wall_s": round(wall, 1),
            "questions_per_s": round(len(results) / wall, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    parser.add_argument("--concurrency", type=int, default=None, help="the app's --concurrency (default: its own)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one run may take")
    parser.add_argument("--out", default=str(ROOT / "eval" / "reports" / "concurrency.json"))
    args = parser.parse_args()
    port = free_port()
    command = [sys.executable, "-m", "ui.app", "--port", str(port)]
    if args.concurrency:
        command += ["--concurrency", str(args.concurrency)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, proc)
        runs = []
        for clients in args.clients:
            runs.append(run(f"http://127.0.0.1:{port}/", clients, args.questions, args.timeout))
            print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report = {"app_concurrency": args.concurrency or "app default", "cpus": os.cpu_count(),
              "machine": platform.machine(), "runs": runs}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
