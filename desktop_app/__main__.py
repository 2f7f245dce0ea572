"""Entry point of `make run`. Until the studio lands, a short engine demo.

It writes a tiny random-weight checkpoint, clones a voice from espeak-ng speech and renders
three lines into WAV files, so a fresh machine proves the engine works end to end.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def main() -> None:
    import soundfile as sf

    from engine import Qwen3TTSModel
    from engine.random_checkpoint import write_random_checkpoint

    out = Path(tempfile.mkdtemp(prefix="timbre-demo-"))
    ckpt = write_random_checkpoint(out / "tiny-checkpoint", "tiny")
    ref = out / "reference.wav"
    if shutil.which("espeak-ng"):
        subprocess.run(["espeak-ng", "-w", str(ref), "Hello, this is my voice."], check=True)
    else:
        import numpy as np

        t = np.arange(48000) / 24000
        sf.write(ref, 0.3 * np.sin(2 * np.pi * 180 * t), 24000)
    model = Qwen3TTSModel.from_pretrained(ckpt)
    voice = model.create_voice_clone_prompt(str(ref), ref_text="Hello, this is my voice.")
    wavs, sr = model.generate_voice_clone(
        ["First line.", "Second line.", "Third line."], voice_clone_prompt=voice, max_new_tokens=30
    )
    for i, w in enumerate(wavs):
        sf.write(out / f"line{i + 1}.wav", w, sr)
    print(f"Engine demo (random weights, so the audio is noise): wrote {len(wavs)} takes to {out}")


if __name__ == "__main__":
    main()
