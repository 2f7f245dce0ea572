"""Seeded sampling noise: one frame's noise made for all codebooks at once is each codebook's own."""

from __future__ import annotations

import torch

from engine.generation.sampling import candidates, gumbel_noise_streams


def test_noise_for_all_streams_at_once_is_each_streams_noise():
    seeds = torch.tensor([0, 1, 2**40 + 5, 123_456_789_012_345])
    step = torch.tensor(7)
    together = gumbel_noise_streams(seeds, step, range(16), 3072)  # (4, 16, 3072)
    assert together.shape == (4, 16, 3072)
    for stream in range(16):
        alone = gumbel_noise_streams(seeds, step, range(stream, stream + 1), 3072)[:, 0]
        assert torch.equal(together[:, stream], alone)
        # Fewer candidates are the first ones of more: one table serves top-k 50 and no top-k.
        few = gumbel_noise_streams(seeds, step, range(stream, stream + 1), 50)[:, 0]
        assert torch.equal(together[:, stream, :50], few)
    assert torch.isfinite(together).all()
    # Different frames, streams and rows draw different numbers.
    assert not torch.equal(together[:, 0], gumbel_noise_streams(seeds, step + 1, range(1), 3072)[:, 0])
    assert not torch.equal(together[:, 0], together[:, 1])
    assert not torch.equal(together[0], together[1])


def test_candidates_counts_the_top_k_or_the_whole_vocabulary():
    assert candidates(2048, 50) == 50
    assert candidates(2048, 0) == 2048
    assert candidates(2048, 5000) == 2048


def _scores_with_numbers(logits, seen, penalty, temperature):
    """One row's scores with Python numbers: the arithmetic of a batch that shares its settings."""
    if penalty != 1.0:
        logits = torch.where(seen, torch.where(logits < 0, logits * penalty, logits / penalty), logits)
    return logits / temperature


def _choice_with_numbers(scores, top_k, top_p, noise):
    values, index = torch.topk(scores, top_k) if top_k else torch.sort(scores, descending=True)
    if top_p < 1.0:
        probs = torch.softmax(values, dim=-1)
        drop = (probs.cumsum(-1) - probs) >= top_p
        drop[0] = False
        values = values.masked_fill(drop, float("-inf"))
    return index[(values + noise[: values.shape[-1]]).argmax()]


def test_per_row_settings_choose_what_one_shared_number_did():
    """Rows with different temperatures, top-p values and penalties in one batch each get the
    scores and the token their settings gave in a batch of their own, bit for bit."""
    from engine.generation.sampling import Choice, apply_repetition_penalty, choose, divide

    gen = torch.Generator().manual_seed(0)
    rows, vocab = 6, 300
    temperature = [0.9, 0.7, 1.3, 0.9, 0.45, 1.0]
    top_p = [1.0, 0.8, 0.95, 0.5, 1.0, 0.9]  # 1.0: as if top-p had not run
    penalty = [1.05, 1.0, 1.3, 1.05, 2.0, 1.0]  # 1.0: as if no penalty ran
    column = lambda values: torch.tensor(values)[:, None]  # noqa: E731  (B, 1)
    for top_k in (0, 50):
        for trial in range(20):
            logits = 4 * torch.randn((rows, vocab), generator=gen)
            seen = torch.rand((rows, vocab), generator=gen) < 0.1
            seeds = torch.arange(rows) + 100 * trial
            noise = gumbel_noise_streams(seeds, torch.tensor(trial), range(1), vocab)[:, 0]  # (B, V)
            penalised = apply_repetition_penalty(logits, seen, column(penalty))
            scores = divide(penalised, column(temperature))
            got = choose(penalised, Choice(True, top_k, True), column(temperature), column(top_p), noise)
            for r in range(rows):
                alone = _scores_with_numbers(logits[r], seen[r], penalty[r], temperature[r])
                assert torch.equal(scores[r], alone)
                assert got[r] == _choice_with_numbers(alone, top_k, top_p[r], noise[r])
