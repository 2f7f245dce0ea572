"""An inline message strip: what happened, what to do, and optionally one action button.

Used instead of modal dialogs for errors a creator can act on, so nothing they were doing is
interrupted or hidden. Errors and warnings stay until their cause is fixed (the owner clears
them) or the creator dismisses them; news ("Exported…", "Moved to the trash") fades on its own.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..icons import icon

KIND_ICONS = {
    "error": ("error", "#d93d3d"),
    "warning": ("warning", "#d99a1e"),
    "success": ("check", "#2f9e5b"),
}
# How long news stays up, by kind; errors and warnings wait for their cause to go.
FADE_MS = {"success": 8000, "info": 15000}


class Banner(QFrame):
    """Hidden until :meth:`show_message`; the close button hides it again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self._icon = QLabel()
        self._icon.setFixedSize(20, 20)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.message.font()
        font.setBold(True)
        self.message.setFont(font)
        self.hint = QLabel()
        self.hint.setObjectName("bannerHint")
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.message, self.hint):  # wrap to the panel's width, never widen the window
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setMinimumWidth(40)
        self.action = QPushButton()
        self.action.hide()
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(lambda: self.clear())
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.message)
        texts.addWidget(self.hint)
        # The action goes under the words, not beside them: in a narrow panel a button at the
        # side would leave the text a word a line.
        texts.addWidget(self.action, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 6, 8)
        row.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(texts, 1)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._callback: Callable[[], None] | None = None
        self._source = ""
        self.action.clicked.connect(self._run_action)
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(lambda: self.clear())
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind") or "")

    def show_message(
        self,
        kind: str,
        message: str,
        hint: str = "",
        action: tuple[str, Callable[[], None]] | None = None,
        source: str = "",
    ) -> None:
        """``kind``: "error", "warning", "success" or "info". ``source`` names the cause, so
        :meth:`clear` with that source takes the message down when the cause is gone, and only it.
        """
        self._source = source
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        name, color = KIND_ICONS.get(kind, ("info", None))
        self._icon.setPixmap(icon(name, color).pixmap(20, 20))
        self.message.setText(message)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self._callback = action[1] if action else None
        self.action.setText(action[0] if action else "")
        self.action.setVisible(action is not None)
        self.show()
        if kind in FADE_MS:
            self._fade.start(FADE_MS[kind])
        else:
            self._fade.stop()

    def clear(self, source: str | None = None) -> None:
        """Hide the message; with ``source``, only if the message came from it."""
        if source is not None and source != self._source:
            return
        self._fade.stop()
        self.hide()
        self.message.clear()
        self.hint.clear()
        self._callback = None

    def _run_action(self) -> None:
        callback = self._callback
        self.clear()
        if callback is not None:
            callback()
