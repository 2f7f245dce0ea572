"""The lower half of the voice editor: transcript, mode (with its trade-off) and details.

Name, language and tags become the library's fields for the voice; the transcript is what the
ICL mode conditions on, so it must match the selection word for word.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..languages import LANGUAGES, language_label
from ..voices import MODE_ICL, MODE_TRADEOFFS, MODE_XVECTOR

TRANSCRIPT_HINT = "Type exactly what is said in the selection (needed for ICL)."


def section(title: str) -> QLabel:
    """A numbered step title ("2 · Transcript")."""
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    return label


class VoiceDetails(QWidget):
    """Steps 2 to 4 of a new voice. ``language_changed`` carries the language code."""

    language_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transcript = QPlainTextEdit()
        self.transcript.setPlaceholderText(TRANSCRIPT_HINT)
        self.transcript.setFixedHeight(56)
        self.mode_icl = QRadioButton(f"ICL: {MODE_TRADEOFFS[MODE_ICL]}")
        self.mode_xvector = QRadioButton(f"x-vector: {MODE_TRADEOFFS[MODE_XVECTOR]}")
        self.mode_icl.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.mode_icl)
        modes.addButton(self.mode_xvector)
        self.mode_icl.toggled.connect(self._mode_changed)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Narrator, Alice (warm)")
        self.language = QComboBox()
        for code in LANGUAGES:
            self.language.addItem(language_label(code), code)
        self.language.setCurrentIndex(self.language.findData("english"))
        self.language.currentIndexChanged.connect(
            lambda: self.language_changed.emit(self.language.currentData())
        )
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("comma separated, e.g. calm, podcast")

        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(6)
        col.addWidget(section("2 · Transcript"))
        col.addWidget(self.transcript)
        col.addWidget(section("3 · Mode"))
        col.addWidget(self.mode_icl)
        col.addWidget(self.mode_xvector)
        col.addWidget(section("4 · Details"))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Name", self.name)
        form.addRow("Language", self.language)
        form.addRow("Tags", self.tags)
        col.addLayout(form)

    def mode(self) -> str:
        return MODE_ICL if self.mode_icl.isChecked() else MODE_XVECTOR

    def use_sentence(self, sentence: str) -> None:
        """The read-aloud sentence was read: it is the transcript, in ICL mode."""
        self.transcript.setPlainText(sentence)
        self.mode_icl.setChecked(True)

    def transcript_text(self) -> str:
        """The transcript as it will be kept ("" in x-vector mode)."""
        return self.transcript.toPlainText().strip() if self.mode() == MODE_ICL else ""

    def tag_list(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.tags.text().split(",") if t.strip())

    def clear(self) -> None:
        self.transcript.clear()
        self.name.clear()
        self.tags.clear()
        self.mode_icl.setChecked(True)

    def _mode_changed(self) -> None:
        icl = self.mode_icl.isChecked()
        self.transcript.setEnabled(icl)
        self.transcript.setPlaceholderText(TRANSCRIPT_HINT if icl else "Not needed in x-vector mode.")
