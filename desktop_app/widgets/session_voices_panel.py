"""The voices column until the voice library lands: the voices made in this session.

The library panel replaces this widget in the main window; it exists so the studio is usable
on its own (pick the default voice of the script, start a new voice).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ..icons import icon
from ..models.session_voices import SessionVoicesModel
from ..voices import VOICE_ID_ROLE


class _VoiceDelegate(QStyledItemDelegate):
    """Two lines per voice: the name, then mode, language and tags in a quieter colour."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(option.rect.width(), option.fontMetrics.height() * 2 + 12)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            tint = option.palette.color(QPalette.ColorRole.Highlight)
            tint.setAlpha(60)  # a wash of the accent that reads on light and dark themes
            painter.fillRect(option.rect, tint)
        r = option.rect.adjusted(8, 5, -8, -5)
        line = option.fontMetrics.height()
        font = option.font
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.Text))
        painter.drawText(QRect(r.left(), r.top(), r.width(), line), Qt.AlignmentFlag.AlignLeft, index.data())
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        sub = option.fontMetrics.elidedText(
            index.data(Qt.ItemDataRole.ToolTipRole) or "", Qt.TextElideMode.ElideRight, r.width()
        )
        painter.drawText(
            QRect(r.left(), r.top() + line + 2, r.width(), line), Qt.AlignmentFlag.AlignLeft, sub
        )
        painter.restore()


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
        self.list.setItemDelegate(_VoiceDelegate(self.list))
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
