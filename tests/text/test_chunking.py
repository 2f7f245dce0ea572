"""Sentence-aware chunking: examples for each rule, and hypothesis properties for all text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.text.boundaries import Level, is_cjk
from engine.text.chunking import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_CHARS_DENSE,
    Chunk,
    chunk_text,
    default_max_chars,
    plan_text,
)
from engine.text.errors import MarkupError
from engine.text.markup import Pause

MARKUP = re.compile(r"\[[^\[\]]*\]")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ----- examples --------------------------------------------------------------------------------
def test_short_sentences_are_packed_together_up_to_the_limit():
    text = "One two. Three four. Five six seven."
    assert chunk_text(text, 20) == ["One two. Three four.", "Five six seven."]
    assert chunk_text(text) == [text]


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    text = "Mr. Smith met Dr. J. R. Jones in the U.S. at 3.14 p.m. on Main St. today. Then, e.g. Paris."
    assert chunk_text(text, 60) == [
        "Mr. Smith met Dr. J. R. Jones in the U.S. at 3.14 p.m. on",
        "Main St. today.",
        "Then, e.g. Paris.",
    ]


def test_number_abbreviations_end_a_sentence_unless_a_number_follows():
    assert chunk_text("See No. 5 and Fig. 2 here. The answer is no. Then we left.", 30) == [
        "See No. 5 and Fig. 2 here.",
        "The answer is no.",
        "Then we left.",
    ]


def test_ellipsis_inside_a_chinese_sentence_is_a_clause():
    plan = plan_text("他说……我们走吧。好的。", 6)
    assert [c.text for c in plan] == ["他说……", "我们走吧。", "好的。"]
    assert [c.cut for c in plan] == [Level.CLAUSE, Level.SENTENCE, None]


def test_lowercase_after_a_stop_continues_the_sentence():
    assert chunk_text('"Help!" she cried. Wait... what? Yes.', 13) == [
        '"Help!" she',
        "cried.",
        "Wait... what?",
        "Yes.",
    ]


def test_quotes_are_not_split_and_closing_quotes_stay_with_their_sentence():
    text = 'He said, "Stop. Now. Please." Then he left. (It was late. Very.) Bye.'
    assert chunk_text(text, 30) == [
        'He said, "Stop. Now. Please."',
        "Then he left.",
        "(It was late. Very.) Bye.",
    ]


def test_a_quote_too_long_for_one_chunk_is_cut_at_its_sentences():
    text = '"This is the first sentence. This is the second one." End.'
    assert chunk_text(text, 30) == ['"This is the first sentence.', 'This is the second one."', "End."]


def test_unmatched_quote_protects_nothing():
    assert chunk_text('He said "oh. Then left. Bye.', 12) == ['He said "oh.', "Then left.", "Bye."]


def test_cjk_sentences_and_closing_brackets():
    text = "你好，世界。今天天气很好！我们去公园吧？「他说：好。」然后走了。"
    assert chunk_text(text, 8) == [
        "你好，世界。",
        "今天天气很好！",
        "我们去公园吧？",
        "「他说：好。」",
        "然后走了。",
    ]


def test_japanese_without_spaces_falls_back_to_commas_then_characters():
    text = "今日はとても良い天気ですね、散歩に行きましょう。"
    assert chunk_text(text, 14) == ["今日はとても良い天気ですね、", "散歩に行きましょう。"]
    assert chunk_text("ありがとうございます", 4) == ["ありがと", "うござい", "ます"]


def test_long_sentence_falls_back_to_clauses_then_words():
    text = "When the rain stopped, we went out; the streets were empty and quiet and very very wet."
    chunks = chunk_text(text, 40)
    assert chunks == [
        "When the rain stopped, we went out;",
        "the streets were empty and quiet and",
        "very very wet.",
    ]
    assert [c.cut for c in plan_text(text, 40)] == [Level.CLAUSE, Level.WORD, None]


def test_a_single_word_longer_than_the_limit_is_its_own_chunk():
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    assert chunk_text(f"A {word} is rare.", 10) == ["A", word, "is rare."]


def test_an_unspaced_em_dash_is_a_clause_mark():
    assert chunk_text("The rain stopped—and then it began again.", 20) == [
        "The rain stopped—",
        "and then it began",
        "again.",
    ]


def test_numbers_with_separators_are_not_cut():
    assert chunk_text("It cost 1,000,000 at 10:30, sadly.", 14) == [
        "It cost",
        "1,000,000 at",
        "10:30, sadly.",
    ]


def test_paragraphs_always_end_a_chunk():
    plan = plan_text("First.\n\nSecond.\r\n\r\nThird.")
    assert [c.text for c in plan] == ["First.", "Second.", "Third."]
    assert [c.cut for c in plan] == [Level.PARAGRAPH, Level.PARAGRAPH, None]


def test_pause_markup_is_its_own_item_and_ends_a_chunk():
    plan = plan_text("Hello there [pause 0.8s] my friend. [pause 1s]")
    assert isinstance(plan[1], Pause) and plan[1].duration_s == 0.8
    assert [type(p) for p in plan] == [Chunk, Pause, Chunk, Pause]
    assert chunk_text("Hello there [pause 0.8s] my friend.") == ["Hello there", "[pause 0.8s]", "my friend."]


def test_chunk_spans_point_into_the_original_text():
    text = "  Alpha beta.  [pause 1s]  Gamma\n delta.  "
    for item in plan_text(text, 12):
        if isinstance(item, Chunk):
            assert " ".join(text[item.start : item.end].split()) == item.text


def test_whitespace_inside_a_chunk_is_collapsed():
    assert chunk_text("Hard\nwrapped   line.") == ["Hard wrapped line."]


def test_default_limit_is_smaller_for_cjk():
    assert default_max_chars("Hello world") == DEFAULT_MAX_CHARS
    assert default_max_chars("你好世界 hi") == DEFAULT_MAX_CHARS_DENSE
    assert default_max_chars("안녕하세요") == DEFAULT_MAX_CHARS_DENSE
    chunks = chunk_text("这是一个很长的句子" * 30)
    assert len(chunks) > 1 and all(len(c) <= DEFAULT_MAX_CHARS_DENSE for c in chunks)


def test_bad_limits_and_bad_markup_are_errors():
    with pytest.raises(InputError):
        chunk_text("Hi.", 0)
    with pytest.raises(MarkupError) as err:
        chunk_text("Fine.\nStill fine [pause 1 s.")
    assert (err.value.line, err.value.column) == (2, 12)


def test_empty_and_blank_text_give_no_chunks():
    assert chunk_text("") == []
    assert chunk_text(" \n\n ") == []


# ----- properties ------------------------------------------------------------------------------
LATIN_PIECES = st.sampled_from(
    [
        "Mr.",
        "Dr.",
        "e.g.",
        "U.S.",
        "3.14",
        "1,000",
        "etc.",
        "...",
        "…",
        '"',
        "'",
        "(",
        ")",
        ";",
        ":",
        ",",
        ".",
        "!",
        "?",
    ]
    + ["—", " ", " ", " ", "\n", "\n\n", "\t"]
)
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789", min_size=1, max_size=25)
CJK_PIECES = st.sampled_from(
    list("你好世界今天气很我们去公园ありがとうカタ") + list("。！？，、；：「」『』（）…")
)
MARKUPS = st.sampled_from(["[pause 0.5s]", "[pause 800ms]", "[ Pause 1 s ]", "[pause 0s]"])


@st.composite
def latin_text(draw, markup: bool = True):
    pieces = draw(st.lists(st.one_of(WORDS, LATIN_PIECES, *([MARKUPS] if markup else [])), max_size=80))
    return "".join(pieces)


@st.composite
def cjk_text(draw):
    return "".join(draw(st.lists(st.one_of(CJK_PIECES, MARKUPS), max_size=80)))


@st.composite
def mixed_text(draw):
    return "".join(draw(st.lists(st.one_of(latin_text(), cjk_text()), max_size=4)))


LIMITS = st.integers(min_value=1, max_value=120)
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


@PROPERTY_SETTINGS
@given(mixed_text(), LIMITS)
def test_chunks_rejoined_equal_the_input_modulo_whitespace(text, limit):
    assert squash("".join(chunk_text(text, limit))) == squash(text)


@PROPERTY_SETTINGS
@given(mixed_text(), LIMITS)
def test_markup_is_never_split(text, limit):
    chunks = chunk_text(text, limit)
    markups = [c for c in chunks if MARKUP.fullmatch(c)]
    assert markups == MARKUP.findall(text)
    assert not any("[" in c or "]" in c for c in chunks if c not in markups)


@PROPERTY_SETTINGS
@given(latin_text(), LIMITS)
def test_latin_chunks_fit_unless_a_single_word(text, limit):
    for chunk in chunk_text(text, limit):
        if not MARKUP.fullmatch(chunk):
            assert len(chunk) <= limit or not any(ch.isspace() for ch in chunk), chunk


@PROPERTY_SETTINGS
@given(latin_text(markup=False), LIMITS)
def test_latin_words_are_never_cut(text, limit):
    # An em dash written without spaces ("rain—and") is a clause mark a cut may follow.
    def words(s: str) -> list[str]:
        return s.replace("—", "— ").split()

    assert words(" ".join(chunk_text(text, limit))) == words(text)


@PROPERTY_SETTINGS
@given(cjk_text(), LIMITS)
def test_cjk_chunks_fit_unless_a_single_character_with_its_punctuation(text, limit):
    for chunk in chunk_text(text, limit):
        if not MARKUP.fullmatch(chunk):
            assert len(chunk) <= limit or sum(map(is_cjk, chunk)) <= 1, chunk


@PROPERTY_SETTINGS
@given(mixed_text(), LIMITS)
def test_chunks_are_never_empty_or_padded(text, limit):
    for chunk in chunk_text(text, limit):
        assert chunk and chunk == chunk.strip()
