"""New voice: reference audio (file or microphone), trim, advice, transcript, mode, details, save.

Save sends the trimmed selection to the engine thread for extraction; the extracted voice
leaves through ``voice_created(NewVoice)`` and the library panel keeps it. The draft stays
intact until the library confirms (:meth:`VoiceEditor.voice_saved`), so an error (no model, bad
audio, a name already taken, a full disk: :meth:`VoiceEditor.save_failed`) never costs the
recording; saving the same selection again reuses the extraction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.audio import MIN_REFERENCE_S, load_audio
from engine.audio_quality import Severity, analyze
from engine.errors import AudioInputError

from ..audio_io import AudioDeviceError
from ..audio_player import Player
from ..engine_host import EngineHost, EngineJob, ExtractRequest
from ..icons import icon
from ..settings import Settings
from ..voices import MODE_ICL, MODE_XVECTOR, NewVoice
from .banner import Banner
from .recorder import RecorderPanel
from .voice_details import VoiceDetails, section
from .waveform import WaveformView

AUDIO_FILTER = "Audio (*.wav *.flac *.ogg *.mp3 *.aiff *.aif);;All files (*)"
SEVERITY_ICONS = {
    Severity.GOOD: ("check", "#2f9e5b"),
    Severity.WARNING: ("warning", "#d99a1e"),
    Severity.PROBLEM: ("error", "#d93d3d"),
}


class VoiceEditor(QWidget):
    """Makes one voice at a time. ``voice_created`` carries the finished :class:`NewVoice`."""

    voice_created = Signal(object)

    def __init__(
        self, host: EngineHost, player: Player, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._host, self._player, self._settings = host, player, settings
        self._audio = np.zeros(0, np.float32)
        self._rate = 24000
        self._job: EngineJob | None = None  # the extraction running
        self._saving = False  # extracted; waiting for the library to keep it
        self._extracted: tuple[tuple, list[Any]] | None = None  # (draft key, prompt items)
        self._pending: tuple | None = None
        self._source = ""
        # Set by the main window: (message, hint) when a name cannot be used (e.g. it is taken).
        self.name_problem: Callable[[str], tuple[str, str] | None] | None = None
        self.last_report = None
        self.setAcceptDrops(True)

        self.banner = Banner()
        open_file = QPushButton("Open audio file…")
        open_file.setIcon(icon("open"))
        open_file.clicked.connect(self.choose_file)
        self.recorder = RecorderPanel(settings)
        self.recorder.player_busy = lambda: self._player.playing
        self.recorder.recorded.connect(lambda audio, sr: self.set_audio(audio, sr, "Recording"))
        self.recorder.failed.connect(lambda m, h: self.banner.show_message("error", m, h))
        self.recorder.sentence_used.connect(lambda sentence: self.details.use_sentence(sentence))

        self.waveform = WaveformView(trim=True)
        self.waveform.placeholder = "Record or open a file: 3 to 10 seconds of clear speech"
        self.waveform.selection_changed.connect(self._selection_changed)
        self.waveform.seek_requested.connect(lambda t: self.play_selection(start_s=t))
        self.play_button = QPushButton("Play selection")
        self.play_button.setIcon(icon("play"))
        self.play_button.clicked.connect(self._toggle_play)
        self.selection_label = QLabel()
        self.selection_label.setObjectName("muted")
        self.advice = QVBoxLayout()
        self.advice.setSpacing(2)
        self._analysis = QTimer(self)
        self._analysis.setSingleShot(True)
        self._analysis.setInterval(150)  # re-analyse once dragging pauses, not on every pixel
        self._analysis.timeout.connect(self._update_advice)

        self.details = VoiceDetails()
        self.details.language_changed.connect(self.recorder.set_language)
        # The form's fields, by their short names (tests and the main window use them).
        d = self.details
        self.transcript, self.mode_icl, self.mode_xvector = d.transcript, d.mode_icl, d.mode_xvector
        self.name, self.language, self.tags = d.name, d.language, d.tags
        self._auto_name = ""  # the name last filled in from a file name (replaced by the next file's)
        # A form message ("needs the transcript", "give it a name") goes once the form is edited.
        for signal in (d.transcript.textChanged, d.name.textChanged, d.mode_icl.toggled):
            signal.connect(lambda *_: self.banner.clear(source="form"))

        self.save_button = QPushButton("Save voice")
        self.save_button.setObjectName("primary")
        self.save_button.setIcon(icon("check", "#ffffff"))
        self.save_button.clicked.connect(self.save)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.save_status = QLabel()
        self.save_status.setObjectName("muted")
        clear = QPushButton("Start over")
        clear.clicked.connect(self.reset)

        self._build_layout(open_file, clear)
        self.reset()

    def _build_layout(self, open_file: QPushButton, clear: QPushButton) -> None:
        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(12, 10, 12, 12)
        col.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(section("1 · Reference audio"))
        hint = QLabel("Record, open a file, or drop one here.")
        hint.setObjectName("hint")
        top.addWidget(hint, 1)
        top.addWidget(open_file)
        col.addLayout(top)
        col.addWidget(self.recorder)
        col.addWidget(self.waveform, 1)
        play_row = QHBoxLayout()
        play_row.addWidget(self.play_button)
        play_row.addWidget(self.selection_label, 1)
        col.addLayout(play_row)
        col.addLayout(self.advice)
        col.addWidget(self.details)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        # The banner and the Save row stay in view, outside the scrolling form: a message can
        # never push Save voice below the fold.
        bottom = QHBoxLayout()
        bottom.setContentsMargins(12, 6, 12, 12)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.save_status, 1)
        bottom.addWidget(clear)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        banner_row = QVBoxLayout()
        banner_row.setContentsMargins(12, 10, 12, 0)
        banner_row.addWidget(self.banner)
        outer.addLayout(banner_row)
        outer.addWidget(scroll, 1)
        outer.addLayout(bottom)
        self._player.position_changed.connect(self._on_position)
        self._player.state_changed.connect(self._on_play_state)

    # ----- audio in --------------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open reference audio", str(Path.home()), AUDIO_FILTER)
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> bool:
        """Read an audio file as the reference; a file that is not audio shows why and changes nothing."""
        try:
            audio, rate = load_audio(Path(path))
        except AudioInputError as e:
            self.banner.show_message("error", e.message, e.hint or "")
            return False
        self.set_audio(audio, rate, Path(path).name)
        if not self.name.text().strip() or self.name.text() == self._auto_name:
            self._auto_name = Path(path).stem.replace("_", " ").replace("-", " ").strip().title()
            self.name.setText(self._auto_name)
        return True

    def set_audio(self, audio: np.ndarray, sample_rate: int, source: str = "") -> None:
        self._player.stop()
        self._audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        self._rate = int(sample_rate)
        self.banner.clear()
        self.waveform.set_audio(self._audio, self._rate)
        self._source = source
        self._update_advice()

    def has_audio(self) -> bool:
        return len(self._audio) > 0

    def selection_audio(self) -> np.ndarray:
        start, end = self.waveform.selection()
        return self._audio[int(start * self._rate) : int(end * self._rate)].copy()

    def _selection_changed(self, start: float, end: float) -> None:
        if self.has_audio():
            self.selection_label.setText(f"Selection {start:.1f} to {end:.1f} s  ·  {end - start:.1f} s")
        else:
            self.selection_label.setText("")
        self._analysis.start()

    def _update_advice(self) -> None:
        while self.advice.count():
            item = self.advice.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.play_button.setEnabled(self.has_audio())
        if not self.has_audio():
            return
        report = analyze(self.selection_audio(), self._rate)
        for a in report.advice:
            row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            mark = QLabel()
            mark.setPixmap(icon(*SEVERITY_ICONS[a.severity]).pixmap(16, 16))
            text = QLabel(a.text)
            text.setWordWrap(True)
            h.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
            h.addWidget(text, 1)
            self.advice.addWidget(row)
        self.last_report = report

    # ----- playback --------------------------------------------------------------------------
    def _toggle_play(self) -> None:
        if self._player.playing and self._player.owner is self:
            self._player.stop()
        else:
            self.play_selection()

    def play_selection(self, start_s: float | None = None) -> None:
        if not self.has_audio():
            return
        start, end = self.waveform.selection()
        try:
            self._player.play(
                self._audio,
                self._rate,
                start_s=start if start_s is None else start_s,
                end_s=end if start_s is None or start_s < end else None,
                device_name=self._settings.output_device,
                owner=self,
            )
        except AudioDeviceError as e:
            self.banner.show_message("error", e.message, e.hint or "")

    def _on_position(self, seconds: float) -> None:
        if self._player.owner is self:
            self.waveform.set_playhead(seconds)

    def _on_play_state(self, playing: bool) -> None:
        mine = self._player.owner is self and playing
        self.play_button.setText("Stop" if mine else "Play selection")
        self.play_button.setIcon(icon("stop" if mine else "play"))
        if not mine:
            self.waveform.set_playhead(None)

    # ----- the rest of the form --------------------------------------------------------------
    def mode(self) -> str:
        return self.details.mode()

    def reset(self) -> None:
        """Empty the form for the next voice."""
        self._extracted = None
        if self._player.owner is self:
            self._player.stop()
        self._audio = np.zeros(0, np.float32)
        self.waveform.clear()
        self.details.clear()
        self.save_status.clear()
        self._update_advice()
        self._selection_changed(0.0, 0.0)

    # ----- save ------------------------------------------------------------------------------
    def _problem(self) -> tuple[str, str, QWidget | None] | None:
        if not self.has_audio():
            return (
                "There is no reference audio yet.",
                "Record with the microphone or open an audio file.",
                None,
            )
        start, end = self.waveform.selection()
        if end - start < MIN_REFERENCE_S:
            return (
                f"The selection is only {end - start:.1f} s long.",
                "Drag the trim handles apart: 3 to 10 seconds of speech works best.",
                None,
            )
        if self.mode() == MODE_ICL and not self.transcript.toPlainText().strip():
            return (
                "ICL mode needs the transcript of the recording.",
                "Type exactly what is said, use the read-aloud sentence, or choose x-vector mode.",
                self.transcript,
            )
        if not self.name.text().strip():
            return ("Give the voice a name.", "The name is how you pick it in the script.", self.name)
        return None

    def save(self) -> None:
        """Validate, extract on the engine thread, then hand the voice over to be kept.

        The form stays as it is until :meth:`voice_saved`; a draft already extracted (a save
        the library refused, e.g. for its name) is not extracted again.
        """
        if self.busy:
            return
        problem = self._problem()
        if problem is None and self.name_problem is not None:
            clash = self.name_problem(self.name.text().strip())
            if clash:
                problem = (*clash, self.name)
        if problem:
            message, hint, field = problem
            self.banner.show_message("warning", message, hint, source="form")
            if field is not None:
                field.setFocus()
            return
        if not self._accept_problems():
            return
        self.banner.clear()
        self._pending = (
            self.name.text().strip(),
            self.language.currentData(),
            self.mode(),
            self.details.transcript_text(),
            self.selection_audio(),
            self._rate,
            self.details.tag_list(),
        )
        name, _, mode, transcript, audio, rate, _ = self._pending
        self.save_button.setEnabled(False)
        self.progress.show()
        if self._extracted is not None and self._extracted[0] == self._draft_key():
            self._hand_over(self._extracted[1])
            return
        job = self._job = self._host.submit(
            ExtractRequest(audio, rate, transcript or None, mode == MODE_XVECTOR)
        )
        job.prompt_ready.connect(self._on_prompt_ready)
        job.failed.connect(self.save_failed)
        job.finished.connect(lambda _cancelled: self._on_finished(job))
        self.save_status.setText(f"Extracting “{name}”…")

    def _draft_key(self) -> tuple:
        """What an extraction depends on: the audio, its rate, the transcript and the mode."""
        assert self._pending is not None
        _, _, mode, transcript, audio, rate, _ = self._pending
        return (hashlib.blake2b(audio.tobytes(), digest_size=16).digest(), rate, transcript, mode)

    @property
    def busy(self) -> bool:
        """Extracting, or waiting for the library to keep the voice."""
        return self._job is not None or self._saving

    def _end_job(self) -> None:
        self._job = None
        self._saving = False
        self.save_button.setEnabled(True)
        self.progress.hide()

    def _on_prompt_ready(self, items: list) -> None:
        self._job = None
        self._extracted = (self._draft_key(), list(items))
        self._hand_over(list(items))

    def _hand_over(self, items: list[Any]) -> None:
        assert self._pending is not None
        name, language, mode, transcript, audio, rate, tags = self._pending
        self._saving = True
        self.save_status.setText(f"Saving “{name}” in the library…")
        self.voice_created.emit(
            NewVoice(
                name=name,
                language=language,
                mode=mode,
                transcript=transcript,
                reference_audio=audio,
                sample_rate=rate,
                prompt_items=items,
                tags=tags,
            )
        )

    def _accept_problems(self) -> bool:
        """A recording the advice marks red (silence, clipping, far too short) is saved only on a yes."""
        report = analyze(self.selection_audio(), self._rate)
        problems = [a.text for a in report.advice if a.severity is Severity.PROBLEM]
        if not problems:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Save this recording?", "", parent=self)
        box.setText("The recording has problems a cloned voice will keep:")
        box.setInformativeText("\n".join(f"• {p}" for p in problems))
        save = box.addButton("Save anyway", QMessageBox.ButtonRole.AcceptRole)
        fix = box.addButton("Fix the recording", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(fix)
        box.exec()
        return box.clickedButton() is save

    def voice_saved(self, name: str) -> None:
        """The library kept the voice: empty the form for the next one."""
        self._end_job()
        self._extracted = None
        self.reset()
        self.banner.show_message(
            "success", f"Saved “{name}”.", "It is in the voice library, ready for your scripts."
        )

    def save_failed(self, message: str, hint: str) -> None:
        """Extraction or keeping the voice failed: say why; the recording and text stay."""
        self._end_job()
        self.save_status.setText("")
        kept = "Your recording and text are kept."
        self.banner.show_message("error", message, f"{hint} {kept}" if hint else kept)

    def _on_finished(self, job: EngineJob) -> None:
        if job is self._job:  # finished without prompt_ready: cancelled (e.g. at shutdown)
            self._end_job()
            self.save_status.setText("Extraction was cancelled.")

    # ----- drag and drop ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.load_file(files[0])
            event.acceptProposedAction()
