"""Voice library speed at 1,000 voices: open (with its consistency check), list and search.

Not a test: it prints numbers. Aims (issue 3): search under 50 ms, open under 200 ms.

    python benchmarks/bench_library.py [--voices 1000] [--keep DIR]

The library is built through the real library code (``add_prompt`` with a reference, so every
voice has its FLAC, transcript, prompt and meta.json), from one prompt extracted once by the
tiny random checkpoint, with varied names, tags and transcripts.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

WORDS = (
    "morning evening river harbour stone window garden letter quiet bright winter summer story "
    "captain doctor teacher market station village thunder whisper silver golden forest ocean"
).split()
TAGS = ["calm", "warm", "deep", "bright", "narrator", "news", "audiobook", "villain", "child", "elder"]
NAMES = ["Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas"]


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    """(median ms, max ms, last result) of ``repeat`` calls."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times), result


def _reference(folder: Path):
    import numpy as np

    wav = folder / "ref.wav"
    if shutil.which("espeak-ng"):
        subprocess.run(
            ["espeak-ng", "-w", str(wav), "Hello, this is my voice for the benchmark."], check=True
        )
        return wav
    rate = 24000
    t = np.arange(rate * 3) / rate
    return (0.2 * np.sin(2 * np.pi * 220 * t).astype(np.float32), rate)


def build(root: Path, count: int, work: Path) -> float:
    from engine import Qwen3TTSModel
    from engine.library import VoiceLibrary
    from engine.random_checkpoint import write_random_checkpoint

    model = Qwen3TTSModel.from_pretrained(
        write_random_checkpoint(work / "tiny", "tiny", seed=7), device="cpu"
    )
    reference = _reference(work)
    item = model.create_voice_clone_prompt(reference, "Hello, this is my voice for the benchmark.")[0]
    rng = random.Random(0)
    lib = VoiceLibrary(root)
    t0 = time.perf_counter()
    for i in range(lib.count(), count):
        text = " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "."
        lib.add_prompt(
            dataclasses.replace(item, ref_text=text),
            name=f"{rng.choice(NAMES)} {rng.choice(WORDS)} {i}",
            reference=reference,
            tags=rng.sample(TAGS, rng.randint(0, 3)),
            favorite=rng.random() < 0.1,
        )
    lib.close()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voices", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the library in this folder and keep it")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="timbre-bench-"))
    root = args.keep or work / "library"
    try:
        if args.build_only:
            built_s = build(root, args.voices, work)
            print(
                f"built {args.voices} voices in {built_s:.1f} s ({built_s / max(args.voices, 1) * 1000:.1f} ms a voice)"
            )
            return
        # Build in a child process: torch (needed to extract) stays out of this one, as it is out of
        # the studio's GUI thread until a model loads; measuring with torch loaded mostly measures
        # the garbage collector walking torch's objects.
        cmd = [sys.executable, __file__, "--build-only", "--voices", str(args.voices), "--keep", str(root)]
        subprocess.run(cmd, check=True)

        from engine.library import VoiceLibrary

        def open_close():
            lib = VoiceLibrary(root)
            lib.close()

        open_med, open_max, _ = _timed(open_close, 15)
        lib = VoiceLibrary(root)
        print(f"torch imported by open, list and search: {'yes' if 'torch' in sys.modules else 'no'}")
        rows = [("open (incl. consistency check)", open_med, open_max, "", 200.0)]
        for label, fn in [
            ("list all, by name", lambda: lib.list()),
            ("list all, by last used", lambda: lib.list(sort="last_used")),
            ("list favourites", lambda: lib.list(favorites_only=True)),
            ("list tag 'narrator'", lambda: lib.list(tag="narrator")),
        ]:
            med, worst, result = _timed(fn, 30)
            rows.append((label, med, worst, f"{len(result)} voices", None))
        for query in ["alice", "narr", "harbour", "silver win", "captain golden river", "zzz"]:
            med, worst, result = _timed(lambda q=query: lib.search(q), 30)
            rows.append((f"search {query!r}", med, worst, f"{len(result)} hits", 50.0))
        med, worst, result = _timed(lib.tags, 30)
        rows.append(("all tags", med, worst, f"{len(result)} tags", None))
        lib.close()

        print(f"\n{'operation':34} {'median ms':>10} {'max ms':>8}  {'result':14} aim")
        for label, med, worst, result, aim in rows:
            verdict = "" if aim is None else (f"< {aim:.0f} ms " + ("ok" if med < aim else "MISSED"))
            print(f"{label:34} {med:10.2f} {worst:8.2f}  {result:14} {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
