"""A SQuAD-format file converted to simplified Chinese with the project's OpenCC tables
(rag.text.to_simplified), answer offsets recomputed, so `rag eval --squad` can score a traditional
set such as DRCD in the other script.

    .venv/bin/python eval/simplify_squad.py ../shared/external/drcd_dev.json OUT.json
    rag eval --squad OUT.json --articles 100 --absent 50 --seed 2 --config default
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.text import to_simplified  # noqa: E402


def simplified_answer(context: str, simple_context: str, answer: dict) -> dict:
    """The answer in simplified text at its offset there: the converted prefix's length, or where
    the converted answer first occurs when a phrase straddles the answer's start."""
    text = to_simplified(answer["text"])
    start = len(to_simplified(context[:answer["answer_start"]]))
    if simple_context[start:start + len(text)] != text and (found := simple_context.find(text)) >= 0:
        start = found
    return {**answer, "text": text, "answer_start": start}


def simplify(data: dict) -> dict:
    for article in data["data"]:
        article["title"] = to_simplified(article["title"])
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            paragraph["context"] = to_simplified(context)
            for qa in paragraph["qas"]:
                qa["question"] = to_simplified(qa["question"])
                qa["answers"] = [simplified_answer(context, paragraph["context"], a) for a in qa.get("answers", [])]
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    data = simplify(json.loads(args.source.read_text(encoding="utf-8")))
    args.out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
