"""The model's state in the status bar: none / loading (with progress) / ready / failed, GPU memory."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ..engine_host import ModelPhase, ModelState
from .elided_label import ElidedLabel

DOT_COLORS = {
    ModelPhase.NONE: "#9a9aa6",
    ModelPhase.LOADING: "#d99a1e",
    ModelPhase.WARMING: "#d99a1e",
    ModelPhase.READY: "#2f9e5b",
    ModelPhase.FAILED: "#d93d3d",
}


class ModelStatus(QWidget):
    """Emits ``download_requested`` / ``retry_requested`` from its one action button."""

    download_requested = Signal()
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel("●")
        self.text = ElidedLabel()  # a long message shortens; the window keeps its width
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.memory = QLabel()
        self.memory.setObjectName("muted")
        self.memory.hide()
        self.action = QPushButton()
        self.action.hide()
        self.action.clicked.connect(self._act)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.dot)
        row.addWidget(self.text, 1)
        row.addWidget(self.progress)
        row.addWidget(self.action)
        row.addWidget(self.memory)
        self.state = ModelState()
        self.set_state(self.state)

    def set_state(self, state: ModelState) -> None:
        self.state = state
        self.dot.setStyleSheet(f"color: {DOT_COLORS[state.phase]}; font-size: 12pt;")
        self.text.setText(state.summary())
        self.setToolTip("\n".join(x for x in (state.message, state.hint, state.source) if x))
        self.text.setToolTip(self.toolTip())
        busy = state.phase in (ModelPhase.LOADING, ModelPhase.WARMING)
        self.progress.setVisible(busy)
        if busy:
            if state.progress is None:
                self.progress.setRange(0, 0)
            else:
                self.progress.setRange(0, 1000)
                self.progress.setValue(int(state.progress * 1000))
        if state.phase is ModelPhase.NONE and state.source:
            self.action.setText("Download model")
        elif state.phase is ModelPhase.FAILED:
            self.action.setText("Retry")
        self.action.setVisible(
            state.phase in (ModelPhase.FAILED,) or (state.phase is ModelPhase.NONE and bool(state.source))
        )
        if not state.ready:
            self.memory.hide()

    def set_gpu_memory(self, used_total: tuple[int, int] | None) -> None:
        if used_total is None:
            self.memory.hide()
            return
        used, total = used_total
        self.memory.setText(f"GPU memory {used / 1024**3:.1f} / {total / 1024**3:.0f} GB")
        self.memory.show()

    def _act(self) -> None:
        if self.state.phase is ModelPhase.NONE:
            self.download_requested.emit()
        else:
            self.retry_requested.emit()
