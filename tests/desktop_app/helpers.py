"""Steps the studio tests share: make a voice through the editor, render the script."""

from __future__ import annotations

from PySide6.QtCore import Qt

from .conftest import TIMEOUT_MS


def save_in_editor(qtbot, window):
    """Click Save in the voice editor; returns (the NewVoice it made, the library's Voice)."""
    editor = window.voice_editor
    with qtbot.waitSignal(window.library_jobs.added, timeout=TIMEOUT_MS) as added:
        with qtbot.waitSignal(editor.voice_created, timeout=TIMEOUT_MS) as created:
            qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    [voice] = added.args[0]
    qtbot.waitUntil(lambda: not window.host.pending(), timeout=TIMEOUT_MS)  # its job has ended
    return created.args[0], voice


def add_voice_from_file(qtbot, window, path, name, transcript=None):
    """Open ``path`` in the voice editor and save it in the library (ICL with ``transcript``,
    else x-vector); returns the library's :class:`engine.library.Voice`."""
    editor = window.voice_editor
    window.show_voice_editor()
    assert editor.load_file(path)
    editor.name.setText(name)
    if transcript:
        editor.mode_icl.setChecked(True)
        editor.transcript.setPlainText(transcript)
    else:
        editor.mode_xvector.setChecked(True)
    return save_in_editor(qtbot, window)[1]


def render_script(qtbot, window, text):
    """Type ``text`` into the script and render it; returns the job once it has ended."""
    panel = window.script_panel
    panel.set_script(text)
    job = window.generate()
    assert job is not None, panel.banner.message.text()
    qtbot.waitUntil(lambda: job.ended, timeout=TIMEOUT_MS)
    return job


def answer_next_dialog(qtbot, label: str) -> None:
    """Press the button ``label`` of the next modal message box, as a creator would click it."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, press)
            return
        button = next(b for b in box.buttons() if b.text() == label)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(50, press)


class RenderEvents:
    """What the script panel's render jobs said, each job recorded from its submission on."""

    def __init__(self, window) -> None:
        self.jobs = []
        self.events = []  # (kind, *args) in arrival order
        window.script_panel.render_submitted.connect(self._follow)

    def _follow(self, job) -> None:
        self.jobs.append(job)
        job.progress.connect(lambda p: self.events.append(("progress", p)))
        job.take.connect(lambda i, take: self.events.append(("take", i, take)))
        job.chunk.connect(lambda i, audio: self.events.append(("chunk", i, audio)))
        job.finished.connect(lambda cancelled: self.events.append(("finished", cancelled)))
        job.failed.connect(lambda message, hint: self.events.append(("failed", message, hint)))

    def of(self, kind: str) -> list[tuple]:
        return [e[1:] for e in self.events if e[0] == kind]
