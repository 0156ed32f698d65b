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


# Stored in index manifests: keyword tokens from another tokeniser version would not match queries.
TOKENIZER_VERSION = "jieba-rs-search/nfkc-lower-t2s/2"


def normalize(text: str) -> str:
    """Fold full/half width (NFKC), case and traditional characters, for matching only.

    'ＡＢＣ１２' matches 'abc12' and '黨員學習' matches '党员学习'. Used for BM25
    tokens and the fake encoder, never for what is shown: quotes stay as written.
    """
    return to_simplified(unicodedata.normalize("NFKC", text).lower())


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese with OpenCC's t2s tables, context-free and fast.

    A phrase from OpenCC's phrase table (乾隆, 瞭解) takes its listed form;
    every other character its first listed simplified form. Context-free, so
    a query and a document always fold the same way, and ~100x faster than
    OpenCC's own segmenting converter (about 10 ms per 100,000 characters).
    """
    phrases, pattern, table = _t2s_tables()
    pieces = pattern.split(text)  # odd pieces are phrase matches
    return "".join(phrases[p] if i % 2 else p.translate(table) for i, p in enumerate(pieces))


@lru_cache(maxsize=1)
def _t2s_tables() -> tuple[dict[str, str], re.Pattern, dict[int, str]]:
    """(phrase map, phrase pattern, character table) from opencc-python-reimplemented's data."""
    from importlib.resources import files

    folder = files("opencc") / "dictionary"

    def load(name: str) -> dict[str, str]:
        pairs = (line.split("\t", 1) for line in (folder / name).read_text("utf-8").splitlines() if "\t" in line)
        return {k: v.split(" ")[0] for k, v in pairs if k and v}

    chars = load("TSCharacters.txt")
    phrases = load("TSPhrases.txt")
    table = {ord(k): v for k, v in chars.items() if len(k) == 1 and k != v}
    pattern = re.compile("(" + "|".join(map(re.escape, sorted(phrases, key=len, reverse=True))) + ")")
    return phrases, pattern, table


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


# jieba-rs keeps "1-2" or "b-52" as one token where jieba splits at the hyphen; split them the same way.
_HYPHEN_JOINED = re.compile(r"(?<=[0-9a-z])-(?=[0-9a-z])")


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of the normalised text, without punctuation or stopwords; numbers kept.

    Segmented by jieba-rs (rjieba), the Rust port of jieba with its dictionary and HMM: ~19x faster,
    which a million-article build needs. On the seed pages, DRCD contexts and QA questions it gives
    jieba's tokens for 97% of texts; the rest differ in English words it keeps that jieba drops.
    """
    tokens: list[str] = []
    for tok in _rjieba().cut_for_search(normalize(text), True):
        tokens.extend(_HYPHEN_JOINED.split(tok) if "-" in tok else (tok,))
    return [t for t in (tok.strip() for tok in tokens) if t and t not in STOPWORDS and not _PUNCT_OR_SPACE.match(t)]


@lru_cache(maxsize=1)
def _rjieba():
    import rjieba

    return rjieba


_CJK_OR_PUNCT = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201d]")
_LINE_BREAK = re.compile(r"[ \t\u3000]*\n\s*")


def one_line(text: str) -> str:
    """For display: join lines (column and paragraph breaks on the page), with nothing next to
    Chinese text and a space between Latin words. Offsets always refer to the file, not this."""
    def joiner(m: re.Match) -> str:
        around = text[m.start() - 1:m.start()] + text[m.end():m.end() + 1]
        return "" if _CJK_OR_PUNCT.search(around) else " "
    return _LINE_BREAK.sub(joiner, text).strip()


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
