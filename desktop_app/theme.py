"""Light and dark themes: Fusion style, a palette, and the qss sheet from ``resources/``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from resources import resource_path

# role -> colour; Accent is also used for Highlight (selection) and Link.
PALETTES: dict[str, dict[str, str]] = {
    "light": {
        "Window": "#f4f4f6",
        "WindowText": "#1d1d21",
        "Base": "#ffffff",
        "AlternateBase": "#f6f6f9",
        "Text": "#1d1d21",
        "Button": "#fbfbfd",
        "ButtonText": "#1d1d21",
        "Mid": "#d4d4db",
        "Dark": "#a9a9b3",
        "Light": "#ffffff",
        "PlaceholderText": "#8a8a94",
        "ToolTipBase": "#ffffff",
        "ToolTipText": "#1d1d21",
        "Accent": "#5a4fd6",
        "HighlightedText": "#ffffff",
    },
    "dark": {
        "Window": "#1f2024",
        "WindowText": "#e6e6ea",
        "Base": "#27282d",
        "AlternateBase": "#2c2d33",
        "Text": "#e6e6ea",
        "Button": "#2f3036",
        "ButtonText": "#e6e6ea",
        "Mid": "#44454d",
        "Dark": "#141418",
        "Light": "#3a3b42",
        "PlaceholderText": "#8b8b96",
        "ToolTipBase": "#2f3036",
        "ToolTipText": "#e6e6ea",
        "Accent": "#8a7ff2",
        "HighlightedText": "#ffffff",
    },
}


def resolve(theme: str) -> str:
    """ "system" -> "light" or "dark" from the desktop's colour scheme (light when unknown)."""
    if theme in ("light", "dark"):
        return theme
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def palette_for(name: str) -> QPalette:
    colors = PALETTES[name]
    pal = QPalette()
    for role, value in colors.items():
        if role == "Accent":
            continue
        pal.setColor(getattr(QPalette.ColorRole, role), QColor(value))
    accent = QColor(colors["Accent"])
    for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.Link, QPalette.ColorRole.Accent):
        pal.setColor(role, accent)
    muted = QColor(colors["PlaceholderText"])
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return pal


def apply_theme(app: QApplication, theme: str) -> str:
    """Style the whole application; returns the theme actually used ("light" or "dark")."""
    name = resolve(theme)
    app.setStyle("Fusion")
    app.setPalette(palette_for(name))
    app.setStyleSheet(resource_path(f"{name}.qss").read_text(encoding="utf-8"))
    app.setProperty("timbre_theme", name)
    return name


def is_dark() -> bool:
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
