"""The voices made in this session: a list model and the :class:`VoiceCatalog` the script uses.

A stand-in until the voice library lands: the library's model will implement the same
``VoiceCatalog`` methods (``list_model``, ``voice``, ``prompt_ref``) over voices on disk.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ..languages import language_label
from ..voices import MODE_LABELS, VOICE_ID_ROLE, NewVoice, PromptRef, VoiceInfo

_Index = QModelIndex | QPersistentModelIndex


class SessionVoicesModel(QAbstractListModel):
    """One row per voice created in this session, in the order they were made."""

    voice_added = Signal(str)  # voice id

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._voices: list[NewVoice] = []

    # ----- VoiceCatalog ----------------------------------------------------------------------
    def list_model(self) -> SessionVoicesModel:
        return self

    def voice(self, voice_id: str) -> VoiceInfo | None:
        found = self._find(voice_id)
        return found.info() if found else None

    def prompt_ref(self, voice_id: str) -> PromptRef | None:
        found = self._find(voice_id)
        if found is None or not found.prompt_items:
            return None
        return PromptRef(voice_id, item=found.prompt_items[0])

    # ----- changes ---------------------------------------------------------------------------
    def add(self, voice: NewVoice) -> None:
        row = len(self._voices)
        self.beginInsertRows(QModelIndex(), row, row)
        self._voices.append(voice)
        self.endInsertRows()
        self.voice_added.emit(voice.id)

    def voices(self) -> list[VoiceInfo]:
        return [v.info() for v in self._voices]

    def _find(self, voice_id: str | None) -> NewVoice | None:
        return next((v for v in self._voices if v.id == voice_id), None)

    # ----- Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._voices)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._voices):
            return None
        voice = self._voices[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return voice.name
        if role == VOICE_ID_ROLE:
            return voice.id
        if role == Qt.ItemDataRole.ToolTipRole:
            tags = f" · {', '.join(voice.tags)}" if voice.tags else ""
            return f"{MODE_LABELS[voice.mode]} · {language_label(voice.language)}{tags}"
        return None
