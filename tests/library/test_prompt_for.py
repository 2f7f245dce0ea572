"""Model binding: the library hands each model a prompt made by that model, or says why it cannot."""

from __future__ import annotations

import pytest
import torch

from engine import VoiceClonePromptItem
from engine.errors import PromptMismatchError
from engine.library import NEEDS_EXTRACTION, NEEDS_MODEL, READY, LibraryError, NeedsModelError
from tests.conftest import SPEECH_TEXT
from tests.library.helpers import whole_voice_problems


def test_prompt_for_returns_the_stored_prompt_cached(lib, alice, tiny_model):
    items = lib.prompt_for(alice, tiny_model)
    assert len(items) == 1 and items[0].signature == tiny_model.signature
    again = lib.prompt_for(alice.id, tiny_model)
    assert again[0] is items[0]  # from the library's cache
    wavs, sr = tiny_model.generate_voice_clone("Hello.", voice_clone_prompt=items, max_new_tokens=8, seed=1)
    assert wavs[0].size > 0


def test_cached_prompt_does_not_depend_on_its_file(lib, alice, tiny_model):
    item = lib.prompt_for(alice, tiny_model)[0]
    expected = item.ref_code.clone()
    (lib.root / "voices" / alice.id / alice.prompts[0].file).write_bytes(b"")  # cut short by another program
    assert torch.equal(item.ref_code, expected)


def test_cache_belongs_to_the_library_object(lib, alice, tiny_model):
    from engine.library import VoiceLibrary

    first = lib.prompt_for(alice, tiny_model)[0]
    other = VoiceLibrary(lib.root)
    try:
        second = other.prompt_for(alice, tiny_model)[0]
    finally:
        other.close()
    assert second is not first and torch.equal(second.ref_code, first.ref_code)


def test_another_model_gets_a_prompt_extracted_again_and_stored(lib, alice, tiny_model, sibling_model):
    assert lib.needs_reextract(alice, sibling_model.signature)
    assert alice.readiness(sibling_model.signature) == NEEDS_EXTRACTION
    assert alice.readiness(tiny_model.signature) == READY
    item = lib.prompt_for(alice, sibling_model)[0]
    assert item.signature == sibling_model.signature
    audio, sr = lib.reference_audio(alice)
    direct = sibling_model.create_voice_clone_prompt((audio, sr), SPEECH_TEXT)[0]
    assert torch.equal(item.ref_code, direct.ref_code)
    assert torch.equal(item.ref_spk_embedding, direct.ref_spk_embedding)
    v = lib.get(alice.id)
    assert set(v.signatures) == {tiny_model.signature, sibling_model.signature}
    assert not lib.needs_reextract(v, sibling_model.signature)
    assert whole_voice_problems(lib, v) == []
    # the first model still gets its own prompt, never the other one
    mine = lib.prompt_for(alice, tiny_model)[0]
    assert mine.signature == tiny_model.signature
    assert not torch.equal(mine.ref_spk_embedding, item.ref_spk_embedding)


def test_wider_model_gets_its_own_width(lib, bob, wide_model):
    item = lib.prompt_for(bob, wide_model)[0]
    assert item.ref_spk_embedding.shape == (48,) and item.x_vector_only_mode
    wide_model.generate_voice_clone("Hi.", voice_clone_prompt=[item], max_new_tokens=4, seed=0)


def test_prompt_only_voice_under_the_wrong_model_names_the_model_it_needs(
    lib, tiny_model, wide_model, speech
):
    item = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    bare = lib.add_prompt(item, name="Bare")
    assert bare.readiness(wide_model.signature) == NEEDS_MODEL
    assert not lib.needs_reextract(bare, wide_model.signature)
    with pytest.raises(NeedsModelError) as info:
        lib.prompt_for(bare, wide_model)
    err = info.value
    assert isinstance(err, PromptMismatchError) and isinstance(err, LibraryError)
    assert tiny_model.signature.describe() in err.message and wide_model.signature.describe() in err.message
    assert tiny_model.signature.describe() in err.hint
    assert lib.get(bare.id).prompts == bare.prompts  # nothing stored


def test_damaged_prompt_file_is_extracted_again(lib, alice, tiny_model):
    path = lib.root / "voices" / alice.id / alice.prompts[0].file
    good = VoiceClonePromptItem.load(path).ref_code.clone()  # (load maps the file: copy before damaging it)
    path.write_bytes(b"not a prompt")
    item = lib.prompt_for(alice, tiny_model)[0]
    assert torch.equal(item.ref_code, good)
    assert VoiceClonePromptItem.load(path).signature == tiny_model.signature  # repaired on disk


def test_damaged_prompt_without_reference_is_a_clear_error(lib, tiny_model, speech):
    item = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    bare = lib.add_prompt(item, name="Bare")
    (lib.root / "voices" / bare.id / bare.prompts[0].file).write_bytes(b"\x00" * 10)
    with pytest.raises(LibraryError) as info:
        lib.prompt_for(bare, tiny_model)
    assert "damaged" in info.value.message and info.value.hint


def test_mislabelled_prompt_is_never_handed_out(lib, alice, tiny_model, sibling_model):
    """A file claiming the right model but holding another model's prompt is caught by the engine's check."""
    other = sibling_model.create_voice_clone_prompt(lib.reference_audio(alice), ref_text=SPEECH_TEXT)[0]
    path = lib.root / "voices" / alice.id / alice.prompts[0].file
    other.save(path)  # the sibling's prompt under the tiny model's file name
    item = lib.prompt_for(alice, tiny_model)[0]
    assert item.signature == tiny_model.signature
