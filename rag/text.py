"""Normalisation and tokenisation for keyword search (jieba), in one place only."""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

# Function words and question words carry no topic; dropping them keeps BM25 on content.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 等 也 都 就 对 把 被 为 以 之 而 或 其 这 那 有 个 中 上 下 从 到 向 于 着 过 吗 呢 吧 啊 "
    "什么 哪些 哪个 哪里 哪 怎么 怎样 如何 为什么 为何 多少 几 谁 是否 是不是 请问 一下 了解 关于 "
    "the a an of to in on for and or is are was were be by with what which who how why when where do does did".split()
)
_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$", re.UNICODE)
_SENTENCE_END = "。!?!?;;:：…”\"』」)）"


def normalize(text: str) -> str:
    """Fold full/half width (NFKC) and case so 'ＡＢＣ１２' matches 'abc12'."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of the normalised text, without punctuation or stopwords; numbers kept."""
    tokens = _jieba().lcut_for_search(normalize(text))
    return [t for t in (tok.strip() for tok in tokens) if t and t not in STOPWORDS and not _PUNCT_OR_SPACE.match(t)]


def clean_for_embedding(text: str) -> str:
    """Join lines broken mid-sentence (newspaper columns); keep real paragraph breaks as one newline."""
    pieces = [p.strip() for p in re.split(r"\s*\n\s*", text) if p.strip()]
    if not pieces:
        return ""
    joined = pieces[0]
    for piece in pieces[1:]:
        joined += ("\n" if joined[-1] in _SENTENCE_END else "") + piece
    return joined


_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』)）]*|\n|$)")
_SENTENCE_IN_PARAGRAPH = re.compile(r"[^。！？!?；;]*(?:[。！？!?；;]+[”’」』)）]*|$)")


def sentence_spans(text: str, lines_end_sentences: bool = True) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text, whitespace-trimmed, closing quotes kept with their sentence.

    Inside one paragraph a newline is a column break, not a sentence end: pass
    lines_end_sentences=False there.
    """
    pattern = _SENTENCE if lines_end_sentences else _SENTENCE_IN_PARAGRAPH
    spans = []
    for match in pattern.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans
