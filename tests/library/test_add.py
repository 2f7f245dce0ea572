"""Adding voices: what is stored, where, and what bad input does (nothing)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from engine import VoiceClonePromptItem
from engine.errors import AudioInputError, TimbreError
from engine.library import MODE_ICL, MODE_XVECTOR, NameTakenError, VoiceInputError, VoiceLibrary
from tests.conftest import SPEECH_TEXT
from tests.library.helpers import snapshot, whole_voice_problems


def test_default_root_is_under_timbre_home(lib, timbre_home):
    assert lib.root == timbre_home / "library"
    assert (timbre_home / "library" / "library.sqlite").is_file()
    assert lib.last_check.clean


def test_add_icl_keeps_reference_transcript_and_prompt(lib, alice, tiny_model):
    assert alice.name == "Alice"
    assert alice.mode == MODE_ICL and not alice.x_vector_only
    assert alice.tags == ("calm", "narrator")
    assert alice.language == "english"
    assert alice.transcript == SPEECH_TEXT
    assert alice.has_reference and alice.duration_s == pytest.approx(3.7, abs=1.0)
    assert alice.signatures == (tiny_model.signature,)
    assert alice.created == alice.updated and alice.last_used is None and not alice.trashed
    folder = lib.root / "voices" / alice.id
    assert (folder / "transcript.txt").read_text(encoding="utf-8").strip() == SPEECH_TEXT
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "Alice" and meta["mode"] == "icl" and meta["tags"] == ["calm", "narrator"]
    assert sf.info(folder / "reference.flac").format == "FLAC"
    assert whole_voice_problems(lib, alice) == []
    assert lib.list() == [alice]


def test_stored_prompt_is_what_the_engine_extracts_from_the_stored_reference(lib, alice, tiny_model):
    audio, sr = lib.reference_audio(alice)
    direct = tiny_model.create_voice_clone_prompt((audio, sr), SPEECH_TEXT)[0]
    stored = VoiceClonePromptItem.load(lib.root / "voices" / alice.id / alice.prompts[0].file)
    assert torch.equal(stored.ref_code, direct.ref_code)
    assert torch.equal(stored.ref_spk_embedding, direct.ref_spk_embedding)
    assert stored.ref_text == SPEECH_TEXT and stored.signature == tiny_model.signature


def test_reference_is_kept_at_its_own_rate_and_lossless(lib, tiny_model, speech):
    samples, sr = speech
    voice = lib.add((samples, sr), SPEECH_TEXT, model=tiny_model, name="Raw")
    audio, rate = lib.reference_audio(voice)
    assert rate == sr and audio.shape == samples.shape
    assert np.max(np.abs(audio - samples)) < 2**-20  # 24-bit FLAC
    assert lib.reference_path(voice).name == "reference.flac"


def test_add_x_vector_needs_no_transcript(lib, bob, tiny_model):
    assert bob.mode == MODE_XVECTOR and bob.x_vector_only and bob.transcript == ""
    item = lib.prompt_for(bob, tiny_model)[0]
    assert item.x_vector_only_mode and item.ref_code is None
    assert bob.notes == "deep"


def test_add_accepts_engine_inputs(lib, tiny_model, speech_file):
    data = speech_file.read_bytes()
    a = lib.add(data, SPEECH_TEXT, model=tiny_model, name="From bytes")
    b = lib.add(str(speech_file), SPEECH_TEXT, model=tiny_model, name="From path text")
    assert a.duration_s == pytest.approx(b.duration_s)


def test_add_prompt_with_and_without_reference(lib, tiny_model, speech_file):
    item = tiny_model.create_voice_clone_prompt(speech_file, SPEECH_TEXT)[0]
    with_ref = lib.add_prompt(item, name="Kept", reference=speech_file)
    bare = lib.add_prompt(item, name="Bare", tags=["x"])
    assert with_ref.has_reference and with_ref.transcript == SPEECH_TEXT
    assert not bare.has_reference and bare.duration_s is None
    loaded = lib.prompt_for(bare, tiny_model)[0]
    assert torch.equal(loaded.ref_code, item.ref_code)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(name="   "), VoiceInputError),
        (dict(name="A\x00B"), VoiceInputError),
        (dict(name="x" * 500), VoiceInputError),
        (dict(name="Ok", mode="whisper"), VoiceInputError),
        (dict(name="Ok", transcript=None), VoiceInputError),  # ICL needs the transcript
        (dict(name="Ok", tags="calm"), VoiceInputError),  # one string, not a list
        (dict(name="Ok", tags=["t"] * 1 + [f"t{i}" for i in range(40)]), VoiceInputError),
        (dict(name="Ok", language="English!"), VoiceInputError),
        (dict(name="Ok", reference="/no/such/file.wav"), AudioInputError),
        (dict(name="Ok", reference=(np.zeros(100, np.float32), 24000)), AudioInputError),  # too short
    ],
)
def test_bad_input_raises_a_clear_error_and_changes_nothing(
    lib, alice, tiny_model, speech_file, kwargs, error
):
    before = snapshot(lib.root)
    args = dict(reference=speech_file, transcript=SPEECH_TEXT)
    args.update(kwargs)
    with pytest.raises(error) as info:
        lib.add(args.pop("reference"), args.pop("transcript"), model=tiny_model, **args)
    assert isinstance(info.value, TimbreError) and info.value.message
    assert snapshot(lib.root) == before


def test_names_are_unique_ignoring_case(lib, alice, tiny_model, speech_file):
    before = snapshot(lib.root)
    with pytest.raises(NameTakenError) as info:
        lib.add(speech_file, SPEECH_TEXT, model=tiny_model, name="  alice ")
    assert "Alice" in str(info.value) and info.value.hint
    assert snapshot(lib.root) == before


def test_tags_are_cleaned(lib, tiny_model, speech_file):
    v = lib.add(
        speech_file, SPEECH_TEXT, model=tiny_model, name="T", tags=[" Warm ", "warm", "", "deep  voice"]
    )
    assert v.tags == ("deep voice", "Warm")


def test_reopened_library_lists_the_same_voices(lib, alice, bob):
    again = VoiceLibrary(lib.root)
    try:
        assert again.last_check.clean
        assert again.list() == lib.list()
    finally:
        again.close()


def test_a_prompt_that_could_not_be_loaded_back_is_refused(lib, tiny_model, speech):
    item = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    item.ref_spk_embedding = torch.full_like(item.ref_spk_embedding, float("nan"))
    before = snapshot(lib.root)
    with pytest.raises(VoiceInputError) as info:
        lib.add_prompt(item, name="Broken")
    assert "invalid numbers" in info.value.message
    assert snapshot(lib.root) == before
