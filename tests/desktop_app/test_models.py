"""The item models, each checked by pytest-qt's qtmodeltester while it changes."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.models.library_model import (
    FAVORITE_ROLE,
    NOTE_ROLE,
    READINESS_ROLE,
    TAGS_ROLE,
    VOICE_ROLE,
    LibraryModel,
)
from desktop_app.models.script_model import COL_LANGUAGE, COL_TEXT, COL_VOICE, LineStatus, ScriptModel
from desktop_app.models.takes_model import STALE_ROLE, LineInfo, TakesModel
from desktop_app.models.voice_filter import VoiceFilterModel, voice_matches
from desktop_app.script_lines import parse_lines
from desktop_app.voices import NEEDS_EXTRACTION, NEEDS_MODEL, READY, VOICE_ID_ROLE
from engine.projects import ProjectStore, TakeRecord, new_id, now_iso
from engine.prompt import ModelSignature

from ..conftest import SPEECH_TEXT


@pytest.fixture
def library(timbre_home, tiny_model, speech):
    """A library of three voices: Alice (ICL), Bob (x-vector), Carol (no reference audio)."""
    from engine.library import VoiceLibrary

    lib = VoiceLibrary()
    (icl,) = tiny_model.create_voice_clone_prompt(speech, ref_text=SPEECH_TEXT)
    (xvec,) = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)
    lib.add_prompt(icl, name="Alice", reference=speech, tags=["calm", "narrator"], language="english")
    lib.add_prompt(xvec, name="Bob", reference=speech, tags=["gravel"], language="french")
    lib.add_prompt(xvec, name="Carol", tags=["calm"])
    yield lib
    lib.close()


def names(model) -> list[str]:
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_library_model_follows_the_library(qtmodeltester, library, tiny_model):
    model = LibraryModel(library)
    qtmodeltester.check(model)
    assert names(model) == ["Alice", "Bob", "Carol"]
    alice = model.index(0, 0)
    assert alice.data(VOICE_ROLE).mode == "icl" and alice.data(TAGS_ROLE) == ("calm", "narrator")
    assert model.voice(alice.data(VOICE_ID_ROLE)).language == "english"
    assert model.prompt_ref(alice.data(VOICE_ID_ROLE)).library is library

    # Changes made elsewhere (another window, timbre-cli) arrive with refresh().
    bob = library.find("Bob")
    library.delete(bob)
    copy = library.duplicate(library.find("Alice"))
    library.update(library.find("Carol"), tags=["calm", "old"])
    model.refresh()
    assert names(model) == ["Alice", "Alice (copy)", "Carol"]
    assert model.voice(bob.id) is None and model.prompt_ref(bob.id) is None
    assert model.index_of(copy.id).row() == 1
    assert model.index(2, 0).data(TAGS_ROLE) == ("calm", "old")
    library.restore(bob)
    model.set_sort("created")
    assert names(model) == ["Alice (copy)", "Carol", "Bob", "Alice"]  # newest first; rows moved

    # Renaming and favoriting write to the library; a refusal changes nothing and says why.
    model.set_sort("name")
    failures = []
    model.failed.connect(lambda message, hint: failures.append((message, hint)))
    row = model.row_of(copy.id)
    assert not model.setData(model.index(row, 0), "alice")  # names are unique, ignoring case
    assert "already a voice called 'Alice'" in failures[0][0] and failures[0][1]
    assert model.setData(model.index(row, 0), "Dora")
    assert library.get(copy.id).name == "Dora"
    assert model.setData(model.index(model.row_of(copy.id), 0), True, FAVORITE_ROLE)
    assert library.get(copy.id).favorite and model.voice(copy.id).favorite


def test_readiness_follows_the_loaded_model(qtmodeltester, library, tiny_model):
    model = LibraryModel(library)
    qtmodeltester.check(model)
    rows = {model.index(r, 0).data(): model.index(r, 0) for r in range(model.rowCount())}
    assert rows["Alice"].data(READINESS_ROLE) == ""  # no model loaded: nothing to say
    model.set_signature(tiny_model.signature)
    assert [rows[n].data(READINESS_ROLE) for n in ("Alice", "Bob", "Carol")] == [READY] * 3
    other = ModelSignature("1b7", tiny_model.signature.speaker_dim, tiny_model.signature.codec)
    model.set_signature(other)
    assert rows["Alice"].data(READINESS_ROLE) == NEEDS_EXTRACTION
    assert "extracted again" in rows["Alice"].data(NOTE_ROLE)
    assert rows["Carol"].data(READINESS_ROLE) == NEEDS_MODEL  # no reference to extract from
    carol = model.voice(rows["Carol"].data(VOICE_ID_ROLE))
    assert not carol.usable and "Needs" in carol.note


def test_filter_follows_the_library_search(qtmodeltester, library):
    model = LibraryModel(library)
    proxy = VoiceFilterModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    for query in ("", "calm", "al", "hello voice", "gravel bob", "narr", "is", "zzz"):
        proxy.set_query(query)
        assert names(proxy) == [v.name for v in library.search(query)], query
    proxy.set_query("")
    proxy.set_tag("calm")
    assert names(proxy) == ["Alice", "Carol"] == [v.name for v in library.list(tag="calm")]
    library.update(library.find("Carol"), favorite=True)
    model.refresh()
    proxy.set_favorites_only(True)
    assert names(proxy) == ["Carol"] and proxy.filtering
    proxy.set_tag(None)
    proxy.set_favorites_only(False)
    library.delete(library.find("Carol"))
    model.refresh()
    assert names(proxy) == ["Alice", "Bob"]
    assert voice_matches(library.find("Alice"), "HELLO", "Narrator")  # case-insensitive


def test_script_model_follows_edits_and_keeps_choices(qtmodeltester, library):
    voices = LibraryModel(library)
    alice, bob = library.find("Alice").id, library.find("Bob").id
    model = ScriptModel(voices)
    qtmodeltester.check(model)
    model.set_defaults(voice_id=alice)
    model.set_texts(["One.", "Two.", "Three."])
    assert model.setData(model.index(1, COL_VOICE), bob)
    assert model.setData(model.index(2, COL_LANGUAGE), "german")
    two = model.line(1)
    # Insert a line at the top, reword line "Two." and delete "Three."
    model.set_texts(["Zero.", "One.", "Two, reworded."])
    qtmodeltester.check(model)
    assert [line.text for line in model.lines()] == ["Zero.", "One.", "Two, reworded."]
    assert model.line(2) is two and model.voice_of(two) == bob
    assert model.language_of(two) == "french"  # Bob's own language
    assert model.language_of(model.line(0)) == "english"  # default voice Alice
    model.set_status(two, LineStatus.RENDERING, 0.5, "Rendering 1.2 s")
    assert model.data(model.index(2, 3)) == "Rendering 1.2 s"
    # A voice moved to the trash shows as missing, in red.
    library.delete(bob)
    voices.refresh()
    assert model.data(model.index(2, COL_VOICE)) == "Missing voice"
    model.set_texts([])
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def test_script_model_marks_markup(qtmodeltester, library):
    model = ScriptModel(LibraryModel(library))
    qtmodeltester.check(model)
    model.set_lines(parse_lines("Hello [pause 0.5s] there.\n# a note\nBad [pauze 1s] one.\n"))
    assert [line.text for line in model.lines()] == ["Hello [pause 0.5s] there.", "Bad [pauze 1s] one."]
    good, bad = model.index(0, COL_TEXT), model.index(1, COL_TEXT)
    assert "1 pause" in good.data(3) and good.data(1) is not None  # tooltip, an icon
    assert bad.data(3).startswith("Editor line 3, column 5: Unknown markup [pauze 1s]")
    assert model.data(model.index(1, 3)) == "Fix the markup"
    # Fixing the line in the editor keeps the row (and its voice) and clears the error.
    line = model.line(1)
    model.set_lines(parse_lines("Hello [pause 0.5s] there.\n# a note\nBad [pause 1s] one.\n"))
    assert model.line(1) is line and line.valid and model.data(model.index(1, 3)) == ""


def test_script_model_keeps_line_ids_through_moves_and_undo(qtmodeltester, library):
    model = ScriptModel(LibraryModel(library))
    model.set_texts(["One.", "Two.", "Three."])
    one, two, three = (model.line(i).id for i in range(3))
    model.set_texts(["One.", "Two, reworded.", "Three."])  # reworded: same id
    assert [ln.id for ln in model.lines()] == [one, two, three]
    model.set_texts(["Three.", "One.", "Two, reworded."])  # moved: cut and pasted
    qtmodeltester.check(model)
    assert [ln.id for ln in model.lines()] == [three, one, two]
    model.set_texts(["Three.", "One."])  # deleted: kept aside with its id
    assert [ln.id for ln in model.removed_lines()] == [two]
    model.set_texts(["Three.", "One.", "Two, reworded."])  # undo in the editor: it comes back
    assert model.line(2).id == two and model.removed_lines() == []


def record(line_id: str, text: str, **kw) -> TakeRecord:
    return TakeRecord(
        id=new_id(),
        line_id=line_id,
        text=text,
        voice_id="v",
        voice_name="Alice",
        language="english",
        seed=7,
        settings={"temperature": 0.9, "top_k": 50},
        created_at=now_iso(),
        **kw,
    )


def test_takes_model_follows_the_lines(qtmodeltester, tmp_path):
    store = ProjectStore(tmp_path)
    script = store.scripts(store.create_project("Show").id)[0]
    a, b = new_id(), new_id()
    store.save_script(
        script.id, "First.\nSecond.", [(a, "First.", None, None), (b, "Second.", None, None)], None, "auto"
    )
    names = {"v": "Alice (renamed)"}
    model = TakesModel(store, names.get)
    model.show_script(script.id, [LineInfo(a, 1, "First."), LineInfo(b, 2, "Second.")])
    qtmodeltester.check(model)
    audio = np.zeros(2400, np.float32)
    first = store.add_take(record(b, "Second."), audio)
    model.add(first)
    model.add(store.add_take(record(a, "First."), audio))
    again = store.add_take(record(b, "Second."), audio)
    model.add(again)
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.index(0, 0).data().startswith("1  ·  First.")
    assert model.rowCount(model.index(1, 0)) == 2  # line 2 has two takes
    assert model.index(0, 1, model.index(0, 0)).data() == "Alice (renamed)"  # the voice's name now
    names.pop("v")
    assert "not in the library" in model.voice_label(first)
    model.set_favorite(first.id, True)
    assert store.take(first.id).favorite
    # Edit line 2 and move it first: its takes follow, marked stale.
    model.set_lines([LineInfo(b, 1, "Second, edited."), LineInfo(a, 2, "First.")])
    qtmodeltester.check(model)
    group = model.index(0, 0)
    assert group.data().startswith("1 (stale)  ·  Second, edited.")
    assert model.index(0, 0, group).data(STALE_ROLE) and model.is_stale(first)
    assert model.number_of(first) == 1
    # Delete line 1 ("First."): its take waits under Removed, at the end.
    model.set_lines([LineInfo(b, 1, "Second, edited."), LineInfo(a, None, "First.")])
    assert model.index(1, 0).data().startswith("Removed  ·  First.")
    assert [r.text for r in model.removed_records()] == ["First."]
    store.trash_takes([first.id, again.id])
    model.remove([first.id, again.id])
    qtmodeltester.check(model)
    assert model.rowCount() == 1
    # What is stored comes back in a new model (the trash stays out).
    reopened = TakesModel(ProjectStore(tmp_path), names.get)
    reopened.show_script(script.id, [LineInfo(b, 1, "Second, edited.")])
    qtmodeltester.check(reopened)
    assert [r.text for r in reopened.all_records()] == ["First."]
    assert reopened.index(0, 0).data().startswith("Removed")
