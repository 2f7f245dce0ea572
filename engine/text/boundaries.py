"""Where text may be cut into chunks, and how strong each cut is.

A boundary is a position ``p`` in a string: the cut goes between ``text[p - 1]`` and
``text[p]``. Its level says how natural a cut there is, from a paragraph break down to a
plain space between words. The rules lean towards *not* cutting when unsure ("Mr. Smith",
"U.S. Army", "3.14", text inside quotes): a missed sentence end only makes a chunk longer,
while a false one breaks a sentence's melody in two. Pure Python: no torch, no Qt.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum


class Level(IntEnum):
    """How strong a cut is; higher is more natural."""

    WORD = 1  # a space, or between two CJK characters
    COMMA = 2  # , 、 ，
    CLAUSE = 3  # ; : — and a sentence end inside quotes or brackets
    SENTENCE = 4  # . ! ? 。 ！ ？ …
    PARAGRAPH = 5  # a blank line: always cut


LATIN_TERMINATORS = ".!?…‼⁇⁈⁉"
CJK_TERMINATORS = "。！？｡"
# Characters that close a quote or bracket: they stay with the sentence they end.
CLOSERS = "\"'”’»›」』）)】〉》〕｝}］"
# No cut right after these: they open what follows.
OPENERS = "\"'“‘«‹「『（(【〈《〔｛{［¿¡„‚"
COMMAS = ",，、､﹐﹑"
CLAUSE_MARKS = ";；:：—–"
# Japanese/Chinese line-breaking rules: these never start a chunk.
NO_CUT_BEFORE = (
    CLOSERS
    + CJK_TERMINATORS
    + COMMAS
    + CLAUSE_MARKS
    + ".!?…‥ー々〻ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)

# Pairs whose inside should not be cut at a sentence end: opener -> its closer. Straight quotes
# close themselves; German „…“ and both French/German guillemet orders are handled by trying
# to close before trying to open.
PAIRS = {
    "(": ")",
    "（": "）",
    "{": "}",
    "｛": "｝",
    "「": "」",
    "『": "』",
    "【": "】",
    "《": "》",
    "〈": "〉",
    "〔": "〕",
    "“": "”",
    "„": "“",
    "«": "»",
    "»": "«",
    '"': '"',
}

# Words that end in "." without ending a sentence, whatever follows ("Dr. Who", "e.g. Paris").
ABBREVIATIONS = frozenset(
    """mr mrs ms mx dr prof sr jr st mt ft rev fr hon gen col lt capt cmdr sgt cpl pvt adm gov sen rep
    pres supt insp det messrs mme mlle mmes vs cf viz approx ca al e.g i.e""".split()
)
# Words that end in "." without ending a sentence when a number follows ("No. 5", "Fig. 3"), but
# do end one otherwise ("The answer is no. Then...").
NUMBER_ABBREVIATIONS = frozenset("no nos vol vols fig figs eq eqs pp ch chap sec art".split())
# A chain of single letters with dots ("J", "U.S", "a.m", "p.h.d"): initials and initialisms.
_INITIALISM = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]\Z")
_PARAGRAPH = re.compile(r"[ \t\f\v]*\n(?:[ \t\f\v\r]*\n)+")


def is_cjk(ch: str) -> bool:
    """True for Han ideographs and kana: scripts written without spaces, cut between characters."""
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # hiragana, katakana
        or 0x3400 <= o <= 0x4DBF  # CJK extension A
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0x31F0 <= o <= 0x31FF  # katakana phonetic extensions
        or 0xFF66 <= o <= 0xFF9D  # half-width katakana
        or 0x20000 <= o <= 0x3FFFF  # extensions B and later
    )


def is_dense(ch: str) -> bool:
    """CJK or Hangul: characters that each carry about a syllable (used for the default chunk size)."""
    o = ord(ch)
    return is_cjk(ch) or 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F


def protected_spans(text: str) -> list[tuple[int, int]]:
    """``(open, close)`` indices of matched quotes and brackets; unmatched ones protect nothing."""
    stack: list[tuple[str, int]] = []  # (expected closer, index of opener)
    spans = []
    for i, ch in enumerate(text):
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == ch:
                spans.append((stack[depth][1], i))
                del stack[depth:]  # openers left open inside were unmatched
                break
        else:
            if ch in PAIRS:
                stack.append((PAIRS[ch], i))
    return spans


def _word_before(text: str, end: int) -> str:
    """The word that ends at ``text[end - 1]`` (leading quotes and brackets dropped)."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(OPENERS)


def _ends_sentence_at_dot(text: str, dot: int, rest: str) -> bool:
    """Whether the single "." at ``text[dot]`` ends a sentence, judged from the word before it
    and ``rest``, the text after it."""
    word = _word_before(text, dot)
    if not word:
        return True
    lower = word.lower()
    if lower in NUMBER_ABBREVIATIONS:
        return not rest[:1].isdigit()
    return lower not in ABBREVIATIONS and _INITIALISM.match(word) is None


def _skip(text: str, i: int, chars: str) -> int:
    while i < len(text) and text[i] in chars:
        i += 1
    return i


def _sentence_end(text: str, i: int) -> int | None:
    """If a sentence ends with the terminator run starting at ``text[i]``, the cut position."""
    ch = text[i]
    if ch in CJK_TERMINATORS:
        return _skip(text, _skip(text, i, CJK_TERMINATORS + LATIN_TERMINATORS), CLOSERS)
    run_end = _skip(text, i, LATIN_TERMINATORS)
    cut = _skip(text, run_end, CLOSERS)
    if cut < len(text) and not text[cut].isspace():
        if ch != "…" and i > 0 and is_cjk(text[i - 1]) and is_cjk(text[cut]):
            return cut  # Chinese or Japanese written with half-width "!" or "?"
        # "3.14", "e.g.,", "example.com", "Hi!!!she": not an end. An ellipsis (……) straight
        # before a CJK character is a pause inside the sentence: a clause, handled by the caller.
        return None
    rest = text[cut:].lstrip()
    if rest[:1].islower():
        return None  # '"Help!" she cried.' / "at 3 p.m. today": the sentence goes on
    if run_end - i == 1 and ch == "." and not _ends_sentence_at_dot(text, i, rest):
        return None
    return cut


def _inside(spans: list[tuple[int, int]], cut: int) -> bool:
    return any(open_ < cut <= close for open_, close in spans)


def find_boundaries(text: str) -> dict[int, Level]:
    """Every position where ``text`` may be cut, with the strongest level of a cut there.

    Positions are in ``1 .. len(text) - 1``; cutting keeps all characters (whitespace at a cut
    belongs to either side and is dropped by the caller).
    """
    levels: dict[int, Level] = {}

    def add(pos: int, level: Level) -> None:
        if 0 < pos < len(text) and levels.get(pos, 0) < level:
            levels[pos] = level

    spans = protected_spans(text)
    for m in _PARAGRAPH.finditer(text):
        add(m.start(), Level.PARAGRAPH)
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            if i == 0 or not text[i - 1].isspace():
                add(i, Level.WORD)
        elif ch in LATIN_TERMINATORS or ch in CJK_TERMINATORS:
            cut = _sentence_end(text, i)
            run_end = _skip(text, i, LATIN_TERMINATORS + CJK_TERMINATORS)
            if cut is not None:
                add(cut, Level.CLAUSE if _inside(spans, cut) else Level.SENTENCE)
            elif ch == "…":
                after = _skip(text, run_end, CLOSERS)
                if after < n and is_cjk(text[after]):
                    add(after, Level.CLAUSE)  # "他说……我们走吧": a pause inside the sentence
            i = run_end
            continue
        elif ch in COMMAS or ch in CLAUSE_MARKS:
            cut = _skip(text, i + 1, CLOSERS)
            level = Level.COMMA if ch in COMMAS else Level.CLAUSE
            if cut >= n or text[cut].isspace() or unicodedata.east_asian_width(ch) in "WF" or ch in "、､":
                add(cut, level)
            elif ch == "—":
                # "rain—and": an unspaced em dash still marks a clause; a straight quote after it
                # (—"Stop") opens the next part rather than closing this one.
                add(i + 1, level)
            # Otherwise a Latin mark with no space after it is part of a number: "1,000", "10:30".
        i += 1
    # Between CJK characters (and between CJK and other scripts), following kinsoku rules.
    for p in range(1, n):
        before, after = text[p - 1], text[p]
        if before.isspace() or after.isspace():
            continue
        if (is_cjk(before) or is_cjk(after)) and after not in NO_CUT_BEFORE and before not in OPENERS:
            add(p, Level.WORD)
    return levels
