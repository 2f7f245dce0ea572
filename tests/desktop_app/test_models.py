"""The item models, each checked by pytest-qt's qtmodeltester while it changes."""

from __future__ import annotations

import numpy as np

from desktop_app.models.script_model import COL_LANGUAGE, COL_VOICE, LineStatus, ScriptModel
from desktop_app.models.session_voices import SessionVoicesModel
from desktop_app.models.takes_model import TakesModel
from desktop_app.takes_store import TakeRecord, TakesStore, new_take_id, now_iso
from desktop_app.voices import VOICE_ID_ROLE, NewVoice


def make_voice(name: str, language: str = "english") -> NewVoice:
    return NewVoice(
        id=f"id-{name}",
        name=name,
        language=language,
        mode="xvector",
        transcript="",
        reference_audio=np.zeros(100, np.float32),
        sample_rate=24000,
        prompt_items=["item"],
    )


def test_session_voices(qtmodeltester):
    model = SessionVoicesModel()
    qtmodeltester.check(model)
    model.add(make_voice("Alice"))
    model.add(make_voice("Bob", "french"))
    qtmodeltester.check(model)
    assert model.data(model.index(1, 0), VOICE_ID_ROLE) == "id-Bob"
    assert model.voice("id-Bob").language == "french"
    assert model.prompt_ref("id-Alice").item == "item"
    assert model.voice("nope") is None and model.prompt_ref("nope") is None


def test_script_model_follows_edits_and_keeps_choices(qtmodeltester):
    voices = SessionVoicesModel()
    voices.add(make_voice("Alice"))
    voices.add(make_voice("Bob", "french"))
    model = ScriptModel(voices)
    qtmodeltester.check(model)
    model.set_defaults(voice_id="id-Alice")
    model.set_texts(["One.", "Two.", "Three."])
    assert model.setData(model.index(1, COL_VOICE), "id-Bob")
    assert model.setData(model.index(2, COL_LANGUAGE), "german")
    two = model.line(1)
    # Insert a line at the top, reword line "Two." and delete "Three."
    model.set_texts(["Zero.", "One.", "Two, reworded."])
    qtmodeltester.check(model)
    assert [line.text for line in model.lines()] == ["Zero.", "One.", "Two, reworded."]
    assert model.line(2) is two and model.voice_of(two) == "id-Bob"
    assert model.language_of(two) == "french"  # Bob's own language
    assert model.language_of(model.line(0)) == "english"  # default voice Alice
    model.set_status(two, LineStatus.RENDERING, 0.5, "Rendering 1.2 s")
    assert model.data(model.index(2, 3)) == "Rendering 1.2 s"
    model.set_texts([])
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def record(line: int, text: str, **kw) -> TakeRecord:
    return TakeRecord(
        id=new_take_id(),
        line_number=line,
        text=text,
        voice_id="v",
        voice_name="Alice",
        language="english",
        seed=7,
        settings={"temperature": 0.9, "top_k": 50},
        created_at=now_iso(),
        **kw,
    )


def test_takes_model_groups_lines(qtmodeltester, tmp_path):
    store = TakesStore(tmp_path / "takes")
    model = TakesModel(store)
    qtmodeltester.check(model)
    audio = np.zeros(2400, np.float32)
    first = store.add(record(2, "Second."), audio)
    model.add(first)
    model.add(store.add(record(1, "First."), audio))
    again = store.add(record(2, "Second."), audio)
    model.add(again)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.rowCount(model.index(1, 0)) == 2  # line 2 has two takes
    assert model.record(model.index_of(again.id)).id == again.id
    model.set_favorite(first.id, True)
    assert store.get(first.id).favorite
    model.remove([first.id, again.id])
    qtmodeltester.check(model)
    assert model.rowCount() == 1 and not store.audio_path(first).exists()
    # What is on disk comes back in a new store.
    reopened = TakesModel(TakesStore(tmp_path / "takes"))
    qtmodeltester.check(reopened)
    assert [r.text for r in reopened.all_records()] == ["First."]
