"""Two processes (the studio and the CLI) and two threads (GUI and engine) using one library at once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from engine.library import VoiceLibrary
from tests.conftest import SPEECH_TEXT
from tests.library.helpers import whole_voice_problems

ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = 4


def test_two_processes_adding_at_once_lose_nothing(lib, tiny_model, tiny_checkpoint, speech_file, tmp_path):
    lib.add(speech_file, model=tiny_model, name="Shared", mode="x_vector")
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.library.workers",
                "add-many",
                str(lib.root),
                str(tiny_checkpoint),
                str(speech_file),
                prefix,
                str(PER_PROCESS),
                str(go),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("Studio", "Cli")
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.communicate()[1][-2000:]
    go.touch()  # both start adding now
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0 and out.strip() == "done", err[-2000:]

    names = {v.name for v in lib.list()}
    expected = {f"{prefix} {i}" for prefix in ("Studio", "Cli") for i in range(PER_PROCESS)}
    assert names == expected | {"Shared"}
    tags = set(lib.find("Shared").tags)
    assert tags == {f"{prefix}-{i}" for prefix in ("Studio", "Cli") for i in range(PER_PROCESS)}
    for v in lib.list():
        assert whole_voice_problems(lib, v) == []
    assert lib.check().clean


def test_gui_thread_lists_while_engine_thread_writes(lib, tiny_model, speech_file):
    errors: list[BaseException] = []
    done = threading.Event()

    def engine_thread() -> None:
        try:
            for i in range(6):
                v = lib.add(speech_file, SPEECH_TEXT, model=tiny_model, name=f"Voice {i}")
                lib.prompt_for(v, tiny_model)
                if i % 2:
                    lib.delete(v)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread's assertion
            errors.append(e)
        finally:
            done.set()

    worker = threading.Thread(target=engine_thread)
    worker.start()
    seen = 0
    while not done.is_set():
        seen = max(seen, len(lib.list()) + len(lib.trash()))
        lib.search("voice")
    worker.join()
    assert errors == []
    assert [v.name for v in lib.list()] == ["Voice 0", "Voice 2", "Voice 4"]
    assert len(lib.trash()) == 3


def test_second_library_object_sees_changes(lib, alice):
    other = VoiceLibrary(lib.root)
    try:
        lib.rename(alice, "Alicia")
        assert other.get(alice.id).name == "Alicia"
        other.delete(alice)
        assert lib.get(alice.id).trashed
    finally:
        other.close()
