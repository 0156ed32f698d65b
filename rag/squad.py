"""SQuAD-format reading-comprehension sets (SQuAD, DRCD, CMRC...) as a corpus and a QA set.

``rag eval --squad FILE`` indexes the contexts of N articles, leaves M more out so that their
questions have no answer in the index, and scores retrieval and answers the way ``rag eval``
does. A left-out article's question keeps its gold answers ("left_out_answers"): another indexed
article may state the same fact, and the report counts the answers that quote it. Each paragraph becomes one ``.jsonl`` corpus file (title: the article's title), so a
question's gold file is its own paragraph and its evidence is its answer text.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from .errors import RagError

FIX = "pass a SQuAD-format JSON file: {\"data\": [{\"title\", \"paragraphs\": [{\"context\", \"qas\": [...]}]}]}"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]  # empty for a SQuAD 2.0 question the paragraph cannot answer


@dataclass(frozen=True)
class Paragraph:
    context: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Article:
    title: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Sample:
    indexed: list[Article]
    absent: list[Article]  # left out of the index: their questions have no answer there


def load(path: Path) -> list[Article]:
    """The articles of a SQuAD-format file; RagError naming the file and the fix when it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise RagError(f"cannot read {path} ({exc.strerror or exc}); {FIX}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RagError(f"{path} is not UTF-8 JSON ({exc}); {FIX}") from None
    try:
        articles = [_article(a) for a in data["data"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise RagError(f"{path} is not in SQuAD format (missing or wrong {exc}); {FIX}") from None
    if not articles:
        raise RagError(f"{path} holds no articles; {FIX}")
    return articles


def _article(raw: dict) -> Article:
    return Article(str(raw.get("title") or "").strip(), tuple(_paragraph(p) for p in raw["paragraphs"]))


def _paragraph(raw: dict) -> Paragraph:
    context = raw["context"]
    if not isinstance(context, str):
        raise TypeError("context")
    questions = tuple(Question(str(q["id"]), q["question"], _answers(q, context)) for q in raw["qas"])
    return Paragraph(context, questions)


def _answers(q: dict, context: str) -> tuple[str, ...]:
    """Distinct answer texts that occur in the context (SQuAD 2.0 impossible questions have none)."""
    if q.get("is_impossible"):
        return ()
    texts = [a["text"] for a in q.get("answers", []) if isinstance(a.get("text"), str) and a["text"].strip()]
    return tuple(dict.fromkeys(t for t in texts if t in context))


def sample(articles: list[Article], indexed: int, absent: int, seed: int = 0) -> Sample:
    """``indexed`` articles to index and ``absent`` others to leave out, drawn reproducibly by ``seed``."""
    if indexed < 1 or absent < 0:
        raise RagError(f"--articles must be at least 1 and --absent at least 0, got {indexed} and {absent}")
    if indexed + absent > len(articles):
        raise RagError(f"the file has {len(articles)} articles, fewer than --articles {indexed} + --absent {absent}; "
                       "ask for fewer")
    chosen = random.Random(seed).sample(articles, indexed + absent)
    return Sample(chosen[:indexed], chosen[indexed:])


def file_name(article_no: int, paragraph_no: int) -> str:
    return f"{article_no:04d}_{paragraph_no:03d}.jsonl"


def write_corpus(articles: list[Article], folder: Path) -> None:
    """One .jsonl file per paragraph; files of an earlier, different sample are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for a_no, article in enumerate(articles):
        for p_no, paragraph in enumerate(article.paragraphs):
            line = json.dumps({"title": article.title, "text": paragraph.context}, ensure_ascii=False)
            wanted[file_name(a_no, p_no)] = line + "\n"
    for stale in set(p.name for p in folder.glob("*.jsonl")) - set(wanted):
        (folder / stale).unlink()
    for name, content in wanted.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:  # unchanged files keep their vectors
            path.write_text(content, encoding="utf-8")


def qa_items(chosen: Sample) -> list[dict]:
    """The QA set (the contract's format): answerable questions cite their paragraph's file."""
    items = []
    for a_no, article in enumerate(chosen.indexed):
        for p_no, paragraph in enumerate(article.paragraphs):
            for q in paragraph.questions:
                if q.answers:
                    items.append({"id": q.id, "question": q.question, "seed": file_name(a_no, p_no),
                                  "evidence": list(q.answers), "answer": q.answers[0], "type": "squad"})
                else:  # SQuAD 2.0: about this paragraph, yet not answered by it
                    items.append(_unanswerable(q, "unanswerable-near"))
    items += [{**_unanswerable(q, "unanswerable"), "left_out_answers": list(q.answers)}
              for article in chosen.absent for p in article.paragraphs for q in p.questions]
    return items


def _unanswerable(q: Question, kind: str) -> dict:
    return {"id": q.id, "question": q.question, "seed": None, "evidence": [], "answer": "", "type": kind}
