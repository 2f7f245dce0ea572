"""Checking and normalising what creators type: names, tags, language, notes, transcripts.

Every value is NFC-normalised and stripped before it is stored, so "Alice" typed on two
keyboards is one name. Search keys are case-folded copies kept next to the values.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable

from .errors import VoiceInputError
from .voice import MODE_ICL, MODE_XVECTOR, MODES

MAX_NAME_CHARS = 120
MAX_TAG_CHARS = 40
MAX_TAGS = 32
MAX_NOTES_CHARS = 10_000
MAX_TRANSCRIPT_CHARS = 5_000
DEFAULT_LANGUAGE = "auto"

_ID_RE = re.compile(r"^[0-9a-f]{16}$")
_LANGUAGE_RE = re.compile(r"^[a-z][a-z _-]{0,31}$")
_SUFFIX_RE = re.compile(r"^(.*?) \((\d+)\)$")
_MODE_ALIASES = {"icl": MODE_ICL, "x_vector": MODE_XVECTOR, "x-vector": MODE_XVECTOR, "xvector": MODE_XVECTOR}


def new_voice_id() -> str:
    """16 random hex digits: unique enough for any library, safe as a folder name."""
    return secrets.token_hex(8)


def is_voice_id(text: str) -> bool:
    return bool(_ID_RE.match(text))


def _clean(text: object, what: str, max_chars: int, *, multiline: bool = False) -> str:
    if not isinstance(text, str):
        raise VoiceInputError(f"The {what} must be text, not {type(text).__name__}.")
    text = unicodedata.normalize("NFC", text).strip()
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        raise VoiceInputError(f"The {what} contains control characters.", f"Type the {what} again.")
    if len(text) > max_chars:
        raise VoiceInputError(f"The {what} is {len(text)} characters long; at most {max_chars} fit.")
    return text


def clean_name(name: object) -> str:
    name = " ".join(_clean(name, "voice name", MAX_NAME_CHARS).split())
    if not name:
        raise VoiceInputError("A voice needs a name.", "Type a name such as 'Narrator' or 'Alice, calm'.")
    return name


def clean_tags(tags: object) -> tuple[str, ...]:
    """Tags as a sorted tuple with duplicates (ignoring case) and empty ones dropped."""
    if isinstance(tags, str) or not isinstance(tags, Iterable):
        raise VoiceInputError("Tags must be a list of words, e.g. ['calm', 'narrator'].")
    seen: dict[str, str] = {}
    for tag in tags:
        tag = " ".join(_clean(tag, "tag", MAX_TAG_CHARS).split())
        if tag and fold(tag) not in seen:
            seen[fold(tag)] = tag
    if len(seen) > MAX_TAGS:
        raise VoiceInputError(f"A voice can have at most {MAX_TAGS} tags; {len(seen)} were given.")
    return tuple(sorted(seen.values(), key=fold))


def clean_language(language: object) -> str:
    if language is None:
        return DEFAULT_LANGUAGE
    lang = _clean(language, "language", 32).lower()
    if not lang:
        return DEFAULT_LANGUAGE
    if not _LANGUAGE_RE.match(lang):
        raise VoiceInputError(
            f"{language!r} is not a language name.", "Use a name such as 'English', 'German' or 'Auto'."
        )
    return lang


def clean_notes(notes: object) -> str:
    return _clean(notes, "notes", MAX_NOTES_CHARS, multiline=True)


def clean_mode(mode: object) -> str:
    key = mode.strip().lower() if isinstance(mode, str) else None
    if key not in _MODE_ALIASES:
        raise VoiceInputError(
            f"Unknown voice mode {mode!r}.",
            f"Use {MODES[0]!r} (reference audio + transcript) or {MODES[1]!r} (audio only).",
        )
    return _MODE_ALIASES[key]


def clean_transcript(transcript: object, mode: str) -> str:
    if transcript is None:
        transcript = ""
    text = " ".join(_clean(transcript, "transcript", MAX_TRANSCRIPT_CHARS, multiline=True).split())
    if mode == MODE_ICL and not text:
        raise VoiceInputError(
            "This voice mode needs the exact words spoken in the reference audio.",
            "Type the transcript, or choose the audio-only (x-vector) mode.",
        )
    return text


def fold(text: str) -> str:
    """The case- and width-insensitive key used for unique names and search."""
    return unicodedata.normalize("NFKC", text).casefold()


def search_words(query: str) -> list[str]:
    return [w for w in fold(query).split() if w]


def text_key(text: str) -> str:
    """Transcript words as ' w1 w2 ... ' so a search word can match any word's start."""
    words = re.findall(r"\w+", fold(text))
    return " " + " ".join(words) + " "


def tags_key(tags: Iterable[str]) -> str:
    return "\n" + "\n".join(fold(t) for t in tags) + "\n"


def free_name(name: str, taken: set[str]) -> str:
    """``name`` itself if free (``taken`` holds folded names), else "Name (2)", "Name (3)", ..."""
    if fold(name) not in taken:
        return name
    m = _SUFFIX_RE.match(name)
    base = m.group(1) if m else name
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = base[: MAX_NAME_CHARS - len(suffix)] + suffix
        if fold(candidate) not in taken:
            return candidate
        n += 1
