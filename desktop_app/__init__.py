"""Timbre studio (PySide6)."""
