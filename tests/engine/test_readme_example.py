"""The README's ten-line example runs as written against a local checkpoint folder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import soundfile as sf

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_runs(tiny_checkpoint, speech_file, tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    example = next(b for b in blocks if "generate_voice_clone" in b)
    assert len(example.strip().splitlines()) <= 12
    monkeypatch.chdir(tmp_path)
    shutil.copy(speech_file, "alice.wav")
    data, sr = sf.read(speech_file)
    sf.write("bob.flac", data, sr)
    code = example.replace('"path/to/Qwen3-TTS-12Hz-1.7B-Base"', repr(str(tiny_checkpoint)))
    exec(compile(code, "README.md", "exec"), {})
    for i in (1, 2, 3):
        audio, rate = sf.read(f"line{i}.wav")
        assert rate == 24000 and len(audio) > 0 and len(audio) % 1920 == 0
