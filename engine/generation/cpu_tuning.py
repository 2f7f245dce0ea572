"""CPU decoding setup chosen by measurement: thread count and weight layout.

Decoding at batch 1 is a chain of matrix-vector products limited by memory bandwidth. Which
BLAS setup reads weights fastest depends on the machine: on the 2-vCPU machines this project
is built on, MKL reads K-major (transposed) weights ~25% faster with one thread and becomes
several times slower with two, while on a desktop with many cores extra threads can raise
bandwidth. :meth:`CpuTuning.calibrate` times the candidates and keeps the fastest; the studio
and the benchmarks call it through ``Qwen3TTSModel.warm_up``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

import torch
from torch import nn

BIG_BATCH = 4  # batches from this size on are compute-heavy enough to want their own thread count


def set_linear_layout(module: nn.Module, k_major: bool) -> None:
    """Store every Linear weight (N, K) row-major, or K-major (a transposed view of (K, N) storage)."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            w = layer.weight.detach()
            is_k_major = w.stride() == (1, w.shape[0]) and w.shape[0] > 1
            if is_k_major != k_major:
                new = w.t().contiguous().t() if k_major else w.contiguous()
                layer.weight = nn.Parameter(new, requires_grad=False)


class CpuTuning:
    """Thread counts (batch 1 / big batches) and weight layout for decoding on one device."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.threads: int | None = None  # None: leave torch's setting alone
        self.big_batch_threads: int | None = None
        self.k_major = False

    @contextmanager
    def decoding(self, batch: int = 1):
        threads = self.big_batch_threads if batch >= BIG_BATCH and self.big_batch_threads else self.threads
        if self.device.type != "cpu" or threads is None:
            yield
            return
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def calibrate(
        self,
        module: nn.Module,
        work: Callable[[int], None],
    ) -> dict[str, object]:
        """Time ``work(batch)`` under each candidate setup; keep the fastest. -> the choice."""
        if self.device.type != "cpu":
            return {}
        self.threads = self.big_batch_threads = None  # measure raw settings, not a previous choice
        default = torch.get_num_threads()
        candidates = [(False, default), (True, 1)] + ([(False, 1)] if default != 1 else [])
        timings = {}
        for k_major, threads in candidates:
            set_linear_layout(module, k_major)
            timings[(k_major, threads)] = _time(lambda: work(1), threads)
        self.k_major, self.threads = min(timings, key=timings.get)
        set_linear_layout(module, self.k_major)
        big = {n: _time(lambda: work(8), n) for n in sorted({1, default})}
        self.big_batch_threads = min(big, key=big.get)
        return {
            "decode_threads": self.threads,
            "big_batch_threads": self.big_batch_threads,
            "k_major": self.k_major,
        }


def _time(work: Callable[[], None], threads: int) -> float:
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        work()  # settle caches and the allocator
        start = time.perf_counter()
        work()
        return time.perf_counter() - start
    finally:
        torch.set_num_threads(before)
