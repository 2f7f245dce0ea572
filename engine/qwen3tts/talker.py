"""The talker (predicts the first codebook of each 12.5 Hz frame) and its code predictor
(predicts the remaining 15 codebooks of that frame from the talker's hidden state).

Module and parameter names mirror ``talker.*`` in the published ``model.safetensors``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..config import CodePredictorConfig, TalkerConfig
from .layers import DecoderStack


class TalkerModel(DecoderStack):
    """``talker.model``: the transformer plus the codec and text embedding tables."""

    def __init__(self, cfg: TalkerConfig) -> None:
        super().__init__(cfg)
        self.codec_embedding = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.text_embedding = nn.Embedding(cfg.text_vocab_size, cfg.text_hidden_size)


class TextProjection(nn.Module):
    """``talker.text_projection``: maps text-model embeddings into the talker's width."""

    def __init__(self, text_hidden: int, hidden: int) -> None:
        super().__init__()
        self.linear_fc1 = nn.Linear(text_hidden, text_hidden, bias=True)
        self.linear_fc2 = nn.Linear(text_hidden, hidden, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_fc2(F.silu(self.linear_fc1(x)))


class CodePredictorModel(DecoderStack):
    """``talker.code_predictor.model``: transformer + one embedding per codebook 1..15.

    The embeddings live in the talker's width; ``small_to_mtp_projection`` maps them down.
    """

    def __init__(self, cfg: CodePredictorConfig, talker_hidden: int) -> None:
        super().__init__(cfg)
        self.codec_embedding = nn.ModuleList(
            nn.Embedding(cfg.vocab_size, talker_hidden) for _ in range(cfg.num_code_groups - 1)
        )


class CodePredictor(nn.Module):
    """``talker.code_predictor``: 15 heads, head ``g-1`` predicts codebook ``g``."""

    def __init__(self, cfg: CodePredictorConfig, talker_hidden: int) -> None:
        super().__init__()
        self.config = cfg
        self.model = CodePredictorModel(cfg, talker_hidden)
        self.lm_head = nn.ModuleList(
            nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False) for _ in range(cfg.num_code_groups - 1)
        )
        if cfg.hidden_size != talker_hidden:
            self.small_to_mtp_projection = nn.Linear(talker_hidden, cfg.hidden_size, bias=True)
        else:
            self.small_to_mtp_projection = nn.Identity()


class Talker(nn.Module):
    """``talker``: text projection, transformer, first-codebook head and code predictor."""

    def __init__(self, cfg: TalkerConfig) -> None:
        super().__init__()
        self.config = cfg
        self.model = TalkerModel(cfg)
        self.text_projection = TextProjection(cfg.text_hidden_size, cfg.hidden_size)
        self.codec_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        self.code_predictor = CodePredictor(cfg.code_predictor, cfg.hidden_size)

    @property
    def device(self) -> torch.device:
        return self.model.norm.weight.device  # a norm: never repacked, unlike the linear layers

    @property
    def dtype(self) -> torch.dtype:
        return self.model.norm.weight.dtype

    def embed_text(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids (..., T) -> projected text embeddings (..., T, H)."""
        return self.text_projection(self.model.text_embedding(ids))

    def embed_codec(self, ids: torch.Tensor) -> torch.Tensor:
        """First-codebook / special codec ids (..., T) -> embeddings (..., T, H)."""
        return self.model.codec_embedding(ids)

    def embed_frames(self, codes: torch.Tensor) -> torch.Tensor:
        """Whole frames (..., 16) -> the talker input for each frame, the sum over codebooks (..., H)."""
        parts = [self.model.codec_embedding(codes[..., 0])]
        for g, table in enumerate(self.code_predictor.model.codec_embedding, start=1):
            parts.append(table(codes[..., g]))
        # Stack then sum (not a running sum) to round exactly as the reference does.
        return torch.stack(parts, dim=-2).sum(-2)
