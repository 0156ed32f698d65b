"""The Gradio chat over the newspaper archive: quoted answers, numbered citations, a sources panel,
and a Library tab (ui/library.py) to manage collections of documents the chat answers from.

    python -m ui.app [--index DIR] [--collections DIR] [--max-upload-mb N] [--concurrency N] [--no-batching]
                     [--host 127.0.0.1] [--port N] [--auth user:password]

Thin by design: it calls only what ``rag`` exports. The formatting functions at the top are pure
(answer -> chat Markdown, hit -> escaped HTML) so they can be unit-tested without a browser.

Follow-up questions: every question is retrieved on its own, without the earlier turns. Prior
turns pollute retrieval (the old topic's words outrank the new question's, a common complaint
about chat-over-documents tools), and the answers here are verbatim quotes, so there is no
generated text that would need the conversation as context. The history stays visible for the
reader, and the page says to write follow-ups as complete questions.
"""
from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no calls home

import argparse
import html
import re
import sys
from collections.abc import Iterable, Sequence

import gradio as gr

import rag
from rag import one_line
from ui import api
from ui.library import CSS as LIBRARY_CSS
from ui.library import build_library_tab

DEFAULT_PORT = 7860
DEFAULT_CONCURRENCY = 32  # questions in progress at once (their encodings batch); more queue. README: "Many users at once"
DEFAULT_K = 5
CONTEXT_BEFORE, CONTEXT_AFTER = 80, 160  # characters of the passage shown around a quote
EXAMPLES = [
    "网格员平时负责哪些工作?",
    "霍林郭勒市划分了多少个网格?",
    "How many grid workers does Huolingol have?",
    "内蒙古好人评选有什么作用?",
]
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-!|~$])")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
BLANK_LINES = re.compile(r"\n\s*\n")  # shown as one line break in the sources panel

TEXTS = {
    "zh": {
        "empty": "请输入一个问题,例如:“霍林郭勒市划分了多少个网格?”",
        "none": "档案中没有能回答这个问题的段落。以下是最接近的段落,供参考:",
        "no_hits": "档案中没有找到相关段落。",
        "sources": "出处",
        "error": "出错了:",
        "shortened": "问题很长,只读了开头的 {n} 个字。",
        "empty_collection": "这个资料库还没有文件。请在“资料库 · Library”页上传,或选择另一个资料库。",
    },
    "en": {
        "empty": "Please type a question, e.g. “How many grid workers does Huolingol have?”",
        "none": "The archive holds no passage that answers this. The nearest passages, for reference:",
        "no_hits": "The archive holds no related passage.",
        "sources": "Sources",
        "error": "Error: ",
        "shortened": "The question is long: only its first {n} characters were read.",
        "empty_collection": "This collection holds no document yet: upload some in the Library tab, or choose another.",
    },
}


# ---------------------------------------------------------------- pure formatting

def language(question: str) -> str:
    """'zh' when the question contains Chinese characters (or is blank), else 'en'."""
    return "zh" if CJK.search(question or "") or not (question or "").strip() else "en"


def escape_markdown(text: str) -> str:
    """Corpus or user text as inert Markdown: no HTML, no emphasis, links or maths."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text, quote=False))




def citation(item) -> str:
    """Plain-text citation of a quote or hit: ``标题, 000_x.txt:120-180`` (``, 2023-05-12`` when dated)."""
    date = f", {item.date}" if item.date else ""
    return f"{one_line(item.title) or '—'}, {item.source}:{item.start}-{item.end}{date}"


def cited_items(answer: rag.Answer) -> list:
    """What the reply cites: the quotes, or the nearest hits when no quote answers."""
    return list(answer.quotes or answer.nearest)


def format_answer(answer: rag.Answer) -> str:
    """The chat reply as Markdown: “quote” [n] lines, then the numbered citations."""
    t = TEXTS[language(answer.question)]
    items = cited_items(answer)
    if not items:
        return t["no_hits"]
    lines = [] if answer.quotes else [t["none"], ""]
    for n, q in enumerate(items, 1):
        lines += [f"> “{escape_markdown(one_line(q.text))}” \\[{n}\\]", ""]
    lines += [f"**{t['sources']}**", ""]
    lines += [f"\\[{n}\\] {escape_markdown(citation(q))}  " for n, q in enumerate(items, 1)]
    return "\n".join(lines)


def shortened_note(read: rag.QueryText) -> str:
    """A line put before the reply when only the beginning of a long question was read, else ''."""
    if not read.shortened:
        return ""
    return f"*{TEXTS[language(read.text)]['shortened'].format(n=read.chars_read)}*\n\n"


def format_citations(answer: rag.Answer) -> str:
    """Copyable citations, one per line: ``[1] 标题, 000_x.txt:120-180``."""
    return "\n".join(f"[{n}] {citation(q)}" for n, q in enumerate(cited_items(answer), 1))


def context_hit(quote, hits: Iterable):
    """The retrieved passage that contains the quote, or None."""
    return next((h for h in hits if h.source == quote.source and h.start <= quote.start
                 and quote.end <= h.end), None)


def highlighted(text: str, start: int, end: int) -> str:
    """Escaped text with text[start:end] wrapped in <mark>, the only markup added."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    before, quote, after = (html.escape(BLANK_LINES.sub("\n", part))
                            for part in (text[:start], text[start:end], text[end:]))
    return f"{before}<mark>{quote}</mark>{after}"


def excerpt(context, item, before: int = CONTEXT_BEFORE, after: int = CONTEXT_AFTER
            ) -> tuple[str, int, int, bool, bool]:
    """The context passage cut around the quote: (text, quote start, quote end, cut before,
    cut after), offsets relative to the returned text."""
    qs, qe = item.start - context.start, item.end - context.start
    lo, hi = max(0, qs - before), min(len(context.text), qe + after)
    return context.text[lo:hi], qs - lo, qe - lo, lo > 0, hi < len(context.text)


def passage_html(n: int, item, context=None) -> str:
    """One source card: number, title, file and span, the passage with the quote highlighted."""
    if context is None:
        body = highlighted(item.text, 0, len(item.text))
        meta = f"{html.escape(item.source)}</code> · {item.start}–{item.end}"
    else:
        text, qs, qe, before, after = excerpt(context, item)
        body = ("…" if before else "") + highlighted(text, qs, qe) + ("…" if after else "")
        meta = (f"{html.escape(item.source)}</code> · 引文 {item.start}–{item.end}"
                f" · 段落 {context.start}–{context.end}")
    return (
        f'<article class="src-card" id="src-{n}">'
        f'<header><span class="src-num">[{n}]</span> <span class="src-title">{html.escape(item.title or "—")}</span></header>'
        f'<div class="src-meta"><code>{meta}</div>'
        f'<div class="src-text">{body}</div></article>'
    )


def sources_html(answer: rag.Answer | None) -> str:
    """The sources panel: one card per cited passage, shown in its retrieved context."""
    if answer is None:
        return placeholder_html()
    items = cited_items(answer)
    if not items:
        return placeholder_html(TEXTS[language(answer.question)]["no_hits"])
    cards = [passage_html(n, q, context_hit(q, answer.hits)) for n, q in enumerate(items, 1)]
    return '<div class="src-list">' + "".join(cards) + "</div>"


def placeholder_html(message: str = "提问后,这里显示每条引文在原文中的位置。<br>"
                     "Ask a question to see each quote in its article.") -> str:
    """The empty sources panel. ``message`` is trusted app text, never corpus text."""
    return f'<div class="src-empty">{message}</div>'


# ---------------------------------------------------------------- chat handlers

def user_turn(message: str, history: list) -> tuple[list, str, str]:
    """Show the user's question at once (escaped), clear the input box, keep the question."""
    history = list(history or [])
    if (message or "").strip():
        history.append({"role": "user", "content": escape_markdown(message.strip())})
    return history, "", message or ""


def as_int(value: object) -> object:
    """The slider's float as an int; anything else is passed on for the retriever to refuse clearly."""
    try:
        return int(value) if isinstance(value, float) else value
    except (ValueError, OverflowError):  # nan, inf
        return value


def make_responder(base: rag.Retriever, library: rag.Library | None = None):
    """The bot-turn handler bound to a loaded retriever, or to the chosen collection of a library."""

    def retriever_for(collection: str | None) -> rag.Retriever | None:
        return library.retriever(collection) if library is not None and collection else base

    def respond(message: str, history: list, k: float, mode: str, collection: str | None = None,
                sources: list[str] | None = None, since: str = "", until: str = "", section: str = ""):
        """Answer the current question alone (see module docstring), within the Settings' filters,
        and fill the panels."""
        question = (message or "").strip() if isinstance(message, str) else ""
        history = list(history or [])
        if not any(ch.isprintable() and not ch.isspace() for ch in question):  # blank or control characters
            history.append({"role": "assistant", "content": TEXTS[language(question)]["empty"]})
            return history, placeholder_html(), ""
        try:
            retriever = retriever_for(collection)
            if retriever is None:
                history.append({"role": "assistant", "content": TEXTS[language(question)]["empty_collection"]})
                return history, placeholder_html(), ""
            answer = retriever.answer(question, k=as_int(k), mode=mode, sources=sources or None,
                                      since=(since or "").strip() or None, until=(until or "").strip() or None,
                                      section=(section or "").strip() or None)
            read = retriever.read_query(question)
        except rag.RagError as err:
            reply = TEXTS[language(question)]["error"] + escape_markdown(str(err))
            history.append({"role": "assistant", "content": reply})
            return history, placeholder_html(), ""
        history.append({"role": "assistant", "content": shortened_note(read) + format_answer(answer)})
        return history, sources_html(answer), format_citations(answer)

    return respond


# ---------------------------------------------------------------- layout

CSS = """
.gradio-container { max-width: 1400px !important; margin: 0 auto !important; }
body, .gradio-container, .prose { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC",
  "Microsoft YaHei", system-ui, sans-serif !important; }
#app-title h1 { margin: 0.2em 0 0; font-size: 1.6em; }
#app-title p { margin: 0.2em 0 0.6em; color: var(--body-text-color-subdued); }
#chat .message { font-size: 15px; line-height: 1.75; }
.src-list { max-height: 620px; overflow-y: auto; padding-right: 6px; }
.src-list { display: flex; flex-direction: column; gap: 12px; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 14px;
  background: var(--background-fill-primary); }
.src-card header { font-weight: 600; font-size: 15px; margin-bottom: 4px; }
.src-num { color: var(--color-accent); margin-right: 2px; }
.src-meta { font-size: 12px; color: var(--body-text-color-subdued); margin-bottom: 8px; }
.src-meta code { font-size: 12px; }
.src-text { white-space: pre-wrap; font-size: 14px; line-height: 1.8; }
.src-text mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.src-empty { color: var(--body-text-color-subdued); padding: 24px 8px; text-align: center; line-height: 1.8; }
"""

INTRO = """# 报纸档案问答 · Newspaper archive Q&A
每个回答都是报纸原文的引文,附编号出处(标题、文件、字符位置)。每个问题单独检索:追问时请写完整的问题。
*Answers are verbatim quotes with numbered citations. Each question is searched on its own, so write follow-ups in full.*"""


def build_app(library: rag.Library) -> gr.Blocks:
    """The page: the collection choice above two tabs, the chat (chat left, sources and settings
    right) and the Library."""
    respond = make_responder(library.retriever(rag.DEFAULT_COLLECTION), library)
    with gr.Blocks(title="报纸档案问答") as demo:
        with gr.Row(equal_height=True):
            gr.Markdown(INTRO, elem_id="app-title", scale=4)
            collection = gr.Dropdown(library.names(), value=rag.DEFAULT_COLLECTION, label="资料库 · Collection",
                                     info="问答使用的资料库 · What the chat answers from", elem_id="collection",
                                     scale=1, min_width=260)
        with gr.Tabs():
            with gr.Tab("问答 · Chat", id="chat", elem_id="chat-tab"):
                chat_tab(respond, collection, library)
            build_library_tab(demo, library, collection)
        api.register(lambda: library.retriever(rag.DEFAULT_COLLECTION))
    return demo


def source_names(library: rag.Library, collection: str | None) -> list[str]:
    """The files a chat question can be limited to: those of the chosen collection."""
    try:
        return [d.source for d in library.documents(collection or rag.DEFAULT_COLLECTION)]
    except rag.RagError:
        return []


def chat_tab(respond, collection: gr.Dropdown, library: rag.Library) -> None:
    """The chat on the left; sources, copyable citations and settings on the right."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=6):
            chat = gr.Chatbot(
                elem_id="chat", label="对话 · Chat", show_label=False, height=580, sanitize_html=True, allow_tags=False,
                latex_delimiters=[], buttons=["copy"], feedback_options=None,
                placeholder="问一个关于报纸档案的问题 · Ask about the archive")
            with gr.Row():
                box = gr.Textbox(elem_id="question", show_label=False, scale=8, lines=1, max_lines=4,
                                 placeholder="输入问题,按 Enter 发送 · Type a question, press Enter",
                                 autofocus=True)
                send = gr.Button("提问 · Ask", variant="primary", scale=1, elem_id="ask", min_width=120)
            gr.Examples(EXAMPLES, inputs=box, label="示例问题 · Examples")
            clear = gr.Button("清空对话 · Clear", size="sm", variant="secondary")
        with gr.Column(scale=5):
            gr.Markdown("### 出处 · Sources")
            sources = gr.HTML(placeholder_html(), elem_id="sources-box")
            cites = gr.Textbox(label="引用(可复制) · Citations", lines=3, max_lines=10,
                               interactive=False, buttons=["copy"], elem_id="citations")
            with gr.Accordion("设置 · Settings", open=False):
                k = gr.Slider(1, 10, value=DEFAULT_K, step=1, label="检索段落数 · Passages (k)")
                mode = gr.Radio(list(rag.MODES), value=rag.DEFAULT_MODE, label="检索方式 · Search mode")
                only = gr.Dropdown(source_names(library, rag.DEFAULT_COLLECTION), value=[], multiselect=True,
                                   label="只看这些文件 · Only these files", elem_id="filter-sources")
                with gr.Row():
                    since = gr.Textbox("", label="起始日期 · Since", placeholder="YYYY-MM-DD", elem_id="filter-since")
                    until = gr.Textbox("", label="截止日期 · Until", placeholder="YYYY-MM-DD", elem_id="filter-until")
                section = gr.Textbox("", label="版面栏目 · Section", placeholder="广角", elem_id="filter-section")
    collection.change(lambda name: gr.Dropdown(choices=source_names(library, name), value=[]), collection, only,
                      queue=False)
    pending = gr.State("")
    for trigger in (box.submit, send.click):
        trigger(user_turn, [box, chat], [chat, box, pending], queue=False).then(
            respond, [pending, chat, k, mode, collection, only, since, until, section], [chat, sources, cites])
    clear.click(lambda: ([], placeholder_html(), ""), None, [chat, sources, cites], queue=False)


# ---------------------------------------------------------------- entry point

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options; the port defaults to $GRADIO_SERVER_PORT, then 7860."""
    p = argparse.ArgumentParser(prog="python -m ui.app", description=__doc__.splitlines()[0])
    p.add_argument("--index", help="index folder (default: the project's default index)")
    p.add_argument("--collections", help="folder of the Library's collections (default: $RAG_COLLECTIONS, "
                                         "else indexes/collections)")
    p.add_argument("--max-upload-mb", type=float, default=None,
                   help=f"largest file a user may upload (default: $RAG_MAX_UPLOAD_MB, else {rag.MAX_UPLOAD_MB})")
    p.add_argument("--concurrency", type=int, default=int(os.environ.get("RAG_CONCURRENCY") or DEFAULT_CONCURRENCY),
                   help=f"questions answered at once (default: $RAG_CONCURRENCY, else {DEFAULT_CONCURRENCY})")
    p.add_argument("--no-batching", action="store_true", default=os.environ.get("RAG_BATCHING") == "0",
                   help="encode each question on its own, not in micro-batches with others asked at the same "
                        "moment (default: batched; RAG_BATCHING=0 also turns it off)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT") or DEFAULT_PORT))
    p.add_argument("--auth", help="require a login for the whole app (chat and Library), given as user:password")
    args = p.parse_args(argv)
    if args.concurrency < 1:
        p.error(f"--concurrency must be at least 1, got {args.concurrency}")
    return args


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'user:password' -> (user, password); None when not given."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not (sep and user and password):
        raise SystemExit("--auth must look like user:password")
    return user, password


def main(argv: Sequence[str] | None = None) -> int:
    """Load the index once, then serve the chat; exit 2 when the index cannot be used."""
    args = parse_args(argv)
    auth = parse_auth(args.auth)
    try:
        library = rag.Library(args.index, args.collections, args.max_upload_mb, batch_queries=not args.no_batching)
    except rag.RagError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    retriever = library.retriever(rag.DEFAULT_COLLECTION)
    retriever.answer("网格员 grid")  # warm-up: the model's first call is slow, so not the first user's
    print(f"loaded {retriever.index_dir} ({len(retriever)} passages); collections in {library.root}", flush=True)
    build_app(library).queue(default_concurrency_limit=args.concurrency).launch(
        server_name=args.host, server_port=args.port, share=False, auth=auth,
        max_file_size=int(library.max_upload_mb * 1024 * 1024),
        theme=gr.themes.Soft(primary_hue="teal"), css=CSS + LIBRARY_CSS, footer_links=[])
    return 0


if __name__ == "__main__":
    sys.exit(main())
