"""Programs the kill and concurrency tests run in child processes (``python -m tests.library.workers``).

Each prints ``ready`` once it has opened the library (and loaded the model, where it needs one),
then works until it is done or killed.

    churn ROOT BUNDLE SEED         import / duplicate / rename / tag / delete / restore / empty trash, forever
    add ROOT CHECKPOINT AUDIO SEED add voices and delete some, forever
    add-many ROOT CHECKPOINT AUDIO PREFIX N GO   wait for file GO, add N voices and tag "Shared" N times
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from engine.library import LibraryError, VoiceLibrary

TEXT = "Hello, this is my voice. I read this sentence for Timbre."


def _ready() -> None:
    print("ready", flush=True)


def churn(root: str, bundle: str, seed: str) -> None:
    rng = random.Random(int(seed))
    lib = VoiceLibrary(root)
    _ready()
    while True:
        voices, trashed = lib.list(), lib.trash()
        op = rng.choice(["import", "import", "duplicate", "rename", "tag", "delete", "restore", "empty"])
        try:
            if op == "import" or not voices:
                lib.import_bundle(bundle)
            elif op == "duplicate":
                lib.duplicate(rng.choice(voices))
            elif op == "rename":
                lib.rename(rng.choice(voices), f"Voice {rng.randrange(10**6)}")
            elif op == "tag":
                lib.tag(rng.choice(voices), add=[f"t{rng.randrange(5)}"], remove=[f"t{rng.randrange(5)}"])
            elif op == "delete":
                lib.delete(rng.choice(voices))
            elif op == "restore" and trashed:
                lib.restore(rng.choice(trashed))
            elif op == "empty":
                lib.empty_trash()
        except LibraryError:
            pass  # e.g. a random name already taken: fine, keep going


def add(root: str, checkpoint: str, audio: str, seed: str) -> None:
    from engine import Qwen3TTSModel

    rng = random.Random(int(seed))
    model = Qwen3TTSModel.from_pretrained(checkpoint, device="cpu")
    lib = VoiceLibrary(root)
    _ready()
    n = 0
    while True:
        n += 1
        mode = rng.choice(["icl", "x_vector"])
        v = lib.add(audio, TEXT, model=model, name=f"Added {seed}-{n}", mode=mode, tags=["kill"])
        if rng.random() < 0.3:
            lib.delete(v)
        if rng.random() < 0.2:
            lib.empty_trash()


def add_many(root: str, checkpoint: str, audio: str, prefix: str, count: str, go: str) -> None:
    from engine import Qwen3TTSModel

    model = Qwen3TTSModel.from_pretrained(checkpoint, device="cpu")
    lib = VoiceLibrary(root)
    shared = lib.find("Shared")
    _ready()
    while not Path(go).exists():  # start together with the other process
        time.sleep(0.01)
    for i in range(int(count)):
        lib.add(audio, TEXT, model=model, name=f"{prefix} {i}", mode="icl" if i % 2 else "x_vector")
        lib.tag(shared, add=[f"{prefix}-{i}"])
    lib.close()
    print("done", flush=True)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"churn": churn, "add": add, "add-many": add_many}[command](*args)
