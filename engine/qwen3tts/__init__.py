"""The Qwen3-TTS 12 Hz Base network, one module per part, named as in the published weights."""

from __future__ import annotations

import torch
from torch import nn

from ..config import TTSConfig
from .speaker_encoder import SpeakerEncoder
from .talker import Talker


class Qwen3TTSNetwork(nn.Module):
    """Everything in ``model.safetensors``: ``talker.*`` and ``speaker_encoder.*``."""

    def __init__(self, config: TTSConfig) -> None:
        super().__init__()
        self.config = config
        self.talker = Talker(config.talker)
        self.speaker_encoder = SpeakerEncoder(config.speaker_encoder)

    @property
    def device(self) -> torch.device:
        return self.talker.device

    @property
    def dtype(self) -> torch.dtype:
        return self.talker.dtype
