"""The Library tab: a collection's documents, uploads, removal, and indexing progress.

Thin like ui/app.py: every decision about names, files and indexes is ``rag.Library``'s; this
module turns its answers into escaped HTML and wires the events. A change is indexed in the
Library's worker thread, and a ``gr.Timer`` polls it once a second, only while one is running.
The collection dropdown (built by ui/app.py, above both tabs) picks what the chat answers from
and what this tab shows.
"""
from __future__ import annotations

import html
import time
from collections.abc import Sequence

import gradio as gr

import rag

POLL_SECONDS = 1.0
READ_ONLY_NOTE = ("默认资料库(种子报纸版面)只读。上传文件会新建一个资料库,问答随即改用它。\n"
                  "The default collection (the seed pages) is read-only: uploading creates a new collection "
                  "and switches the chat to it.")


# ---------------------------------------------------------------- pure formatting

def status_html(kind: str, text: str) -> str:
    """The status box; ``kind`` is info, busy, ok or error. ``text`` is escaped here, its lines kept."""
    lines = "<br>".join(html.escape(line) for line in text.splitlines())
    return f'<div class="lib-status lib-{kind}">{lines}</div>'


def job_html(job: rag.Job) -> str:
    """A running change as a progress bar, a finished one as its outcome."""
    files = ", ".join(job.files)
    if job.state == "failed":
        return status_html("error", f"✗ 索引失败 · Indexing failed: {job.error}")
    if job.state == "done":
        verb = "已加入 · Added" if job.action == "add" else "已删除 · Removed"
        return status_html("ok", f"✓ {verb}: {files}")
    verb = "正在索引 · Indexing" if job.action == "add" else "正在删除 · Removing"
    bar = f'<progress max="{max(job.total, 1)}" value="{job.done}"></progress>' if job.total else "<progress></progress>"
    return (f'<div class="lib-status lib-busy">{html.escape(f"{verb}: {files}")} {bar} '
            f'<span class="lib-count">{job.done}/{job.total or "…"}</span></div>')


def added_at(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def documents_html(docs: Sequence[rag.Document]) -> str:
    """The document table: file, articles, passages, date added. Every name is escaped."""
    if not docs:
        return '<div class="lib-empty">这个资料库还没有文件 · No documents in this collection yet</div>'
    rows = "".join(f"<tr><td class='lib-file'>{html.escape(d.source)}</td><td>{d.articles}</td>"
                   f"<td>{d.passages}</td><td>{added_at(d.added)}</td></tr>" for d in docs)
    return ('<table class="lib-docs"><thead><tr><th>文件 · File</th><th>文章 · Articles</th>'
            f"<th>段落 · Passages</th><th>加入时间 · Added</th></tr></thead><tbody>{rows}</tbody></table>")


# ---------------------------------------------------------------- handlers

class LibraryTab:
    """The tab's event handlers, bound to one rag.Library."""

    def __init__(self, library: rag.Library):
        self.library = library

    def collection_choice(self, name: str | None = None) -> dict:
        """The dropdown with every collection, ``name`` chosen (default: keep the current value)."""
        return gr.update(choices=self.library.names(), **({"value": name} if name else {}))

    def status(self, name: str) -> str:
        job = self.library.job(name)
        if job is not None:
            return job_html(job)
        if not self.library.is_writable(name):
            return status_html("info", READ_ONLY_NOTE)
        return status_html("info", "上传 .txt、.md、.html、.htm 或 .jsonl 文件加入这个资料库 · "
                                   "Upload .txt, .md, .html, .htm or .jsonl files to add them to this collection")

    def show(self, name: str) -> tuple:
        """(status, document table, files to remove, removal box) for a collection."""
        try:
            docs = self.library.documents(name)
        except rag.RagError as err:
            return status_html("error", f"✗ {err}"), documents_html([]), gr.update(choices=[], value=[]), gr.update(visible=False)
        sources = [d.source for d in docs]
        return (self.status(name), documents_html(docs), gr.update(choices=sources, value=[]),
                gr.update(visible=self.library.is_writable(name) and bool(docs)))

    def create(self, new_name: str) -> tuple:
        """(dropdown, name box, status): the new collection chosen, or the reason it was refused."""
        try:
            name = self.library.create(new_name)
        except rag.RagError as err:
            return gr.skip(), gr.skip(), status_html("error", f"✗ {err}")
        return self.collection_choice(name), "", status_html("ok", f"✓ 已创建 · Created: {name}")

    def upload(self, files: list[str] | None, name: str) -> tuple:
        """(dropdown, status, upload box, timer): the files checked and queued for indexing, into a
        new collection when none that takes files is chosen. Nothing is changed when a file is refused."""
        paths = list(files or [])
        if not paths:
            return gr.skip(), gr.skip(), None, gr.skip()
        try:
            job = self.library.submit_add(name, paths, new_if_read_only=True)
        except rag.RagError as err:
            return gr.skip(), status_html("error", f"✗ {err}"), None, gr.Timer(active=False)
        switched = self.collection_choice(job.collection) if job.collection != name else gr.skip()
        return switched, job_html(job), None, gr.Timer(active=True)

    def remove(self, sources: list[str] | None, name: str) -> tuple:
        """(status, timer): the chosen files queued for removal."""
        try:
            job = self.library.submit_remove(name, list(sources or []))
        except rag.RagError as err:
            return status_html("error", f"✗ {err}"), gr.Timer(active=False)
        return job_html(job), gr.Timer(active=True)

    def poll(self, name: str) -> tuple:
        """Progress while the collection's change runs; the fresh list and a stopped timer once it ends."""
        job = self.library.job(name)
        if job is not None and not job.finished:
            return job_html(job), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (*self.show(name), gr.Timer(active=False))


# ---------------------------------------------------------------- layout

CSS = """
.lib-status { padding: 8px 12px; border-radius: 8px; line-height: 1.7; background: var(--background-fill-secondary); }
.lib-error { color: #b91c1c; background: #fef2f2; }
.lib-ok { color: #047857; }
.lib-status progress { width: 240px; vertical-align: middle; margin: 0 8px; }
.lib-docs { width: 100%; border-collapse: collapse; font-size: 14px; border: none !important; }
.lib-docs th, .lib-docs td { text-align: left; padding: 6px 10px; border: none !important;
  border-bottom: 1px solid var(--border-color-primary) !important; }
.lib-docs th { font-weight: 600; background: var(--background-fill-secondary); }
.lib-docs td:not(.lib-file) { font-variant-numeric: tabular-nums; }
.lib-empty { color: var(--body-text-color-subdued); padding: 16px 8px; }
"""


def build_library_tab(demo: gr.Blocks, library: rag.Library, collection: gr.Dropdown) -> None:
    """The Library tab's components and events (call inside ``gr.Tabs``)."""
    tab = LibraryTab(library)
    with gr.Tab("资料库 · Library", id="library", elem_id="library-tab"):
        status = gr.HTML(tab.status(rag.DEFAULT_COLLECTION), elem_id="library-status")
        docs = gr.HTML(elem_id="library-docs")
        upload = gr.File(label=f"上传文件 · Upload files (≤ {library.max_upload_mb:g} MB)", file_count="multiple",
                         file_types=list(rag.SUFFIXES), elem_id="library-upload", height=140)
        with gr.Column(visible=False) as removal:
            chosen = gr.CheckboxGroup(label="选择要删除的文件 · Files to remove", elem_id="library-remove-choice")
            remove = gr.Button("删除所选 · Remove selected", variant="stop", size="sm", elem_id="library-remove")
        with gr.Row():
            new_name = gr.Textbox(label="新资料库 · New collection", placeholder="例如 2024年报道 · e.g. my-news",
                                  elem_id="library-new-name", scale=4)
            create = gr.Button("创建 · Create", elem_id="library-create", scale=1, min_width=100)
    timer = gr.Timer(POLL_SECONDS, active=False)
    shown = [status, docs, chosen, removal]
    collection.change(tab.show, [collection], shown, queue=False, api_name="library_show")
    demo.load(tab.collection_choice, None, [collection], queue=False, api_visibility="undocumented").then(
        tab.show, [collection], shown, queue=False, api_visibility="undocumented")
    gr.on([create.click, new_name.submit], tab.create, [new_name], [collection, new_name, status], queue=False,
          api_name="library_create")
    upload.upload(tab.upload, [upload, collection], [collection, status, upload, timer], api_name="library_upload")
    remove.click(tab.remove, [chosen, collection], [status, timer], queue=False, api_name="library_remove")
    timer.tick(tab.poll, [collection], [*shown, timer], queue=False, show_progress="hidden", api_name="library_poll")
