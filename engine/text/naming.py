"""File names from the text of a line: the words, never the markup.

``003-thanks-glad-to-be-here-really.wav``, not ``003-thanks-pause-300ms-really.wav``: markup
says how to speak, it is not what is said. Pure Python.
"""

from __future__ import annotations

import re
import unicodedata

from .markup import Speech, markup_errors, parse_markup

_BRACKETED = re.compile(r"\[[^\[\]\n]*\]")
_WORD = re.compile(r"\w+")


def spoken_words(text: str) -> str:
    """The text without its markup; bracket groups that are not valid markup are dropped too."""
    if markup_errors(text):  # a typo such as [pauze 1s] is no more a word than [pause 1s]
        return _BRACKETED.sub(" ", text)
    return " ".join(s.text for s in parse_markup(text) if isinstance(s, Speech))


def text_slug(text: str, max_chars: int = 40, empty: str = "take") -> str:
    """A file-name-safe short form of a line: its words (any script), lower case, joined by '-'.

    Markup is left out, so is punctuation; at most ``max_chars`` characters; ``empty`` when
    no word is left.
    """
    words = _WORD.findall(unicodedata.normalize("NFKC", spoken_words(text)).lower())
    return "-".join(words)[:max_chars].strip("-_") or empty
