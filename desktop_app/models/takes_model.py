"""Takes as a two-level tree: one group per script line, its takes (oldest first) below it.

A group is a (line number, text) pair, so re-rendering a line adds takes to its group, while
an edited line starts a new one. The model reads and writes through :class:`TakesStore`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QPalette

from ..icons import icon
from ..takes_store import TakeRecord, TakesStore

_Index = QModelIndex | QPersistentModelIndex

COL_TAKE, COL_VOICE, COL_SEED, COL_LENGTH, COL_SETTINGS, COL_TIME = range(6)
HEADERS = ("Take", "Voice", "Seed", "Length", "Settings", "Time")
TAKE_ID_ROLE = Qt.ItemDataRole.UserRole + 20
FAVORITE_ROLE = Qt.ItemDataRole.UserRole + 21
GROUP = 0  # internalId of group rows; take rows carry their group's id


@dataclass(eq=False)
class _Group:
    uid: int
    line_number: int
    text: str
    takes: list[TakeRecord] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)  # take id -> "Take N", stable while shown

    def append(self, record: TakeRecord) -> None:
        self.numbers[record.id] = max(self.numbers.values(), default=0) + 1
        self.takes.append(record)

    @property
    def key(self) -> tuple[int, str]:
        return (self.line_number, self.text)


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
    """Groups at the top level; takes as their children."""

    def __init__(self, store: TakesStore, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self._uids = itertools.count(1)
        self._groups: list[_Group] = []
        for record in store.records():
            self._group_for(record, notify=False).append(record)

    # ----- structure helpers -----------------------------------------------------------------
    def _group_for(self, record: TakeRecord, notify: bool) -> _Group:
        key = (record.line_number, record.text)
        for g in self._groups:
            if g.key == key:
                return g
        group = _Group(next(self._uids), record.line_number, record.text)
        row = sum(1 for g in self._groups if g.key < key)
        if notify:
            self.beginInsertRows(QModelIndex(), row, row)
        self._groups.insert(row, group)
        if notify:
            self.endInsertRows()
        return group

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
        """Insert a stored take; returns its index."""
        group = self._group_for(record, notify=True)
        gi = self._groups.index(group)
        row = len(group.takes)
        self.beginInsertRows(self.index(gi, 0), row, row)
        group.append(record)
        self.endInsertRows()
        self.dataChanged.emit(self.index(gi, 0), self.index(gi, 0))  # its take count
        return self.index(row, 0, self.index(gi, 0))

    def remove(self, take_ids: list[str]) -> None:
        """Delete takes from the store and the tree; empty groups go too."""
        self.store.delete(take_ids)
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
        if index.isValid():
            self.dataChanged.emit(index.siblingAtColumn(0), index.siblingAtColumn(len(HEADERS) - 1))

    def record(self, index: _Index) -> TakeRecord | None:
        """The take at ``index`` (any column), or None for a group row."""
        if not index.isValid() or index.internalId() == GROUP:
            return None
        group = self._group_by_uid(index.internalId())
        return group.takes[index.row()] if group and index.row() < len(group.takes) else None

    def group_records(self, index: _Index) -> list[TakeRecord]:
        """All takes of a group row (or of the group a take row belongs to)."""
        if not index.isValid():
            return []
        if index.internalId() == GROUP:
            return list(self._groups[index.row()].takes)
        group = self._group_by_uid(index.internalId())
        return list(group.takes) if group else []

    def index_of(self, take_id: str) -> QModelIndex:
        where = self._locate(take_id)
        if where is None:
            return QModelIndex()
        gi, ti = where
        return self.index(ti, 0, self.index(gi, 0))

    def all_records(self) -> list[TakeRecord]:
        return [t for g in self._groups for t in g.takes]

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
        return self._take_data(take, group.numbers.get(take.id, 0), index.column(), role)

    def _group_data(self, group: _Group, col: int, role: int) -> Any:
        if col != COL_TAKE:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            count = len(group.takes)
            return f"{group.line_number}  ·  {group.text}   ({count} take{'s' if count != 1 else ''})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return group.text
        return None

    def _take_data(self, take: TakeRecord, number: int, col: int, role: int) -> Any:
        if role == TAKE_ID_ROLE:
            return take.id
        if role == FAVORITE_ROLE:
            return take.favorite
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_TAKE:
                return f"Take {number}"
            if col == COL_VOICE:
                return take.voice_name
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
        if role == Qt.ItemDataRole.DecorationRole:
            if col == COL_TAKE:
                accent = QGuiApplication.palette().color(QPalette.ColorRole.Accent)
                return icon("star-filled", accent) if take.favorite else icon("star", "#9a9aa6")
            if col == COL_LENGTH and not take.complete:
                return icon("warning", "#d99a1e")
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_LENGTH and not take.complete:
                return "Cut off at the length limit: the model had not finished the line. Regenerate, or raise Max length."
            if col == COL_TAKE:
                return "Favorite" if take.favorite else "Press F to mark as favorite"
            if col == COL_SETTINGS:
                return (
                    settings_summary(take.settings)
                    + f" · max {take.settings.get('max_new_tokens', '?')} frames"
                )
        return None
