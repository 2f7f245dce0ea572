"""Settings: model source, device and dtype; audio devices; export folder; theme."""

from __future__ import annotations

import copy

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from engine.checkpoint import DEFAULT_REPO_ID, looks_like_repo_id

from ..audio_io import AudioDeviceError, input_devices, output_devices
from ..settings import DTYPES, EXPORT_FORMATS, THEMES, Settings

DTYPE_LABELS = {
    "auto": "Auto (bfloat16 on a GPU, float32 on the CPU)",
    "bfloat16": "bfloat16 (also the fastest on CPUs with AVX512-BF16 or AMX)",
    "float16": "float16",
    "float32": "float32",
}


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


class SettingsDialog(QDialog):
    """Edits a copy of the settings; :meth:`result_settings` returns it after OK."""

    def __init__(
        self, settings: Settings, devices: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self._settings = copy.deepcopy(settings)
        s = self._settings

        # Model
        self.from_hub = QRadioButton("Hugging Face model")
        self.from_folder = QRadioButton("Folder on this computer")
        group = QButtonGroup(self)
        group.addButton(self.from_hub)
        group.addButton(self.from_folder)
        local = not looks_like_repo_id(s.model_source)
        self.hub_id = QLineEdit(DEFAULT_REPO_ID if local else s.model_source)
        self.hub_id.setPlaceholderText(DEFAULT_REPO_ID)
        self.folder = QLineEdit(s.model_source if local else "")
        self.folder.setPlaceholderText("A folder with config.json, model.safetensors and speech_tokenizer/")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse_model)
        (self.from_folder if local else self.from_hub).setChecked(True)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.device = QComboBox()
        self.device.addItem("Auto (the first GPU, else the CPU)", "auto")
        known = dict(devices) or {"cpu": "CPU"}
        known.setdefault("cpu", "CPU")
        if s.device not in ("auto", *known):
            known[s.device] = f"{s.device} (not found)"
        for dev_id, label in known.items():
            self.device.addItem(label, dev_id)
        self.device.setCurrentIndex(max(0, self.device.findData(s.device)))
        self.dtype = QComboBox()
        for d in DTYPES:
            self.dtype.addItem(DTYPE_LABELS[d], d)
        self.dtype.setCurrentIndex(max(0, self.dtype.findData(s.dtype)))
        model_box = QGroupBox("Model")
        mf = QFormLayout(model_box)
        mf.addRow(self.from_hub, self.hub_id)
        mf.addRow(self.from_folder, folder_row)
        mf.addRow(
            _hint("1.7B: the best likeness. 0.6B (Qwen/Qwen3-TTS-12Hz-0.6B-Base): faster, less memory.")
        )
        mf.addRow("Device", self.device)
        mf.addRow("Precision", self.dtype)

        # Audio
        self.input = QComboBox()
        self.output = QComboBox()
        try:
            inputs, outputs = input_devices(), output_devices()
            audio_note = ""
        except AudioDeviceError as e:
            inputs, outputs, audio_note = [], [], f"{e.message} {e.hint or ''}"
        for combo, found, current in (
            (self.input, inputs, s.input_device),
            (self.output, outputs, s.output_device),
        ):
            combo.addItem("System default", "")
            for d in found:
                combo.addItem(d.label, d.name)
            if current and combo.findData(current) < 0:
                combo.addItem(f"{current} (not connected)", current)
            combo.setCurrentIndex(max(0, combo.findData(current)))
        audio_box = QGroupBox("Audio")
        af = QFormLayout(audio_box)
        af.addRow("Microphone", self.input)
        af.addRow("Playback", self.output)
        if audio_note:
            af.addRow(_hint(audio_note))

        # Files and look
        self.output_folder = QLineEdit(s.output_folder)
        self.output_folder.setPlaceholderText(str(s.export_folder()))
        browse_out = QPushButton("Choose…")
        browse_out.clicked.connect(self._browse_output)
        out_row = QHBoxLayout()
        out_row.addWidget(self.output_folder, 1)
        out_row.addWidget(browse_out)
        self.export_format = QComboBox()
        for f in EXPORT_FORMATS:
            self.export_format.addItem(f.upper(), f)
        self.export_format.setCurrentIndex(max(0, self.export_format.findData(s.export_format)))
        self.theme = QComboBox()
        for t in THEMES:
            self.theme.addItem(t.capitalize(), t)
        self.theme.setCurrentIndex(max(0, self.theme.findData(s.theme)))
        other_box = QGroupBox("Export and appearance")
        of = QFormLayout(other_box)
        of.addRow("Export folder", out_row)
        of.addRow("Export format", self.export_format)
        of.addRow("Theme", self.theme)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for box in (model_box, audio_box, other_box):
            layout.addWidget(box)
        layout.addWidget(buttons)

    def _browse_model(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Model folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)
            self.from_folder.setChecked(True)

    def _browse_output(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export folder", self.output_folder.text())
        if chosen:
            self.output_folder.setText(chosen)

    def result_settings(self) -> Settings:
        s = self._settings
        if self.from_folder.isChecked() and self.folder.text().strip():
            s.model_source = self.folder.text().strip()
        else:
            s.model_source = self.hub_id.text().strip() or DEFAULT_REPO_ID
        s.device = self.device.currentData()
        s.dtype = self.dtype.currentData()
        s.input_device = self.input.currentData() or ""
        s.output_device = self.output.currentData() or ""
        s.output_folder = self.output_folder.text().strip()
        s.export_format = self.export_format.currentData()
        s.theme = self.theme.currentData()
        return s
