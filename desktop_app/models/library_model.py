"""The voice library as a Qt list model; also the :class:`~desktop_app.voices.VoiceCatalog` of the studio.

One row per voice outside the trash, in the library's order (by name, last used or newest).
Rows hold the library's frozen :class:`~engine.library.Voice` records. :meth:`LibraryModel.refresh`
reads the index again (plain SQLite, no torch: fine on the GUI thread) and applies only the
difference as row removals, inserts and changes, so selections, scroll positions and the
script's voice pickers stay where they were.

Renaming and favoriting through :meth:`setData` write to the library at once; a refusal (the
name is taken, the library is busy) arrives as ``failed(message, hint)`` and changes nothing.
Readiness (does the voice need extracting again, or another model?) follows
:meth:`set_signature`, the loaded model's signature.
"""

from __future__ import annotations

import difflib
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal

from engine.errors import TimbreError
from engine.library import SORT_KEYS, Voice, VoiceLibrary
from engine.library.prompts import describe_needs

from ..languages import language_label
from ..voices import MODE_LABELS, NEEDS_MODEL, VOICE_ID_ROLE, PromptRef, VoiceInfo

_Index = QModelIndex | QPersistentModelIndex

VOICE_ROLE = Qt.ItemDataRole.UserRole + 20  # the engine.library.Voice record
MODE_ROLE = Qt.ItemDataRole.UserRole + 21  # "icl" / "x_vector"
LANGUAGE_ROLE = Qt.ItemDataRole.UserRole + 22
TAGS_ROLE = Qt.ItemDataRole.UserRole + 23  # tuple[str, ...]
FAVORITE_ROLE = Qt.ItemDataRole.UserRole + 24  # bool; settable
READINESS_ROLE = Qt.ItemDataRole.UserRole + 25  # "", "ready", "needs_extraction", "needs_model"
NOTE_ROLE = Qt.ItemDataRole.UserRole + 26  # what a voice that is not ready needs, in words


class LibraryModel(QAbstractListModel):
    """The live voices of one :class:`VoiceLibrary`."""

    failed = Signal(str, str)  # message, hint: a rename or favorite the library refused

    def __init__(self, library: VoiceLibrary, parent: Any = None) -> None:
        super().__init__(parent)
        self._library = library
        self._voices: list[Voice] = []
        self._by_id: dict[str, Voice] = {}
        self._signature: Any = None
        self._sort = "name"
        self.refresh()

    @property
    def library(self) -> VoiceLibrary:
        return self._library

    @property
    def sort(self) -> str:
        return self._sort

    def set_sort(self, sort: str) -> None:
        """Order rows by "name", "last_used", "created" or "updated" (dates: newest first)."""
        if sort in SORT_KEYS and sort != self._sort:
            self._sort = sort
            self.refresh()

    def set_signature(self, signature: Any) -> None:
        """The loaded model's ``ModelSignature`` (None: no model) for the readiness markers."""
        if signature != self._signature:
            self._signature = signature
            if self._voices:
                self.dataChanged.emit(self.index(0), self.index(len(self._voices) - 1))

    # ----- reading the library ---------------------------------------------------------------
    def refresh(self) -> None:
        """Read the library again and apply the difference; a read error goes to ``failed``."""
        try:
            fresh = self._library.list(sort=self._sort)
        except TimbreError as e:
            self.failed.emit(e.message, e.hint or "")
            return
        old_ids = [v.id for v in self._voices]
        new_ids = [v.id for v in fresh]
        ops = difflib.SequenceMatcher(a=old_ids, b=new_ids, autojunk=False).get_opcodes()
        for tag, a0, a1, b0, b1 in reversed(ops):  # from the end: earlier rows keep their numbers
            if tag == "equal":
                for k in range(a1 - a0):
                    if self._voices[a0 + k] != fresh[b0 + k]:
                        self._voices[a0 + k] = fresh[b0 + k]
                        self.dataChanged.emit(self.index(a0 + k), self.index(a0 + k))
                continue
            if a1 > a0:
                self.beginRemoveRows(QModelIndex(), a0, a1 - 1)
                del self._voices[a0:a1]
                self.endRemoveRows()
            if b1 > b0:
                self.beginInsertRows(QModelIndex(), a0, a0 + (b1 - b0) - 1)
                self._voices[a0:a0] = fresh[b0:b1]
                self.endInsertRows()
        self._by_id = {v.id: v for v in self._voices}

    def voices(self) -> list[Voice]:
        return list(self._voices)

    def record(self, voice_id: str | None) -> Voice | None:
        """The voice's record as last read, or None when it is not a live voice."""
        return self._by_id.get(voice_id or "")

    def row_of(self, voice_id: str) -> int:
        return next((i for i, v in enumerate(self._voices) if v.id == voice_id), -1)

    def index_of(self, voice_id: str) -> QModelIndex:
        row = self.row_of(voice_id)
        return self.index(row) if row >= 0 else QModelIndex()

    def readiness(self, voice: Voice) -> tuple[str, str]:
        """(readiness, note) of ``voice`` for the loaded model; ("", "") without a model."""
        if self._signature is None:
            return "", ""
        return voice.readiness(self._signature), describe_needs(voice, self._signature)

    # ----- VoiceCatalog ------------------------------------------------------------------------
    def list_model(self) -> LibraryModel:
        return self

    def voice(self, voice_id: str) -> VoiceInfo | None:
        v = self.record(voice_id)
        if v is None:
            return None
        readiness, note = self.readiness(v)
        return VoiceInfo(v.id, v.name, v.language, v.mode, v.tags, v.favorite, readiness, note)

    def prompt_ref(self, voice_id: str) -> PromptRef | None:
        return PromptRef(voice_id, library=self._library) if voice_id in self._by_id else None

    # ----- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._voices)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._voices) or index.column() != 0:
            return None
        v = self._voices[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return v.name
        if role == VOICE_ID_ROLE:
            return v.id
        if role == VOICE_ROLE:
            return v
        if role == MODE_ROLE:
            return v.mode
        if role == LANGUAGE_ROLE:
            return v.language
        if role == TAGS_ROLE:
            return v.tags
        if role == FAVORITE_ROLE:
            return v.favorite
        if role == READINESS_ROLE:
            return self.readiness(v)[0]
        if role == NOTE_ROLE:
            return self.readiness(v)[1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(v)
        return None

    def _tooltip(self, v: Voice) -> str:
        length = f" · {v.duration_s:.1f} s" if v.duration_s else ""
        lines = [f"{v.name}", f"{MODE_LABELS.get(v.mode, v.mode)} · {language_label(v.language)}{length}"]
        if v.tags:
            lines.append("Tags: " + ", ".join(v.tags))
        if v.transcript:
            text = v.transcript if len(v.transcript) <= 90 else v.transcript[:87] + "…"
            lines.append(f"“{text}”")
        readiness, note = self.readiness(v)
        if note:
            lines.append(("⚠ " if readiness == NEEDS_MODEL else "↻ ") + note)
        return "\n".join(lines)

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or not 0 <= index.row() < len(self._voices):
            return False
        v = self._voices[index.row()]
        try:
            if role == Qt.ItemDataRole.EditRole:
                if str(value).strip() == v.name:
                    return False
                updated = self._library.rename(v.id, str(value))
            elif role == FAVORITE_ROLE:
                updated = self._library.update(v.id, favorite=bool(value))
            else:
                return False
        except TimbreError as e:
            self.failed.emit(e.message, e.hint or "")
            return False
        self._voices[index.row()] = self._by_id[v.id] = updated
        self.dataChanged.emit(self.index(index.row()), self.index(index.row()))
        if role == Qt.ItemDataRole.EditRole:
            # A new name can mean a new place in the list; move it once the editor has closed.
            QTimer.singleShot(0, self.refresh)
        return True
