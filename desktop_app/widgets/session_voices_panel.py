"""The voices column until the voice library lands: the voices made in this session.

The library panel replaces this widget in the main window; it exists so the studio is usable
on its own (pick the default voice of the script, start a new voice).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import QLabel, QListView, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from ..icons import icon
from ..models.session_voices import SessionVoicesModel
from ..voices import VOICE_ID_ROLE


class SessionVoicesPanel(QWidget):
    voice_selected = Signal(str)
    new_voice_requested = Signal()

    def __init__(self, voices: SessionVoicesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.voices = voices
        title = QLabel("Voices")
        title.setObjectName("panelTitle")
        self.list = QListView()
        self.list.setModel(voices)
        self.list.selectionModel().currentChanged.connect(
            lambda current, _: (
                self.voice_selected.emit(current.data(VOICE_ID_ROLE)) if current.isValid() else None
            )
        )
        empty = QLabel(
            "No voices yet.\n\nMake your first one from a few seconds of speech: record it with "
            "your microphone or open an audio file."
        )
        empty.setObjectName("emptyState")
        empty.setWordWrap(True)
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(self.list)
        new = QPushButton("New voice")
        new.setObjectName("primary")
        new.setIcon(icon("plus", "#ffffff"))
        new.clicked.connect(self.new_voice_requested)
        note = QLabel("Voices made in this session.")
        note.setObjectName("hint")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addWidget(title)
        layout.addWidget(self.stack, 1)
        layout.addWidget(note)
        layout.addWidget(new)
        voices.rowsInserted.connect(lambda *_: self.stack.setCurrentWidget(self.list))

    def select(self, voice_id: str) -> None:
        for row in range(self.voices.rowCount()):
            index = self.voices.index(row, 0)
            if index.data(VOICE_ID_ROLE) == voice_id:
                self.list.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
                return
