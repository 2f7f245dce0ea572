"""CPU decoding setup chosen by measurement: how linear weights are stored, and thread counts.

Decoding is a chain of matrix products whose weights do not fit in any cache, so on the CPU the
speed is how fast the BLAS streams weights. That depends on the machine, so warm-up measures:

- ``row``: PyTorch's default (MKL on x86) on the checkpoint's (out, in) weights;
- ``k_major``: the same weights stored transposed, which MKL's single-thread path reads faster;
- ``packed``: weights reordered once by oneDNN for its own kernels (the layout PyTorch's
  compiler uses). On the 2-vCPU AMD machines this project is built on it reads weights at
  ~37 GB/s against MKL's ~20-26, and batch 8 costs little more than batch 1.

:meth:`CpuTuning.calibrate` times each (layout, threads) candidate on a short generation and
keeps the fastest; the studio and the benchmarks call it through ``Qwen3TTSModel.warm_up``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

import torch
from torch import nn

from .fused_linears import fuse_projections, split_projections

BIG_BATCH = 4  # batches from this size on are compute-heavy enough to want their own thread count
PACK_BATCH_HINT = 8  # oneDNN tunes the reordered layout for this many rows; 1 and 32 run well too
LAYOUTS = ("row", "k_major", "packed")


def onednn_available() -> bool:
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")


class PackedLinear(nn.Module):
    """An inference-only ``nn.Linear`` whose weight oneDNN has reordered for its CPU kernels."""

    def __init__(self, linear: nn.Linear, batch_hint: int = PACK_BATCH_HINT) -> None:
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach().contiguous(), batch_hint)
        self.bias = linear.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, self.packed, self.bias, "none", [], "")

    def unpack(self) -> nn.Linear:
        linear = nn.Linear(self.in_features, self.out_features, bias=self.bias is not None, device="meta")
        linear.weight = nn.Parameter(self.packed.to_dense(), requires_grad=False)
        linear.bias = self.bias
        return linear


def linear_layout(module: nn.Module) -> str:
    for layer in module.modules():
        if isinstance(layer, PackedLinear):
            return "packed"
        if isinstance(layer, nn.Linear) and layer.weight.shape[0] > 1:
            w = layer.weight
            return "k_major" if w.stride() == (1, w.shape[0]) else "row"
    return "row"


def set_linear_layout(module: nn.Module, layout: str) -> None:
    """Store every linear weight under ``module`` in ``layout`` (see the module docstring).

    The packed layout also joins each attention's q/k/v and each MLP's gate/up matrices into one
    (:mod:`engine.generation.fused_linears`): at batch 1 a call costs ~10 µs besides its weights.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    if layout == "packed":
        fuse_projections(module)
    else:
        split_projections(module)
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, PackedLinear) and layout != "packed":
                child = child.unpack()
                setattr(parent, name, child)
            if isinstance(child, nn.Linear):
                if layout == "packed":
                    setattr(parent, name, PackedLinear(child))
                    continue
                w = child.weight.detach()
                k_major = w.stride() == (1, w.shape[0]) and w.shape[0] > 1
                if k_major != (layout == "k_major"):
                    new = w.t().contiguous().t() if layout == "k_major" else w.contiguous()
                    child.weight = nn.Parameter(new, requires_grad=False)


class CpuTuning:
    """Weight layout and thread counts (batch 1 / big batches) for decoding on one device."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.threads: int | None = None  # None: leave torch's setting alone
        self.big_batch_threads: int | None = None
        self.layout = "row"

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

    def calibrate(self, module: nn.Module, work: Callable[[int], None]) -> dict[str, object]:
        """Time ``work(batch)`` under each candidate setup; keep the fastest. -> the choice."""
        if self.device.type != "cpu":
            return {}
        self.threads = self.big_batch_threads = None  # measure raw settings, not a previous choice
        default = torch.get_num_threads()
        thread_counts = sorted({1, default})
        layouts = ["row", "k_major"] + (["packed"] if onednn_available() else [])
        timings = {}
        for layout in layouts:
            set_linear_layout(module, layout)
            for threads in thread_counts:
                timings[(layout, threads)] = _time(lambda: work(1), threads)
        self.layout, self.threads = min(timings, key=timings.get)
        set_linear_layout(module, self.layout)
        big = {n: _time(lambda: work(8), n) for n in thread_counts}
        self.big_batch_threads = min(big, key=big.get)
        return {
            "layout": self.layout,
            "decode_threads": self.threads,
            "big_batch_threads": self.big_batch_threads,
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
