"""The studio's widgets; main_window wires them together."""
