"""The voices column: the voice library, searchable, with everything a voice needs done to it.

Search (name, tags, transcript words) and a tag filter narrow the list; the star marks
favorites. Selecting a voice only selects it: "Use for the script" (right-click) makes it the
open script's default voice, so lines never change speaker by accident. Right-click (or the keys)
for listen (Space), rename (F2), tags, favorite, duplicate, export and delete (Del, with
Undo / Ctrl+Z). Drop an audio file to start a new voice with it, or ``.timbre`` bundles and
official ``.pt`` voice files to import them. The ⋯ menu holds import, export, sorting and
the trash.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDragLeaveEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.errors import TimbreError
from engine.library import Voice

from ..audio_io import AudioDeviceError
from ..audio_player import Player
from ..icons import icon
from ..library_jobs import IMPORT_FILTER, LibraryJobs, file_kind
from ..models.library_model import VOICE_ROLE, LibraryModel
from ..models.voice_filter import VoiceFilterModel
from ..settings import Settings
from ..voices import VOICE_ID_ROLE
from .banner import Banner
from .library_actions import LibraryActions
from .library_delegate import LibraryDelegate
from .library_imports import LibraryImports

ALL_TAGS = "All tags"
SORTS = (("name", "Name"), ("last_used", "Recently used"), ("created", "Newest first"))
EMPTY_TEXT = (
    "No voices yet.\n\nA voice is made from 3 to 10 seconds of clear speech. Click New voice to "
    "record one with your microphone or to open an audio file.\n\nOr drop an audio file here, "
    "or voices shared as .timbre bundles or official .pt voice files."
)


class LibraryPanel(QWidget):
    """The library list with its search, filters, actions, drops and reference playback."""

    voice_selected = Signal(str)  # the current voice's id
    use_requested = Signal(str)  # "Use for the script": make it the script's default voice
    new_voice_requested = Signal()
    audio_file_dropped = Signal(str)  # an audio file to start a new voice with

    def __init__(
        self,
        model: LibraryModel,
        jobs: LibraryJobs,
        player: Player,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("libraryPanel")
        self.setAcceptDrops(True)
        self.model, self.jobs, self._player, self._settings = model, jobs, player, settings
        self._playing_id: str | None = None
        self.proxy = VoiceFilterModel(self)
        self.proxy.setSourceModel(model)
        # Rows leaving (trash, filters) move the current row; that is not the creator choosing a
        # voice, so it must not change the script's default. Connected before the view's own
        # selection model, so the flag is up when it moves the current row.
        self._rows_leaving = False
        self.proxy.rowsAboutToBeRemoved.connect(lambda *_: setattr(self, "_rows_leaving", True))
        self.proxy.rowsRemoved.connect(lambda *_: setattr(self, "_rows_leaving", False))

        self.banner = Banner()
        self.count = QLabel()
        self.count.setObjectName("voiceCount")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names, tags, words")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_query)
        self.tag = QComboBox()
        self.tag.setToolTip("Show only voices with this tag")
        self.tag.currentIndexChanged.connect(lambda: self.proxy.set_tag(self.tag.currentData()))
        self.favorites = QToolButton()
        self.favorites.setCheckable(True)
        self.favorites.setIcon(icon("star"))
        self.favorites.setToolTip("Show only favorites")
        self.favorites.toggled.connect(self._favorites_toggled)

        self.list = QListView()
        self.list.setModel(self.proxy)
        self.delegate = LibraryDelegate(self.list)
        self.delegate.playing = lambda: self._playing_id
        self.list.setItemDelegate(self.delegate)
        self.list.setMouseTracking(True)
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)  # F2 renames
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.doubleClicked.connect(lambda index: self.toggle_reference(index.data(VOICE_ID_ROLE)))
        self.list.selectionModel().currentChanged.connect(self._current_changed)

        self.actions = LibraryActions(model, self.banner, settings, self.selected_voices, self.select, self)
        self._build_layout()
        self._build_shortcuts()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.dataChanged):
            signal.connect(self._update_view)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._update_view)
        model.failed.connect(lambda m, h: self.banner.show_message("error", m, h))
        self.imports = LibraryImports(jobs, self.banner, self)
        jobs.added.connect(lambda voices: self.select(voices[0].id) if voices else None)
        player.state_changed.connect(self._on_play_state)
        self._update_view()
        report = model.library.last_check
        if not report.clean:
            self.banner.show_message("info", "The voice library tidied itself up.", str(report))

    def _build_layout(self) -> None:
        title = QLabel("Voices")
        title.setObjectName("panelTitle")
        self.import_button = QToolButton()
        self.import_button.setIcon(icon("open"))
        self.import_button.setToolTip("Import .timbre bundles or official .pt voice files")
        self.import_button.clicked.connect(self.import_dialog)
        self.more = QToolButton()
        self.more.setObjectName("moreButton")
        self.more.setText("⋯")
        self.more.setToolTip("More: export, sort order, trash")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more)
        menu.addAction("Import voices…", self.import_dialog)
        menu.addAction("Export all voices…", lambda: self.actions.export_dialog(self.model.voices()))
        sort_menu = menu.addMenu("Sort by")
        self._sort_actions: dict[str, QAction] = {}
        for key, label in SORTS:
            action = QAction(label, sort_menu, checkable=True)
            action.setChecked(key == self.model.sort)
            action.triggered.connect(lambda _=False, key=key: self.set_sort(key))
            sort_menu.addAction(action)
            self._sort_actions[key] = action
        self.trash_menu = menu.addMenu("Trash")
        self.trash_menu.aboutToShow.connect(lambda: self.actions.fill_trash_menu(self.trash_menu))
        self.more.setMenu(menu)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(self.count, 1, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.import_button)
        top.addWidget(self.more)
        filters = QHBoxLayout()
        filters.addWidget(self.tag, 1)
        filters.addWidget(self.favorites)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_icon = QLabel()
        self.empty_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty_page = QWidget()
        ep = QVBoxLayout(empty_page)
        ep.addStretch(1)
        ep.addWidget(self.empty_icon)
        ep.addWidget(self.empty)
        ep.addStretch(2)
        self.empty_page = empty_page
        no_match = QWidget()
        nm = QVBoxLayout(no_match)
        nm.addStretch(1)
        self.no_match_label = QLabel("No voice matches.")
        self.no_match_label.setObjectName("emptyState")
        self.no_match_label.setWordWrap(True)
        self.no_match_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        clear = QPushButton("Clear search and filters")
        clear.clicked.connect(self.clear_filters)
        nm.addWidget(self.no_match_label)
        nm.addWidget(clear, 0, Qt.AlignmentFlag.AlignCenter)
        nm.addStretch(2)
        self.no_match = no_match
        self.stack = QStackedWidget()
        for w in (empty_page, no_match, self.list):
            self.stack.addWidget(w)

        self.listen = QPushButton("Listen")
        self.listen.setIcon(icon("play"))
        self.listen.setToolTip("Play the selected voice's reference recording (Space)")
        self.listen.clicked.connect(lambda: self.toggle_reference())
        new = QPushButton("New voice")
        new.setObjectName("primary")
        new.setIcon(icon("plus", "#ffffff"))
        new.setToolTip("Record or open a few seconds of speech (Ctrl+N)")
        new.clicked.connect(self.new_voice_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.listen)
        bottom.addWidget(new, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addLayout(top)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        layout.addLayout(bottom)

    def _build_shortcuts(self) -> None:
        for keys, slot in (
            ("Space", lambda: self.toggle_reference()),
            ("Delete", lambda: self.actions.delete(self.selected_voices())),
            ("Ctrl+Z", self.actions.undo_delete),
        ):
            shortcut = QShortcut(QKeySequence(keys), self.list)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WindowShortcut)
        find.activated.connect(lambda: (self.search.setFocus(), self.search.selectAll()))

    # ----- what is shown -----------------------------------------------------------------------
    def _update_view(self, *_: object) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if total == 0:
            self.empty_icon.setPixmap(icon("voice", self.palette().placeholderText().color()).pixmap(44, 44))
            self.stack.setCurrentWidget(self.empty_page)
        elif shown == 0:
            self.no_match_label.setText("No voice matches the search or filters.")
            self.stack.setCurrentWidget(self.no_match)
        else:
            self.stack.setCurrentWidget(self.list)
        noun = "voice" if total == 1 else "voices"
        self.count.setText(
            f"{shown} of {total} {noun}" if self.proxy.filtering else f"{total} {noun}" if total else ""
        )
        for w in (self.search, self.tag, self.favorites):
            w.setEnabled(total > 0 or self.proxy.filtering)
        self._fill_tags()
        self.listen.setEnabled(self.current_voice() is not None)

    def _fill_tags(self) -> None:
        tags = sorted({t for v in self.model.voices() for t in v.tags}, key=str.casefold)
        current = self.tag.currentData()
        if [self.tag.itemData(i) for i in range(1, self.tag.count())] == tags and self.tag.count():
            return
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItem(ALL_TAGS, None)
        for t in tags:
            self.tag.addItem(t, t)
        self.tag.setCurrentIndex(max(0, self.tag.findData(current)))
        self.tag.blockSignals(False)
        if self.tag.currentData() != current:  # its tag is gone: show every voice again
            self.proxy.set_tag(None)

    def set_tag_filter(self, tag: str | None) -> None:
        self.tag.setCurrentIndex(max(0, self.tag.findData(tag)))

    def _favorites_toggled(self, on: bool) -> None:
        self.favorites.setIcon(icon("star-filled", "#e0a100") if on else icon("star"))
        self.proxy.set_favorites_only(on)

    def clear_filters(self) -> None:
        self.search.clear()
        self.tag.setCurrentIndex(0)
        self.favorites.setChecked(False)

    def set_sort(self, sort: str) -> None:
        self.model.set_sort(sort)
        self._settings.library_sort = self.model.sort
        for key, action in self._sort_actions.items():
            action.setChecked(key == self.model.sort)

    # ----- selection ---------------------------------------------------------------------------
    def select(self, voice_id: str) -> None:
        """Make ``voice_id`` the current voice (clearing filters that hide it)."""
        source = self.model.index_of(voice_id)
        if not source.isValid():
            return
        if not self.proxy.mapFromSource(source).isValid():
            self.clear_filters()
        index = self.proxy.mapFromSource(source)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.list.selectionModel().setCurrentIndex(index, flags)
        self.list.scrollTo(index)

    def current_voice(self) -> Voice | None:
        index = self.list.selectionModel().currentIndex()
        voice = index.data(VOICE_ROLE) if index.isValid() else None
        return voice if isinstance(voice, Voice) else None

    def selected_voices(self) -> list[Voice]:
        rows = sorted(self.list.selectionModel().selectedRows(), key=QModelIndex.row)
        voices = [i.data(VOICE_ROLE) for i in rows]
        current = self.current_voice()
        return voices or ([current] if current else [])

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._rows_leaving:
            self.voice_selected.emit(current.data(VOICE_ID_ROLE))
        self.listen.setEnabled(current.isValid())

    def _context_menu(self, pos) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():
            return
        if not self.list.selectionModel().isSelected(index):
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
            self.list.selectionModel().setCurrentIndex(index, flags)
        voices = self.selected_voices()
        playing = self._playing_id if self._player.playing else None
        menu = self.actions.context_menu(
            voices,
            playing,
            listen=self.toggle_reference,
            rename=lambda: self.list.edit(index),
            use=self.use_requested.emit,
        )
        menu.popup(self.list.viewport().mapToGlobal(pos))

    # ----- reference playback ------------------------------------------------------------------
    def toggle_reference(self, voice_id: str | None = None) -> None:
        """Play the voice's reference recording (the current voice by default); again to stop."""
        voice = self.model.record(voice_id) if voice_id else self.current_voice()
        if voice is None:
            return
        if self._player.playing and self._player.owner is self and self._playing_id == voice.id:
            self._player.stop()
            return
        try:
            audio, rate = self.model.library.reference_audio(voice.id)
        except TimbreError as e:
            hint = (
                "Voices imported from official .pt files carry no recording."
                if not voice.has_reference
                else ""
            )
            self.banner.show_message("info", e.message, e.hint or hint)
            return
        try:
            self._player.play(audio, rate, device_name=self._settings.output_device, owner=self)
        except AudioDeviceError as e:
            self.banner.show_message("error", e.message, e.hint or "")
            return
        self._playing_id = voice.id
        self.list.viewport().update()

    def _on_play_state(self, playing: bool) -> None:
        mine = playing and self._player.owner is self
        if not mine:
            self._playing_id = None
        self.listen.setText("Stop" if mine else "Listen")
        self.listen.setIcon(icon("stop" if mine else "play"))
        self.list.viewport().update()

    # ----- imports and drops -------------------------------------------------------------------
    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import voices", str(Path.home()), IMPORT_FILTER)
        self.import_files(paths)

    def import_files(self, paths: list[str]) -> None:
        """Audio starts a new voice (the first file); bundles and .pt files are imported."""
        audio = self.imports.import_files(paths)
        if audio:
            self.audio_file_dropped.emit(audio[0])

    def _set_dropping(self, on: bool) -> None:
        self.setProperty("dropping", on)
        for w in (self, self.list, self.empty):
            w.style().unpolish(w)
            w.style().polish(w)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(u.isLocalFile() and file_kind(u.toLocalFile()) for u in urls):
            event.acceptProposedAction()
            self._set_dropping(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self._set_dropping(False)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self._set_dropping(False)
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_files(paths)
