"""Sampling controls (temperature, top-k, top-p, repetition penalty, max length) and the seed."""

from __future__ import annotations

import secrets

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from ..icons import icon
from ..settings import SamplingSettings

MAX_SEED = 2**31 - 1


def _double(lo: float, hi: float, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setToolTip(tip)
    return box


class SamplingControls(QWidget):
    """Edits a :class:`SamplingSettings` plus the seed and its lock."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.temperature = _double(
            0.05, 2.0, 0.05, 2, "Higher: livelier, more varied reads. Lower: steadier."
        )
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 500)
        self.top_k.setToolTip("Sample among the k likeliest sounds at each step (0: no limit).")
        self.top_p = _double(
            0.05, 1.0, 0.05, 2, "Sample among the likeliest sounds covering this share (1: no limit)."
        )
        self.repetition = _double(
            1.0, 2.0, 0.01, 2, "Discourages repeating the same sounds; raise it if a take stutters."
        )
        self.max_length = _double(1.0, 300.0, 5.0, 1, "The longest a single take may run, in seconds.")
        self.max_length.setSuffix(" s")
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip(
            "Line 1 uses this seed, line 2 the next one, and so on. The same seed, text, voice and "
            "settings give the same take."
        )
        self.seed.setMinimumWidth(110)
        self.lock = QToolButton()
        self.lock.setCheckable(True)
        self.lock.toggled.connect(self._lock_toggled)
        self.dice = QToolButton()
        self.dice.setIcon(icon("dice"))
        self.dice.setToolTip("New random seed")
        self.dice.clicked.connect(self.randomize)
        reset = QPushButton("Defaults")
        reset.setToolTip("Back to the model's recommended settings")
        reset.clicked.connect(lambda: self.set_sampling(SamplingSettings()))

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        pairs = [
            ("Temperature", self.temperature),
            ("Top-k", self.top_k),
            ("Top-p", self.top_p),
            ("Repetition", self.repetition),
            ("Max length", self.max_length),
        ]
        for i, (label, box) in enumerate(pairs):
            grid.addWidget(QLabel(label), i // 3, (i % 3) * 2)
            if box is self.top_p:  # Defaults shares its cell: one column less to fit in
                top_p_row = QHBoxLayout()
                top_p_row.setSpacing(8)
                top_p_row.addWidget(box, 1)
                top_p_row.addWidget(reset)
                grid.addLayout(top_p_row, i // 3, (i % 3) * 2 + 1)
            else:
                grid.addWidget(box, i // 3, (i % 3) * 2 + 1)
        seed_row = QHBoxLayout()
        seed_row.setSpacing(4)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.lock)
        seed_row.addWidget(self.dice)
        grid.addWidget(QLabel("Seed"), 1, 4)
        grid.addLayout(seed_row, 1, 5)
        for col in (1, 3, 5):
            grid.setColumnStretch(col, 1)
        for box in (self.temperature, self.top_p, self.repetition, self.max_length):
            box.valueChanged.connect(self.changed)
        self.top_k.valueChanged.connect(self.changed)
        self.seed.valueChanged.connect(self.changed)
        self.set_sampling(SamplingSettings())
        self._lock_toggled(False)

    def sampling(self) -> SamplingSettings:
        return SamplingSettings(
            temperature=self.temperature.value(),
            top_k=self.top_k.value(),
            top_p=self.top_p.value(),
            repetition_penalty=self.repetition.value(),
            max_length_s=self.max_length.value(),
        )

    def set_sampling(self, s: SamplingSettings) -> None:
        self.temperature.setValue(s.temperature)
        self.top_k.setValue(s.top_k)
        self.top_p.setValue(s.top_p)
        self.repetition.setValue(s.repetition_penalty)
        self.max_length.setValue(s.max_length_s)

    def _lock_toggled(self, locked: bool) -> None:
        self.lock.setIcon(icon("lock" if locked else "unlock"))
        self.lock.setToolTip(
            "Seed locked: every Generate uses this seed"
            if locked
            else "Seed unlocked: every Generate draws a new one"
        )
        self.changed.emit()

    def randomize(self) -> int:
        self.seed.setValue(secrets.randbelow(MAX_SEED))
        return self.seed.value()

    def seed_for_next_job(self) -> int:
        """The locked seed, or a fresh one (shown, so a take you like can be locked and redone)."""
        return self.seed.value() if self.lock.isChecked() else self.randomize()
