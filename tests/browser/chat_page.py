"""What the browser tests do on the page: open it, switch tabs, ask a question and read the reply."""
from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"  # screenshots, git-ignored
ANSWER_TIMEOUT_MS = 90_000


def open_chat(page, url: str):
    """Load the page and wait until Gradio has rendered the question box."""
    page.goto(url, wait_until="domcontentloaded")
    box = page.locator("#question textarea")
    box.wait_for(state="visible", timeout=60_000)
    return box


def open_tab(page, label: str) -> None:
    """Switch to a tab by its label, e.g. "资料库 · Library"."""
    page.get_by_role("tab", name=label).click()


def ask(page, question: str, *, click: bool = False) -> str:
    """Send a question (Enter, or the Ask button) and return the text of the new reply."""
    bots = page.locator('#chat [data-testid="bot"]')
    before = bots.count()
    box = page.locator("#question textarea")
    box.fill(question)
    if click:
        page.locator("#ask").click()
    else:
        box.press("Enter")
    page.wait_for_function(
        """([n]) => {
            const bots = document.querySelectorAll('#chat [data-testid="bot"]');
            return bots.length > n && !document.querySelector('#chat .pending')
                && bots[bots.length - 1].innerText.trim().length > 0;
        }""", arg=[before], timeout=ANSWER_TIMEOUT_MS)
    return bots.last.inner_text()
