from rag.text import clean_for_embedding, normalize, sentence_spans, tokenize


def test_tokenize_splits_chinese_into_words_not_clauses():
    tokens = tokenize("霍林郭勒市配备网格员260人")
    assert "网格员" in tokens or "网格" in tokens
    assert "260" in tokens
    assert all(len(t) < 8 for t in tokens)


def test_tokenize_folds_full_width_and_drops_stopwords_and_punctuation():
    assert tokenize("ＧＤＰ增长１２％") == tokenize("gdp增长12%")
    tokens = tokenize("网格员平时负责哪些工作?")
    assert "哪些" not in tokens and "?" not in tokens and "网格" in tokens and "工作" in tokens


def test_normalize_is_nfkc_lowercase():
    assert normalize("ＡＢＣ，１") == "abc,1"


def test_clean_for_embedding_joins_column_breaks_but_keeps_paragraphs():
    assert clean_for_embedding("诠释爱\n\n岗敬业。\n\n新段落") == "诠释爱岗敬业。\n新段落"


def test_sentence_spans_are_verbatim_and_keep_closing_quotes():
    text = "他说:“好。”然后走了!  最后一句"
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces == ["他说:“好。”", "然后走了!", "最后一句"]


def test_inside_a_paragraph_a_column_break_does_not_end_the_sentence():
    text = "以实际行动诠释爱\n\n岗敬业、见义勇为。第二句。"
    pieces = [text[s:e] for s, e in sentence_spans(text, lines_end_sentences=False)]
    assert pieces == ["以实际行动诠释爱\n\n岗敬业、见义勇为。", "第二句。"]
