"""Fixtures of the studio tests: a real sound server, settings pointing at the tiny checkpoint,
and main windows that are closed (engine thread ended) after each test."""

from __future__ import annotations

import pytest

from . import sound_server

TIMEOUT_MS = 60_000  # generous: CI machines are slow and shared; no test waits this long when things work


@pytest.fixture(scope="session")
def sound():
    """PulseAudio with the ``timbre`` null sink as default sink and source (started if needed)."""
    try:
        server = sound_server.start()
    except RuntimeError as e:
        pytest.fail(str(e))
    yield server
    sound_server.stop(server)
