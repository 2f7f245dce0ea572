"""Produce parity goldens with the official qwen-tts 0.1.1 (run inside its reference venv).

Writes, under OUT (normally tests/reference):
  checkpoint/         a tiny random Base checkpoint, weights saved from the official classes
  audio/*.flac        reference speech (espeak-ng) at 16 kHz, 24 kHz, 44.1 kHz stereo, and ~12 s
  goldens.safetensors prompts, greedy codes, talker logits, waveforms, codec encode/decode
  goldens.json        the texts, settings and voice assignments used

usage: $REF/bin/python tools/parity/reference_goldens.py OUT   (see tools/parity/make_goldens.sh)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.parity.reference_stubs import install  # noqa: E402

install()

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import soxr  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

from engine.random_checkpoint import write_layout  # noqa: E402
from engine.random_init import randomize_codec_, randomize_network_  # noqa: E402

SEED = 1234
REF_TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "She sells sea shells by the sea shore.",
    "Please call Stella and ask her to bring these things.",
]
LONG_TEXT = (
    "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow. "
    "The rainbow is a division of white light into many beautiful colors, which take the shape "
    "of a long round arch with its path high above."
)
GEN_TEXTS = ["Hello there, this is a test of the voice.", "今天天气很好，我们去公园散步吧。", "Short one."]
GEN_LANGUAGES = ["English", "Chinese", "Auto"]
GEN_MAX_NEW_TOKENS = 24
NS_TEXTS = ["A second batch, read without streaming text.", "Another line."]
NS_MAX_NEW_TOKENS = 12
DECODE_FRAMES = 320


def speak(text: str, rate: int, stereo: bool = False) -> np.ndarray:
    """espeak-ng speech, resampled to ``rate``; stereo adds a quieter, delayed second channel."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), text], check=True)
        audio, sr = sf.read(wav, dtype="float32")
    audio = soxr.resample(audio, sr, rate, quality="soxr_hq").astype(np.float32)
    audio = 0.8 * audio / max(1e-6, float(np.abs(audio).max()))
    if stereo:
        shift = rate // 200
        right = np.concatenate([np.zeros(shift, np.float32), audio[:-shift]]) * 0.6
        audio = np.stack([audio, right], axis=1)
    return audio


def write_audio(out: Path) -> dict[str, tuple[np.ndarray, int]]:
    """Write the reference FLACs and read them back (both engines then see identical samples)."""
    folder = out / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    specs = {
        "ref_16k.flac": (REF_TEXTS[0], 16000, False),
        "ref_24k.flac": (REF_TEXTS[1], 24000, False),
        "ref_44k_stereo.flac": (REF_TEXTS[2], 44100, True),
        "long_24k.flac": (LONG_TEXT, 24000, False),
    }
    loaded = {}
    for name, (text, rate, stereo) in specs.items():
        sf.write(folder / name, speak(text, rate, stereo), rate, subtype="PCM_16")
        data, sr = sf.read(folder / name, dtype="float32")
        loaded[name] = (data, sr)
    return loaded


def build_checkpoint(out: Path) -> Path:
    """Tiny config from our writer; weights randomised and saved from the official classes."""
    from qwen_tts.core.models import Qwen3TTSConfig, Qwen3TTSForConditionalGeneration
    from qwen_tts.core.tokenizer_12hz.configuration_qwen3_tts_tokenizer_v2 import Qwen3TTSTokenizerV2Config
    from qwen_tts.core.tokenizer_12hz.modeling_qwen3_tts_tokenizer_v2 import Qwen3TTSTokenizerV2Model
    from transformers import AutoConfig

    ckpt = write_layout(out / "checkpoint", "tiny")
    AutoConfig.register("qwen3_tts", Qwen3TTSConfig)
    AutoConfig.register("qwen3_tts_tokenizer_12hz", Qwen3TTSTokenizerV2Config)
    gen = torch.Generator().manual_seed(SEED)

    model = Qwen3TTSForConditionalGeneration(AutoConfig.from_pretrained(str(ckpt)))
    randomize_network_(model, gen)
    save_file(_fp16(model), str(ckpt / "model.safetensors"), metadata={"format": "pt"})

    codec = Qwen3TTSTokenizerV2Model(AutoConfig.from_pretrained(str(ckpt / "speech_tokenizer")))
    randomize_codec_(codec, gen)
    save_file(_fp16(codec), str(ckpt / "speech_tokenizer" / "model.safetensors"), metadata={"format": "pt"})
    return ckpt


def _fp16(module) -> dict[str, torch.Tensor]:
    # Stored in float16 to keep the committed checkpoint small; both engines load it as float32.
    return {k: v.detach().to(torch.float16).contiguous() for k, v in module.state_dict().items()}


class LogitRecorder:
    """Records the talker's first-codebook logits at the last position of every forward."""

    def __init__(self, head: torch.nn.Module) -> None:
        self.steps: list[torch.Tensor] = []
        self._handle = head.register_forward_hook(self._hook)

    def _hook(self, _module, _inputs, output) -> None:
        self.steps.append(output[:, -1, :].detach().float().clone())

    def close(self) -> None:
        self._handle.remove()


def main(out: Path) -> None:
    from qwen_tts import Qwen3TTSModel

    out.mkdir(parents=True, exist_ok=True)
    audio = write_audio(out)
    ckpt = build_checkpoint(out)
    tts = Qwen3TTSModel.from_pretrained(str(ckpt), dtype=torch.float32)
    g: dict[str, torch.Tensor] = {}

    # The stereo file goes in by path: the official package's (array, sr) form fails on stereo.
    refs = [audio["ref_16k.flac"], audio["ref_24k.flac"], str(out / "audio" / "ref_44k_stereo.flac")]
    icl = tts.create_voice_clone_prompt(refs, ref_text=REF_TEXTS, x_vector_only_mode=False)
    xvec = tts.create_voice_clone_prompt(refs, x_vector_only_mode=True)
    for i, (a, b) in enumerate(zip(icl, xvec)):
        g[f"icl{i}.ref_code"] = a.ref_code.cpu()
        g[f"icl{i}.spk"] = a.ref_spk_embedding.float().cpu()
        g[f"xvec{i}.spk"] = b.ref_spk_embedding.float().cpu()

    # Same-rate batch: the padded, batched encode path, with the ~12 s signal in it.
    same = tts.create_voice_clone_prompt(
        [audio["ref_24k.flac"], audio["long_24k.flac"]], ref_text=[REF_TEXTS[1], LONG_TEXT]
    )
    g["batch24.ref_code0"] = same[0].ref_code.cpu()
    g["batch24.ref_code1"] = same[1].ref_code.cpu()

    voices = [icl[0], xvec[2], icl[1]]
    recorder = LogitRecorder(tts.model.talker.codec_head)
    captured = {}
    original_generate = tts.model.generate

    def recording_generate(*args, **kwargs):
        codes, hidden = original_generate(*args, **kwargs)
        captured["codes"] = [c.cpu() for c in codes]
        return codes, hidden

    tts.model.generate = recording_generate
    wavs, sr = tts.generate_voice_clone(
        GEN_TEXTS,
        language=GEN_LANGUAGES,
        voice_clone_prompt=voices,
        do_sample=False,
        subtalker_dosample=False,
        max_new_tokens=GEN_MAX_NEW_TOKENS,
    )
    recorder.close()
    for i, (c, w) in enumerate(zip(captured["codes"], wavs)):
        g[f"gen{i}.codes"] = c
        g[f"gen{i}.wav"] = torch.from_numpy(np.asarray(w, dtype=np.float32))
    g["gen.logits"] = torch.stack(recorder.steps, dim=1)  # (B, steps, V)

    ns_wavs, _ = tts.generate_voice_clone(
        NS_TEXTS,
        language="English",
        voice_clone_prompt=[xvec[0], icl[2]],
        non_streaming_mode=True,
        do_sample=False,
        subtalker_dosample=False,
        max_new_tokens=NS_MAX_NEW_TOKENS,
    )
    for i, (c, w) in enumerate(zip(captured["codes"], ns_wavs)):
        g[f"ns{i}.codes"] = c
        g[f"ns{i}.wav"] = torch.from_numpy(np.asarray(w, dtype=np.float32))

    codes = torch.randint(0, 2048, (DECODE_FRAMES, 16), generator=torch.Generator().manual_seed(SEED + 1))
    decoded, _ = tts.model.speech_tokenizer.decode([{"audio_codes": codes}])
    g["decode.codes"] = codes
    g["decode.wav"] = torch.from_numpy(np.asarray(decoded[0], dtype=np.float32)).to(torch.float16)

    save_file({k: v.contiguous() for k, v in g.items()}, str(out / "goldens.safetensors"))
    meta = {
        "produced_by": "qwen-tts 0.1.1 (official) via tools/parity/reference_goldens.py",
        "seed": SEED,
        "ref_texts": REF_TEXTS,
        "ref_audio": ["audio/ref_16k.flac", "audio/ref_24k.flac", "audio/ref_44k_stereo.flac"],
        "batch24": {
            "audio": ["audio/ref_24k.flac", "audio/long_24k.flac"],
            "ref_text": [REF_TEXTS[1], LONG_TEXT],
        },
        "gen": {
            "texts": GEN_TEXTS,
            "languages": GEN_LANGUAGES,
            "voices": ["icl0", "xvec2", "icl1"],
            "max_new_tokens": GEN_MAX_NEW_TOKENS,
            "do_sample": False,
            "subtalker_dosample": False,
        },
        "ns": {
            "texts": NS_TEXTS,
            "language": "English",
            "voices": ["xvec0", "icl2"],
            "max_new_tokens": NS_MAX_NEW_TOKENS,
            "non_streaming_mode": True,
        },
        "decode": {"frames": DECODE_FRAMES, "wav_dtype": "float16"},
        "sample_rate": sr,
    }
    (out / "goldens.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"goldens written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "tests" / "reference"))
