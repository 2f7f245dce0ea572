"""The takes of the open script as a two-level tree: one group per line, its takes below it.

Groups follow the script's lines by id, in script order: editing a line keeps its group (its
takes are then *stale*: rendered from other words, until the line is rendered again), moving
lines moves their groups, and a deleted line's takes wait in a "Removed" group at the end
until cleared. Voice names are the voices' current names. Reads and writes go through
:class:`engine.projects.ProjectStore`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from engine.projects import ProjectStore, TakeRecord

from ..icons import icon

_Index = QModelIndex | QPersistentModelIndex

COL_TAKE, COL_VOICE, COL_SEED, COL_LENGTH, COL_SETTINGS, COL_TIME = range(6)
HEADERS = ("Take", "Voice", "Seed", "Length", "Settings", "Time")
TAKE_ID_ROLE = Qt.ItemDataRole.UserRole + 20
FAVORITE_ROLE = Qt.ItemDataRole.UserRole + 21
STALE_ROLE = Qt.ItemDataRole.UserRole + 22
GROUP = 0  # internalId of group rows; take rows carry their group's id
STALE_COLOR = "#d99a1e"


@dataclass(frozen=True)
class LineInfo:
    """What the takes list needs of a script line: its id, 1-based number (None: removed), text."""

    id: str
    number: int | None
    text: str


@dataclass(eq=False)
class _Group:
    uid: int
    line: LineInfo
    takes: list[TakeRecord] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)  # take id -> "Take N", stable while shown

    def append(self, record: TakeRecord) -> None:
        self.numbers[record.id] = max(self.numbers.values(), default=0) + 1
        self.takes.append(record)

    @property
    def order(self) -> tuple[int, int, str]:
        removed = self.line.number is None
        return (int(removed), self.line.number or 0, self.line.text)

    def stale(self, take: TakeRecord) -> bool:
        return self.line.number is not None and take.text != self.line.text

    @property
    def all_stale(self) -> bool:
        return bool(self.takes) and all(self.stale(t) for t in self.takes)


def settings_summary(settings: dict[str, Any]) -> str:
    """ "temp 0.9 · top-k 50 · top-p 1.0 · rep 1.05"; only the options that were given."""
    parts = []
    for key, label in (
        ("temperature", "temp"),
        ("top_k", "top-k"),
        ("top_p", "top-p"),
        ("repetition_penalty", "rep"),
    ):
        if key in settings:
            parts.append(f"{label} {settings[key]:g}")
    return " · ".join(parts)


class TakesModel(QAbstractItemModel):
    """Groups (lines) at the top level; takes as their children. Empty until a script is shown."""

    def __init__(
        self, store: ProjectStore, voice_name: Callable[[str], str | None], parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._voice_name = voice_name  # voice id -> its current name (None: not in the library)
        self._uids = itertools.count(1)
        self._groups: list[_Group] = []
        self._lines: dict[str, LineInfo] = {}
        self.script_id: str | None = None

    # ----- the script shown ------------------------------------------------------------------
    def show_script(self, script_id: str | None, lines: list[LineInfo]) -> None:
        """Show ``script_id``'s takes (from the store), grouped by ``lines``."""
        self.beginResetModel()
        self.script_id = script_id
        self._lines = {ln.id: ln for ln in lines}
        self._groups = []
        for record in self.store.takes(script_id) if script_id else []:
            self._group_for(record.line_id).append(record)
        self._groups.sort(key=lambda g: g.order)
        self.endResetModel()

    def set_lines(self, lines: list[LineInfo]) -> None:
        """Follow the script's edits: new numbers, texts (stale marks), removed lines, new order."""
        self._lines = {ln.id: ln for ln in lines}
        for g in self._groups:
            g.line = self._lines.get(g.line.id) or LineInfo(g.line.id, None, g.line.text)
        order = sorted(self._groups, key=lambda g: g.order)
        if order != self._groups:
            self.layoutAboutToBeChanged.emit()
            rows = {g.uid: row for row, g in enumerate(order)}
            for old in self.persistentIndexList():
                if old.internalId() == GROUP:
                    new = rows[self._groups[old.row()].uid]
                    self.changePersistentIndex(old, self.createIndex(new, old.column(), GROUP))
            self._groups = order
            self.layoutChanged.emit()
        if self._groups:
            last = len(HEADERS) - 1
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._groups) - 1, last))
            for gi, g in enumerate(self._groups):
                if g.takes:
                    parent = self.index(gi, 0)
                    self.dataChanged.emit(
                        self.index(0, 0, parent), self.index(len(g.takes) - 1, last, parent)
                    )

    def voices_changed(self) -> None:
        """Voice names may have changed (a rename): repaint the voice column."""
        for gi, g in enumerate(self._groups):
            if g.takes:
                parent = self.index(gi, 0)
                self.dataChanged.emit(
                    self.index(0, COL_VOICE, parent), self.index(len(g.takes) - 1, COL_VOICE, parent)
                )

    # ----- structure helpers -----------------------------------------------------------------
    def _group_for(self, line_id: str) -> _Group:
        for g in self._groups:
            if g.line.id == line_id:
                return g
        line = self._lines.get(line_id) or LineInfo(line_id, None, self._stored_text(line_id))
        group = _Group(next(self._uids), line)
        self._groups.append(group)
        return group

    def _stored_text(self, line_id: str) -> str:
        removed = self.store.lines(self.script_id, removed=True) if self.script_id else []
        return next((ln.text for ln in removed if ln.id == line_id), "")

    def _group_by_uid(self, uid: int) -> _Group | None:
        return next((g for g in self._groups if g.uid == uid), None)

    def _locate(self, take_id: str) -> tuple[int, int] | None:
        for gi, g in enumerate(self._groups):
            for ti, t in enumerate(g.takes):
                if t.id == take_id:
                    return gi, ti
        return None

    # ----- public API ------------------------------------------------------------------------
    def add(self, record: TakeRecord) -> QModelIndex:
        """Show a stored take of the shown script; returns its index."""
        group = next((g for g in self._groups if g.line.id == record.line_id), None)
        if group is None:
            line = self._lines.get(record.line_id) or LineInfo(record.line_id, None, record.text)
            group = _Group(next(self._uids), line)
            row = sum(1 for g in self._groups if g.order <= group.order)
            self.beginInsertRows(QModelIndex(), row, row)
            self._groups.insert(row, group)
            self.endInsertRows()
        gi = self._groups.index(group)
        row = len(group.takes)
        self.beginInsertRows(self.index(gi, 0), row, row)
        group.append(record)
        self.endInsertRows()
        self.dataChanged.emit(self.index(gi, 0), self.index(gi, 0))  # its take count, stale mark
        return self.index(row, 0, self.index(gi, 0))

    def remove(self, take_ids: list[str]) -> None:
        """Take takes off the list (the caller moved them to the trash); empty groups go too."""
        for take_id in take_ids:
            where = self._locate(take_id)
            if where is None:
                continue
            gi, ti = where
            group = self._groups[gi]
            if len(group.takes) == 1:
                self.beginRemoveRows(QModelIndex(), gi, gi)
                del self._groups[gi]
                self.endRemoveRows()
            else:
                self.beginRemoveRows(self.index(gi, 0), ti, ti)
                del group.takes[ti]
                self.endRemoveRows()
                self.dataChanged.emit(self.index(gi, 0), self.index(gi, 0))

    def set_favorite(self, take_id: str, favorite: bool) -> None:
        self.store.set_favorite(take_id, favorite)
        index = self.index_of(take_id)
        record = self.record(index)
        if record is not None:
            record.favorite = bool(favorite)
            self.dataChanged.emit(index.siblingAtColumn(0), index.siblingAtColumn(len(HEADERS) - 1))

    def record(self, index: _Index) -> TakeRecord | None:
        """The take at ``index`` (any column), or None for a group row."""
        if not index.isValid() or index.internalId() == GROUP:
            return None
        group = self._group_by_uid(index.internalId())
        return group.takes[index.row()] if group and index.row() < len(group.takes) else None

    def line_of(self, index: _Index) -> LineInfo | None:
        """The line of a group row or of a take row's group."""
        if not index.isValid():
            return None
        if index.internalId() == GROUP:
            return self._groups[index.row()].line
        group = self._group_by_uid(index.internalId())
        return group.line if group else None

    def shows_line(self, line_id: str) -> bool:
        """Whether takes of ``line_id`` belong in this list (a line of the shown script)."""
        return line_id in self._lines or any(g.line.id == line_id for g in self._groups)

    def number_of(self, record: TakeRecord) -> int | None:
        """The 1-based number of the take's line in the script; None for a removed line."""
        line = self._lines.get(record.line_id)
        return line.number if line else None

    def is_stale(self, record: TakeRecord) -> bool:
        where = self._locate(record.id)
        return where is not None and self._groups[where[0]].stale(record)

    def group_records(self, index: _Index) -> list[TakeRecord]:
        """All takes of a group row (or of the group a take row belongs to)."""
        if not index.isValid():
            return []
        if index.internalId() == GROUP:
            return list(self._groups[index.row()].takes)
        group = self._group_by_uid(index.internalId())
        return list(group.takes) if group else []

    def removed_records(self) -> list[TakeRecord]:
        """Takes whose line was deleted from the script."""
        return [t for g in self._groups if g.line.number is None for t in g.takes]

    def index_of(self, take_id: str) -> QModelIndex:
        where = self._locate(take_id)
        if where is None:
            return QModelIndex()
        gi, ti = where
        return self.index(ti, 0, self.index(gi, 0))

    def all_records(self) -> list[TakeRecord]:
        return [t for g in self._groups for t in g.takes]

    def voice_label(self, record: TakeRecord) -> str:
        """The voice's current name; the name it had at render time if it is gone."""
        return self._voice_name(record.voice_id) or f"{record.voice_name} (not in the library)"

    # ----- Qt model --------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, GROUP)
        if parent.internalId() != GROUP:
            return QModelIndex()
        return self.createIndex(row, column, self._groups[parent.row()].uid)

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == GROUP:
            return QModelIndex()
        group = self._group_by_uid(index.internalId())
        if group is None:
            return QModelIndex()
        return self.createIndex(self._groups.index(group), 0, GROUP)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == GROUP and parent.column() == 0:
            return len(self._groups[parent.row()].takes)
        return 0

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == GROUP:
            return self._group_data(self._groups[index.row()], index.column(), role)
        group = self._group_by_uid(index.internalId())
        if group is None or index.row() >= len(group.takes):
            return None
        take = group.takes[index.row()]
        return self._take_data(group, take, index.column(), role)

    def _group_data(self, group: _Group, col: int, role: int) -> Any:
        if col != COL_TAKE:
            return None
        line, count = group.line, len(group.takes)
        if role == Qt.ItemDataRole.DisplayRole:
            where = "Removed" if line.number is None else str(line.number)
            stale = " (stale)" if group.all_stale else ""  # up front: long texts are cut at the end
            return f"{where}{stale}  ·  {line.text}   ({count} take{'s' if count != 1 else ''})"
        if role == Qt.ItemDataRole.ToolTipRole:
            if line.number is None:
                return f"{line.text}\nThis line was deleted from the script. Clear removed lines to drop its takes."
            if group.all_stale:
                return f"{line.text}\nThe line was edited after these takes: render it again."
            return line.text
        if role == Qt.ItemDataRole.DecorationRole and group.all_stale:
            return icon("warning", STALE_COLOR)
        if role == Qt.ItemDataRole.ForegroundRole and line.number is None:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == STALE_ROLE:
            return group.all_stale
        return None

    def _take_data(self, group: _Group, take: TakeRecord, col: int, role: int) -> Any:
        stale = group.stale(take)
        if role == TAKE_ID_ROLE:
            return take.id
        if role == FAVORITE_ROLE:
            return take.favorite
        if role == STALE_ROLE:
            return stale
        if role == Qt.ItemDataRole.DisplayRole:
            return self._take_text(group, take, col)
        if role == Qt.ItemDataRole.FontRole and stale:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole:
            if col == COL_TAKE:
                accent = QGuiApplication.palette().color(QPalette.ColorRole.Accent)
                return icon("star-filled", accent) if take.favorite else icon("star", "#9a9aa6")
            if col == COL_LENGTH and not take.complete:
                return icon("warning", STALE_COLOR)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._take_tooltip(take, col, stale)
        return None

    def _take_text(self, group: _Group, take: TakeRecord, col: int) -> str:
        if col == COL_TAKE:
            return f"Take {group.numbers.get(take.id, 0)}"  # stale: in italics, said in the tooltip
        if col == COL_VOICE:
            return self.voice_label(take)
        if col == COL_SEED:
            return str(take.seed)
        if col == COL_LENGTH:
            return f"{take.duration_s:.1f} s"
        if col == COL_SETTINGS:
            return settings_summary(take.settings)
        if col == COL_TIME:
            created = take.created
            if created is None:
                return ""
            today = created.date() == datetime.now(created.tzinfo).date()
            return created.strftime("%H:%M" if today else "%b %d")
        return ""

    @staticmethod
    def _take_tooltip(take: TakeRecord, col: int, stale: bool) -> str | None:
        if stale and col == COL_TAKE:
            return f"Stale: rendered from “{take.text}”, and the line has changed since."
        if col == COL_LENGTH and not take.complete:
            return "Cut off at the length limit: the model had not finished the line. Regenerate, or raise Max length."
        if col == COL_TAKE:
            return "Favorite" if take.favorite else "Press F to mark as favorite"
        if col == COL_SETTINGS:
            return (
                settings_summary(take.settings) + f" · max {take.settings.get('max_new_tokens', '?')} frames"
            )
        return None
