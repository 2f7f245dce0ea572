"""How one voice looks in the library list: star, name, mode badge, language and tags, marker.

Two lines per voice. The star toggles the favorite when clicked. The marker on the right says
what the loaded model needs first: ↻ (amber) the voice is extracted again on first use, ⚠ (red)
it needs the model it was made with. Renaming edits the name line in place.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..icons import icon
from ..languages import language_label
from ..models.library_model import (
    FAVORITE_ROLE,
    LANGUAGE_ROLE,
    MODE_ROLE,
    READINESS_ROLE,
    TAGS_ROLE,
)
from ..theme import is_dark
from ..voices import MODE_LABELS, MODE_XVECTOR, NEEDS_EXTRACTION, NEEDS_MODEL, VOICE_ID_ROLE

STAR_COLOR = "#e0a100"
BADGE_COLORS = {  # (light theme, dark theme): readable on either background
    "icl": ("#5a4fd6", "#a99ff7"),
    MODE_XVECTOR: ("#22807f", "#5cc8c6"),
}
MARKERS = {NEEDS_EXTRACTION: ("regenerate", "#d99a1e"), NEEDS_MODEL: ("warning", "#d93d3d")}
PAD, STAR = 8, 16


class LibraryDelegate(QStyledItemDelegate):
    """Paints voices; ``playing`` tells which voice's reference is being played (or None)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.playing: Callable[[], str | None] = lambda: None

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        # The width follows the view (rows are elided, never scrolled sideways).
        return QSize(120, option.fontMetrics.height() * 2 + 16)

    def _star_rect(self, rect: QRect, line: int) -> QRect:
        return QRect(rect.left() + PAD, rect.top() + 7 + (line - STAR) // 2, STAR, STAR)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = option.palette
        # Accent, not Highlight: the style sheet turns Highlight into a pale wash for tables.
        accent = pal.color(QPalette.ColorRole.Accent)
        if option.state & QStyle.StateFlag.State_Selected:
            tint = QColor(accent)
            tint.setAlpha(46)  # a wash of the accent that reads on light and dark themes
            painter.fillRect(option.rect, tint)
            bar = QRect(option.rect.left(), option.rect.top() + 4, 3, option.rect.height() - 8)
            painter.fillRect(bar, accent)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            tint = QColor(accent)
            tint.setAlpha(16)
            painter.fillRect(option.rect, tint)
        fm = option.fontMetrics
        line = fm.height()
        r = option.rect.adjusted(PAD, 7, -PAD, -7)
        favorite = bool(index.data(FAVORITE_ROLE))
        star = self._star_rect(option.rect, line)
        name = "star-filled" if favorite else "star"
        star_color = STAR_COLOR if favorite else pal.color(QPalette.ColorRole.PlaceholderText)
        icon(name, star_color).paint(painter, star)
        left = star.right() + 8

        # Line 1: the name, and the mode badge on the right.
        mode = index.data(MODE_ROLE) or "icl"
        badge_text = MODE_LABELS.get(mode, mode)
        small = option.font
        small.setPointSizeF(max(6.5, option.font.pointSizeF() * 0.8))
        small.setBold(True)
        painter.setFont(small)
        badge_w = painter.fontMetrics().horizontalAdvance(badge_text) + 12
        badge = QRect(r.right() - badge_w, r.top() + 1, badge_w, line - 2)
        light, dark = BADGE_COLORS.get(mode, ("#6c6c76", "#9a9aa6"))
        color = QColor(dark if is_dark() else light)
        fill = QColor(color)
        fill.setAlpha(38)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
        painter.setPen(color)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, badge_text)

        font = option.font
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        name_rect = QRect(left, r.top(), badge.left() - 6 - left, line)
        playing = self.playing() == index.data(VOICE_ID_ROLE)
        if playing:
            icon("play", accent).paint(
                painter, QRect(name_rect.left(), name_rect.top() + (line - 14) // 2, 14, 14)
            )
            name_rect.setLeft(name_rect.left() + 18)
        text = painter.fontMetrics().elidedText(
            index.data() or "", Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

        # Line 2: language and tags; the readiness marker on the right.
        font.setBold(False)
        painter.setFont(font)
        sub = QRect(left, r.top() + line + 3, r.right() - left, line)
        marker = MARKERS.get(index.data(READINESS_ROLE) or "")
        if marker:
            size = min(16, line)
            icon(*marker).paint(
                painter, QRect(sub.right() - size, sub.top() + (line - size) // 2, size, size)
            )
            sub.setRight(sub.right() - size - 6)
        tags = index.data(TAGS_ROLE) or ()
        details = language_label(index.data(LANGUAGE_ROLE))
        if tags:
            details += "  ·  " + ", ".join(tags)
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        details = painter.fontMetrics().elidedText(details, Qt.TextElideMode.ElideRight, sub.width())
        painter.drawText(sub, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, details)
        painter.restore()

    def editorEvent(  # noqa: N802
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        """A click on the star toggles the favorite (and does not change the selection)."""
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease) and isinstance(
            event, QMouseEvent
        ):
            star = self._star_rect(option.rect, option.fontMetrics.height()).adjusted(-4, -4, 4, 4)
            if star.contains(event.position().toPoint()) and event.button() == Qt.MouseButton.LeftButton:
                if event.type() == QEvent.Type.MouseButtonRelease:
                    model.setData(index, not bool(index.data(FAVORITE_ROLE)), FAVORITE_ROLE)
                return True
        return super().editorEvent(event, model, option, index)

    def updateEditorGeometry(  # noqa: N802
        self, editor: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """The rename box sits on the name line, right of the star."""
        line = option.fontMetrics.height()
        r = option.rect
        editor.setGeometry(
            QRect(r.left() + PAD + STAR + 4, r.top() + 3, r.width() - PAD * 2 - STAR - 4, line + 10)
        )
