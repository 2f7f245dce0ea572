"""The open script's takes, grouped by line: listen (Space), favorites (F), regenerate, delete, export.

Takes arrive from the render jobs it follows as lines finish; each is stored in the projects store (audio,
then its row) before it shows up here, so what is listed survives a restart. Takes of other
scripts (render all chapters) are stored the same way and show when their script is opened.
Delete moves takes to the trash: Undo (or Ctrl+Z) brings them back, the ⋯ menu restores or
empties the trash.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from engine.projects import ProjectStore, TakeRecord, new_id, now_iso

from ..audio_io import AudioDeviceError
from ..audio_player import Player
from ..engine_host import EngineJob, GenerateRequest
from ..icons import icon
from ..languages import language_label
from ..models.takes_model import (
    COL_LENGTH,
    COL_SEED,
    COL_SETTINGS,
    COL_TAKE,
    COL_TIME,
    COL_VOICE,
    LineInfo,
    TakesModel,
    settings_summary,
)
from ..settings import Settings
from ..takes_export import export_takes
from ..voices import VoiceCatalog
from .banner import Banner
from .export_dialog import ExportDialog
from .waveform import WaveformView


class TakesPanel(QWidget):
    """The takes list and the player for the selected take."""

    regenerate_requested = Signal(object, int)  # TakeRecord, its line's number
    exported = Signal(list)  # paths written

    def __init__(
        self,
        player: Player,
        store: ProjectStore,
        catalog: VoiceCatalog,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._player, self._settings = player, settings
        self.store = store
        self.model = TakesModel(store, lambda vid: v.name if (v := catalog.voice(vid)) else None, self)
        self._undo: list[list[str]] = []  # take ids of each delete, most recent last
        catalog.list_model().dataChanged.connect(lambda *_: self.model.voices_changed())
        self._shown: tuple[str, np.ndarray] | None = None  # (take id, audio) in the waveform

        self.banner = Banner()
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setUniformRowHeights(True)
        self.tree.setIndentation(16)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAllColumnsShowFocus(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_VOICE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((COL_TAKE, 118), (COL_SEED, 100), (COL_LENGTH, 64), (COL_TIME, 52)):
            header.resizeSection(col, width)
        # The seed and the full settings of the selected take are in the line under the
        # waveform; in the list, the voice's name needs the room more than a ten-digit seed.
        self.tree.hideColumn(COL_SEED)
        self.tree.hideColumn(COL_SETTINGS)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.tree.doubleClicked.connect(lambda index: self.play() if self.model.record(index) else None)
        self.model.rowsInserted.connect(self._rows_inserted)
        self.model.dataChanged.connect(lambda *_: self._refresh())  # e.g. a favorite set elsewhere
        self.empty = QLabel(
            "No takes yet.\n\nWrite a script, pick a voice and press Generate (Ctrl+Enter).\n"
            "Every finished line appears here, ready to play, compare and export."
        )
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.tree)

        self.waveform = WaveformView()
        self.waveform.placeholder = "Select a take to see and play it"
        self.waveform.setMinimumHeight(80)
        self.waveform.seek_requested.connect(lambda t: self.play(start_s=t))
        self.info = QLabel()
        self.info.setObjectName("muted")
        self.info.setWordWrap(True)
        self.play_button = self._button(
            "Play", "play", "Play or stop the selected take (Space)", self.toggle_play
        )
        self.favorite_button = self._button(
            "Favorite", "star", "Mark the take as a favorite (F)", self.toggle_favorite
        )
        self.regenerate_button = self._button(
            "Regenerate", "regenerate", "Render another take of this line with a new seed", self._regenerate
        )
        self.delete_button = self._button(
            "Delete", "delete", "Delete the selected takes (Del)", self.delete_selected
        )
        self.export_button = QPushButton("Export")
        self.export_button.setIcon(icon("export"))
        menu = QMenu(self.export_button)
        menu.addAction("Selected takes…", lambda: self.export_dialog("selected"))
        menu.addAction("Favorite takes…", lambda: self.export_dialog("favorites"))
        menu.addAction("All takes…", lambda: self.export_dialog("all"))
        self.export_button.setMenu(menu)
        self.more_button = QPushButton("⋯")
        self.more_button.setToolTip("Removed lines and the takes' trash")
        self.more_menu = QMenu(self.more_button)
        self.more_menu.aboutToShow.connect(self._fill_more_menu)
        self.more_button.setMenu(self.more_menu)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self._build_layout()

        for keys, slot in (
            ("Space", self.toggle_play),
            ("F", self.toggle_favorite),
            ("Delete", self.delete_selected),
            ("Ctrl+Z", self.undo_delete),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        player.position_changed.connect(self._on_position)
        player.state_changed.connect(self._on_play_state)
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        self.tree.expandAll()
        self._refresh()

    def _button(self, text: str, icon_name: str, tip: str, slot) -> QPushButton:
        b = QPushButton(text)
        b.setIcon(icon(icon_name))
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _build_layout(self) -> None:
        title = QLabel("Takes")
        title.setObjectName("panelTitle")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.export_button)
        top.addWidget(self.more_button)
        transport = QHBoxLayout()
        for b in (self.play_button, self.favorite_button, self.regenerate_button):
            transport.addWidget(b)
        transport.addStretch(1)
        transport.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.waveform)
        layout.addLayout(transport)
        layout.addWidget(self.info)

    # ----- the script shown ----------------------------------------------------------------
    def show_script(self, script_id: str | None, lines: list[LineInfo]) -> None:
        """Show the takes of ``script_id`` (another script's are kept, not shown)."""
        if self._player.owner is self:
            self._player.stop()
        self._shown = None
        self._undo.clear()
        self.banner.clear()
        self.model.show_script(script_id, lines)
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        self.tree.expandAll()
        self._refresh()

    def set_lines(self, lines: list[LineInfo]) -> None:
        """The open script was edited: renumber, mark stale, move removed lines' takes aside."""
        self.model.set_lines(lines)
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        self._refresh()

    # ----- new takes -------------------------------------------------------------------------
    def follow(self, job: EngineJob) -> None:
        """Store every take of the render ``job`` under its line, and show it if its script is open."""
        request = job.request
        assert isinstance(request, GenerateRequest)
        job.take.connect(lambda index, take: self._on_take_ready(request, index, take))

    def _on_take_ready(self, request: GenerateRequest, index: int, take) -> None:
        line = request.lines[index]
        if not line.line_id:
            return  # not a script line (nothing to keep it under)
        record = TakeRecord(
            id=new_id(),
            line_id=line.line_id,
            text=line.text,
            voice_id=line.voice_id,
            voice_name=line.voice_name,
            language=take.language,
            seed=int(take.seed),
            settings=dict(request.sampling),
            created_at=now_iso(),
            sample_rate=int(take.sample_rate),
            finish_reason=take.finish_reason,
        )
        try:
            self.store.add_take(record, take.audio)
        except OSError as e:
            self.banner.show_message(
                "error",
                f"A take of line {line.line_number} could not be saved ({e}).",
                "Check free disk space.",
            )
            return
        if self.model.shows_line(record.line_id):
            self.add_record(record)

    def add_record(self, record: TakeRecord) -> None:
        index = self.model.add(record)
        self.tree.expand(index.parent())
        if not self.selected_records():  # nothing chosen yet: show the newest take
            self.select(record.id)

    def _rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():  # a line's row: its text runs across all columns
            for row in range(first, last + 1):
                self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        self._refresh()

    # ----- selection -------------------------------------------------------------------------
    def select(self, take_id: str) -> None:
        index = self.model.index_of(take_id)
        if index.isValid():
            self.tree.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.tree.scrollTo(index)

    def selected_records(self) -> list[TakeRecord]:
        """Selected takes; a selected line stands for all of its takes."""
        seen: dict[str, TakeRecord] = {}
        for index in self.tree.selectionModel().selectedRows(COL_TAKE):
            record = self.model.record(index)
            for r in [record] if record else self.model.group_records(index):
                seen.setdefault(r.id, r)
        return list(seen.values())

    def current_record(self) -> TakeRecord | None:
        index = self.tree.selectionModel().currentIndex()
        record = self.model.record(index)
        if record is None and index.isValid():
            group = self.model.group_records(index)
            record = group[-1] if group else None
        return record

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._player.owner is self:
            self._player.stop()
        self._refresh()

    def _audio_of(self, record: TakeRecord) -> np.ndarray | None:
        if self._shown and self._shown[0] == record.id:
            return self._shown[1]
        try:
            audio = self.store.load_audio(record)
        except Exception as e:  # libsndfile: a damaged or deleted file
            self.banner.show_message(
                "error",
                f"The audio of this take could not be read ({e}).",
                "Delete the take and regenerate it.",
            )
            return None
        self._shown = (record.id, audio)
        return audio

    def _refresh(self) -> None:
        has_takes = self.model.rowCount() > 0
        self.stack.setCurrentWidget(self.tree if has_takes else self.empty)
        record = self.current_record()
        for b in (self.play_button, self.favorite_button, self.regenerate_button, self.delete_button):
            b.setEnabled(record is not None)
        self.export_button.setEnabled(has_takes)
        if record is None:
            self.waveform.clear()
            self.info.setText("")
            return
        audio = self._audio_of(record)
        if audio is not None:
            self.waveform.set_audio(audio, record.sample_rate)
        self.favorite_button.setIcon(icon("star-filled" if record.favorite else "star"))
        # The filled star says it is one; the label stays, so the panel's width never changes.
        self.favorite_button.setToolTip(
            "Remove from favorites (F)" if record.favorite else "Mark as favorite (F)"
        )
        created = record.created.strftime("%b %d, %H:%M") if record.created else ""
        cut = " · cut off at the length limit" if not record.complete else ""
        stale = " · stale: the line was edited since" if self.model.is_stale(record) else ""
        number = self.model.number_of(record)
        where = f"Line {number}" if number is not None else "Removed line"
        self.regenerate_button.setEnabled(number is not None)
        self.info.setText(
            f"{where} · {self.model.voice_label(record)} · {language_label(record.language)} · "
            f"seed {record.seed} · {record.duration_s:.1f} s · {created}\n"
            f"{settings_summary(record.settings)}{cut}{stale}"
        )

    # ----- actions ---------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self._player.playing and self._player.owner is self:
            self._player.stop()
        else:
            self.play()

    def play(self, start_s: float = 0.0) -> None:
        record = self.current_record()
        audio = self._audio_of(record) if record else None
        if record is None or audio is None:
            return
        try:
            self._player.play(
                audio,
                record.sample_rate,
                start_s=start_s,
                device_name=self._settings.output_device,
                owner=self,
            )
        except AudioDeviceError as e:
            self.banner.show_message("error", e.message, e.hint or "")

    def _on_position(self, seconds: float) -> None:
        if self._player.owner is self:
            self.waveform.set_playhead(seconds)

    def _on_play_state(self, playing: bool) -> None:
        mine = playing and self._player.owner is self
        self.play_button.setText("Stop" if mine else "Play")
        self.play_button.setIcon(icon("stop" if mine else "play"))
        if not mine:
            self.waveform.set_playhead(None)

    def toggle_favorite(self) -> None:
        records = self.selected_records() or ([self.current_record()] if self.current_record() else [])
        if not records:
            return
        favorite = not all(r.favorite for r in records)
        for r in records:
            self.model.set_favorite(r.id, favorite)
        self._refresh()

    def _regenerate(self) -> None:
        record = self.current_record()
        number = self.model.number_of(record) if record is not None else None
        if record is not None and number is not None:  # a removed line has nothing to render
            self.regenerate_requested.emit(record, number)

    def delete_selected(self) -> None:
        """Move the selected takes to the trash; Undo brings them back."""
        self._trash(self.selected_records(), "")

    def clear_removed_lines(self) -> None:
        """Move the takes of lines deleted from the script to the trash (undoable)."""
        self._trash(self.model.removed_records(), " of removed lines")

    def _trash(self, records: list[TakeRecord], what: str) -> None:
        if not records:
            return
        if self._player.owner is self:
            self._player.stop()
        self._shown = None
        ids = [r.id for r in records]
        try:
            self.store.trash_takes(ids)
        except OSError as e:
            self.banner.show_message("error", f"The takes could not be deleted ({e}).", "Try again.")
            return
        self.model.remove(ids)
        self._undo.append(ids)
        n, favs = len(ids), sum(r.favorite for r in records)
        extra = f" ({favs} favorite{'s' if favs != 1 else ''})" if favs else ""
        self.banner.show_message(
            "info",
            f"Moved {n} take{'s' if n != 1 else ''}{what}{extra} to the trash.",
            "Undo (Ctrl+Z) brings them back; ⋯ > Empty trash removes them for good.",
            action=("Undo", self.undo_delete),
        )
        self._refresh()

    def undo_delete(self) -> None:
        """Bring back the takes of the last delete."""
        if not self._undo:
            return
        self._restore(self._undo.pop())
        self.banner.clear()

    def _restore(self, ids: list[str]) -> None:
        self.store.restore_takes(ids)
        for take_id in ids:
            record = self.store.take(take_id)
            if record is not None and self.model.shows_line(record.line_id):
                self.add_record(record)
        self._refresh()

    def _fill_more_menu(self) -> None:
        menu = self.more_menu
        menu.clear()
        removed = len(self.model.removed_records())
        trashed = self.store.trashed_takes(self.model.script_id) if self.model.script_id else []
        a = menu.addAction(f"Clear removed lines ({removed} take{'s' if removed != 1 else ''})")
        a.setEnabled(bool(removed))
        a.triggered.connect(self.clear_removed_lines)
        a = menu.addAction(f"Restore deleted takes ({len(trashed)})")
        a.setEnabled(bool(trashed))
        a.triggered.connect(lambda: self._restore([t.id for t in trashed]))
        menu.addSeparator()
        a = menu.addAction("Empty trash…")
        a.setEnabled(bool(trashed))
        a.triggered.connect(self.empty_trash)

    def empty_trash(self, confirm: bool = True) -> int:
        """Remove trashed takes (of every script) and deleted projects for good. -> takes removed."""
        if confirm:
            box = QMessageBox(QMessageBox.Icon.Warning, "Empty trash", "", parent=self)
            box.setText("Remove the deleted takes, scripts and projects for good? This cannot be undone.")
            remove = box.addButton("Empty trash", QMessageBox.ButtonRole.DestructiveRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            if box.clickedButton() is not remove:
                return 0
        n = self.store.purge()
        self._undo.clear()
        self.banner.show_message("success", f"Removed {n} take{'s' if n != 1 else ''} for good.")
        return n

    def _context_menu(self, pos) -> None:
        index = self.tree.indexAt(pos)
        if not index.isValid():
            return
        if not self.tree.selectionModel().isSelected(index):
            self.tree.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        menu = QMenu(self)
        menu.addAction(icon("play"), "Play", self.play)
        menu.addAction(icon("star"), "Favorite (F)", self.toggle_favorite)
        regen = menu.addAction(icon("regenerate"), "Regenerate", self._regenerate)
        regen.setEnabled(self.regenerate_button.isEnabled())
        menu.addAction(icon("export"), "Export selected…", lambda: self.export_dialog("selected"))
        menu.addSeparator()
        menu.addAction(icon("delete"), "Delete (Del)", self.delete_selected)
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    # ----- export ----------------------------------------------------------------------------
    def records_for(self, scope: str) -> list[TakeRecord]:
        if scope == "selected":
            return self.selected_records()
        if scope == "favorites":
            return [r for r in self.model.all_records() if r.favorite]
        return self.model.all_records()

    def export_dialog(self, scope: str = "selected") -> None:
        counts = {key: len(self.records_for(key)) for key in ("selected", "favorites", "all")}
        if scope == "selected" and not counts["selected"]:
            scope = "all"
        dialog = ExportDialog(
            self._settings.export_folder(), self._settings.export_format, scope, counts, self
        )
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            folder, fmt, scope = dialog.choice()
            self.export(self.records_for(scope), folder, fmt)

    def export(self, records: list[TakeRecord], folder: Path, fmt: str) -> list[Path]:
        """Write takes to ``folder``; remembers the folder and format for next time."""
        if not records:
            self.banner.show_message(
                "warning", "There is nothing to export.", "Select takes, or choose All takes."
            )
            return []
        try:
            paths = export_takes(self.store, [(r, self.model.number_of(r)) for r in records], folder, fmt)
        except OSError as e:
            self.banner.show_message("error", f"Export failed ({e}).", "Choose a folder you can write to.")
            return []
        self._settings.output_folder, self._settings.export_format = str(folder), fmt
        n = len(paths)
        self.banner.show_message(
            "success",
            f"Exported {n} take{'s' if n != 1 else ''} to {folder}.",
            action=("Open folder", lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))),
        )
        self.exported.emit(paths)
        return paths
