"""Editors for the script table: voice and language pickers, and a progress bar for status."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, Qt, QTimer
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..languages import LANGUAGES, language_label
from ..models.script_model import CHOICE_ROLE, COL_VOICE, PROGRESS_ROLE
from ..voices import VOICE_ID_ROLE, VoiceCatalog

DEFAULT_LABEL = "Default"


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box: "Default" (follow the panel) first, then each voice or language."""

    def __init__(self, catalog: VoiceCatalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._catalog = catalog

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:  # noqa: N802
        combo = QComboBox(parent)
        combo.addItem(DEFAULT_LABEL, None)
        if index.column() == COL_VOICE:
            voices = self._catalog.list_model()
            for row in range(voices.rowCount()):
                i = voices.index(row, 0)
                combo.addItem(voices.data(i), voices.data(i, VOICE_ID_ROLE))
        else:
            for code in LANGUAGES:
                combo.addItem(language_label(code), code)
        combo.activated.connect(lambda: self._picked(combo))
        # Open the list once, when editing starts. setEditorData runs again whenever the row
        # changes (a render's progress does), and must not pop the list up again then.
        QTimer.singleShot(0, combo, combo.showPopup)
        return combo

    def _picked(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(index.data(CHOICE_ROLE))))

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class StatusDelegate(QStyledItemDelegate):
    """Draws a thin progress bar under the status text while a line renders."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        progress = index.data(PROGRESS_ROLE)
        if progress is None:
            return
        r: QRect = option.rect.adjusted(4, option.rect.height() - 5, -4, -2)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(option.palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(r, 1.5, 1.5)
        painter.setBrush(option.palette.color(QPalette.ColorRole.Accent))
        painter.drawRoundedRect(r.adjusted(0, 0, -int(r.width() * (1 - float(progress))), 0), 1.5, 1.5)
        painter.restore()
