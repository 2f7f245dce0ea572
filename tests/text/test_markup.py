"""[pause] markup: exact durations, and errors that point at the line and column."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.text.errors import MarkupError, MarkupErrors
from engine.text.markup import (
    MAX_PAUSE_S,
    Origin,
    Pause,
    Speech,
    check_markup,
    markup_errors,
    parse_markup,
    strip_markup,
)
from engine.text.naming import text_slug


def test_pause_in_seconds_and_milliseconds_give_the_same_exact_length():
    a = parse_markup("Hello [pause 0.8s] world")
    b = parse_markup("Hello [pause 800ms] world")
    assert [type(s) for s in a] == [Speech, Pause, Speech]
    assert a[1].samples(24000) == b[1].samples(24000) == 19200
    assert a[1].markup == "[pause 0.8s]"
    assert (a[0].text, a[2].text) == ("Hello ", " world")


@pytest.mark.parametrize(
    "markup, seconds",
    [
        ("[pause 1s]", 1.0),
        ("[Pause 250ms]", 0.25),
        ("[ pause  2.5 s ]", 2.5),
        ("[pause .5s]", 0.5),
        ("[pause 0s]", 0.0),
    ],
)
def test_pause_spellings(markup, seconds):
    (pause,) = parse_markup(markup)
    assert isinstance(pause, Pause) and pause.duration_s == pytest.approx(seconds)


def test_segments_cover_the_text_exactly():
    text = "[pause 1s]One. [pause 200ms][pause 1s] Two [pause 0.1s]"
    segments = parse_markup(text)
    assert "".join(text[s.start : s.end] for s in segments) == text
    assert [s.end for s in segments[:-1]] == [s.start for s in segments[1:]]


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("Hi [pauze 1s] there", 4, "Unknown markup [pauze 1s]"),
        ("Hi [laughs] there", 4, "Unknown markup [laughs]"),
        ("Hi [pause -1s] there", 4, "cannot be negative"),
        ("Hi [pause 99s] there", 4, "longer than the longest pause"),
        ("Hi [pause 1.2.3s]", 4, "not a length"),
        ("Hi [pause 1]", 4, "not a length"),
        ("Hi [pause] there", 4, "has no length"),
        ("Hi [pause 1s there", 4, "not closed"),
        ("Hi pause 1s] there", 12, "no '['"),
        ("A [[pause 1s] B", 3, "not closed"),
    ],
)
def test_bad_markup_is_an_error_at_its_line_and_column(text, column, words):
    with pytest.raises(MarkupError) as err:
        parse_markup(text, Origin(line=7, column=1, source="chapter.txt"))
    assert (err.value.line, err.value.column) == (7, column)
    assert words in str(err.value)
    assert str(err.value).startswith(f"chapter.txt, line 7, column {column}: ")
    assert isinstance(err.value, InputError) and isinstance(err.value, ValueError)


def test_a_typo_gets_a_suggestion():
    with pytest.raises(MarkupError) as err:
        parse_markup("[pauze 1s]")
    assert "Did you mean [pause" in err.value.hint


def test_error_positions_follow_newlines_and_offsets():
    with pytest.raises(MarkupError) as err:
        parse_markup("first line\nsecond [oops] line", Origin(line=10, column=5))
    assert (err.value.line, err.value.column) == (11, 8)
    with pytest.raises(MarkupError) as err:
        parse_markup("ab [oops]", Origin(line=3, column=5))
    assert (err.value.line, err.value.column) == (3, 8)


def test_unknown_column_counts_characters_of_the_text():
    with pytest.raises(MarkupError) as err:
        parse_markup("ab [oops]", Origin(line=3, column=None))
    assert (err.value.line, err.value.column) == (3, 4)
    assert "line 3, character 4" in str(err.value)


def test_the_limit_itself_is_allowed():
    (pause,) = parse_markup(f"[pause {MAX_PAUSE_S:g}s]")
    assert pause.duration_s == MAX_PAUSE_S


def test_strip_markup():
    assert strip_markup("  Hello [pause 1s]world.\n Bye ") == "Hello world. Bye"


def test_every_markup_error_is_found_with_its_column():
    text = "Hi [pauze 1s] and [pause 99s], ] then [pause 1s] [laughs]"
    errors = markup_errors(text, Origin(line=4, column=3, source="s.txt"))
    assert [(e.line, e.column) for e in errors] == [(4, 6), (4, 21), (4, 34), (4, 52)]
    assert ["Unknown markup [pauze" in errors[0].reason, "longest pause" in errors[1].reason] == [True, True]
    assert "no '['" in errors[2].reason and "Unknown markup [laughs]" in errors[3].reason
    assert markup_errors("Fine [pause 1s] here.") == []
    with pytest.raises(MarkupError) as first:  # parsing stops at the first, as before
        parse_markup(text, Origin(line=4, column=3))
    assert first.value.column == 6 and not isinstance(first.value, MarkupErrors)


def test_check_markup_raises_them_all_at_once():
    with pytest.raises(MarkupErrors) as err:
        check_markup("One [pauze 1s]\ntwo [pause]", Origin(line=2, column=1, source="s.txt"))
    e = err.value
    assert isinstance(e, MarkupError) and isinstance(e, InputError)
    assert [(x.line, x.column) for x in e.errors] == [(2, 5), (3, 5)]
    assert (e.line, e.column) == (2, 5)  # the first problem's place, for code that shows one
    assert str(e).splitlines()[:3] == [
        "s.txt has 2 problems:",
        "  line 2, column 5: Unknown markup [pauze 1s]. Square brackets hold markup; the one Timbre "
        "knows is [pause 0.8s] or [pause 800ms].",
        "  line 3, column 5: [pause] has no length.",
    ]
    assert "Did you mean [pause ...]?" in e.hint and "Write how long to pause" in e.hint
    with pytest.raises(MarkupError) as one:
        check_markup("Only [pauze 1s] here")
    assert not isinstance(one.value, MarkupErrors)


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Thanks, glad to be here. [pause 300ms] Really.", "thanks-glad-to-be-here-really"),
        ("[pause 0.8s]Welcome [pause 800ms] back!", "welcome-back"),
        ("A typo [pauze 1s] is no word either", "a-typo-is-no-word-either"),
        ("[pause 1s]", "take"),
        ("Ünïcode: 日本語 OK", "ünïcode-日本語-ok"),
    ],
)
def test_file_names_from_text_leave_the_markup_out(text, slug):
    assert text_slug(text) == slug
    assert "[" not in text_slug(text) and "pause" not in text_slug(text)
