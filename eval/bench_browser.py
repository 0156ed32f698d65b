"""Time from pressing Enter to the rendered answer in a real browser (Debian chromium + Playwright).

Starts `python -m ui.app` on a free loopback port over the default index, asks the first N dev
questions one after another, and writes eval/reports/browser.json with every time, the first and
the median. Run after `make install` and `make browser`:

    .venv/bin/python eval/bench_browser.py [--n 10]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Rendered: one more bot message, not pending, with text in it.
ANSWERED = """([n]) => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    return bots.length > n && !document.querySelector('#chat .pending')
        && bots[bots.length - 1].innerText.trim().length > 0;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"ui.app exited with {proc.returncode} before listening")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    sys.exit(f"ui.app did not listen within {timeout} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="questions to ask")
    parser.add_argument("--out", default=str(ROOT / "eval" / "reports" / "browser.json"))
    args = parser.parse_args()
    if args.n < 1:
        parser.error("--n must be at least 1")
    from playwright.sync_api import sync_playwright

    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "dev.jsonl").read_text("utf-8").splitlines()]
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "ui.app", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    try:
        wait_listening(port, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
            box = page.locator("#question textarea")
            box.wait_for(state="visible", timeout=60_000)
            for n, question in enumerate(questions[:args.n]):
                box.fill(question)
                started = time.perf_counter()
                box.press("Enter")
                page.wait_for_function(ANSWERED, arg=[n], timeout=60_000)
                times.append(time.perf_counter() - started)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report = {"questions": len(times), "first_s": round(times[0], 3), "median_s": round(statistics.median(times), 3),
              "max_s": round(max(times), 3), "times_s": [round(t, 3) for t in times]}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
