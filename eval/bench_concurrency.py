"""Many users at once: latency of the chat app under N concurrent clients (gradio_client, loopback).

Starts `python -m ui.app` on a free loopback port over the default index, then for each client
count runs that many clients at once, each asking its questions one after another the way the
page does (`/user_turn`, then `/respond`, in one session). A question's time is both calls.
Writes p50/p95/max, errors and throughput per run to eval/reports/concurrency.json.

    .venv/bin/python eval/bench_concurrency.py [--clients 20 50] [--questions 10] [--concurrency N] [--no-batching]
                                               [--client gradio|http]

`--concurrency` and `--no-batching` are passed to the app (its queue's concurrency limit, default
the app's own; questions encoded one by one instead of in micro-batches). The machine's load
average is recorded too: on a shared machine other work changes the figures.
Every request goes to 127.0.0.1 only, and each run is bounded by --timeout.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
import uuid
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


def one_client(url: str, questions: list[str]) -> list[tuple[float, str | None, int]]:
    """One user's session: (seconds, error or None, client retries) per question."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    timings = []
    for q in questions:
        started, retries = time.perf_counter(), [0]
        try:
            history, _ = predict(client, retries, q, [], api_name="/user_turn")
            history, _sources, cites = predict(client, retries, history, 5, "hybrid", "default", [], "", "", "",
                                               api_name="/respond")
            error = reply_error(reply_of(history), cites)
        except Exception as exc:  # noqa: BLE001 - every failure is counted
            error = f"{type(exc).__name__}: {exc}"
        timings.append((time.perf_counter() - started, error and f"{q!r}: {error}", retries[0]))
    return timings


def predict(client, retries: list[int], *args, api_name: str):
    """``client.predict``, asked once more if gradio_client cancels the call itself.

    gradio_client (2.7) races with the server over one session's event stream: the server sends
    ``process_completed`` then ``close_stream``; a call submitted between the two joins the closing
    stream, and the client cancels it though the app never saw a problem. Only that
    CancelledError is retried, and counted, so the figures show it; any other failure is an error."""
    try:
        return client.predict(*args, api_name=api_name)
    except concurrent.futures.CancelledError:
        retries[0] += 1
        return client.predict(*args, api_name=api_name)


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (default: this one, the clients)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http_client(url: str, questions: list[str]) -> list[tuple[float, str | None, int]]:
    """One user's session over Gradio's HTTP API, as the page's own script does: ``/user_turn``
    posted directly, ``/respond`` joined to the queue and its result read from the event stream.
    Far lighter than gradio_client, so on a shared machine it measures the app more than itself."""
    import httpx

    session = uuid.uuid4().hex
    with httpx.Client(base_url=f"{url}gradio_api/", timeout=300) as http:
        fns = {d.get("api_name"): d["id"] for d in http.get(f"{url}config").json()["dependencies"]}
        timings = []
        for q in questions:
            started = time.perf_counter()
            try:
                history = http_call(http, session, fns["user_turn"], [q, []], queued=False)[0]
                history, _sources, cites = http_call(http, session, fns["respond"], [None, history, 5, "hybrid", "default", [], "", "", ""])
                error = reply_error(reply_of(history), cites)
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                error = f"{type(exc).__name__}: {exc}"
            timings.append((time.perf_counter() - started, error and f"{q!r}: {error}", 0))
    return timings


def http_call(http, session: str, fn_index: int, data: list, queued: bool = True) -> list:
    """One event's output data; a queued one is joined, then read from the session's stream."""
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None, "trigger_id": None}
    if not queued:
        return http.post("run/predict", json=body).raise_for_status().json()["data"]
    event_id = http.post("queue/join", json=body).raise_for_status().json()["event_id"]
    with http.stream("GET", "queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed" and message.get("event_id") == event_id:
                if not message.get("success"):
                    raise RuntimeError(f"event failed: {message.get('output')}")
                return message["output"]["data"]
    raise RuntimeError("the event stream ended before the answer")


CLIENTS_BY_NAME = {"gradio": one_client, "http": http_client}


def run(url: str, clients: int, questions: int, timeout: float, server_pid: int | None = None,
        client: str = "gradio") -> dict:
    """All clients at once; figures over every question asked, and the CPU the clients (and the
    app, given its pid) spent per question: both share this machine's cores."""
    pool = question_pool()
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0, cpu_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as executor:
        futures = [executor.submit(CLIENTS_BY_NAME[client], url, [pool[(c * 7 + i * 3) % len(pool)] for i in range(questions)])
                   for c in range(clients)]
        done, pending = wait(futures, timeout=timeout)
    wall = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu_before[0] if server_pid else float("nan")
    client_cpu = cpu_seconds() - cpu_before[1]
    results = [r for f in done for r in f.result()]
    seconds = np.array([t for t, _, _ in results] or [float("nan")])
    errors = [e for _, e, _ in results if e] + [f"client still waiting after {timeout} s"] * len(pending)
    return {"client": client, "clients": clients, "questions_each": questions, "answered": len(results) - len(errors),
            "errors": len(errors), "error_examples": errors[:5],
            "client_retries": sum(r for _, _, r in results),
            "p50_s": round(float(np.percentile(seconds, 50)), 3), "p95_s": round(float(np.percentile(seconds, 95)), 3),
            "max_s": round(float(seconds.max()), 3), "wall_s": round(wall, 1),
            "questions_per_s": round(len(results) / wall, 2), "load_average_after": round(os.getloadavg()[0], 2),
            "app_cpu_ms_per_question": round(1000 * server_cpu / max(len(results), 1), 1),
            "client_cpu_ms_per_question": round(1000 * client_cpu / max(len(results), 1), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    parser.add_argument("--concurrency", type=int, default=None, help="the app's --concurrency (default: its own)")
    parser.add_argument("--no-batching", action="store_true", help="pass --no-batching to the app")
    parser.add_argument("--client", choices=list(CLIENTS_BY_NAME), default="gradio",
                        help="gradio: gradio_client, as the integration test (heavy: it shares the cores with "
                             "the app); http: a lean client of Gradio's HTTP API, as the page's script")
    parser.add_argument("--label", default=None, help="name of this configuration in the report (default: "
                                                      "from the options); other labels already there are kept")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one run may take")
    parser.add_argument("--out", default=str(ROOT / "eval" / "reports" / "concurrency.json"))
    args = parser.parse_args()
    load = round(os.getloadavg()[0], 2)  # 1-minute load: other work on a shared machine shows here
    port = free_port()
    app_options = ["--concurrency", str(args.concurrency)] if args.concurrency else []
    app_options += ["--no-batching"] if args.no_batching else []
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "ui.app", "--port", str(port), *app_options], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, proc)
        runs = []
        for clients in args.clients:
            runs.append(run(f"http://127.0.0.1:{port}/", clients, args.questions, args.timeout, proc.pid, args.client))
            print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    label = args.label or " ".join([args.client, *app_options]) or args.client
    save(Path(args.out), label, {"app_options": app_options or ["(defaults)"], "client": args.client,
                                 "load_average_at_start": load, "cpus": os.cpu_count(),
                                 "machine": platform.machine(), "date": time.strftime("%Y-%m-%d %H:%M"), "runs": runs})
    print(f"written {args.out} [{label}]")
    return 0


def save(out: Path, label: str, figures: dict) -> None:
    """Put one configuration's figures into the report under its label, keeping the others."""
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    report.setdefault("configurations", {})[label] = figures
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
