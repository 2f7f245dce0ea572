"""The script as a table: one row per non-empty line, with its voice, language and render state.

The text itself is edited in the script editor; :meth:`ScriptModel.set_lines` follows the
edits (parsed by :func:`desktop_app.script_lines.parse_lines`) with a diff so each line keeps
its id (and so its takes), its voice and its language when lines are inserted, removed or
reworded around it. A deleted line is kept aside: typed or pasted again (a move, an undo) it
comes back with its id. A line's voice or language of None means "the default". A line with bad
markup shows the parser's message and column; a line with pauses or long text says how it
will be rendered.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from engine.projects import StoredLine, new_id

from ..icons import icon
from ..languages import language_label
from ..script_lines import ParsedLine
from ..voices import VoiceCatalog

_Index = QModelIndex | QPersistentModelIndex

# Line numbers are the vertical header (a number column would change under every insert).
COL_TEXT, COL_VOICE, COL_LANGUAGE, COL_STATUS = range(4)
HEADERS = ("Line", "Voice", "Language", "Status")
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 10  # float 0..1, or None when not rendering
CHOICE_ROLE = Qt.ItemDataRole.UserRole + 11  # the line's own voice id / language (None = default)
ERROR_COLOR = QColor("#d93d3d")


class LineStatus(Enum):
    IDLE = ""
    QUEUED = "Waiting"
    RENDERING = "Rendering"
    DONE = "Done"
    CANCELLED = "Cancelled"
    FAILED = "Failed"


@dataclass(eq=False)
class ScriptLine:
    """A line of the script. Identity matters: jobs keep the object to report its state."""

    text: str
    voice_id: str | None = None
    language: str | None = None
    id: str = field(default_factory=new_id)  # stable: the line's takes follow it
    status: LineStatus = LineStatus.IDLE
    progress: float | None = None
    detail: str = ""
    parsed: ParsedLine | None = None  # the parser's view: markup valid or not, pauses, parts

    @property
    def valid(self) -> bool:
        return self.parsed is None or self.parsed.valid


class ScriptModel(QAbstractTableModel):
    """Rows are the script's non-empty lines."""

    defaults_changed = Signal()

    def __init__(self, catalog: VoiceCatalog, parent: Any = None) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._lines: list[ScriptLine] = []
        self._removed: list[ScriptLine] = []  # deleted from the text; most recent last
        self.default_voice_id: str | None = None
        self.default_language = "auto"
        catalog.list_model().dataChanged.connect(self._voices_changed)
        catalog.list_model().rowsInserted.connect(self._voices_changed)
        catalog.list_model().rowsRemoved.connect(self._voices_changed)

    # ----- the lines -------------------------------------------------------------------------
    def lines(self) -> list[ScriptLine]:
        return list(self._lines)

    def line(self, row: int) -> ScriptLine:
        return self._lines[row]

    def row_of(self, line: ScriptLine) -> int:
        """The line's current row, or -1 once it has been edited away."""
        return next((i for i, x in enumerate(self._lines) if x is line), -1)

    def set_texts(self, texts: list[str]) -> None:
        """Follow plain texts (each taken as valid); the editor uses :meth:`set_lines`."""
        self.set_lines([ParsedLine(t, i + 1) for i, t in enumerate(texts)])

    def set_lines(self, parsed: list[ParsedLine]) -> None:
        """Follow the editor: keep the line objects (and their choices) that survive the edit."""
        old = [line.text for line in self._lines]
        texts = [p.text for p in parsed]
        ops = difflib.SequenceMatcher(a=old, b=texts, autojunk=False).get_opcodes()
        last = len(HEADERS) - 1
        # Apply from the end so earlier row numbers stay valid.
        for tag, a0, a1, b0, b1 in reversed(ops):
            if tag == "equal":
                for k in range(a1 - a0):  # same text; its editor line number may have moved
                    line = self._lines[a0 + k]
                    if line.parsed != parsed[b0 + k]:
                        line.parsed = parsed[b0 + k]
                        self.dataChanged.emit(self.index(a0 + k, 0), self.index(a0 + k, last))
                continue
            kept = min(a1 - a0, b1 - b0) if tag == "replace" else 0
            for k in range(kept):  # reworded lines keep their voice and language
                line = self._lines[a0 + k]
                line.text, line.parsed = texts[b0 + k], parsed[b0 + k]
                if line.status is not LineStatus.RENDERING:
                    line.status, line.progress, line.detail = LineStatus.IDLE, None, ""
                self.dataChanged.emit(self.index(a0 + k, 0), self.index(a0 + k, last))
            if a1 - a0 > kept:
                self.beginRemoveRows(QModelIndex(), a0 + kept, a1 - 1)
                self._removed.extend(self._lines[a0 + kept : a1])
                del self._lines[a0 + kept : a1]
                self.endRemoveRows()
            if b1 - b0 > kept:
                first = a0 + kept
                self.beginInsertRows(QModelIndex(), first, first + (b1 - b0 - kept) - 1)
                self._lines[first:first] = [self._revived(p) for p in parsed[b0 + kept : b1]]
                self.endInsertRows()

    def _revived(self, parsed: ParsedLine) -> ScriptLine:
        """A deleted line with this text back (moved, or an undo), else a new line."""
        for i in range(len(self._removed) - 1, -1, -1):
            if self._removed[i].text == parsed.text:
                line = self._removed.pop(i)
                line.parsed, line.status, line.progress, line.detail = parsed, LineStatus.IDLE, None, ""
                return line
        return ScriptLine(parsed.text, parsed=parsed)

    def load(self, stored: list[StoredLine], removed: list[StoredLine], parsed: list[ParsedLine]) -> None:
        """Show a stored script: its lines with their ids and choices, then follow ``parsed``."""
        self.beginResetModel()
        self._lines = [ScriptLine(ln.text, ln.voice_id, ln.language, id=ln.id) for ln in stored]
        self._removed = [ScriptLine(ln.text, ln.voice_id, ln.language, id=ln.id) for ln in removed]
        self.endResetModel()
        self.set_lines(parsed)

    def removed_lines(self) -> list[ScriptLine]:
        """Lines deleted from the text this session or before (their takes may wait)."""
        return list(self._removed)

    def set_choices(self, choices: list[tuple[str | None, str | None]]) -> None:
        """Restore each row's (voice id, language), e.g. from saved settings."""
        for line, (voice_id, language) in zip(self._lines, choices):
            line.voice_id, line.language = voice_id, language
        if self._lines:
            self.dataChanged.emit(self.index(0, COL_VOICE), self.index(len(self._lines) - 1, COL_LANGUAGE))

    def set_defaults(self, voice_id: str | None = None, language: str | None = None) -> None:
        if voice_id is not None:
            self.default_voice_id = voice_id
        if language is not None:
            self.default_language = language
        if self._lines:
            self.dataChanged.emit(self.index(0, COL_VOICE), self.index(len(self._lines) - 1, COL_LANGUAGE))
        self.defaults_changed.emit()

    def voice_of(self, line: ScriptLine) -> str | None:
        return line.voice_id or self.default_voice_id

    def language_of(self, line: ScriptLine) -> str:
        """The line's language; by default the voice's own language, else the panel default."""
        if line.language:
            return line.language
        if self.default_language != "auto":
            return self.default_language
        voice = self._catalog.voice(self.voice_of(line) or "")
        return voice.language if voice else "auto"

    def set_status(
        self, line: ScriptLine, status: LineStatus, progress: float | None = None, detail: str = ""
    ) -> None:
        line.status, line.progress, line.detail = status, progress, detail
        row = self.row_of(line)
        if row >= 0:
            self.dataChanged.emit(self.index(row, COL_STATUS), self.index(row, COL_STATUS))

    def _voices_changed(self, *args: Any) -> None:
        if self._lines:
            self.dataChanged.emit(self.index(0, COL_VOICE), self.index(len(self._lines) - 1, COL_LANGUAGE))

    # ----- Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return str(section + 1)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (COL_VOICE, COL_LANGUAGE):
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line, col = self._lines[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(line, col)
        if role == Qt.ItemDataRole.EditRole:
            return line.voice_id if col == COL_VOICE else line.language if col == COL_LANGUAGE else None
        if role == CHOICE_ROLE and col in (COL_VOICE, COL_LANGUAGE):
            return line.voice_id if col == COL_VOICE else line.language
        if role == PROGRESS_ROLE and col == COL_STATUS:
            return line.progress if line.status is LineStatus.RENDERING else None
        if role == Qt.ItemDataRole.DecorationRole and col == COL_TEXT:
            return self._text_icon(line)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(line, col)
        if role == Qt.ItemDataRole.FontRole and col in (COL_VOICE, COL_LANGUAGE):
            own = line.voice_id if col == COL_VOICE else line.language
            if own is None:
                font = QFont()
                font.setItalic(True)
                return font
        if role == Qt.ItemDataRole.ForegroundRole:
            voice = self._catalog.voice(self.voice_of(line) or "")
            if col == COL_VOICE and (voice is None or not voice.usable):
                return ERROR_COLOR
            if col == COL_STATUS and not line.valid and line.status is LineStatus.IDLE:
                return ERROR_COLOR
            if col == COL_STATUS and line.status is LineStatus.FAILED:
                return ERROR_COLOR
            if col in (COL_VOICE, COL_LANGUAGE) and self._is_default(line, col):
                return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def _text_icon(self, line: ScriptLine) -> Any:
        if not line.valid:
            return icon("error", ERROR_COLOR)
        if line.parsed is not None and (line.parsed.pauses or line.parsed.parts > 1):
            return icon("info", QGuiApplication.palette().color(QPalette.ColorRole.Accent))
        return None

    def _tooltip(self, line: ScriptLine, col: int) -> str | None:
        p = line.parsed
        if col == COL_TEXT:
            if p is not None and not p.valid:
                return f"{p.describe_error()}\n{p.hint}".strip()
            notes = []
            if p is not None and p.pauses:
                notes.append(f"{p.pauses} pause{'s' if p.pauses != 1 else ''}, rendered as exact silence.")
            if p is not None and p.parts > 1:
                notes.append(
                    f"Long line: rendered in {p.parts} parts side by side, joined with natural pauses."
                )
            return "\n".join([line.text, *notes])
        if col == COL_STATUS:
            if line.detail:
                return line.detail
            if p is not None and not p.valid:
                return f"{p.describe_error()}\n{p.hint}".strip()
        if col == COL_VOICE:
            voice = self._catalog.voice(self.voice_of(line) or "")
            if voice is not None and voice.note:
                return voice.note
            if line.voice_id is None:
                return "Follows the default voice. Double-click to give this line its own voice."
        return None

    def _is_default(self, line: ScriptLine, col: int) -> bool:
        return (line.voice_id if col == COL_VOICE else line.language) is None

    def _display(self, line: ScriptLine, col: int) -> str:
        if col == COL_TEXT:
            return line.text
        if col == COL_VOICE:
            voice_id = self.voice_of(line)
            voice = self._catalog.voice(voice_id or "")
            if voice is None:
                return "Missing voice" if voice_id else "No voice yet"
            return voice.name
        if col == COL_LANGUAGE:
            return language_label(self.language_of(line))
        if line.status is LineStatus.RENDERING and line.detail:
            return line.detail
        if line.status is LineStatus.IDLE and not line.valid:
            return "Fix the markup"
        return line.status.value

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or index.column() not in (COL_VOICE, COL_LANGUAGE)
        ):
            return False
        line = self._lines[index.row()]
        value = value or None
        if index.column() == COL_VOICE:
            line.voice_id = value
        else:
            line.language = value
        self.dataChanged.emit(self.index(index.row(), COL_VOICE), self.index(index.row(), COL_LANGUAGE))
        return True
