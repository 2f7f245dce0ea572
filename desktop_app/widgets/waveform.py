"""A waveform with an optional trim selection (two draggable handles) and a playhead."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

HANDLE_GRAB_PX = 8
RULER_PX = 16
MIN_SELECTION_S = 0.1


class WaveformView(QWidget):
    """Shows ``set_audio``'s samples. With trimming on, the handles pick ``selection()``.

    A click outside the handles asks to play from there (``seek_requested``).
    """

    selection_changed = Signal(float, float)  # start, end in seconds
    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None, *, trim: bool = False) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        self.setMinimumHeight(90)
        self._audio = np.zeros(0, np.float32)
        self._rate = 1
        self._trim = trim
        self._start = 0.0
        self._end = 0.0
        self._playhead: float | None = None
        self._drag: str | None = None
        self._envelope: tuple[int, np.ndarray, np.ndarray] | None = None  # (width, mins, maxs)
        self.placeholder = "No audio yet"

    def sizeHint(self) -> QSize:
        return QSize(480, 120)

    # ----- content ---------------------------------------------------------------------------
    @property
    def duration_s(self) -> float:
        return len(self._audio) / float(self._rate)

    def set_audio(self, audio: np.ndarray, sample_rate: int) -> None:
        self._audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        self._rate = max(1, int(sample_rate))
        self._envelope = None
        self._playhead = None
        self.set_selection(0.0, self.duration_s)

    def clear(self) -> None:
        self.set_audio(np.zeros(0, np.float32), 1)

    def selection(self) -> tuple[float, float]:
        return (self._start, self._end)

    def set_selection(self, start_s: float, end_s: float) -> None:
        d = self.duration_s
        start = min(max(0.0, start_s), d)
        end = min(max(start, end_s), d)
        if (start, end) != (self._start, self._end):
            self._start, self._end = start, end
            self.selection_changed.emit(start, end)
        self.update()

    def set_playhead(self, seconds: float | None) -> None:
        self._playhead = seconds
        self.update()

    # ----- geometry --------------------------------------------------------------------------
    def _wave_rect(self) -> QRectF:
        return QRectF(1, 1, self.width() - 2, self.height() - RULER_PX - 2)

    def _x_of(self, seconds: float) -> float:
        r = self._wave_rect()
        return r.left() + (seconds / self.duration_s * r.width() if self.duration_s else 0.0)

    def _time_at(self, x: float) -> float:
        r = self._wave_rect()
        return min(max(0.0, (x - r.left()) / max(1.0, r.width()) * self.duration_s), self.duration_s)

    def _handle_at(self, x: float) -> str | None:
        if not self._trim or not len(self._audio):
            return None
        d_start, d_end = abs(x - self._x_of(self._start)), abs(x - self._x_of(self._end))
        if min(d_start, d_end) > HANDLE_GRAB_PX:
            return None
        return "start" if d_start <= d_end else "end"

    def _columns(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Min and max of the samples under each pixel column."""
        if self._envelope is None or self._envelope[0] != width:
            n = len(self._audio)
            per = max(1, math.ceil(n / max(1, width)))
            padded = np.zeros(per * math.ceil(n / per), np.float32)
            padded[:n] = self._audio
            blocks = padded.reshape(-1, per)
            self._envelope = (width, blocks.min(axis=1), blocks.max(axis=1))
        return self._envelope[1], self._envelope[2]

    # ----- painting --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        rect = self._wave_rect()
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRoundedRect(rect, 6, 6)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        if not len(self._audio):
            p.setPen(muted)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.placeholder)
            p.end()
            return
        accent = pal.color(QPalette.ColorRole.Accent)
        mins, maxs = self._columns(max(1, int(rect.width())))
        mid, half = rect.center().y(), rect.height() / 2 - 4
        scale = half / max(0.05, float(np.max(np.abs(self._audio))))  # fill the height, but not noise
        top = [
            QPointF(rect.left() + i * rect.width() / len(maxs), mid - v * scale) for i, v in enumerate(maxs)
        ]
        bottom = [
            QPointF(rect.left() + i * rect.width() / len(mins), mid - v * scale) for i, v in enumerate(mins)
        ]
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(accent)
        p.drawPolygon(QPolygonF(top + bottom[::-1]))
        if self._trim:
            self._paint_selection(p, rect, pal)
        self._paint_ruler(p, rect, muted)
        if self._playhead is not None:
            x = self._x_of(self._playhead)
            p.setPen(QPen(pal.color(QPalette.ColorRole.Text), 2))
            p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        p.end()

    def _paint_selection(self, p: QPainter, rect: QRectF, pal: QPalette) -> None:
        shade = QColor(pal.color(QPalette.ColorRole.Window))
        shade.setAlpha(190)
        x0, x1 = self._x_of(self._start), self._x_of(self._end)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(shade)
        p.drawRect(QRectF(rect.left(), rect.top(), x0 - rect.left(), rect.height()))
        p.drawRect(QRectF(x1, rect.top(), rect.right() - x1, rect.height()))
        handle = pal.color(QPalette.ColorRole.Text)
        for x in (x0, x1):
            p.setPen(QPen(handle, 2))
            p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(handle)
            p.drawRoundedRect(QRectF(x - 4, rect.top() + rect.height() / 2 - 10, 8, 20), 3, 3)

    def _paint_ruler(self, p: QPainter, rect: QRectF, color: QColor) -> None:
        d = self.duration_s
        step = next((s for s in (0.5, 1, 2, 5, 10, 30, 60) if d / s <= max(2, rect.width() / 70)), 120)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
        p.setFont(font)
        p.setPen(color)
        t = 0.0
        while t <= d + 1e-9:
            x = self._x_of(t)
            p.drawLine(QPointF(x, rect.bottom() + 1), QPointF(x, rect.bottom() + 4))
            label = f"{t:g} s"
            if x + 40 < rect.right() or t == 0:
                p.drawText(
                    QRectF(x + 2, rect.bottom() + 2, 60, RULER_PX - 2), Qt.AlignmentFlag.AlignLeft, label
                )
            t += step

    # ----- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or not len(self._audio):
            return
        self._drag = self._handle_at(event.position().x())
        if self._drag is None:
            self.seek_requested.emit(self._time_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        x = event.position().x()
        if self._drag is None:
            hover = self._handle_at(x) is not None
            self.setCursor(Qt.CursorShape.SizeHorCursor if hover else Qt.CursorShape.PointingHandCursor)
            return
        t = self._time_at(x)
        if self._drag == "start":
            self.set_selection(min(t, self._end - MIN_SELECTION_S), self._end)
        else:
            self.set_selection(self._start, max(t, self._start + MIN_SELECTION_S))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag = None
