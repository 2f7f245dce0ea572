"""SVG icons tinted at paint time, so they follow the theme (and look disabled when disabled)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from resources import resource_path


class _TintedSvg(QIconEngine):
    """Renders an SVG whose ``currentColor`` is a fixed colour, or the palette's text colour."""

    def __init__(self, svg: str, color: QColor | None) -> None:
        super().__init__()
        self._svg = svg
        self._color = color

    def _tint(self, mode: QIcon.Mode) -> QColor:
        pal = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return pal.color(QPalette.ColorRole.PlaceholderText)
        return QColor(self._color) if self._color is not None else pal.color(QPalette.ColorRole.WindowText)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        svg = self._svg.replace("currentColor", self._tint(mode).name())
        QSvgRenderer(QByteArray(svg.encode())).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _TintedSvg(self._svg, self._color)


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """``resources/icons/<name>.svg`` in ``color``; without one, in the current theme's text colour."""
    svg = resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    return QIcon(_TintedSvg(svg, QColor(color) if color is not None else None))
