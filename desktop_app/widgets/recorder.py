"""Record a reference from the microphone: device picker, level meter, timer with guidance,
and a sentence to read aloud in the voice's language."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.audio_quality import BEST_S, GOOD_LENGTH, LONG_S, SHORT_S

from ..audio_io import AudioDeviceError, Recorder, input_devices, rescan_devices
from ..icons import icon
from ..languages import read_aloud_sentence
from ..settings import Settings
from .level_meter import LevelMeter


def guidance(seconds: float) -> tuple[str, str]:
    """(advice, colour) for the timer while recording."""
    if seconds < SHORT_S:
        return f"Keep going: {GOOD_LENGTH} works best.", "#d99a1e"
    if seconds <= BEST_S:
        return "Good length. Stop when you finish the sentence.", "#2f9e5b"
    if seconds <= LONG_S:
        return "Plenty. Stop when you finish the sentence.", "#2f9e5b"
    return "That is long: you can trim it afterwards.", "#d99a1e"


class RecorderPanel(QWidget):
    """Emits ``recorded(audio, sample_rate)`` when a recording ends (its first 0.3 s dropped)."""

    recorded = Signal(object, int)
    failed = Signal(str, str)  # message, hint
    sentence_used = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.player_busy = lambda: False  # set by the voice editor: is anything playing?
        self.recorder = Recorder(self)
        self.recorder.level_changed.connect(self._on_level)
        self.recorder.elapsed_changed.connect(self._on_elapsed)
        self.recorder.finished.connect(self._on_finished)
        self.recorder.failed.connect(self.failed)

        self.device = QComboBox()
        self.device.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device.setMinimumContentsLength(18)
        self.device.currentIndexChanged.connect(self._device_chosen)
        refresh = QToolButton()
        refresh.setIcon(icon("regenerate"))
        refresh.setToolTip("Look for microphones again (after plugging one in)")
        refresh.clicked.connect(self.rescan)
        self.record_button = QPushButton("Record")
        self.record_button.setObjectName("record")
        self.record_button.setIcon(icon("record", "#d93d3d"))
        self.record_button.setToolTip("Start or stop recording (Ctrl+R)")
        self.record_button.clicked.connect(self.toggle)
        self.meter = LevelMeter()
        self.timer_label = QLabel("0.0 s")
        self.timer_label.setObjectName("timer")
        self.timer_label.setMinimumWidth(70)
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.guidance = QLabel("Press Record and read the sentence below at your natural pace.")
        self.guidance.setObjectName("hint")
        self.guidance.setWordWrap(True)
        self.sentence = QLabel()
        self.sentence.setObjectName("sentence")
        self.sentence.setWordWrap(True)
        self.sentence.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.use_sentence = QPushButton("Use as transcript")
        self.use_sentence.setToolTip("Fill the transcript with this sentence (read it exactly as written)")
        self.use_sentence.clicked.connect(lambda: self.sentence_used.emit(self.sentence.text()))

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.addWidget(QLabel("Microphone"), 0, 0)
        device_row = QHBoxLayout()
        device_row.addWidget(self.device, 1)
        device_row.addWidget(refresh)
        grid.addLayout(device_row, 0, 1, 1, 2)
        grid.addWidget(self.record_button, 1, 0)
        grid.addWidget(self.meter, 1, 1)
        grid.addWidget(self.timer_label, 1, 2)
        grid.setColumnStretch(1, 1)
        read = QHBoxLayout()
        read.addWidget(self.sentence, 1)
        read.addWidget(self.use_sentence, 0, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.guidance)
        layout.addLayout(read)

        shortcut = QShortcut(QKeySequence("Ctrl+R"), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self._shortcut)
        self.set_language("english")
        self._fill_devices()

    # ----- devices ---------------------------------------------------------------------------
    def _fill_devices(self) -> None:
        self.device.blockSignals(True)
        self.device.clear()
        self.device.addItem("System default", "")
        try:
            for d in input_devices():
                self.device.addItem(d.label, d.name)
        except AudioDeviceError as e:
            self.device.setToolTip(f"{e.message} {e.hint or ''}")
        wanted = self._settings.input_device
        i = self.device.findData(wanted)
        if i < 0 and wanted:
            self.device.addItem(f"{wanted} (not connected)", wanted)
            i = self.device.count() - 1
        self.device.setCurrentIndex(max(0, i))
        self.device.blockSignals(False)

    def rescan(self) -> None:
        """Re-read the device list (PortAudio restarts: only while nothing records or plays)."""
        if self.recorder.recording or self.player_busy():
            return
        try:
            rescan_devices()
        except Exception as e:  # PortAudio refusing to restart: keep the old list
            self.failed.emit(
                f"Could not look for microphones again ({e}).", "Restart Timbre to see new devices."
            )
        self._fill_devices()

    def _device_chosen(self, index: int) -> None:
        self._settings.input_device = self.device.itemData(index) or ""

    # ----- language --------------------------------------------------------------------------
    def set_language(self, language: str) -> None:
        self.sentence.setText(read_aloud_sentence(language))

    # ----- recording -------------------------------------------------------------------------
    def _shortcut(self) -> None:
        if self.isVisible():
            self.toggle()

    def toggle(self) -> None:
        if self.recorder.recording:
            self.recorder.stop()
        else:
            self.start()

    def start(self) -> None:
        try:
            self.recorder.start(self.device.currentData() or "")
        except AudioDeviceError as e:
            self.failed.emit(e.message, e.hint or "")
            return
        self.meter.reset()
        self.device.setEnabled(False)
        self.record_button.setText("Stop")
        self.record_button.setIcon(icon("stop", "#ffffff"))
        self.record_button.setProperty("recording", True)
        self._repolish()
        self._on_elapsed(0.0)

    def _repolish(self) -> None:
        self.record_button.style().unpolish(self.record_button)
        self.record_button.style().polish(self.record_button)

    def _on_level(self, rms: float, peak: float) -> None:
        self.meter.set_level(rms, peak)

    def _on_elapsed(self, seconds: float) -> None:
        self.timer_label.setText(f"{seconds:.1f} s")
        text, color = guidance(seconds)
        self.guidance.setText(text)
        self.guidance.setStyleSheet(f"color: {color};")

    def _on_finished(self, audio: np.ndarray, sample_rate: int) -> None:
        self.device.setEnabled(True)
        self.record_button.setText("Record")
        self.record_button.setIcon(icon("record", "#d93d3d"))
        self.record_button.setProperty("recording", False)
        self._repolish()
        self.guidance.setStyleSheet("")
        self.guidance.setText("Recorded. Trim it below, then check the advice.")
        if len(audio):
            self.recorded.emit(audio, sample_rate)
        else:
            self.failed.emit(
                "Nothing was recorded.",
                "Record for at least a few seconds; check that the right microphone is chosen.",
            )
