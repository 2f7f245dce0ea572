"""Render the studio's main states to docs/screenshots/*.png in a real window.

Run under a virtual X server, with the tiny random-weight checkpoint standing in for a real
model (its takes are noise, which is what their waveforms show):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshots.py

Everything happens in a temporary TIMBRE_HOME; nothing of the user's is touched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEECH = "Hello, this is my voice. I read this sentence for Timbre, slowly and clearly."
SCRIPT = (
    "# Field Notes, episode 12\n"
    "Welcome back to Field Notes, the show about how things are made.\n"
    "Today we visit a workshop that builds violins by hand. [pause 0.6s] Listen.\n"
    "It takes about two hundred hours to finish one instrument.\n"
    "Let's hear from the maker herself.\n"
    "Thanks for having me. It all starts with a block of spruce."
)
SIZE = (1440, 900)


def espeak(text: str, path: Path, voice: str) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)
    return path


def wait(app, condition, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        app.processEvents()
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the studio")
        time.sleep(0.01)


def shot(app, window, folder: Path, name: str) -> None:
    for _ in range(5):  # let layouts and repaints settle
        app.processEvents()
        time.sleep(0.02)
    path = folder / f"{name}.png"
    window.grab().save(str(path))
    print("wrote", path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="timbre-shots-"))
    os.environ["TIMBRE_HOME"] = str(work / "home")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from PySide6.QtWidgets import QApplication

    import desktop_app  # noqa: F401  (PySide6 guard first)
    from desktop_app.settings import Settings
    from desktop_app.theme import apply_theme
    from desktop_app.widgets.main_window import MainWindow
    from engine.random_checkpoint import write_random_checkpoint

    app = QApplication(["timbre"])
    apply_theme(app, "light")
    args.out.mkdir(parents=True, exist_ok=True)

    # First run: the default hub model is not downloaded (and this machine is offline).
    first = MainWindow(Settings())
    first.resize(*SIZE)
    first.show()
    wait(app, lambda: first.host.state.phase.value == "none" and bool(first.host.state.message))
    shot(app, first, args.out, "first-run")
    first.close()

    checkpoint = write_random_checkpoint(work / "tiny", "tiny", seed=7)
    settings = Settings(model_source=str(checkpoint), device="cpu", theme="light")
    settings.script.sampling.max_length_s = 6.0
    window = MainWindow(settings)
    window.resize(*SIZE)
    window.show()

    def wait_for(condition) -> None:
        wait(app, condition)

    def snap(name: str) -> None:
        shot(app, window, args.out, name)

    wait_for(lambda: window.host.state.ready)
    snap("empty")

    # New voice: a "recording" (espeak speech), trimmed, with its advice and details.
    editor = window.voice_editor
    window.show_voice_editor()
    import soundfile as sf

    speech, rate = sf.read(str(espeak(SPEECH, work / "me.wav", "en-us")), dtype="float32")
    editor.set_audio(speech, rate, "Recording")
    editor.waveform.set_selection(0.25, editor.waveform.duration_s - 0.3)
    editor.recorder.timer_label.setText(f"{len(speech) / rate:.1f} s")
    editor.recorder.guidance.setText("Recorded. Trim it below, then check the advice.")
    editor.transcript.setPlainText(SPEECH)
    editor.name.setText("Maya (host)")
    editor.tags.setText("podcast, warm")
    snap("new-voice")

    made = []
    window.library_jobs.added.connect(lambda voices: made.extend(voices))
    editor.save()
    wait_for(lambda: len(made) == 1)
    editor.load_file(espeak("And this is the second voice of the show.", work / "guest.wav", "en-gb"))
    editor.name.setText("Clara (guest)")
    editor.tags.setText("podcast, bright")
    editor.mode_xvector.setChecked(True)
    editor.save()
    wait_for(lambda: len(made) == 2)
    host_voice, guest = made

    # A library with history: a favorite, tags, a voice made with another model (extracted again
    # on first use) and an official demo voice of the 1.7B model (usable only with that model).
    add_library_voices(window.library, work, speech, rate)
    window.library.update(host_voice.id, favorite=True)
    window.voice_catalog.refresh()
    window.voices_panel.select(host_voice.id)

    # Projects: a podcast (its episodes) and an audiobook (its chapters).
    store, projects = window.projects, window.project_panel
    show = store.projects()[0]
    store.rename_project(show.id, "The Morning Show")
    store.rename_script(store.scripts(show.id)[0].id, "Ep. 12 · Voices")
    for name in ("Ep. 13 · Listening", "Ep. 14 · Live"):
        store.create_script(show.id, name)
    book = store.create_project("Harbor Lights", "audiobook")
    for _ in range(3):
        store.create_script(book.id)
    projects.refresh()
    window.open_script(store.scripts(show.id)[0].id)

    # The script, its lines parsed (the pause in the accent colour), before rendering.
    panel = window.script_panel
    window.tabs.setCurrentWidget(panel)
    panel.set_default_voice(host_voice.id)
    panel.set_script(SCRIPT)
    panel.model.setData(panel.model.index(4, 1), guest.id)
    snap("library")

    # The script mid-generation: lines waiting, rendering and done.
    takes_seen, progress, ended = [], [], []
    job = window.generate()
    job.take.connect(lambda i, take: takes_seen.append(i))
    job.progress.connect(lambda p: progress.append(p.frames))
    job.finished.connect(lambda cancelled: ended.append(job))
    wait_for(lambda: len(progress) > 3 and 0 < len(takes_seen) < 5)
    snap("script-generating")
    wait_for(lambda: job in ended)

    # Takes: a second take of line 1, a favorite, the take shown with its playhead.
    takes = window.takes_panel
    first = takes.model.all_records()[0]
    again = window.script_panel.regenerate(first, 1)
    again.finished.connect(lambda cancelled: ended.append(again))
    wait_for(lambda: again in ended)
    takes.model.set_favorite(first.id, True)
    takes.select(first.id)
    takes.waveform.set_playhead(first.duration_s * 0.4)
    snap("takes")

    apply_theme(app, "dark")
    snap("takes-dark")
    apply_theme(app, "light")

    # An edited line keeps its takes, marked stale; a deleted one waits under Removed.
    text = panel.editor.toPlainText().replace("Welcome back", "Welcome, welcome back", 1)
    panel.editor.setPlainText(text)
    wait_for(
        lambda: any("stale" in (takes.model.index(r, 0).data() or "") for r in range(takes.model.rowCount()))
    )
    projects.tree.setFocus()
    snap("projects")
    apply_theme(app, "dark")
    snap("projects-dark")
    apply_theme(app, "light")

    # A markup typo: underlined where the parser stopped, the line marked, Generate refuses it.
    panel.set_script(SCRIPT.replace("[pause 0.6s]", "[pauze 0.6s]"))
    window.generate()
    panel.table.selectRow(1)
    snap("script-markup")
    window.cancel()  # the good lines were rendering: stop them so closing does not ask
    wait_for(lambda: not (panel.busy or window.render_all_queue.running))
    window.close()
    return 0


def add_library_voices(library, work: Path, speech, rate: int) -> None:
    """Voices the studio did not make: one by another model, one from an official .pt file."""
    import json

    import torch

    from engine import Qwen3TTSModel
    from engine.random_checkpoint import write_random_checkpoint

    other = write_random_checkpoint(work / "tiny-b", "tiny", seed=11)
    config = json.loads((other / "config.json").read_text())
    config["tts_model_size"] = "tiny-b"
    (other / "config.json").write_text(json.dumps(config))
    model = Qwen3TTSModel.from_pretrained(other, device="cpu")
    library.add(
        (speech, rate),
        model=model,
        name="Sam (narrator)",
        mode="x_vector",
        tags=["audiobook", "calm"],
        language="english",
    )
    item = {"ref_spk_embedding": torch.randn(2048), "x_vector_only_mode": True}
    torch.save({"items": [item]}, work / "demo.pt")
    library.import_official(work / "demo.pt", name="Demo voice (1.7B)", tags=["official"])


if __name__ == "__main__":
    sys.exit(main())
