"""Listing and searching: sort orders, word search, filters, and no torch on the GUI thread's path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.library import VoiceInputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def three(lib, tiny_model, speech_file):
    carol = lib.add(
        speech_file, "Rain falls softly on the harbour.", model=tiny_model, name="carol", tags=["Soft"]
    )
    alice = lib.add(
        speech_file, "Welcome to the evening news.", model=tiny_model, name="Alice", tags=["news"]
    )
    bert = lib.add(speech_file, model=tiny_model, name="Bért", mode="x_vector", tags=["deep voice"])
    return alice, bert, carol


def _names(voices) -> list[str]:
    return [v.name for v in voices]


def test_sort_by_name_ignores_case(lib, three):
    assert _names(lib.list()) == ["Alice", "Bért", "carol"]
    assert _names(lib.list(descending=True)) == ["carol", "Bért", "Alice"]


def test_sort_by_created_newest_first(lib, three):
    assert _names(lib.list(sort="created")) == ["Bért", "Alice", "carol"]
    assert _names(lib.list(sort="created", descending=False)) == ["carol", "Alice", "Bért"]


def test_sort_by_last_used_puts_unused_last(lib, three, tiny_model):
    alice, bert, carol = three
    lib.prompt_for(carol, tiny_model)
    lib.prompt_for(alice, tiny_model)
    assert _names(lib.list(sort="last_used")) == ["Alice", "carol", "Bért"]
    assert lib.get(alice.id).last_used is not None


def test_sort_by_updated(lib, three):
    alice, bert, carol = three
    lib.update(carol, notes="edited")
    assert _names(lib.list(sort="updated"))[0] == "carol"


def test_search_matches_name_tags_and_transcript_words(lib, three):
    assert _names(lib.search("ali")) == ["Alice"]  # part of a name
    assert _names(lib.search("DEEP")) == ["Bért"]  # a tag, any case
    assert _names(lib.search("harb")) == ["carol"]  # the start of a transcript word
    assert _names(lib.search("arbour")) == []  # ... not the middle of one
    assert _names(lib.search("the")) == ["Alice", "carol"]
    assert _names(lib.search("the news")) == ["Alice"]  # every word must match
    assert _names(lib.search("bért")) == ["Bért"] and _names(lib.search("  ")) == _names(lib.list())
    assert _names(lib.search("%")) == [] and _names(lib.search("_")) == []  # no SQL wildcards


def test_filters(lib, three):
    alice, bert, carol = three
    lib.update(carol, favorite=True)
    assert _names(lib.list(favorites_only=True)) == ["carol"]
    assert _names(lib.list(tag="SOFT")) == ["carol"]
    assert _names(lib.list(tag="soft voice")) == []
    assert _names(lib.search("the", sort="created")) == ["Alice", "carol"]


def test_unknown_sort_is_refused(lib):
    with pytest.raises(VoiceInputError):
        lib.list(sort="colour")


def test_listing_searching_and_opening_never_import_torch(lib, three):
    code = (
        "import sys\n"
        "from engine.library import VoiceLibrary\n"
        f"lib = VoiceLibrary({str(lib.root)!r})\n"
        "assert len(lib.list()) == 3 and lib.search('news') and lib.tags() and lib.trash() == []\n"
        "v = lib.find('Alice'); lib.reference_audio(v); lib.update(v, notes='x'); lib.check()\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
