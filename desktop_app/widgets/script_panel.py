"""The script: write lines, give each a voice and a language, render them all as one batch.

Each line's state (waiting, rendering with the seconds made so far, done, cancelled, failed)
shows in the lines table; the bar below sums them up. Cancel stops the job within one decode
step; the takes that finished before it stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..engine_host import EngineHost, GenerateRequest, JobProgress, LineRequest, ModelPhase
from ..icons import icon
from ..languages import LANGUAGES, language_label
from ..models.script_model import (
    COL_LANGUAGE,
    COL_STATUS,
    COL_TEXT,
    COL_VOICE,
    LineStatus,
    ScriptLine,
    ScriptModel,
)
from ..settings import FRAMES_PER_SECOND, LineChoice, SamplingSettings, ScriptState
from ..takes_store import TakeRecord
from ..voices import VOICE_ID_ROLE, VoiceCatalog
from .banner import Banner
from .sampling_controls import MAX_SEED, SamplingControls
from .script_delegates import ChoiceDelegate, StatusDelegate

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def expected_frames(text: str, max_frames: int) -> int:
    """A rough length guess for the progress bar: ~2.6 words/s, or ~4.5 CJK characters/s."""
    cjk = len(_CJK.findall(text))
    words = len(_CJK.sub(" ", text).split())
    seconds = max(1.0, words / 2.6 + cjk / 4.5) * 1.15
    return max(2, min(max_frames, round(seconds * FRAMES_PER_SECOND)))


@dataclass
class _Job:
    lines: list[ScriptLine | None]  # None: a regenerated take, not tied to a script row
    expected: list[int]
    done: set[int] = field(default_factory=set)
    progress: dict[int, float] = field(default_factory=dict)
    label: str = ""


class ScriptPanel(QWidget):
    """Script editor, lines table, sampling controls, Generate / Cancel and progress."""

    default_voice_changed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, host: EngineHost, catalog: VoiceCatalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host, self._catalog = host, catalog
        self._jobs: dict[int, _Job] = {}
        self.model = ScriptModel(catalog, self)

        self.banner = Banner()
        self.voice = QComboBox()
        self.voice.setModel(catalog.list_model())
        self.voice.setPlaceholderText("No voices yet")
        self.voice.setMinimumContentsLength(14)
        self.voice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.voice.setToolTip("The voice of every line that has none of its own")
        self.voice.currentIndexChanged.connect(self._voice_picked)
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
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("muted")
        self._build_layout()

        host.job_started.connect(self._on_started)
        host.job_progress.connect(self._on_progress)
        host.take_ready.connect(self._on_take)
        host.job_finished.connect(self._on_finished)
        host.job_failed.connect(self._on_failed)
        self.model.defaults_changed.connect(self._sync_voice_combo)
        catalog.list_model().rowsInserted.connect(self._voices_added)

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
        hint = QLabel("Lines: double-click a voice or language to give a line its own.")
        hint.setObjectName("hint")
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
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.progress_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(group)
        layout.addLayout(actions)

    # ----- script text and defaults -----------------------------------------------------------
    def texts(self) -> list[str]:
        return [t.strip() for t in self.editor.toPlainText().splitlines() if t.strip()]

    def sync_lines(self) -> None:
        """Bring the lines table in line with the editor now (it otherwise follows shortly after)."""
        self._sync.stop()
        self.model.set_texts(self.texts())

    def set_script(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.sync_lines()

    def set_default_voice(self, voice_id: str | None) -> None:
        """Make ``voice_id`` the voice of all lines without their own (the selected voice)."""
        if voice_id and voice_id != self.model.default_voice_id:
            self.model.set_defaults(voice_id=voice_id)
            self.default_voice_changed.emit(voice_id)

    def _voice_picked(self, row: int) -> None:
        if row >= 0:
            self.set_default_voice(self.voice.itemData(row, VOICE_ID_ROLE))

    def _sync_voice_combo(self) -> None:
        for row in range(self.voice.count()):
            if self.voice.itemData(row, VOICE_ID_ROLE) == self.model.default_voice_id:
                self.voice.setCurrentIndex(row)
                return

    def _voices_added(self, parent, first: int, last: int) -> None:
        if self.model.default_voice_id is None or self._catalog.voice(self.model.default_voice_id) is None:
            voices = self._catalog.list_model()
            self.set_default_voice(voices.data(voices.index(last, 0), VOICE_ID_ROLE))
        self._sync_voice_combo()

    # ----- state for settings ------------------------------------------------------------------
    def state(self) -> ScriptState:
        self.sync_lines()
        return ScriptState(
            text=self.editor.toPlainText(),
            lines=[LineChoice(line.voice_id, line.language) for line in self.model.lines()],
            default_voice_id=self.model.default_voice_id,
            default_language=self.language.currentData(),
            sampling=self.sampling.sampling(),
            seed=self.sampling.seed.value(),
            seed_locked=self.sampling.lock.isChecked(),
        )

    def restore(self, state: ScriptState) -> None:
        self.set_script(state.text)
        self.model.set_choices([(c.voice_id, c.language) for c in state.lines])
        self.model.set_defaults(voice_id=state.default_voice_id)
        self.language.setCurrentIndex(max(0, self.language.findData(state.default_language)))
        self.sampling.set_sampling(state.sampling)
        self.sampling.seed.setValue(state.seed)
        self.sampling.lock.setChecked(state.seed_locked)

    # ----- generate ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return bool(self._jobs)

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
        return LineRequest(line.text, self.model.language_of(line), voice.id, voice.name, ref, row + 1)

    def generate(self) -> int | None:
        """Send the whole script as one batch job; returns its job id (None when it cannot start)."""
        self.sync_lines()
        if any(job.lines and job.lines[0] is not None for job in self._jobs.values()):
            return None  # one script render at a time; Cancel first
        lines = self.model.lines()
        if not lines:
            self.banner.show_message(
                "warning", "The script is empty.", "Write at least one line, one take per line."
            )
            return None
        problem = self._model_problem()
        requests = []
        for row, line in enumerate(lines):
            req = self._line_request(row, line)
            if isinstance(req, tuple):
                problem = problem or req
                break
            requests.append(req)
        if problem:
            self.banner.show_message("error", *problem)
            return None
        self.banner.clear()
        sampling = self.sampling.sampling()
        seed = self.sampling.seed_for_next_job()
        # Line i gets seed + i: short, readable seeds, each line its own randomness.
        seeds = tuple((seed + i) % (MAX_SEED + 1) for i in range(len(requests)))
        request = GenerateRequest(tuple(requests), sampling.engine_kwargs(), seeds)
        label = f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
        return self._submit(request, list(lines), label)

    def regenerate(self, record: TakeRecord) -> int | None:
        """Render one more take of a stored take's line, with its voice and settings, a new seed."""
        voice = self._catalog.voice(record.voice_id)
        ref = self._catalog.prompt_ref(record.voice_id)
        problem = self._model_problem()
        if problem is None and (voice is None or ref is None):
            problem = (
                f"The voice “{record.voice_name}” is not available in this session.",
                "Make the voice again in the New voice tab, then regenerate.",
            )
        if problem:
            self.banner.show_message("error", *problem)
            return None
        settings = dict(record.settings) or SamplingSettings().engine_kwargs()
        line = LineRequest(record.text, record.language, voice.id, voice.name, ref, record.line_number)
        request = GenerateRequest((line,), settings, self.sampling.randomize())
        return self._submit(request, [None], f"line {record.line_number} again")

    def _submit(self, request: GenerateRequest, lines: list[ScriptLine | None], label: str) -> int:
        max_frames = int(request.sampling.get("max_new_tokens", 2048))
        job = self._host.generate(request)
        self._jobs[job] = _Job(
            lines, [expected_frames(r.text, max_frames) for r in request.lines], label=label
        )
        for line in lines:
            if line is not None:
                self.model.set_status(line, LineStatus.QUEUED)
        self._update_controls()
        self.progress_label.setText(f"Waiting to render {label}…")
        return job

    def cancel(self) -> None:
        """Stop every render this panel started; finished takes are kept."""
        for job in self._jobs:
            self._host.cancel(job)
        if self._jobs:
            self.progress_label.setText("Cancelling…")

    def _update_controls(self) -> None:
        script_running = any(job.lines and job.lines[0] is not None for job in self._jobs.values())
        self.generate_button.setEnabled(not script_running)
        self.cancel_button.setEnabled(bool(self._jobs))
        self.busy_changed.emit(bool(self._jobs))

    # ----- job events ---------------------------------------------------------------------------
    def _overall(self, job: _Job) -> None:
        n = len(job.expected)
        total = sum(1.0 if i in job.done else job.progress.get(i, 0.0) for i in range(n))
        self.progress.setValue(int(1000 * total / n))
        self.progress_label.setText(f"Rendering {job.label}: {len(job.done)} of {n} done")

    def _on_started(self, job_id: int) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            return
        for line in job.lines:
            if line is not None:
                self.model.set_status(line, LineStatus.RENDERING, 0.0, "Rendering")
        self._overall(job)

    def _on_progress(self, job_id: int, progress: JobProgress) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            return
        for i in progress.running:
            job.progress[i] = min(0.95, progress.frames / job.expected[i])
            line = job.lines[i]
            if line is not None:
                seconds = progress.frames / FRAMES_PER_SECOND
                self.model.set_status(
                    line, LineStatus.RENDERING, job.progress[i], f"Rendering · {seconds:.1f} s"
                )
        self._overall(job)

    def _on_take(self, job_id: int, index: int, take) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            return
        job.done.add(index)
        line = job.lines[index]
        if line is not None:
            cut = "" if take.complete else " · cut off"
            self.model.set_status(line, LineStatus.DONE, None, f"Done · {take.duration_s:.1f} s{cut}")
        self._overall(job)

    def _end(self, job_id: int, status: LineStatus, detail: str) -> _Job | None:
        job = self._jobs.pop(job_id, None)
        if job is None:
            return None
        for i, line in enumerate(job.lines):
            if line is not None and i not in job.done:
                self.model.set_status(line, status, None, detail)
        self._update_controls()
        return job

    def _on_finished(self, job_id: int, cancelled: bool) -> None:
        job = self._end(job_id, LineStatus.CANCELLED, "Cancelled before it finished")
        if job is None:
            return
        n, done = len(job.expected), len(job.done)
        if cancelled:
            kept = f"; {done} finished take{'s' if done != 1 else ''} kept" if done else ""
            self.progress_label.setText(f"Cancelled{kept}.")
        else:
            self.progress.setValue(1000)
            self.progress_label.setText(f"Done: {n} take{'s' if n != 1 else ''}.")

    def _on_failed(self, job_id: int, message: str, hint: str) -> None:
        job = self._end(job_id, LineStatus.FAILED, message)
        if job is None:
            return
        self.progress_label.setText("Stopped by an error.")
        self.banner.show_message("error", message, hint)
