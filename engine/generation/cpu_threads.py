"""How many CPU threads the decode loop uses, chosen by measurement rather than guessed.

Decoding at batch 1 is a chain of matrix-vector products, limited by memory bandwidth. On some
machines extra BLAS threads add nothing but synchronisation (on the 2-core CI machine they make
batched products several times slower), on others they raise bandwidth. :meth:`calibrate`
times both and keeps the faster; the studio calls it during warm-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import torch

T = TypeVar("T")


class DecodeThreads:
    """The intra-op thread count for decoding on one device; owns its measured choice."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.threads: int | None = None  # None: leave torch's setting alone

    @contextmanager
    def decoding(self):
        if self.device.type != "cpu" or self.threads is None:
            yield
            return
        before = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def around(self, gen: Iterator[T]) -> Iterator[T]:
        """Run each step of a generator under :meth:`decoding`, restoring between steps."""
        while True:
            with self.decoding():
                try:
                    item = next(gen)
                except StopIteration:
                    return
            yield item

    def calibrate(self, work: Callable[[], None], repeats: int = 2) -> int:
        """Time ``work`` with one thread and with torch's default; keep the faster. -> threads."""
        if self.device.type != "cpu":
            return torch.get_num_threads()
        default = torch.get_num_threads()
        timings = {}
        for n in sorted({1, default}):
            torch.set_num_threads(n)
            try:
                work()  # settle caches and allocator
                start = time.perf_counter()
                for _ in range(repeats):
                    work()
                timings[n] = time.perf_counter() - start
            finally:
                torch.set_num_threads(default)
        self.threads = min(timings, key=timings.get)
        return self.threads
