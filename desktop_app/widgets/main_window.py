"""The main window: wiring only. Panels sit in resizable splitters whose sizes are remembered.

Layout: voices (the library panel) | (Script, New voice) tabs | takes. The library's item model
is the studio's voice catalog: the script's voice pickers and the engine thread's prompts come
from it. A voice made in the editor is kept in the library by an engine-thread job, then
selected as the script's default voice.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from engine.errors import TimbreError
from engine.library import VoiceLibrary
from engine.paths import data_dir

from ..audio_player import Player
from ..engine_host import EngineHost, LoadRequest, ModelPhase, ModelState
from ..gui_gc import GuiGarbageCollector
from ..icons import icon
from ..library_jobs import LibraryJobs
from ..models.library_model import LibraryModel
from ..render_preview import RenderPreview
from ..settings import Settings, load_settings, save_settings
from ..takes_store import TakesStore
from ..theme import apply_theme
from ..voices import NewVoice
from .banner import Banner
from .library_panel import LibraryPanel
from .model_status import ModelStatus
from .script_panel import ScriptPanel
from .settings_dialog import SettingsDialog
from .takes_panel import TakesPanel
from .voice_editor import VoiceEditor

log = logging.getLogger(__name__)
AUTOSAVE_MS = 3000  # the script is saved this long after the last edit, not only on close

# Settings fields the settings dialog owns (the rest is window and script state).
DIALOG_FIELDS = (
    "model_source",
    "device",
    "dtype",
    "output_folder",
    "export_format",
    "input_device",
    "output_device",
    "theme",
)


class MainWindow(QMainWindow):
    """Timbre's one window. ``load_model=False`` leaves the model unloaded (tests, screenshots)."""

    def __init__(self, settings: Settings | None = None, *, load_model: bool = True) -> None:
        super().__init__()
        # from now on Python collects garbage on this (the GUI) thread only
        self._gc: GuiGarbageCollector | None = GuiGarbageCollector.for_app(QApplication.instance())
        self._gc.acquire()
        self.setWindowTitle("Timbre")
        self.setWindowIcon(icon("timbre", "#5a4fd6"))
        self.settings = settings if settings is not None else load_settings()
        self.host = EngineHost(self)
        self.player = Player(self)
        self.store = TakesStore(data_dir() / "takes")
        self.library, library_problem = _open_library()
        self.voice_catalog = LibraryModel(self.library, self)
        self.voice_catalog.set_sort(self.settings.library_sort)
        self.library_jobs = LibraryJobs(self.host, self.voice_catalog, self)
        self.preview = RenderPreview(self.host, self.player, self.settings, self)

        self.voices_panel = LibraryPanel(self.voice_catalog, self.library_jobs, self.player, self.settings)
        self.voice_editor = VoiceEditor(self.host, self.player, self.settings)
        self.script_panel = ScriptPanel(self.host, self.voice_catalog, self.preview)
        self.takes_panel = TakesPanel(self.host, self.player, self.store, self.settings)
        self.model_status = ModelStatus()
        self.banner = Banner()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.tabs.addTab(self.script_panel, icon("generate"), "Script")
        self.tabs.addTab(self.voice_editor, icon("mic"), "New voice")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for w in (self.voices_panel, self.tabs, self.takes_panel):
            self.splitter.addWidget(w)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([260, 640, 540])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.statusBar().addWidget(self.model_status, 1)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_state)
        self._saving: dict[int, str] = {}  # library jobs keeping a voice from the editor
        self._build_actions()
        self._wire()
        self._restore()
        if library_problem:
            self.banner.show_message("error", *library_problem)
        if load_model:
            QTimer.singleShot(0, self.load_model)

    # ----- construction ----------------------------------------------------------------------
    def _build_actions(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("main_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.new_voice_action = QAction(icon("voice"), "New voice", self)
        self.new_voice_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_voice_action.triggered.connect(self.show_voice_editor)
        self.generate_action = QAction(icon("generate"), "Generate", self)
        self.generate_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.generate_action.setToolTip("Render the whole script (Ctrl+Enter)")
        self.generate_action.triggered.connect(self.generate)
        self.cancel_action = QAction(icon("cancel"), "Cancel", self)
        self.cancel_action.setEnabled(False)
        self.cancel_action.triggered.connect(self.script_panel.cancel)
        self.settings_action = QAction(icon("settings"), "Settings", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.open_settings)
        for action in (self.new_voice_action, self.generate_action, self.cancel_action):
            bar.addAction(action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.settings_action)
        self.addToolBar(bar)

    def _wire(self) -> None:
        self.voice_editor.voice_created.connect(self.add_voice)
        self.voice_editor.name_problem = self._name_problem
        self.library_jobs.added.connect(self._voices_added)
        self.library_jobs.failed.connect(self._save_failed)
        self.voices_panel.voice_selected.connect(self.script_panel.set_default_voice)
        self.voices_panel.new_voice_requested.connect(self.show_voice_editor)
        self.voices_panel.audio_file_dropped.connect(self.new_voice_from_file)
        self.host.job_finished.connect(lambda *_: self.voice_catalog.refresh())  # re-extracted, used
        self.script_panel.default_voice_changed.connect(self.voices_panel.select)
        self.script_panel.busy_changed.connect(self.cancel_action.setEnabled)
        self.takes_panel.regenerate_requested.connect(self._regenerate)
        self.host.model_state.connect(self._on_model_state)
        self.host.gpu_memory.connect(self.model_status.set_gpu_memory)
        self.player.failed.connect(lambda message, hint: self.banner.show_message("error", message, hint))
        self.model_status.download_requested.connect(lambda: self.load_model(allow_download=True))
        self.model_status.retry_requested.connect(self.load_model)
        self.script_panel.editor.textChanged.connect(self._autosave.start)
        self.script_panel.sampling.changed.connect(self._autosave.start)
        self.script_panel.model.dataChanged.connect(lambda *_: self._autosave.start())

    # ----- actions ---------------------------------------------------------------------------
    def load_model(self, allow_download: bool = False) -> int:
        s = self.settings
        return self.host.load_model(LoadRequest(s.model_source, s.device, s.dtype, allow_download))

    def show_voice_editor(self) -> None:
        self.tabs.setCurrentWidget(self.voice_editor)

    def generate(self) -> int | None:
        self.tabs.setCurrentWidget(self.script_panel)
        return self.script_panel.generate()

    def _regenerate(self, record) -> None:
        self.tabs.setCurrentWidget(self.script_panel)
        self.script_panel.regenerate(record)

    def new_voice_from_file(self, path: str) -> None:
        """Start a new voice with an audio file (dropped on the voices list)."""
        self.show_voice_editor()
        self.voice_editor.load_file(path)

    def add_voice(self, voice: NewVoice) -> int:
        """Keep a voice fresh from the editor in the library (an engine-thread job)."""
        job = self.library_jobs.add_voice(voice)
        self._saving[job] = voice.name
        return job

    def _voices_added(self, job: int, voices: list) -> None:
        name = self._saving.pop(job, None)
        if name is not None and voices:
            self.voices_panel.select(voices[0].id)  # also the script's default voice now
            self.voice_editor.voice_saved(voices[0].name)

    def _save_failed(self, job: int, message: str, hint: str) -> None:
        if self._saving.pop(job, None) is not None:
            self.show_voice_editor()
            self.voice_editor.save_failed(message, hint)

    def _name_problem(self, name: str) -> tuple[str, str] | None:
        """Checked before extracting, so a taken name costs no waiting (the library checks again)."""
        clash = next((v for v in self.voice_catalog.voices() if v.name.casefold() == name.casefold()), None)
        if clash is None:
            return None
        return (
            f"There is already a voice called “{clash.name}”.",
            "Choose another name, or rename the other voice first (F2 in the voices list).",
        )

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self.host.devices, self)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        new = dialog.result_settings()
        reload = new.model_key() != self.settings.model_key()
        for name in DIALOG_FIELDS:  # in place: panels hold this Settings object
            setattr(self.settings, name, getattr(new, name))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.settings.theme)
        self.voice_editor.recorder._fill_devices()
        self.save_state()
        if reload:
            self.load_model()

    def _on_model_state(self, state: ModelState) -> None:
        self.model_status.set_state(state)
        self.voice_catalog.set_signature(state.signature if state.ready else None)
        if state.phase is ModelPhase.FAILED:
            self.banner.show_message(
                "error",
                f"The model could not be loaded: {state.message}",
                state.hint,
                action=("Settings…", self.open_settings),
            )
        elif state.phase is ModelPhase.NONE and state.message:
            self.banner.show_message(
                "warning", state.message, state.hint, action=("Download model", lambda: self.load_model(True))
            )
        elif state.phase in (ModelPhase.LOADING, ModelPhase.READY) and self.banner.kind in (
            "error",
            "warning",
        ):
            self.banner.clear()

    # ----- persistence -----------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        if s.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(s.window_geometry.encode()))
        else:
            self.resize(1440, 880)
        if s.window_state:
            self.restoreState(QByteArray.fromBase64(s.window_state.encode()))
        for name, splitter in self._splitters().items():
            if name in s.splitters:
                splitter.restoreState(QByteArray.fromBase64(s.splitters[name].encode()))
        self.script_panel.restore(s.script)

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.splitter, "script": self.script_panel.splitter}

    def save_state(self) -> None:
        """Write window layout, script and settings to disk (failures are logged, not raised)."""
        s = self.settings
        s.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        s.window_state = bytes(self.saveState().toBase64()).decode()
        s.splitters = {
            name: bytes(sp.saveState().toBase64()).decode() for name, sp in self._splitters().items()
        }
        s.script = self.script_panel.state()
        try:
            save_settings(s)
        except OSError as e:
            log.error("Could not save settings: %s", e)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._autosave.stop()
        self.save_state()
        self.voice_editor.recorder.recorder.stop()
        self.player.stop()
        self.preview.stop()
        self.host.shutdown()
        self.library.close()
        if self._gc is not None:
            self._gc.release()
            self._gc = None
        event.accept()


def _open_library() -> tuple[VoiceLibrary, tuple[str, str] | None]:
    """The voice library under Timbre's data folder; a temporary one (and why) if it cannot open."""
    try:
        return VoiceLibrary(), None
    except TimbreError as e:
        import tempfile

        log.error("The voice library could not be opened: %s", e.message)
        hint = f"{e.hint or ''} Until then, voices you make are kept only until Timbre closes.".strip()
        return VoiceLibrary(tempfile.mkdtemp(prefix="timbre-library-")), (e.message, hint)
