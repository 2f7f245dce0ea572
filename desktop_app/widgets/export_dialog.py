"""Ask where and how to export takes: folder, WAV or FLAC, and which takes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

SCOPES = {"selected": "Selected takes", "favorites": "Favorite takes", "all": "All takes"}


class ExportDialog(QDialog):
    def __init__(
        self, folder: Path, fmt: str, scope: str, counts: dict[str, int], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle("Export takes")
        self.setMinimumWidth(480)
        self.folder = QLineEdit(str(folder))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.format = QComboBox()
        self.format.addItem("WAV (16-bit)", "wav")
        self.format.addItem("FLAC (24-bit, lossless, smaller)", "flac")
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))
        self.scope = QComboBox()
        for key, label in SCOPES.items():
            self.scope.addItem(f"{label} ({counts.get(key, 0)})", key)
        self.scope.setCurrentIndex(max(0, self.scope.findData(scope)))
        note = QLabel("Files are named from the line number and its text, e.g. 003-welcome-back.wav.")
        note.setObjectName("hint")
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Folder", row)
        form.addRow("Format", self.format)
        form.addRow("Takes", self.scope)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export to", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def choice(self) -> tuple[Path, str, str]:
        """(folder, "wav"/"flac", "selected"/"favorites"/"all")."""
        return Path(self.folder.text()).expanduser(), self.format.currentData(), self.scope.currentData()
