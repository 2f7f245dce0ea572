"""CPU decoding setup chosen by measurement: how linear weights are stored, and thread counts.

Decoding is a chain of matrix products whose weights do not fit in any cache, so on the CPU the
speed is how fast the BLAS streams weights. That depends on the machine, so warm-up measures:

- ``row``: PyTorch's default (MKL on x86) on the checkpoint's (out, in) weights;
- ``k_major``: the same weights stored transposed, which MKL's single-thread path reads faster;
- ``packed``: weights reordered once by oneDNN for its own kernels (the layout PyTorch's
  compiler uses), tuned for batches of 8 rows. On the 2-vCPU AMD machines this project is built
  on it reads weights at ~37 GB/s against MKL's ~20-26, and batch 8 costs little more than batch 1;
- ``packed_b1``: the same, tuned for one row. On 2-vCPU Intel Xeons (AMX) MKL streams one row at
  the copy rate but is 3x slower at 8 rows; this layout is within 10 % of MKL at one row and
  still 1.4x faster than it at 8.

:meth:`CpuTuning.calibrate` times decode frames of one row and of eight under each (layout,
threads) candidate, and keeps the layout whose worse batch size is closest to the best that size
can do (one layout serves both: a second copy of the weights would double the memory); the
studio and the benchmarks call it through ``Qwen3TTSModel.warm_up``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

BIG_BATCH = 4  # batches from this size on are compute-heavy enough to want their own thread count
LAYOUTS = ("row", "k_major", "packed", "packed_b1")
PACK_BATCH_HINTS = {"packed": 8, "packed_b1": 1}  # oneDNN tunes the reordered weights for this many rows
CALIBRATION_BATCHES = (1, 8)


def onednn_available() -> bool:
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")


class PackedLinear(nn.Module):
    """An inference-only ``nn.Linear`` whose weight oneDNN has reordered for its CPU kernels."""

    def __init__(self, linear: nn.Linear, batch_hint: int = PACK_BATCH_HINTS["packed"]) -> None:
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.batch_hint = batch_hint
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
            return next(name for name, hint in PACK_BATCH_HINTS.items() if hint == layer.batch_hint)
        if isinstance(layer, nn.Linear) and layer.weight.shape[0] > 1:
            w = layer.weight
            return "k_major" if w.stride() == (1, w.shape[0]) else "row"
    return "row"


def set_linear_layout(module: nn.Module, layout: str) -> None:
    """Store every linear weight under ``module`` in ``layout`` (see the module docstring)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    hint = PACK_BATCH_HINTS.get(layout)
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, PackedLinear) and child.batch_hint != hint:
                child = child.unpack()
                setattr(parent, name, child)
            if isinstance(child, nn.Linear):
                if hint is not None:
                    setattr(parent, name, PackedLinear(child, hint))
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

    def threads_for(self, batch: int) -> int | None:
        """The thread count to decode ``batch`` rows with; None: leave torch's setting alone."""
        if self.device.type != "cpu":
            return None
        return self.big_batch_threads if batch >= BIG_BATCH and self.big_batch_threads else self.threads

    @contextmanager
    def decoding(self, batch: int = 1) -> Iterator[Callable[[int], None]]:
        """Decode ``batch`` rows inside, with their thread count; the caller's count comes back after.

        -> ``resize(rows)``, to call as rows leave: torch's setting changes only when the batch
        crosses :data:`BIG_BATCH`, not around every frame.
        """
        before = torch.get_num_threads()

        def resize(rows: int) -> None:
            threads = self.threads_for(rows)
            if threads is not None and threads != torch.get_num_threads():
                torch.set_num_threads(threads)

        resize(batch)
        try:
            yield resize
        finally:
            if torch.get_num_threads() != before:
                torch.set_num_threads(before)

    def calibrate(self, module: nn.Module, frame_seconds: Callable[[int], float]) -> dict[str, object]:
        """Time decoding under each candidate setup and keep the best. -> the choice.

        ``frame_seconds(batch)`` decodes a few frames of ``batch`` rows and returns the seconds
        one frame took, its first frame settling caches and the allocator (prefill and the codec
        are left out: they happen once a line, frames a hundred times). For every layout, the
        thread count that decodes one row fastest and the one that decodes eight rows fastest
        are found; the layout kept is the one whose slower batch size is the least behind the
        best any layout does at that size (both matter: a single line is one row, a script is
        many).
        """
        if self.device.type != "cpu":
            return {}
        default = torch.get_num_threads()
        thread_counts = sorted({1, default})
        layouts = [x for x in LAYOUTS if x not in PACK_BATCH_HINTS or onednn_available()]
        best: dict[str, dict[int, tuple[float, int]]] = {}  # layout -> batch -> (seconds, threads)
        for layout in layouts:
            set_linear_layout(module, layout)
            best[layout] = {}
            for batch in CALIBRATION_BATCHES:
                for threads in thread_counts:
                    self.threads = self.big_batch_threads = threads
                    seconds = frame_seconds(batch)
                    best[layout][batch] = min(best[layout].get(batch, (seconds, threads)), (seconds, threads))
        fastest = {b: min(best[x][b][0] for x in layouts) for b in CALIBRATION_BATCHES}

        def behind(layout: str) -> float:
            return max(best[layout][b][0] / fastest[b] for b in CALIBRATION_BATCHES)

        self.layout = min(layouts, key=behind)
        set_linear_layout(module, self.layout)
        one_row, many_rows = CALIBRATION_BATCHES
        self.threads = best[self.layout][one_row][1]
        self.big_batch_threads = best[self.layout][many_rows][1]
        return {
            "layout": self.layout,
            "decode_threads": self.threads,
            "big_batch_threads": self.big_batch_threads,
            "behind_best": round(behind(self.layout), 3),
            "ms_per_frame": {  # every layout's best, for the logs
                x: {b: round(1000 * best[x][b][0], 1) for b in CALIBRATION_BATCHES} for x in layouts
            },
        }
