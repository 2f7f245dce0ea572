"""Script files: plain text, CSV/TSV and SRT, and clear errors with line numbers for broken ones."""

from __future__ import annotations

import pytest

from engine.text.errors import MarkupError, ScriptError, ScriptErrors, UnknownVoiceError
from engine.text.script import (
    ScriptLine,
    check_languages,
    check_voices,
    detect_format,
    parse_script,
    parse_script_lines,
    parse_script_text,
)


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def error_of(text: str, fmt: str, source: str | None = None) -> ScriptError:
    with pytest.raises(ScriptError) as err:
        parse_script_text(text, fmt, source)
    return err.value


# ----- plain text ------------------------------------------------------------------------------
def test_plain_text_one_take_per_line(tmp_path):
    path = write(
        tmp_path,
        "script.txt",
        "# Chapter one\n\nWelcome back.\r\n   Thanks [pause 0.5s] for coming.  \n\n\\# not a comment\nIs it #1?\n",
    )
    lines = parse_script(path)
    assert [(ln.line, ln.text) for ln in lines] == [
        (3, "Welcome back."),
        (4, "Thanks [pause 0.5s] for coming."),
        (6, "# not a comment"),
        (7, "Is it #1?"),
    ]
    assert lines[1].spoken_text == "Thanks for coming."
    assert lines[0] == ScriptLine("Welcome back.", 3)


def test_plain_text_markup_error_points_at_line_and_column(tmp_path):
    path = write(tmp_path, "script.txt", "Fine.\n\n   Say [pauze 1s] this.\n")
    with pytest.raises(MarkupError) as err:
        parse_script(path)
    assert (err.value.line, err.value.column, err.value.source) == (3, 8, "script.txt")
    assert str(err.value).startswith("script.txt, line 3, column 8: Unknown markup [pauze 1s]")


BAD_PLAIN = (
    "Fine.\n  Say [pauze 1s] this.\n[pause 2s]\n# a note\nTwo [pawse 1s] typos [pause 99s].\nAlso fine.\n"
)


def test_every_bad_line_is_reported_with_line_and_column(tmp_path):
    with pytest.raises(ScriptErrors) as err:
        parse_script(write(tmp_path, "script.txt", BAD_PLAIN))
    e = err.value
    assert [(x.line, x.column) for x in e.errors] == [(2, 7), (3, None), (5, 5), (5, 22)]
    message = str(e)
    assert message.startswith("script.txt has 4 problems:\n  line 2, column 7: Unknown markup [pauze 1s].")
    assert "\n  line 3: This line has markup but nothing to speak." in message
    assert "\n  line 5, column 5: Unknown markup [pawse 1s]." in message
    assert "\n  line 5, column 22: [pause 99s] is longer than the longest pause" in message
    assert (e.line, e.column, e.source) == (2, 7, "script.txt")


def test_parse_script_lines_keeps_every_lines_result():
    parsed = parse_script_lines(BAD_PLAIN, "text", "script.txt")
    assert [(r.number, r.ok) for r in parsed.results] == [
        (1, True),
        (2, False),
        (3, False),
        (5, False),
        (6, True),
    ]
    assert [ln.text for ln in parsed.lines] == ["Fine.", "Also fine."]
    two = parsed.results[3]
    assert two.line is None and [x.column for x in two.errors] == [5, 22]
    assert [x.line for x in parsed.errors] == [2, 3, 5, 5]
    with pytest.raises(ScriptErrors):
        parsed.raise_errors()
    clean = parse_script_lines("One.\n\nTwo [pause 1s] three.\n")
    assert clean.errors == [] and [r.line.line for r in clean.results] == [1, 3]
    clean.raise_errors()  # nothing to raise
    assert parse_script_lines("").results == () and parse_script_lines("# note\n").lines == []


def test_csv_rows_with_problems_are_all_reported_and_the_rest_parsed():
    text = "text,seed,file\nGood one,1,a\nBad [pauze 1s],x,b\n,2,c\nAlso good,,d\nDup,,A.wav\n"
    parsed = parse_script_lines(text, "csv", "cast.csv")
    assert [(r.number, r.ok) for r in parsed.results] == [
        (2, True),
        (3, False),
        (4, False),
        (5, True),
        (6, False),
    ]
    assert [len(r.errors) for r in parsed.results] == [0, 2, 1, 0, 1]  # markup and seed on line 3
    assert "also used on line 2" in parsed.results[4].errors[0].reason
    with pytest.raises(ScriptErrors) as err:
        parse_script_text(text, "csv", "cast.csv")
    assert str(err.value).startswith("cast.csv has 4 problems:\n  line 3, character 5: Unknown markup")
    # A broken header ends the reading: no row can be read without it.
    broken = parse_script_lines("txt,voice\nHi,A\n", "csv")
    assert [(r.number, r.ok) for r in broken.results] == [(1, False)]


def test_srt_cues_with_problems_are_all_reported():
    text = SRT.replace("00:00:04,250 --> 00:00:06,000 X1:10 X2:20", "00:00:0x,000 --> 00:00:06,000")
    text = text.replace("Third.", "Third [pauze 1s].")
    parsed = parse_script_lines(text, "srt")
    assert [(r.number, r.ok) for r in parsed.results] == [(3, True), (7, False), (12, False)]
    assert "not a valid cue timing line" in parsed.results[1].errors[0].reason
    assert parsed.results[2].errors[0].column == 7


def test_a_line_of_markup_alone_is_an_error():
    err = error_of("Hello.\n[pause 2s]\n", "text")
    assert err.line == 2 and "nothing to speak" in str(err)


@pytest.mark.parametrize("fmt", ["text", "csv", "tsv", "srt"])
def test_empty_script_is_an_error(fmt):
    content = {"text": "# only a comment\n\n", "csv": "text,voice\n\n", "tsv": "text\n", "srt": "\n\n"}[fmt]
    err = error_of(content, fmt, "empty." + fmt)
    assert "no line to render" in str(err) and err.source == "empty." + fmt


def test_not_utf8_is_an_error_with_the_line(tmp_path):
    path = write(tmp_path, "latin1.txt", "Hello.\nCaf\xe9 time.\n".encode("latin-1"))
    with pytest.raises(ScriptError) as err:
        parse_script(path)
    assert err.value.line == 2 and "UTF-8" in str(err.value)


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(ScriptError, match="does not exist"):
        parse_script(tmp_path / "nope.txt")
    with pytest.raises(ScriptError, match="script type '.docx'"):
        detect_format("chapter.docx")
    assert [detect_format(n) for n in ("a.TXT", "b.csv", "c.tsv", "d.srt", "e")] == [
        "text",
        "csv",
        "tsv",
        "srt",
        "text",
    ]


# ----- CSV / TSV -------------------------------------------------------------------------------
def test_csv_with_all_columns(tmp_path):
    path = write(
        tmp_path,
        "lines.csv",
        "\ufeffText, Voice ,language,SEED,file,notes\n"
        '"Hello, world.",Alice,English,42,intro.wav,first\n'
        "\n"
        'Plain line,,,,,\n"She said ""hi"".",Bob,,7,,\n'
        '"Two\nlines [pause 1s] here",Alice,,,outro,\n',
    )
    lines = parse_script(path)
    assert lines == [
        ScriptLine("Hello, world.", 2, "Alice", "English", 42, "intro.wav"),
        ScriptLine("Plain line", 4),
        ScriptLine('She said "hi".', 5, "Bob", seed=7),
        ScriptLine("Two\nlines [pause 1s] here", 6, "Alice", file_name="outro"),
    ]


def test_tsv_from_extension_and_semicolons_sniffed(tmp_path):
    tsv = write(tmp_path, "lines.tsv", "text\tvoice\nHello, there; friend.\tAlice\n")
    assert parse_script(tsv) == [ScriptLine("Hello, there; friend.", 2, "Alice")]
    semi = write(tmp_path, "excel.csv", "text;voice\nBonjour, Paris.;Alice\n")
    assert parse_script(semi) == [ScriptLine("Bonjour, Paris.", 2, "Alice")]
    single = write(tmp_path, "single.csv", "text\nJust text\n")
    assert parse_script(single) == [ScriptLine("Just text", 2)]


def test_csv_bad_quoting_reports_the_row_line():
    err = error_of('text,voice\nGood,Alice\n"Bad" quoting,Alice\n', "csv", "s.csv")
    assert err.line == 3 and "not valid CSV" in str(err) and '""' in err.hint
    err = error_of('text,voice\nGood,Alice\n"Never closed,Alice\nmore\n', "csv")
    assert err.line == 3 and "never closed" in str(err)


def test_csv_missing_text_column():
    err = error_of("voice,seed\nAlice,1\n", "csv", "s.csv")
    assert err.line == 1 and "'text' column" in str(err) and "'voice', 'seed'" in str(err)


def test_csv_header_after_blank_lines_reports_its_line():
    err = error_of("\n\nwords,voice\nHi,Alice\n", "csv")
    assert err.line == 3


@pytest.mark.parametrize("seed", ["-1", "4.2", "abc", "99999999999999999999", "١٢"])
def test_csv_bad_seed(seed):
    err = error_of(f"text,seed\nok,1\nHello,{seed}\n", "csv")
    assert err.line == 3 and "seed" in str(err)


def test_csv_row_with_too_many_cells_hints_at_quotes():
    err = error_of("text,voice\nHello, world,Alice\n", "csv")
    assert err.line == 2 and "3 cells" in str(err) and "double quotes" in err.hint


def test_csv_row_without_text():
    err = error_of("text,voice\nHi,Alice\n,Bob\n", "csv")
    assert err.line == 3 and "no text" in str(err)


def test_csv_misspelt_and_duplicate_columns():
    err = error_of("text,voise\nHi,Alice\n", "csv")
    assert err.line == 1 and "did you mean 'voice'" in str(err)
    err = error_of("text,voice,Voice\nHi,A,B\n", "csv")
    assert "twice" in str(err)


def test_csv_markup_error_counts_characters_in_the_text_cell():
    with pytest.raises(MarkupError) as err:
        parse_script_text('text,voice\nok,A\n"Hello [pause 99s]",A\n', "csv")
    assert (err.value.line, err.value.column) == (3, 7)
    assert "line 3, character 7" in str(err.value)


@pytest.mark.parametrize("name", ["../escape.wav", "sub/dir.wav", "C:evil.wav", ".hidden", ".."])
def test_csv_file_names_must_stay_in_the_output_folder(name):
    err = error_of(f"text,file\nHi,{name}\n", "csv")
    assert err.line == 2 and "cannot be used" in str(err)


def test_two_lines_writing_the_same_file_is_an_error():
    err = error_of("text,file\nOne,take.wav\nTwo,x\nThree,Take.flac\n", "csv")
    assert err.line == 4 and "line 2" in str(err)


# ----- SRT -------------------------------------------------------------------------------------
SRT = """1
00:00:01,000 --> 00:00:03,500
Hello there,
[pause 0.3s] general.

2
00:00:04,250 --> 00:00:06,000 X1:10 X2:20
  Second cue.

3
01:02:03.004 --> 01:02:05.000
Third.
"""


def test_srt_cues(tmp_path):
    lines = parse_script(write(tmp_path, "subs.srt", SRT.replace("\n", "\r\n")))
    assert lines == [
        ScriptLine("Hello there, [pause 0.3s] general.", 3, start_s=1.0, end_s=3.5, cue=1),
        ScriptLine("Second cue.", 8, start_s=4.25, end_s=6.0, cue=2),
        ScriptLine("Third.", 12, start_s=3723.004, end_s=3725.0, cue=3),
    ]


def test_srt_without_cue_numbers_and_empty_cues():
    text = "00:00:01,000 --> 00:00:02,000\nOne.\n\n2\n00:00:03,000 --> 00:00:04,000\n\n00:00:05,000 --> 00:00:06,000\nTwo.\n"
    assert [(ln.text, ln.cue, ln.start_s) for ln in parse_script_text(text, "srt")] == [
        ("One.", None, 1.0),
        ("Two.", None, 5.0),
    ]


@pytest.mark.parametrize(
    "timing, words",
    [
        ("00:00:0x,000 --> 00:00:04,000", "not a valid cue timing line"),
        ("00:00:03,000 00:00:04,000", "not a valid cue timing line"),
        ("00:00:03,000 -> 00:00:04,000", "not a valid cue timing line"),
        ("00:03,000 --> 00:00:04,000", "not a valid cue timing line"),
        ("00:00:03,9999 --> 00:00:04,000", "not a valid cue timing line"),
        ("00:00:61,000 --> 00:01:03,000", "not a valid cue timing line"),
        ("00:00:04,000 --> 00:00:03,000", "before or when it starts"),
        ("00:00:04,000 --> 00:00:04,000", "before or when it starts"),
    ],
)
def test_srt_broken_timestamps_are_errors_at_their_line(timing, words):
    text = SRT.replace("00:00:04,250 --> 00:00:06,000 X1:10 X2:20", timing)
    err = error_of(text, "srt", "subs.srt")
    assert err.line == 7 and words in str(err), str(err)
    assert str(err).startswith("subs.srt, line 7: ")


def test_srt_missing_blank_line_between_cues():
    text = "1\n00:00:01,000 --> 00:00:02,000\nOne.\n2\n00:00:03,000 --> 00:00:04,000\nTwo.\n"
    err = error_of(text, "srt")
    assert err.line == 4 and "blank line" in err.hint


def test_srt_block_that_is_not_a_cue():
    err = error_of("1\n00:00:01,000 --> 00:00:02,000\nOne.\n\nJust some text\n", "srt")
    assert err.line == 5 and "cue number or a timing line" in str(err)
    err = error_of("1\n00:00:01,000 --> 00:00:02,000\nOne.\n\n2\n", "srt")
    assert err.line == 5 and "no timing line" in str(err)


def test_srt_markup_error_on_a_second_text_line():
    with pytest.raises(MarkupError) as err:
        parse_script_text("1\n00:00:01,000 --> 00:00:02,000\nOne,\n  two [pause]\n", "srt")
    assert (err.value.line, err.value.column) == (4, 7)


# ----- voices and languages --------------------------------------------------------------------
def test_unknown_voices_are_listed_with_their_lines():
    lines = parse_script_text("text,voice\nA,Alice\nB,alise\nC,Bob\nD,Zed\nE,alise\nF,\n", "csv")
    check_voices(lines, {"Alice", "alise", "Bob", "Zed"})  # lines without a voice are fine
    with pytest.raises(UnknownVoiceError) as err:
        check_voices(lines, {"Alice", "Bob"}, source="s.csv")
    message = str(err.value)
    assert "'alise' (lines 3, 6; did you mean 'Alice'?)" in message
    assert "'Zed' (line 5)" in message
    assert "Alice, Bob" in err.value.hint
    assert err.value.problems == [(3, "alise"), (5, "Zed"), (6, "alise")]


def test_unknown_languages_are_listed_with_their_lines():
    lines = parse_script_text("text,language\nA,English\nB,Klingon\nC,\n", "csv")
    check_languages(lines, {"english", "klingon"})  # case-insensitive
    with pytest.raises(ScriptError) as err:
        check_languages(lines, {"auto", "chinese"})
    assert "'English' (line 2); 'Klingon' (line 3)" in str(err.value)
