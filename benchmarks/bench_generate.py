"""Generation speed: our engine and the official qwen-tts side by side on the same checkpoint.

Both load one random-weight checkpoint at the published dimensions (written once under
.bench/), render the same text with the same x-vector voice, and do the same work: random
weights never emit EOS (the writer zeroes its head row), the runaway guard is off, so every
line runs exactly --frames frames. Warm-up runs happen outside the timer; each figure is the
median of --runs runs. Nothing here asserts anything: it prints numbers for docs/performance.md.

usage: python benchmarks/bench_generate.py --size 0.6b [--device cpu] [--dtype float32]
       [--frames 16] [--runs 5] [--batches 1,8,32] [--reference]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.peak_memory import peak_rss_mb, reset_peak  # noqa: E402

TEXT = "The quick brown fox jumps over the lazy dog while the narrator keeps on reading."
FRAME_S = 0.08


def checkpoint(size: str) -> Path:
    folder = ROOT / ".bench" / f"qwen3-tts-{size}-random"
    if not (folder / "speech_tokenizer" / "model.safetensors").exists():
        from engine.random_checkpoint import write_random_checkpoint

        print(f"writing a random {size} checkpoint to {folder} (once)...", flush=True)
        write_random_checkpoint(folder, size, seed=1)
    return folder


def copy_bandwidth_gbs() -> float:
    """STREAM-style copy: bytes read plus bytes written per second, 1 GiB buffers."""
    import torch

    src = torch.empty(256 * 1024 * 1024, dtype=torch.float32).uniform_()
    dst = torch.empty_like(src)
    dst.copy_(src)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        dst.copy_(src)
        times.append(time.perf_counter() - start)
    return 2 * src.numel() * 4 / min(times) / 1e9


def weight_bytes_per_frame(model) -> int:
    """Bytes of weights one frame reads: the talker once, the code predictor 15 times (+ 1 head each)."""
    t = model._parts.network.talker
    layers = sum(p.numel() * p.element_size() for p in t.model.layers.parameters())
    head = t.codec_head.weight.numel() * t.codec_head.weight.element_size()
    cp = t.code_predictor
    cp_layers = sum(p.numel() * p.element_size() for p in cp.model.layers.parameters())
    cp_proj = sum(p.numel() * p.element_size() for p in cp.small_to_mtp_projection.parameters())
    cp_head = cp.lm_head[0].weight.numel() * cp.lm_head[0].weight.element_size()
    steps = cp.config.num_code_groups - 1
    return layers + head + steps * (cp_layers + cp_proj + cp_head)


def ours(args) -> dict:
    import numpy as np
    import torch

    from engine import Qwen3TTSModel

    folder = checkpoint(args.size)
    reset_peak()  # writing the checkpoint (first run only) is not the engine's memory
    model = Qwen3TTSModel.from_pretrained(folder, device=args.device, dtype=args.dtype)
    weight_bytes = weight_bytes_per_frame(model)  # before warm-up may repack the linear layers
    start = time.perf_counter()
    warm = model.warm_up(frames=4)
    warm["seconds"] = round(time.perf_counter() - start, 1)
    rng = np.random.default_rng(0)
    ref = (0.1 * rng.standard_normal(24000 * 10)).astype(np.float32)
    extract = []
    for _ in range(args.runs):
        start = time.perf_counter()
        voice = model.create_voice_clone_prompt((ref, 24000), ref_text="A ten second reference.")
        _sync(model)
        extract.append(time.perf_counter() - start)
    voice = model.create_voice_clone_prompt((ref, 24000), x_vector_only_mode=True)
    opts = dict(voice_clone_prompt=voice, max_new_tokens=args.frames + 1, runaway_guard=False)
    result = {"engine": "timbre", "warm_up": warm, "extract_10s_s": statistics.median(extract)}
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    for batch in args.batches:
        model.generate_takes([TEXT] * batch, seed=list(range(batch)), **opts)  # warm this batch size
        totals, steps, first = [], [], []
        for run in range(args.runs):
            stamps: list[float] = []
            start = time.perf_counter()
            chunks = model.generate_voice_clone_stream(
                [TEXT] * batch,
                seed=[run * 100 + i for i in range(batch)],
                on_progress=lambda rows, frames, stamps=stamps: stamps.append(time.perf_counter()),
                **opts,
            )
            got_first = None
            for _chunk in chunks:
                if got_first is None:
                    _sync(model)
                    got_first = time.perf_counter() - start
            _sync(model)
            totals.append(time.perf_counter() - start)
            first.append(got_first)
            steps.append(statistics.median(np.diff(stamps)))
        total = statistics.median(totals)
        result[f"b{batch}"] = {
            "ms_per_frame": 1000 * total / args.frames,
            "decode_ms_per_frame": 1000 * statistics.median(steps),
            "x_realtime": batch * args.frames * FRAME_S / total,
            "first_audio_ms": 1000 * statistics.median(first),
        }
    if args.device == "cuda":
        result["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    else:
        result["peak_rss_mb"] = peak_rss_mb()
        result["copy_bandwidth_gbs"] = copy_bandwidth_gbs()
        result["weight_bytes_per_frame"] = weight_bytes
        result["floor_ms_per_frame"] = (
            1000 * result["weight_bytes_per_frame"] / (result["copy_bandwidth_gbs"] * 1e9)
        )
    return result


def _sync(model) -> None:
    if model.device.type == "cuda":
        import torch

        torch.cuda.synchronize()


def reference(args) -> dict:
    venv = Path(os.environ.get("TIMBRE_REF_VENV", Path.home() / ".cache" / "timbre" / "qwen-tts-ref"))
    if not (venv / "bin" / "python").exists():
        subprocess.run([str(ROOT / "tools" / "parity" / "make_reference_venv.sh"), str(venv)], check=True)
    cmd = [
        str(venv / "bin" / "python"),
        str(ROOT / "benchmarks" / "reference_generate.py"),
        "--checkpoint",
        str(checkpoint(args.size)),
        "--device",
        args.device,
        "--dtype",
        args.dtype,
        "--frames",
        str(args.frames),
        "--runs",
        str(args.runs),
        "--batches",
        ",".join(map(str, args.batches)),
        "--text",
        TEXT,
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="0.6b", choices=["tiny", "0.6b", "1.7b"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--reference", action="store_true", help="also time the official qwen-tts")
    parser.add_argument("--only-reference", action="store_true")
    args = parser.parse_args()
    args.batches = [int(b) for b in args.batches.split(",")]
    results = []
    if not args.only_reference:
        results.append(ours(args))
        print(json.dumps(results[-1], indent=1), flush=True)
    if args.reference or args.only_reference:
        results.append(reference(args))
        print(json.dumps(results[-1], indent=1), flush=True)
    print(summary(args, results))


def summary(args, results) -> str:
    lines = [
        f"\n{args.size} dims, {args.device}, {args.dtype}, {args.frames} frames a line, median of {args.runs}"
    ]
    for r in results:
        lines.append(f"[{r['engine']}]")
        if "extract_10s_s" in r:
            lines.append(f"  prompt extraction, 10 s reference: {r['extract_10s_s'] * 1000:.0f} ms")
        for b in args.batches:
            x = r.get(f"b{b}")
            if x:
                lines.append(
                    f"  batch {b:>2}: {x['ms_per_frame']:8.1f} ms/frame (decode loop {x.get('decode_ms_per_frame', float('nan')):.1f}),"
                    f" {x['x_realtime']:6.2f}x real time in total, first audio {x['first_audio_ms']:.0f} ms"
                )
        if "floor_ms_per_frame" in r:
            lines.append(
                f"  bandwidth floor: {r['weight_bytes_per_frame'] / 1e9:.2f} GB of weights a frame / "
                f"{r['copy_bandwidth_gbs']:.1f} GB/s copy = {r['floor_ms_per_frame']:.0f} ms/frame"
            )
        for key in ("peak_rss_mb", "peak_gpu_mb"):
            if key in r:
                lines.append(f"  peak memory ({key[5:8]}): {r[key]:.0f} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
