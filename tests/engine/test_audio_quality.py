"""Reference advice (engine.audio_quality): one length rule everywhere, silence, transcript pace."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from engine.audio_quality import (
    GOOD_LENGTH,
    LENGTH,
    SILENCE,
    TRANSCRIPT,
    Severity,
    analyze,
    transcript_advice,
)
from tests.conftest import SPEECH_TEXT

RATE = 24000


def _speechlike(seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    bursts = np.sin(2 * np.pi * 1.5 * t) > 0  # syllable-like on/off
    noise = 0.001 * np.random.default_rng(1).standard_normal(len(t))
    return (amplitude * np.sin(2 * np.pi * 200 * t) * bursts + noise).astype(np.float32)


@pytest.mark.parametrize("seconds", [0.6, 2.0, 45.0])
def test_every_length_advice_names_the_same_range(seconds):
    [length] = [a for a in analyze(_speechlike(seconds), RATE).advice if a.topic == LENGTH]
    assert length.severity is not Severity.GOOD
    assert GOOD_LENGTH in length.text.lower() and GOOD_LENGTH == "3 to 10 seconds"


def test_the_engines_own_hints_use_the_same_range(tiny_model):
    from engine.errors import AudioInputError

    with pytest.raises(AudioInputError) as info:
        tiny_model.create_voice_clone_prompt((np.zeros(0, np.float32), RATE), x_vector_only_mode=True)
    assert GOOD_LENGTH in info.value.hint


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros(5 * RATE, np.float32),  # digital silence
        (0.0005 * np.random.default_rng(0).standard_normal(5 * RATE)).astype(np.float32),  # hiss only
        np.where(np.arange(5 * RATE) % RATE == 0, 0.9, 0.0).astype(np.float32),  # a click a second
    ],
    ids=["zeros", "hiss", "clicks"],
)
def test_silence_and_near_silence_are_a_problem(audio):
    report = analyze(audio, RATE)
    assert report.silent and report.worst is Severity.PROBLEM
    assert any(a.topic == SILENCE and a.text.startswith("Almost silent") for a in report.advice)


def test_real_speech_is_not_silent(speech_file):
    audio, rate = sf.read(speech_file, dtype="float32")
    report = analyze(audio, rate)
    assert not report.silent and report.worst is not Severity.PROBLEM, report.advice


def test_transcript_pace_both_directions(speech):
    audio, rate = speech
    assert transcript_advice(SPEECH_TEXT, len(audio) / rate).severity is Severity.GOOD
    slow = transcript_advice("Hello there, how are you?", 600.0)
    fast = transcript_advice(" ".join(["word"] * 200), 5.0)
    for advice, words in ((slow, "5 words"), (fast, "200 words")):
        assert advice.severity is Severity.WARNING and advice.topic == TRANSCRIPT
        assert words in advice.text and "exactly the words spoken" in advice.text
    assert "short for 600.0 s" in slow.text and "long for 5.0 s" in fast.text


def test_transcript_pace_counts_characters_where_words_have_no_spaces():
    assert transcript_advice("你好，这是我的声音。我为音色读这句话。", 4.0).severity is Severity.GOOD
    advice = transcript_advice("你好。", 60.0)
    assert advice.severity is Severity.WARNING and "2 characters" in advice.text
    assert transcript_advice("今日は", 0.05).severity is Severity.WARNING
