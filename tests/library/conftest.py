"""Fixtures for the voice library: a fresh library per test, real voices made by the tiny engine,
and two more tiny models with other signatures (one the same width, one wider) for model binding.
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.conftest import SPEECH_TEXT


@pytest.fixture
def lib(timbre_home):
    from engine.library import VoiceLibrary

    library = VoiceLibrary()  # the default place: <TIMBRE_HOME>/library
    yield library
    library.close()


@pytest.fixture
def alice(lib, tiny_model, speech_file):
    return lib.add(
        speech_file,
        SPEECH_TEXT,
        model=tiny_model,
        name="Alice",
        tags=["calm", "narrator"],
        language="English",
    )


@pytest.fixture
def bob(lib, tiny_model, speech):
    return lib.add(speech, model=tiny_model, name="Bob", mode="x_vector", tags=["gravel"], notes="deep")


@pytest.fixture(scope="session")
def sibling_model(tmp_path_factory):
    """Another tiny model with the same speaker width but another signature (size "tiny-b")."""
    from engine import Qwen3TTSModel
    from engine.random_checkpoint import write_random_checkpoint

    folder = write_random_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-b", "tiny", seed=11)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["tts_model_size"] = "tiny-b"
    (folder / "config.json").write_text(json.dumps(cfg))
    return Qwen3TTSModel.from_pretrained(folder, device="cpu")


@pytest.fixture(scope="session")
def wide_model(tmp_path_factory):
    """A tiny model with 48-dim voices: its prompts cannot fit the 32-dim tiny model at all."""
    from engine import Qwen3TTSModel, random_checkpoint

    dims = copy.deepcopy(random_checkpoint._DIMS["tiny"])
    dims["talker"]["hidden_size"] = dims["speaker"]["enc_dim"] = 48
    dims["model_size"] = "tiny48"
    original = random_checkpoint._DIMS["tiny"]
    random_checkpoint._DIMS["tiny"] = dims  # the writer has no size parameter for this; restored below
    try:
        folder = random_checkpoint.write_random_checkpoint(
            tmp_path_factory.mktemp("ckpt") / "w", "tiny", seed=5
        )
    finally:
        random_checkpoint._DIMS["tiny"] = original
    return Qwen3TTSModel.from_pretrained(folder, device="cpu")
