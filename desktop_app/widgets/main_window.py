"""The main window: wiring only. Panels sit in resizable splitters whose sizes are remembered.

Layout: voices (the library panel) over projects | (Script, New voice) tabs | takes. The
library's item model is the studio's voice catalog: the script's voice pickers and the engine
thread's prompts come from it. The projects store holds every script and take; the window opens
one script at a time in the script panel and shows its takes. A voice made in the editor is kept
in the library by an engine-thread job; a script without a voice takes it, others are offered it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
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
from engine.projects import ProjectStore

from ..audio_player import Player
from ..engine_host import EngineHost, EngineJob, LoadRequest, ModelPhase, ModelState
from ..gui_gc import GuiGarbageCollector
from ..icons import icon
from ..library_jobs import LibraryJob, LibraryJobs
from ..models.library_model import LibraryModel
from ..projects_migration import first_script
from ..render_all import RenderAll
from ..render_preview import RenderPreview
from ..settings import ScriptState, Settings, load_settings, save_settings
from ..theme import apply_theme
from ..voices import NewVoice
from .banner import Banner
from .library_panel import LibraryPanel
from .model_status import ModelStatus
from .project_panel import ProjectPanel
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
        self.projects, projects_problem = _open_projects()
        self.library, library_problem = _open_library()
        self.voice_catalog = LibraryModel(self.library, self)
        self.voice_catalog.set_sort(self.settings.library_sort)
        self.library_jobs = LibraryJobs(self.host, self.voice_catalog, self)
        self.preview = RenderPreview(self.player, self.settings, self)
        self.render_all_queue = RenderAll(self.host, self.projects, self.voice_catalog, self)

        self.voices_panel = LibraryPanel(self.voice_catalog, self.library_jobs, self.player, self.settings)
        self.project_panel = ProjectPanel(self.projects)
        self.voice_editor = VoiceEditor(self.host, self.player, self.settings)
        self.script_panel = ScriptPanel(self.host, self.voice_catalog, self.projects, self.preview)
        self.takes_panel = TakesPanel(self.player, self.projects, self.voice_catalog, self.settings)
        self.model_status = ModelStatus()
        self.banner = Banner()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.tabs.addTab(self.script_panel, icon("generate"), "Script")
        self.tabs.addTab(self.voice_editor, icon("mic"), "New voice")
        self.left = QSplitter(Qt.Orientation.Vertical)
        self.left.addWidget(self.voices_panel)
        self.left.addWidget(self.project_panel)
        self.left.setChildrenCollapsible(False)
        self.left.setSizes([520, 300])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for w in (self.left, self.tabs, self.takes_panel):
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
        self._lines_timer = QTimer(self)  # the takes list follows the script's lines, coalesced
        self._lines_timer.setSingleShot(True)
        self._lines_timer.setInterval(150)
        self._lines_timer.timeout.connect(self._lines_changed)
        self._shown_lines: list = []
        self._build_actions()
        self._wire()
        self._restore()
        for problem in (library_problem, projects_problem):
            if problem:
                self.banner.show_message("error", *problem)
        self._offer_resume()
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
        self.cancel_action.triggered.connect(self.cancel)
        self.settings_action = QAction(icon("settings"), "Settings", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.open_settings)
        self.quit_action = QAction("Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.close)
        self.addAction(self.quit_action)
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
        self.voices_panel.use_requested.connect(self.script_panel.set_default_voice)
        self.voices_panel.new_voice_requested.connect(self.show_voice_editor)
        self.voices_panel.audio_file_dropped.connect(self.new_voice_from_file)
        self.script_panel.render_submitted.connect(self._follow_render)
        self.render_all_queue.render_submitted.connect(self._follow_render)
        self.script_panel.default_voice_changed.connect(self.voices_panel.select)
        self.script_panel.busy_changed.connect(lambda _: self._busy_changed())
        self.takes_panel.regenerate_requested.connect(self._regenerate)
        self.project_panel.about_to_change.connect(self.script_panel.save)
        self.script_panel.saved.connect(self._lines_changed)  # takes of every saved line are shown
        self.project_panel.script_opened.connect(self.open_script)
        self.project_panel.render_all_requested.connect(self.render_all)
        q = self.render_all_queue
        q.chapter_progress.connect(
            lambda sid, done, n: self.project_panel.set_progress(sid, f"{done} of {n}")
        )
        q.chapter_finished.connect(lambda sid: self.project_panel.set_progress(sid, "done"))
        q.finished.connect(self._render_all_finished)
        q.problem.connect(lambda m, h: self.banner.show_message("warning", m, h))
        model = self.script_panel.model
        for signal in (model.rowsInserted, model.rowsRemoved, model.dataChanged, model.modelReset):
            signal.connect(lambda *_: self._lines_timer.start())
        self.host.model_state.connect(self._on_model_state)
        self.host.gpu_memory.connect(self.model_status.set_gpu_memory)
        self.player.failed.connect(lambda message, hint: self.banner.show_message("error", message, hint))
        self.model_status.download_requested.connect(lambda: self.load_model(allow_download=True))
        self.model_status.retry_requested.connect(self.load_model)
        self.script_panel.editor.textChanged.connect(self._autosave.start)
        self.script_panel.sampling.changed.connect(self._autosave.start)
        self.script_panel.model.dataChanged.connect(lambda *_: self._autosave.start())

    # ----- actions ---------------------------------------------------------------------------
    def load_model(self, allow_download: bool = False) -> EngineJob:
        s = self.settings
        return self.host.submit(LoadRequest(s.model_source, s.device, s.dtype, allow_download))

    def _follow_render(self, job: EngineJob) -> None:
        """Every render's takes go to the store; its voices may have been extracted again or used."""
        self.takes_panel.follow(job)
        job.finished.connect(lambda _cancelled: self.voice_catalog.refresh())
        job.failed.connect(lambda *_: self.voice_catalog.refresh())

    def show_voice_editor(self) -> None:
        self.tabs.setCurrentWidget(self.voice_editor)

    def generate(self) -> int | None:
        self.tabs.setCurrentWidget(self.script_panel)
        return self.script_panel.generate()

    def _regenerate(self, record, number: int) -> None:
        self.tabs.setCurrentWidget(self.script_panel)
        self.script_panel.regenerate(record, number)

    def cancel(self) -> None:
        """Stop the script's render and a running render-all; finished takes are kept."""
        self.script_panel.cancel()
        self.render_all_queue.cancel()

    def _busy_changed(self) -> None:
        self.cancel_action.setEnabled(self.script_panel.busy or self.render_all_queue.running)

    # ----- projects ----------------------------------------------------------------------------
    def open_script(self, script_id: str) -> None:
        """Open a stored script in the editor and show its takes (the open one is saved first)."""
        script = self.projects.script(script_id)
        if script is None:
            return
        if self.script_panel.script is not None and self.script_panel.script.id != script_id:
            self.script_panel.save()
        self.script_panel.open_script(script)
        self._shown_lines = self.script_panel.line_infos()
        self.takes_panel.show_script(script.id, self._shown_lines)
        self.settings.current_script_id = script.id
        self.project_panel.current_script_id = script.id
        project = self.projects.project(script.project_id)
        self.setWindowTitle(f"{script.name} · {project.name} — Timbre" if project else "Timbre")

    def _lines_changed(self) -> None:
        lines = self.script_panel.line_infos()
        if lines != self._shown_lines:
            self._shown_lines = lines
            self.takes_panel.set_lines(lines)

    def render_all(self, project_id: str) -> int:
        """Render every script of a project as one queue, picking up where a previous run stopped."""
        self.script_panel.save()
        sampling = self.script_panel.sampling.sampling().engine_kwargs()
        total = self.render_all_queue.start(
            project_id, sampling, self.script_panel.sampling.seed_for_next_job()
        )
        self._busy_changed()
        if total == 0 and not self.render_all_queue.running:
            self.banner.show_message("success", "Every line of the project already has a take.")
        return total

    def _render_all_finished(self, project_id: str, cancelled: bool) -> None:
        self._busy_changed()
        project = self.projects.project(project_id)
        if project is not None and not cancelled:
            self.banner.show_message("success", f"Rendered all of “{project.name}”.")

    def _offer_resume(self) -> None:
        for project in self.projects.render_all_pending():
            self.banner.show_message(
                "warning",
                f"Rendering all of “{project.name}” stopped before it finished.",
                "Resume renders only the lines still without a take.",
                action=("Resume", lambda pid=project.id: self.render_all(pid)),
            )
            return

    def new_voice_from_file(self, path: str) -> None:
        """Start a new voice with an audio file (dropped on the voices list)."""
        self.show_voice_editor()
        self.voice_editor.load_file(path)

    def add_voice(self, voice: NewVoice) -> LibraryJob:
        """Keep a voice fresh from the editor in the library (an engine-thread job)."""
        job = self.library_jobs.add_voice(voice)
        job.added.connect(self._voice_saved)
        job.failed.connect(self._save_failed)
        return job

    def _voice_saved(self, voices: list) -> None:
        if voices:
            voice = voices[0]
            self.voices_panel.select(voice.id)
            self.voice_editor.voice_saved(voice.name)
            if self.script_panel.model.default_voice_id not in (None, voice.id):
                self.script_panel.banner.show_message(
                    "info",
                    f"“{voice.name}” is in the library.",
                    "The script keeps its voice; use the new one for it?",
                    action=("Use for this script", lambda: self.script_panel.set_default_voice(voice.id)),
                )

    def _save_failed(self, message: str, hint: str) -> None:
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
            log.error("The model could not be loaded: %s (%s)", state.message, state.hint)
            self.banner.show_message(
                "error",
                f"The model could not be loaded: {state.message}",
                state.hint,
                action=("Settings…", self.open_settings),
                source="model",
            )
        elif state.phase is ModelPhase.NONE and state.message:
            self.banner.show_message(
                "warning",
                state.message,
                state.hint,
                action=("Download model", lambda: self.load_model(True)),
                source="model",
            )
        elif state.phase in (ModelPhase.LOADING, ModelPhase.READY):
            self.banner.clear(source="model")  # the model's own message only
            if state.phase is ModelPhase.READY:
                self.script_panel.banner.clear(source="model")  # "the model is not loaded"

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
        script = self.projects.script(s.current_script_id)
        if script is None:
            projects = self.projects.projects()
            if projects:
                script = self.projects.scripts(projects[0].id)[0]
            else:  # first start, or the first start since projects: the old script moves in
                script = first_script(self.projects, self.projects.root, s.script)
                s.script = ScriptState(
                    sampling=s.script.sampling,
                    seed=s.script.seed,
                    seed_locked=s.script.seed_locked,
                    preview=s.script.preview,
                )
        self.project_panel.current_script_id = script.id
        self.project_panel.refresh()
        self.open_script(script.id)

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.splitter, "script": self.script_panel.splitter, "left": self.left}

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
            self.script_panel.save()
        except OSError as e:
            log.error("Could not save the script: %s", e)
        try:
            save_settings(s)
        except OSError as e:
            log.error("Could not save settings: %s", e)

    def confirm_close(self) -> bool:
        """Ask before a close that would stop a render; True: close."""
        if not (self.script_panel.busy or self.render_all_queue.running):
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Rendering", "", parent=self)
        box.setText("A render is still running. Stop it and close Timbre?")
        box.setInformativeText(
            "Finished takes are kept. Rendering all chapters resumes where it stopped next time."
        )
        stop = box.addButton("Stop and close", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep rendering", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is stop

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.confirm_close():
            event.ignore()
            return
        self._autosave.stop()
        self.save_state()
        self.voice_editor.recorder.recorder.stop()
        self.player.stop()
        self.preview.stop()
        self.host.shutdown()
        self.host.blockSignals(True)  # results still on their way find no store to write to
        self._lines_timer.stop()
        self.library.close()
        self.projects.close()
        if self._gc is not None:
            self._gc.release()
            self._gc = None
        event.accept()


def _open_projects() -> tuple[ProjectStore, tuple[str, str] | None]:
    """The projects store under Timbre's data folder; a temporary one (and why) if it cannot open."""
    try:
        return ProjectStore(data_dir()), None
    except TimbreError as e:
        import tempfile

        log.error("The projects file could not be opened: %s", e.message)
        hint = f"{e.hint or ''} Until then, scripts and takes are kept only until Timbre closes.".strip()
        return ProjectStore(Path(tempfile.mkdtemp(prefix="timbre-projects-"))), (e.message, hint)


def _open_library() -> tuple[VoiceLibrary, tuple[str, str] | None]:
    """The voice library under Timbre's data folder; a temporary one (and why) if it cannot open."""
    try:
        return VoiceLibrary(), None
    except TimbreError as e:
        import tempfile

        log.error("The voice library could not be opened: %s", e.message)
        hint = f"{e.hint or ''} Until then, voices you make are kept only until Timbre closes.".strip()
        return VoiceLibrary(tempfile.mkdtemp(prefix="timbre-library-")), (e.message, hint)
