"""Deleting with undo: the trash, restore, and emptying it for good."""

from __future__ import annotations

import pytest

from engine.library import VoiceLibrary, VoiceNotFoundError


def test_delete_moves_to_trash_and_restore_brings_it_back(lib, alice, bob):
    gone = lib.delete(alice)
    assert gone.trashed and gone.trashed_at is not None
    assert [v.name for v in lib.list()] == ["Bob"]
    assert [v.name for v in lib.trash()] == ["Alice"] == [v.name for v in lib.list(trashed=True)]
    assert lib.search("alice") == []
    back = lib.restore(alice)
    assert not back.trashed and back.name == "Alice"
    assert [v.name for v in lib.list()] == ["Alice", "Bob"]
    assert (lib.root / "voices" / alice.id / "reference.flac").is_file()


def test_trash_survives_reopening(lib, alice):
    lib.delete(alice)
    again = VoiceLibrary(lib.root)
    try:
        assert [v.id for v in again.trash()] == [alice.id]
    finally:
        again.close()


def test_name_of_trashed_voice_is_free_and_restore_renames(lib, alice, tiny_model, speech_file):
    lib.delete(alice)
    newer = lib.add(speech_file, "Hello.", model=tiny_model, name="Alice")
    back = lib.restore(alice)
    assert back.name == "Alice (2)" and newer.name == "Alice"


def test_trashed_voice_cannot_be_used_until_restored(lib, alice, tiny_model):
    lib.delete(alice)
    with pytest.raises(VoiceNotFoundError) as info:
        lib.prompt_for(alice, tiny_model)
    assert "trash" in info.value.message and info.value.hint
    lib.restore(alice)
    assert lib.prompt_for(alice, tiny_model)


def test_empty_trash_deletes_for_good(lib, alice, bob, tiny_model):
    lib.prompt_for(alice, tiny_model)
    lib.delete(alice)
    lib.delete(bob)
    assert lib.empty_trash([bob]) == 1
    assert [v.id for v in lib.trash()] == [alice.id]
    assert lib.empty_trash() == 1
    assert lib.trash() == [] and lib.list() == []
    assert not (lib.root / "voices" / alice.id).exists()
    assert list((lib.root / "work").iterdir()) == []
    for v in (alice, bob):
        with pytest.raises(VoiceNotFoundError):
            lib.get(v.id)
        with pytest.raises(VoiceNotFoundError):
            lib.restore(v)
    assert lib.empty_trash() == 0


def test_empty_trash_ignores_live_voices(lib, alice):
    assert lib.empty_trash([alice]) == 0
    assert lib.get(alice.id) == alice
