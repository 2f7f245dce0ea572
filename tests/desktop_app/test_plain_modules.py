"""The Qt-free parts: settings on disk, quality advice, takes store and export names."""

from __future__ import annotations

import json

import numpy as np
import pytest

from desktop_app.audio_quality import Severity, analyze
from desktop_app.settings import FRAMES_PER_SECOND, SamplingSettings, Settings, load_settings, save_settings
from desktop_app.takes_store import TakeRecord, TakesStore, export_names, slug


def test_settings_round_trip_and_forgiving_load(timbre_home):
    s = Settings(device="cuda:1", theme="dark")
    s.script.text = "Line one.\nLine two."
    s.script.sampling.temperature = 0.5
    s.splitters["main"] = "AAAA"
    save_settings(s)
    assert load_settings() == s
    raw = json.loads((timbre_home / "settings.json").read_text())
    raw.update(theme="purple", device="gpu please", dtype=3, unknown_key=1)
    raw["script"]["seed"] = -5
    raw["script"]["sampling"]["top_k"] = "many"
    (timbre_home / "settings.json").write_text(json.dumps(raw))
    loaded = load_settings()
    assert (loaded.theme, loaded.device, loaded.dtype) == ("system", "auto", "auto")
    assert loaded.script.seed == 0 and loaded.script.sampling.top_k == 50
    assert loaded.script.text == "Line one.\nLine two." and loaded.script.sampling.temperature == 0.5


def test_unreadable_settings_are_set_aside(timbre_home):
    timbre_home.mkdir(parents=True, exist_ok=True)
    (timbre_home / "settings.json").write_text("{ not json")
    assert load_settings() == Settings()
    assert (timbre_home / "settings.json.bad").exists()


def test_max_length_in_frames():
    assert SamplingSettings(max_length_s=1.6).engine_kwargs()["max_new_tokens"] == 20
    assert FRAMES_PER_SECOND == 24000 / 1920


def _tone(seconds, amplitude, rate=24000, noise=0.0):
    t = np.arange(int(seconds * rate)) / rate
    x = amplitude * np.sin(2 * np.pi * 200 * t) * (np.sin(2 * np.pi * 1.5 * t) > 0)  # speech-like bursts
    return (x + noise * np.random.default_rng(0).standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize(
    ("audio", "expected"),
    [
        (_tone(0.6, 0.3), "Too short"),
        (_tone(2.0, 0.3), "A bit short"),
        (_tone(35.0, 0.3), "Long"),
        (np.clip(_tone(5.0, 2.0), -1, 1), "Clipping"),
        (_tone(5.0, 0.002), "Almost silent"),
        (_tone(5.0, 0.02), "Quiet"),
        (_tone(5.0, 0.3, noise=0.05), "Noisy"),
        (_tone(5.0, 0.3, noise=0.002), "Clean background"),
    ],
)
def test_quality_advice(audio, expected):
    report = analyze(audio, 24000)
    assert any(a.text.startswith(expected) for a in report.advice), [a.text for a in report.advice]


def test_good_recording_has_no_problem():
    report = analyze(_tone(6.0, 0.4, noise=0.001), 24000)
    assert report.worst is Severity.GOOD, report.advice


def test_export_names():
    def rec(line, text):
        return TakeRecord(
            id=f"{line}{text}",
            line_number=line,
            text=text,
            voice_id="v",
            voice_name="V",
            language="english",
            seed=1,
        )

    records = [rec(1, "Welcome back, friends!"), rec(2, "再见"), rec(2, "再见"), rec(12, "?!")]
    assert export_names(records, "wav") == [
        "001-welcome-back-friends.wav",
        "002-再见-take1.wav",
        "002-再见-take2.wav",
        "012-take.wav",
    ]
    assert slug("A/B\\C:D*E") == "a-b-c-d-e"


def test_takes_store_skips_entries_without_audio(tmp_path):
    store = TakesStore(tmp_path)
    record = TakeRecord(
        id="t1", line_number=1, text="Hi", voice_id="v", voice_name="V", language="english", seed=1
    )
    store.add(record, np.zeros(2400, np.float32))
    assert TakesStore(tmp_path).get("t1").duration_s == pytest.approx(0.1)
    store.audio_path(record).unlink()
    assert TakesStore(tmp_path).records() == []
