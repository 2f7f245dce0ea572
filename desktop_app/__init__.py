"""Timbre studio (PySide6): record or import a voice, write a script, render and pick takes.

Importing the package guards against a PySide6 6.12.0 bug first (see :mod:`.qt_compat`).
"""

from .qt_compat import guard_bools

guard_bools()
