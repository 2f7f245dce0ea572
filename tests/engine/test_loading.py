"""Loading models: folders, shards, the hub cache, and every broken checkpoint a user can meet."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from engine import Qwen3TTSModel
from engine.errors import (
    CheckpointError,
    DeviceUnavailableError,
    ModelNotAvailableError,
    UnsupportedModelError,
)


@pytest.fixture
def ckpt(tiny_checkpoint, tmp_path):
    """A private copy of the tiny checkpoint to break."""
    return shutil.copytree(tiny_checkpoint, tmp_path / "model")


def _edit_config(folder, change):
    path = folder / "config.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_missing_folder(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        Qwen3TTSModel.from_pretrained(tmp_path / "nope")


@pytest.mark.parametrize(
    "victim, message",
    [
        ("config.json", "has no config.json"),
        ("model.safetensors", "has no model.safetensors"),
        ("speech_tokenizer/config.json", "has no config.json"),
        ("speech_tokenizer/model.safetensors", "speech_tokenizer/model.safetensors"),
    ],
)
def test_missing_files_are_named(ckpt, victim, message):
    (ckpt / victim).unlink()
    with pytest.raises(CheckpointError, match=message):
        Qwen3TTSModel.from_pretrained(ckpt)


def test_missing_tokenizer_is_named(ckpt):
    for name in ("tokenizer.json", "vocab.json"):
        (ckpt / name).unlink()
    with pytest.raises(CheckpointError, match="text tokenizer file vocab.json"):
        Qwen3TTSModel.from_pretrained(ckpt)


def test_malformed_config(ckpt):
    (ckpt / "config.json").write_text("{ not json")
    with pytest.raises(CheckpointError, match="config.json in the model folder is not valid JSON"):
        Qwen3TTSModel.from_pretrained(ckpt)


def test_truncated_weights(ckpt):
    path = ckpt / "model.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="model.safetensors could not be read"):
        Qwen3TTSModel.from_pretrained(ckpt)


def test_missing_and_misshapen_weights(ckpt):
    path = ckpt / "model.safetensors"
    tensors = load_file(str(path))
    del tensors["talker.codec_head.weight"]
    save_file(tensors, str(path))
    with pytest.raises(CheckpointError, match="lacks weights the model needs: talker.codec_head.weight"):
        Qwen3TTSModel.from_pretrained(ckpt)
    _edit_config(ckpt, lambda d: d["talker_config"].update(intermediate_size=48))
    with pytest.raises(CheckpointError, match="has shape"):
        Qwen3TTSModel.from_pretrained(ckpt)


def test_config_problems_are_named_as_the_file_names_them(ckpt):
    _edit_config(ckpt, lambda d: [d.pop(k) for k in ("tokenizer_type", "tts_model_size", "tts_model_type")])
    with pytest.raises(CheckpointError) as info:
        Qwen3TTSModel.from_pretrained(ckpt)
    message = str(info.value)
    assert "config.json does not describe a Qwen3-TTS model: it has no tokenizer_type, " in message
    assert "tts_model_size or tts_model_type." in message
    assert "__init__" not in message and "positional" not in message and info.value.hint

    _edit_config(ckpt, lambda d: d.update(tokenizer_type="qwen3_tts_tokenizer_12hz", tts_model_size="0b6"))
    _edit_config(ckpt, lambda d: d.update(tts_model_type="base"))
    _edit_config(ckpt, lambda d: d["talker_config"].update(hidden_size="wide", num_hidden_layers=[2]))
    with pytest.raises(CheckpointError, match="talker_config.hidden_size is 'wide', not a whole number; "):
        Qwen3TTSModel.from_pretrained(ckpt)

    (ckpt / "config.json").write_text(json.dumps({"talker_config": "big"}))
    with pytest.raises(CheckpointError, match="talker_config is 'big', not an object"):
        Qwen3TTSModel.from_pretrained(ckpt)


def test_codec_config_problems_are_named(ckpt):
    path = ckpt / "speech_tokenizer" / "config.json"
    data = json.loads(path.read_text())
    data["decoder_config"]["upsample_rates"] = "8,5,4,3"
    path.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="decoder_config.upsample_rates is '8,5,4,3', not a list"):
        Qwen3TTSModel.from_pretrained(ckpt)


@pytest.mark.parametrize("kind, label", [("custom_voice", "CustomVoice"), ("voice_design", "VoiceDesign")])
def test_not_a_base_model(ckpt, kind, label):
    _edit_config(ckpt, lambda d: d.update(tts_model_type=kind))
    with pytest.raises(UnsupportedModelError, match=f"{label} model; voice cloning needs a Base model"):
        Qwen3TTSModel.from_pretrained(ckpt)


def test_25hz_codec_is_refused(ckpt):
    _edit_config(ckpt, lambda d: d.update(tokenizer_type="qwen3_tts_tokenizer_25hz"))
    with pytest.raises(UnsupportedModelError, match="12 Hz codec only"):
        Qwen3TTSModel.from_pretrained(ckpt)


def test_sharded_weights_load_the_same(ckpt, tiny_model, speech):
    tensors = load_file(str(ckpt / "model.safetensors"))
    names = sorted(tensors)
    half = len(names) // 2
    shards = {
        "model-00001-of-00002.safetensors": names[:half],
        "model-00002-of-00002.safetensors": names[half:],
    }
    for file, keys in shards.items():
        save_file({k: tensors[k] for k in keys}, str(ckpt / file))
    index = {"metadata": {}, "weight_map": {k: f for f, keys in shards.items() for k in keys}}
    (ckpt / "model.safetensors.index.json").write_text(json.dumps(index))
    (ckpt / "model.safetensors").unlink()
    sharded = Qwen3TTSModel.from_pretrained(ckpt)
    a = sharded.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    b = tiny_model.create_voice_clone_prompt(speech, x_vector_only_mode=True)[0]
    assert torch.equal(a.ref_spk_embedding, b.ref_spk_embedding)
    (ckpt / "model-00002-of-00002.safetensors").unlink()
    with pytest.raises(CheckpointError, match="missing: model-00002-of-00002.safetensors"):
        Qwen3TTSModel.from_pretrained(ckpt)


def _fake_hub_cache(root, repo_id, source):
    """The Hugging Face cache layout: models--org--name/{refs/main, snapshots/<rev>/...}."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    rev = "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(source, repo / "snapshots" / rev)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(rev)
    return repo / "snapshots" / rev


def test_hub_id_resolves_from_the_local_cache(tiny_checkpoint, tmp_path, speech):
    snapshot = _fake_hub_cache(tmp_path / "hub", "Qwen/Qwen3-TTS-12Hz-0.6B-Base", tiny_checkpoint)
    model = Qwen3TTSModel.from_pretrained("Qwen/Qwen3-TTS-12Hz-0.6B-Base", cache_dir=str(tmp_path / "hub"))
    assert model.folder == snapshot
    wavs, _ = model.generate_voice_clone(
        "From the cache.",
        voice_clone_prompt=model.create_voice_clone_prompt(speech, x_vector_only_mode=True),
        max_new_tokens=4,
    )
    assert np.isfinite(wavs[0]).all()


def test_hub_id_offline_and_not_cached_says_what_to_do(tmp_path):
    with pytest.raises(ModelNotAvailableError) as info:
        Qwen3TTSModel.from_pretrained(
            "Qwen/Qwen3-TTS-12Hz-1.7B-Base", cache_dir=str(tmp_path / "empty"), local_files_only=True
        )
    assert "Qwen/Qwen3-TTS-12Hz-1.7B-Base" in str(info.value)
    assert "choose its folder" in info.value.hint


class _FakeHub(http.server.BaseHTTPRequestHandler):
    """Answers every request as the Hugging Face hub does for one kind of failure."""

    answers = {"missing": (404, "RepoNotFound"), "gated": (403, "GatedRepo"), "down": (503, None)}
    mode = "missing"

    def _answer(self):
        status, code = self.answers[self.server.mode]
        self.send_response(status)
        if code:
            self.send_header("X-Error-Code", code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b'{"error": "no"}')

    do_GET = do_HEAD = _answer

    def log_message(self, *args):
        pass


def _download_error(endpoint: str, home) -> tuple[str, str, str]:
    """(class, message, hint) of resolving a hub id against ``endpoint``, in a fresh process."""
    code = (
        "from engine.checkpoint import resolve_model_dir\n"
        "from engine.errors import TimbreError\n"
        "try:\n"
        "    resolve_model_dir('Someone/Voices', progress=lambda done, total: None)\n"
        "except TimbreError as e:\n"
        "    print(type(e).__name__, e.reason, e.message, e.hint, sep='\\n')\n"
    )
    env = dict(os.environ, HF_ENDPOINT=endpoint, HF_HUB_OFFLINE="0", HF_HOME=str(home))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    kind, reason, message, hint = done.stdout.strip().split("\n")
    return f"{kind}:{reason}", message, hint


@pytest.mark.parametrize(
    "mode, kind, words",
    [
        (
            "missing",
            "ModelNotFoundError:not_found",
            "There is no model Someone/Voices on the Hugging Face hub",
        ),
        ("gated", "ModelNotFoundError:not_found", "is gated: its page on the Hugging Face hub asks you"),
        ("down", "ModelNotAvailableError:refused", "did not hand out Someone/Voices (it answered HTTP 503)."),
    ],
)
def test_hub_failures_are_said_in_words(tmp_path, mode, kind, words):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeHub)
    server.mode = mode
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        got, message, hint = _download_error(f"http://127.0.0.1:{server.server_address[1]}", tmp_path)
    finally:
        server.shutdown()
    assert got == kind and words in message and hint
    assert "Error" not in message and "http" not in message.lower().replace("http 503", "")


def test_no_connection_is_said_in_words(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    got, message, hint = _download_error(f"http://127.0.0.1:{port}", tmp_path)
    assert got == "ModelNotAvailableError:unreachable"
    assert message == (
        "The model Someone/Voices is not downloaded yet, and Timbre could not reach the Hugging Face "
        "hub to download it (Connection refused)."
    )
    assert "Connect to the internet" in hint


def test_unknown_options_and_devices(tiny_checkpoint):
    with pytest.raises(ValueError, match="Unknown from_pretrained option"):
        Qwen3TTSModel.from_pretrained(tiny_checkpoint, quantize=True)
    with pytest.raises(ValueError, match="Unknown dtype"):
        Qwen3TTSModel.from_pretrained(tiny_checkpoint, dtype="int3")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceUnavailableError, match="no CUDA GPU is available"):
            Qwen3TTSModel.from_pretrained(tiny_checkpoint, device="cuda")
    # drop-in aliases of the official API
    model = Qwen3TTSModel.from_pretrained(
        tiny_checkpoint, device_map="cpu", torch_dtype=torch.float32, attn_implementation="sdpa"
    )
    assert model.device.type == "cpu" and model.dtype == torch.float32


def test_importing_the_engine_is_cheap():
    code = (
        "import sys, engine\n"
        "from engine import VoiceClonePromptItem, ModelSignature, Take, TimbreError\n"
        "heavy = [m for m in ('torch', 'transformers', 'PySide6') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
