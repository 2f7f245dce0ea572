"""Timbre studio (PySide6): record or import a voice, write a script, render and pick takes."""
