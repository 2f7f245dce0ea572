"""Official Qwen3-TTS demo ``.pt`` voice files: imported through ``torch.load(weights_only=True)`` only."""

from __future__ import annotations

import pytest
import torch

from engine.library import NEEDS_MODEL, BundleError, NeedsModelError
from tests.conftest import SPEECH_TEXT
from tests.library.helpers import snapshot, whole_voice_problems


def _official_payload(item) -> dict:
    """What the official demo's "Save Voice" writes: ``{"items": [asdict(item)]}`` of its own item class."""
    return {
        "items": [
            {
                "ref_code": item.ref_code,
                "ref_spk_embedding": item.ref_spk_embedding,
                "x_vector_only_mode": item.x_vector_only_mode,
                "icl_mode": item.icl_mode,
                "ref_text": item.ref_text,
            }
        ]
    }


def test_official_voice_file_imports_and_generates(lib, tiny_model, speech_file, tmp_path):
    item = tiny_model.create_voice_clone_prompt(speech_file, SPEECH_TEXT)[0]
    path = tmp_path / "voice_clone_prompt_abc.pt"
    torch.save(_official_payload(item), path)
    [voice] = lib.import_official(path, tags=["official"])
    assert voice.name == "voice_clone_prompt_abc" and voice.tags == ("official",)
    assert voice.mode == "icl" and voice.transcript == SPEECH_TEXT and not voice.has_reference
    assert voice.prompts[0].signature is None and voice.prompts[0].speaker_dim == 32  # the file does not say
    assert whole_voice_problems(lib, voice) == []
    got = lib.prompt_for(voice, tiny_model)[0]
    assert torch.equal(got.ref_code, item.ref_code) and torch.equal(
        got.ref_spk_embedding, item.ref_spk_embedding
    )
    assert lib.import_file(path)[0].name == "voice_clone_prompt_abc (2)"


def test_published_widths_are_recognised_and_bound_to_their_model(lib, tiny_model, tmp_path):
    """A 2048-dim voice can only come from the 1.7B model: under another model it says so."""
    payload = {
        "items": [
            {
                "ref_code": None,
                "ref_spk_embedding": torch.randn(2048, dtype=torch.bfloat16),
                "x_vector_only_mode": True,
                "icl_mode": False,
                "ref_text": None,
            }
        ]
    }
    path = tmp_path / "narrator.pt"
    torch.save(payload, path)
    [voice] = lib.import_official(path, name="Narrator")
    assert voice.signatures[0].size == "1b7" and voice.signatures[0].speaker_dim == 2048
    assert voice.readiness(tiny_model.signature) == NEEDS_MODEL
    with pytest.raises(NeedsModelError) as info:
        lib.prompt_for(voice, tiny_model)
    assert "1.7B" in info.value.message and "1.7B" in info.value.hint


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_malicious_and_malformed_pt_files_are_refused(lib, tiny_model, speech, tmp_path):
    item = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    good = _official_payload(item)["items"][0]
    marker = tmp_path / "pwned"
    cases = {
        "pickle with code": {"items": [_Exploit(marker)]},
        "a list": [good],
        "no items": {"voices": [good]},
        "empty items": {"items": []},
        "item not a dict": {"items": [1]},
        "no embedding": {"items": [{**good, "ref_spk_embedding": None}]},
        "2-D embedding": {"items": [{**good, "ref_spk_embedding": torch.zeros(3, 32)}]},
        "nan embedding": {"items": [{**good, "ref_spk_embedding": torch.full((32,), float("nan"))}]},
        "icl without codes": {"items": [{**good, "x_vector_only_mode": False, "ref_text": "hi"}]},
        "float codes": {
            "items": [{**good, "x_vector_only_mode": False, "ref_code": torch.zeros(5, 16), "ref_text": "hi"}]
        },
        "codes too wide": {
            "items": [
                {
                    **good,
                    "x_vector_only_mode": False,
                    "ref_code": torch.zeros(5, 8, dtype=torch.long),
                    "ref_text": "hi",
                }
            ]
        },
        "icl without text": {
            "items": [{**good, "x_vector_only_mode": False, "ref_code": torch.zeros(5, 16, dtype=torch.long)}]
        },
        "text not text": {"items": [{**good, "ref_text": 5}]},
    }
    before = snapshot(lib.root)
    for label, payload in cases.items():
        path = tmp_path / f"{label}.pt"
        torch.save(payload, path)
        with pytest.raises(BundleError) as info:
            lib.import_official(path)
        assert info.value.hint, label
        assert snapshot(lib.root) == before, label
    assert not marker.exists()
    for label, data in {"not torch": b"hello", "empty": b""}.items():
        path = tmp_path / f"{label}.pt"
        path.write_bytes(data)
        with pytest.raises(BundleError):
            lib.import_official(path)
    with pytest.raises(BundleError):
        lib.import_official(tmp_path / "missing.pt")
    assert snapshot(lib.root) == before
