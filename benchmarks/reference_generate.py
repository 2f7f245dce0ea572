"""The official qwen-tts 0.1.1 timed like bench_generate.py times ours (runs in the reference venv).

Prints one JSON line with the same keys. The official package has no streaming, so its first
audio arrives with the whole batch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.peak_memory import peak_rss_mb  # noqa: E402
from tools.parity.reference_stubs import install  # noqa: E402

install()

import numpy as np  # noqa: E402
import torch  # noqa: E402

FRAME_S = 0.08


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--text", required=True)
    args = parser.parse_args()
    from qwen_tts import Qwen3TTSModel

    dtype = getattr(torch, args.dtype)
    model = Qwen3TTSModel.from_pretrained(args.checkpoint, dtype=dtype, device_map=args.device)
    rng = np.random.default_rng(0)
    ref = (0.1 * rng.standard_normal(24000 * 10)).astype(np.float32)
    model.create_voice_clone_prompt((ref, 24000), ref_text="A ten second reference.")  # warm-up
    extract = []
    for _ in range(args.runs):
        start = time.perf_counter()
        model.create_voice_clone_prompt((ref, 24000), ref_text="A ten second reference.")
        _sync(args.device)
        extract.append(time.perf_counter() - start)
    voice = model.create_voice_clone_prompt((ref, 24000), x_vector_only_mode=True)
    result = {"engine": "qwen-tts 0.1.1", "extract_10s_s": statistics.median(extract)}
    if args.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    for batch in [int(b) for b in args.batches.split(",")]:
        opts = dict(voice_clone_prompt=voice * batch, max_new_tokens=args.frames + 1)
        model.generate_voice_clone([args.text] * batch, **opts)  # warm-up
        totals = []
        for _ in range(args.runs):
            start = time.perf_counter()
            wavs, _ = model.generate_voice_clone([args.text] * batch, **opts)
            _sync(args.device)
            totals.append(time.perf_counter() - start)
            frames = len(wavs[0]) // 1920
            if frames != args.frames:
                raise SystemExit(f"reference made {frames} frames, expected {args.frames}")
        total = statistics.median(totals)
        result[f"b{batch}"] = {
            "ms_per_frame": 1000 * total / args.frames,
            "x_realtime": batch * args.frames * FRAME_S / total,
            "first_audio_ms": 1000 * total,
        }
    if args.device.startswith("cuda"):
        result["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    else:
        result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


if __name__ == "__main__":
    main()
