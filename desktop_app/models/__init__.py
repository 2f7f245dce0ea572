"""Qt item models over the studio's data (voices, script lines, takes)."""
