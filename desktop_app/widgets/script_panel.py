"""The script: write lines, give each a voice and a language, render them all as one batch.

Every line goes through the script parser ``timbre-cli`` uses: ``[pause 0.8s]`` markup is
coloured in the editor, a bad one underlined at its column, and the lines table marks each line
valid or not. Each line's state (waiting, rendering with the seconds made so far, done,
cancelled, failed) shows in the table; the bar below sums them up. With "Listen while
rendering" on, the lines play in order as their audio arrives. Cancel stops the job within one
decode step; the takes that finished before it stay.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.projects import ProjectStore, Script, TakeRecord

from ..engine_host import EngineHost, EngineJob, GenerateRequest, LineRequest, ModelPhase
from ..icons import icon
from ..languages import LANGUAGES, language_label
from ..models.script_model import (
    COL_LANGUAGE,
    COL_STATUS,
    COL_TEXT,
    COL_VOICE,
    ScriptLine,
    ScriptModel,
)
from ..models.takes_model import LineInfo
from ..render_preview import RenderPreview
from ..script_lines import ParsedLine, parse_lines
from ..settings import SamplingSettings, ScriptState
from ..voices import VOICE_ID_ROLE, VoiceCatalog
from .banner import Banner
from .elided_label import ElidedLabel
from .render_tracker import RenderTracker
from .sampling_controls import MAX_SEED, SamplingControls
from .script_delegates import ChoiceDelegate, StatusDelegate
from .script_highlighter import ScriptHighlighter


class ScriptPanel(QWidget):
    """Script editor, lines table, sampling controls, Generate / Cancel and progress."""

    default_voice_changed = Signal(str)
    busy_changed = Signal(bool)
    saved = Signal()  # the script's text and lines are in the store (e.g. right before a render)
    render_submitted = Signal(object)  # EngineJob: a render of this panel's lines, to follow

    def __init__(
        self,
        host: EngineHost,
        catalog: VoiceCatalog,
        store: ProjectStore,
        preview: RenderPreview | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._host, self._catalog, self.preview = host, catalog, preview
        self.store = store
        self.script: Script | None = None  # the script in the editor
        self.model = ScriptModel(catalog, self)
        self.tracker = RenderTracker(host, self.model, self)

        self.banner = Banner()
        self.voice = QComboBox()
        self.voice.setModel(catalog.list_model())
        self.voice.setPlaceholderText("Choose a voice")
        self.voice.setMinimumContentsLength(14)
        self.voice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.voice.setToolTip("The voice of every line that has none of its own")
        # Only the creator's pick changes the default: a voice leaving the list must not quietly
        # hand its lines to whichever voice the combo box shows next.
        self.voice.activated.connect(self._voice_picked)
        self.language = QComboBox()
        for code in LANGUAGES:
            self.language.addItem("Voice's language" if code == "auto" else language_label(code), code)
        self.language.setToolTip("The language of every line that has none of its own")
        self.language.currentIndexChanged.connect(
            lambda: self.model.set_defaults(language=self.language.currentData())
        )

        self.editor = QPlainTextEdit()
        self.editor.setObjectName("script")
        self.editor.setPlaceholderText(
            "Write or paste your script here. Each line becomes one take.\n\n"
            "Welcome back to the show.\nToday we talk about voices."
        )
        self._sync = QTimer(self)
        self._sync.setSingleShot(True)
        self._sync.setInterval(120)  # follow typing in small batches
        self._sync.timeout.connect(self.sync_lines)
        self.editor.textChanged.connect(self._sync.start)
        self.highlighter = ScriptHighlighter(self.editor.document())

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        for col, width in ((COL_VOICE, 130), (COL_LANGUAGE, 100), (COL_STATUS, 140)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        chooser = ChoiceDelegate(catalog, self.table)
        self.table.setItemDelegateForColumn(COL_VOICE, chooser)
        self.table.setItemDelegateForColumn(COL_LANGUAGE, chooser)
        self.table.setItemDelegateForColumn(COL_STATUS, StatusDelegate(self.table))

        self.sampling = SamplingControls()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("primary")
        self.generate_button.setIcon(icon("generate", "#ffffff"))
        self.generate_button.setToolTip("Render every line as one batch (Ctrl+Enter)")
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setIcon(icon("cancel"))
        self.cancel_button.setToolTip("Stop rendering; finished takes are kept")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.listen = QPushButton("Listen while rendering")
        self.listen.setCheckable(True)
        self.listen.setIcon(icon("play"))
        self.listen.setToolTip("Play the lines in order as they render, from the first frames on")
        self.listen.setVisible(preview is not None)
        # On reads as a filled toggle with a check, so it cannot be mistaken for keyboard focus.
        self.listen.toggled.connect(
            lambda on: self.listen.setIcon(icon("check", "#ffffff") if on else icon("play"))
        )
        if preview is not None:
            preview.failed.connect(lambda m, h: self.banner.show_message("warning", m, h))
            self.listen.toggled.connect(lambda on: None if on else preview.stop())
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = ElidedLabel("")  # changing text must not make the panel jitter
        self.progress_label.setObjectName("muted")
        self._build_layout()

        self.tracker.busy_changed.connect(self._busy_changed)
        self.tracker.progress_changed.connect(self._progress_changed)
        self.tracker.problem.connect(self.banner.show_message)
        self.model.defaults_changed.connect(self._sync_voice_combo)
        catalog.list_model().rowsInserted.connect(self._voices_added)
        catalog.list_model().rowsRemoved.connect(self._sync_voice_combo)

    def _build_layout(self) -> None:
        title = QLabel("Script")
        title.setObjectName("panelTitle")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(QLabel("Voice"))
        top.addWidget(self.voice)
        top.addSpacing(8)
        top.addWidget(QLabel("Language"))
        top.addWidget(self.language)
        lines_box = QWidget()
        lines_layout = QVBoxLayout(lines_box)
        lines_layout.setContentsMargins(0, 0, 0, 0)
        hint = QLabel(
            "Lines: double-click a voice or language to give a line its own. "
            "[pause 0.8s] inserts exact silence."
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)  # wraps in a narrow window instead of setting its minimum width
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        lines_layout.addWidget(hint)
        lines_layout.addWidget(self.table)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.editor)
        self.splitter.addWidget(lines_box)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([220, 200])
        group = QGroupBox("Sampling")
        g = QVBoxLayout(group)
        g.addWidget(self.sampling)
        actions = QHBoxLayout()
        actions.addWidget(self.generate_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.listen)
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.progress_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(group)
        layout.addLayout(actions)

    # ----- script text and defaults -----------------------------------------------------------
    def parsed_lines(self) -> list[ParsedLine]:
        """The lines to render, as the script parser reads the editor (valid or not)."""
        return parse_lines(self.editor.toPlainText())

    def texts(self) -> list[str]:
        return [line.text for line in self.parsed_lines()]

    def sync_lines(self) -> None:
        """Bring the lines table in line with the editor now (it otherwise follows shortly after)."""
        self._sync.stop()
        self.model.set_lines(self.parsed_lines())
        self.banner.clear(source="script")  # an edit answers "empty", "fix line 3", "no voice"

    def set_script(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.sync_lines()

    def open_script(self, script: Script) -> None:
        """Show a stored script: its text, its lines (with their ids and choices), its defaults."""
        self.script = script
        self.editor.blockSignals(True)  # the lines come from the store, not from a re-parse
        self.editor.setPlainText(script.text)
        self.editor.blockSignals(False)
        self._sync.stop()
        self.model.load(
            self.store.lines(script.id), self.store.lines(script.id, removed=True), self.parsed_lines()
        )
        self.model.default_voice_id = script.default_voice_id  # may be None: no voice chosen yet
        self.model.set_defaults(language=script.default_language)
        self.language.blockSignals(True)
        self.language.setCurrentIndex(max(0, self.language.findData(script.default_language)))
        self.language.blockSignals(False)
        self._sync_voice_combo()
        self.banner.clear()

    def save(self) -> None:
        """Write the editor's text and lines to the store (the ids keep the takes attached)."""
        if self.script is None:
            return
        self.sync_lines()
        self.store.save_script(
            self.script.id,
            self.editor.toPlainText(),
            [(ln.id, ln.text, ln.voice_id, ln.language) for ln in self.model.lines()],
            self.model.default_voice_id,
            self.language.currentData() or "auto",
        )
        self.saved.emit()

    def line_infos(self) -> list[LineInfo]:
        """The script's lines for the takes list: numbered, then the removed ones."""
        live = [LineInfo(ln.id, row + 1, ln.text) for row, ln in enumerate(self.model.lines())]
        return live + [LineInfo(ln.id, None, ln.text) for ln in self.model.removed_lines()]

    def set_default_voice(self, voice_id: str | None) -> None:
        """Make ``voice_id`` the voice of all lines without their own (the selected voice)."""
        if voice_id and voice_id != self.model.default_voice_id:
            self.model.set_defaults(voice_id=voice_id)
            self.default_voice_changed.emit(voice_id)

    def _voice_picked(self, row: int) -> None:
        if row >= 0:
            self.set_default_voice(self.voice.itemData(row, VOICE_ID_ROLE))

    def _sync_voice_combo(self, *_: object) -> None:
        for row in range(self.voice.count()):
            if self.voice.itemData(row, VOICE_ID_ROLE) == self.model.default_voice_id:
                self.voice.setCurrentIndex(row)
                return
        self.voice.setCurrentIndex(-1)  # the default voice is gone (trash): say so, pick none

    def _voices_added(self, parent, first: int, last: int) -> None:
        # Only a script without a default voice takes the new one: lines never switch speaker.
        if self.model.default_voice_id is None or self._catalog.voice(self.model.default_voice_id) is None:
            voices = self._catalog.list_model()
            self.set_default_voice(voices.data(voices.index(last, 0), VOICE_ID_ROLE))
        self._sync_voice_combo()

    # ----- state for settings ------------------------------------------------------------------
    def state(self) -> ScriptState:
        """The panel's own settings (the script itself lives in the projects store)."""
        return ScriptState(
            sampling=self.sampling.sampling(),
            seed=self.sampling.seed.value(),
            seed_locked=self.sampling.lock.isChecked(),
            preview=self.listen.isChecked(),
        )

    def restore(self, state: ScriptState) -> None:
        self.sampling.set_sampling(state.sampling)
        self.sampling.seed.setValue(state.seed)
        self.sampling.lock.setChecked(state.seed_locked)
        self.listen.setChecked(state.preview)

    # ----- generate ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.tracker.busy

    def _model_problem(self) -> tuple[str, str] | None:
        state = self._host.state
        if state.phase in (ModelPhase.NONE, ModelPhase.FAILED):
            return (
                "The model is not loaded, so nothing can be rendered yet.",
                state.hint or "Choose a model in Settings > Model.",
            )
        return None

    def _line_request(self, row: int, line: ScriptLine) -> LineRequest | tuple[str, str]:
        voice_id = self.model.voice_of(line)
        voice = self._catalog.voice(voice_id or "")
        ref = self._catalog.prompt_ref(voice_id or "")
        if voice is None or ref is None:
            return (
                f"Line {row + 1} has no voice."
                if not voice_id
                else f"The voice of line {row + 1} is not available.",
                "Make a voice in the New voice tab, or double-click the line's voice to pick another.",
            )
        return LineRequest(
            line.text, self.model.language_of(line), voice.id, voice.name, ref, row + 1, line.id
        )

    def generate(self) -> EngineJob | None:
        """Send the whole script as one batch job; returns its job id (None when it cannot start)."""
        self.save()  # the lines' rows exist before their takes arrive
        if self.tracker.script_running:
            return None  # one script render at a time; Cancel first
        lines = self.model.lines()
        if not lines:
            self.banner.show_message(
                "warning",
                "The script is empty.",
                "Write at least one line, one take per line.",
                source="script",
            )
            return None
        problem = self._model_problem()
        if problem:
            self.banner.show_message("error", *problem, source="model")
            return None
        # Every line that can render does; the others are listed, each with what to fix.
        rows, requests, skipped = [], [], []
        for row, line in enumerate(lines):
            req = self._line_request(row, line)
            if not line.valid and line.parsed is not None:
                skipped.append((line.parsed.describe_error(), line.parsed.hint or "Fix the markup."))
            elif isinstance(req, tuple):
                skipped.append(req)
            else:
                rows.append(row)
                requests.append(req)
        if skipped:
            listed = "\n".join(message for message, _ in skipped[:6])
            more = f"\n…and {len(skipped) - 6} more." if len(skipped) > 6 else ""
            what = "No line can be rendered" if not requests else f"{len(skipped)} line(s) left out"
            self.banner.show_message(
                "error" if not requests else "warning",
                f"{what}:\n{listed}{more}",
                skipped[0][1],
                source="script",
            )
            if not requests:
                return None
        else:
            self.banner.clear()
        sampling = self.sampling.sampling()
        seed = self.sampling.seed_for_next_job()
        # Line i gets seed + i: short, readable seeds, each line its own randomness (also when
        # other lines are left out).
        seeds = tuple((seed + row) % (MAX_SEED + 1) for row in rows)
        request = GenerateRequest(tuple(requests), sampling.engine_kwargs(), seeds, self._previewing())
        label = f"{len(requests)} line{'s' if len(requests) != 1 else ''}"
        return self._submit(request, [lines[row] for row in rows], label)

    def regenerate(self, record: TakeRecord, number: int) -> EngineJob | None:
        """Render one more take of a stored take's line (line ``number``), its voice and settings, a new seed."""
        voice = self._catalog.voice(record.voice_id)
        ref = self._catalog.prompt_ref(record.voice_id)
        problem = self._model_problem()
        if problem is None and (voice is None or ref is None):
            problem = (
                f"The voice “{record.voice_name}” is no longer in the library.",
                "Restore it from the trash (Voices, ⋯ menu, Trash), or render the line again in "
                "another voice from the script.",
            )
        if problem:
            self.banner.show_message("error", *problem)
            return None
        settings = dict(record.settings) or SamplingSettings().engine_kwargs()
        line = LineRequest(record.text, record.language, voice.id, voice.name, ref, number, record.line_id)
        request = GenerateRequest((line,), settings, self.sampling.randomize(), self._previewing())
        return self._submit(request, [None], f"line {number} again")

    def _previewing(self) -> bool:
        return self.preview is not None and self.listen.isChecked()

    def _submit(self, request: GenerateRequest, lines: list[ScriptLine | None], label: str) -> EngineJob:
        job = self.tracker.submit(request, lines, label)
        self.render_submitted.emit(job)
        if request.preview and self.preview is not None:
            self.preview.follow(job, len(request.lines), self._host.state.sample_rate or 24000)
        return job

    def cancel(self) -> None:
        """Stop every render this panel started (and listening to it); finished takes are kept."""
        self.tracker.cancel()
        if self.preview is not None:
            self.preview.stop()

    def _busy_changed(self, busy: bool) -> None:
        self.generate_button.setEnabled(not self.tracker.script_running)
        self.cancel_button.setEnabled(busy)
        self.busy_changed.emit(busy)

    def _progress_changed(self, permille: int, text: str) -> None:
        if permille >= 0:
            self.progress.setValue(permille)
        self.progress_label.setText(text)
