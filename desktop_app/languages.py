"""Language names as creators read them, and the read-aloud sentence for each."""

from __future__ import annotations

import json

from resources import resource_path

# The Base models' languages (lower case, as the engine takes them); "auto" lets the model decide.
LANGUAGES = (
    "auto",
    "english",
    "chinese",
    "french",
    "german",
    "italian",
    "japanese",
    "korean",
    "portuguese",
    "russian",
    "spanish",
)


def language_label(code: str | None) -> str:
    """ "english" -> "English"; "auto" -> "Auto"."""
    return (code or "auto").capitalize()


def read_aloud_sentence(language: str) -> str:
    """A natural sentence of 6 to 8 seconds to read for a new voice (English for "auto")."""
    sentences = json.loads(resource_path("sentences.json").read_text(encoding="utf-8"))
    return sentences.get(language, sentences["english"])
