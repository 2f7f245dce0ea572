"""A horizontal input level meter with peak hold and a clipping light."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.audio_quality import CLIP_LEVEL, to_dbfs

FLOOR_DB = -60.0
FALL_DB_PER_S = 30.0  # how fast the bar sinks after a loud moment: readable, not jumpy
PEAK_HOLD_S = 1.0
CLIP_HOLD_S = 2.0


class LevelMeter(QWidget):
    """Feed it ``set_level(rms, peak)`` (linear); it shows RMS as the bar, peak as a tick."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            "Input level. Aim for the yellow zone when you speak; the light turns red on clipping."
        )
        self.reset()

    def sizeHint(self) -> QSize:
        return QSize(220, 18)

    def reset(self) -> None:
        self._level_db = FLOOR_DB
        self._peak_db = FLOOR_DB
        self._peak_at = 0.0
        self._clip_at = -1e9
        self._last = time.monotonic()
        self.update()

    @property
    def clipping(self) -> bool:
        """True while the clip light is lit (a peak at full scale in the last two seconds)."""
        return time.monotonic() - self._clip_at < CLIP_HOLD_S

    def set_level(self, rms: float, peak: float) -> None:
        now = time.monotonic()
        fallen = self._level_db - FALL_DB_PER_S * (now - self._last)
        self._last = now
        self._level_db = max(float(to_dbfs(rms)), fallen, FLOOR_DB)
        peak_db = float(to_dbfs(peak))
        if peak_db >= self._peak_db or now - self._peak_at > PEAK_HOLD_S:
            self._peak_db, self._peak_at = max(peak_db, FLOOR_DB), now
        if peak >= CLIP_LEVEL:
            self._clip_at = now
        self.update()

    @staticmethod
    def _x(db: float, width: float) -> float:
        return max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB)) * width

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        light = float(self.height())
        bar = QRectF(0.5, 0.5, self.width() - light - 6, self.height() - 1)
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRoundedRect(bar, 4, 4)
        grad = QLinearGradient(bar.left(), 0, bar.right(), 0)
        grad.setColorAt(0.0, QColor("#2f9e5b"))
        grad.setColorAt(0.70, QColor("#2f9e5b"))  # -18 dBFS
        grad.setColorAt(0.80, QColor("#e0b21e"))  # -12 dBFS
        grad.setColorAt(0.95, QColor("#d93d3d"))  # -3 dBFS
        inner = bar.adjusted(2, 2, -2, -2)
        fill = QRectF(inner.left(), inner.top(), self._x(self._level_db, inner.width()), inner.height())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(grad)
        p.drawRoundedRect(fill, 2, 2)
        if self._peak_db > FLOOR_DB:
            x = inner.left() + self._x(self._peak_db, inner.width())
            p.setPen(pal.color(QPalette.ColorRole.Text))
            p.drawLine(int(x), int(inner.top()), int(x), int(inner.bottom()))
        lamp = QRectF(self.width() - light + 1, 1, light - 2, light - 2)
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.setBrush(QColor("#d93d3d") if self.clipping else pal.color(QPalette.ColorRole.Base))
        p.drawEllipse(lamp)
        p.end()
