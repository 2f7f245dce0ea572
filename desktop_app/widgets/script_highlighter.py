"""Colours in the script editor: pauses in the accent colour, bad markup underlined, comments muted.

Each line is checked with :func:`engine.text.parse_markup`, the parser every script goes
through, so what is underlined here is exactly what Generate would refuse, at the column the
error names.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette, QSyntaxHighlighter, QTextCharFormat

from engine.text import MarkupError, Pause, parse_markup

ERROR = "#d93d3d"


class ScriptHighlighter(QSyntaxHighlighter):
    """Attach to the script editor's document; follows the theme's accent and muted colours."""

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        stripped = text.lstrip()
        if not stripped:
            return
        pal = QGuiApplication.palette()
        if stripped.startswith("#"):
            comment = QTextCharFormat()
            comment.setForeground(pal.color(QPalette.ColorRole.PlaceholderText))
            comment.setFontItalic(True)
            self.setFormat(0, len(text), comment)
            return
        pause = QTextCharFormat()
        pause.setForeground(pal.color(QPalette.ColorRole.Accent))
        pause.setFontWeight(QFont.Weight.DemiBold)
        try:
            segments = parse_markup(text)
        except MarkupError as e:
            start = (e.column or 1) - 1
            end = text.find("]", start)
            end = len(text) if end < 0 else end + 1
            bad = QTextCharFormat()
            bad.setForeground(QColor(ERROR))
            bad.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            bad.setUnderlineColor(QColor(ERROR))
            bad.setToolTip(f"Column {e.column}: {e.reason}")
            self.setFormat(start, max(1, end - start), bad)
            return
        for segment in segments:
            if isinstance(segment, Pause):
                self.setFormat(segment.start, segment.end - segment.start, pause)
