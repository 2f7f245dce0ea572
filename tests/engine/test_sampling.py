"""Seeded sampling noise: one frame's noise made for all codebooks at once is each codebook's own."""

from __future__ import annotations

import torch

from engine.generation.sampling import candidates, gumbel_noise, gumbel_noise_streams


def test_noise_for_all_streams_at_once_is_each_streams_noise():
    seeds = torch.tensor([0, 1, 2**40 + 5, 123_456_789_012_345])
    step = torch.tensor(7)
    together = gumbel_noise_streams(seeds, step, range(16), 3072)  # (4, 16, 3072)
    assert together.shape == (4, 16, 3072)
    for stream in range(16):
        assert torch.equal(together[:, stream], gumbel_noise(seeds, step, stream, 3072))
        # Fewer candidates are the first ones of more: one table serves top-k 50 and no top-k.
        assert torch.equal(together[:, stream, :50], gumbel_noise(seeds, step, stream, 50))
    assert torch.isfinite(together).all()
    # Different frames, streams and rows draw different numbers.
    assert not torch.equal(together[:, 0], gumbel_noise_streams(seeds, step + 1, range(1), 3072)[:, 0])
    assert not torch.equal(together[:, 0], together[:, 1])
    assert not torch.equal(together[0], together[1])


def test_candidates_counts_the_top_k_or_the_whole_vocabulary():
    assert candidates(2048, 50) == 50
    assert candidates(2048, 0) == 2048
    assert candidates(2048, 5000) == 2048
