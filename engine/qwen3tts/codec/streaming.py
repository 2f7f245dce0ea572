"""Incremental codec decoding: frames in as they are generated, audio out, same result as one shot.

Every layer of :class:`CodecDecoder` is causal and takes an optional state that carries its past
from one call to the next (see :mod:`.convs` and :mod:`.transformer`), so decoding a run of
frames in pieces gives the samples of decoding it whole. :class:`CodecStream` owns one such
state; :class:`RowAudioStream` adds the 300-frame chunk restarts the reference's one-shot decode
makes, so streamed and one-shot audio agree everywhere.
"""

from __future__ import annotations

import copy

import torch

from .decoder import CHUNK_FRAMES, CHUNK_LEFT_CONTEXT, CodecDecoder

# On the CPU a push decodes at most this many row-frames at a time. The upsampling layers'
# activations grow to 1920 samples x 96 channels a frame; 24 frames of them (~18 MB) stay in
# the caches, while a whole take's worth falls out to memory and the same decode runs ~1.7x slower
# (96 frames: 34 ms a frame at once, 19-21 in pieces of 16-32, 2-core AMD EPYC). The result is
# the same either way: the state carries every layer's past from one piece to the next.
CPU_PIECE_ROW_FRAMES = 24


class CodecStream:
    """Decoding state for ``batch`` rows that advance together; push frames, get their samples."""

    def __init__(self, decoder: CodecDecoder, batch: int = 1) -> None:
        self.decoder, self.batch = decoder, batch
        self.state = decoder.new_state(batch)

    def snapshot(self) -> CodecStream:
        """An independent copy of this state (e.g. a voice's state after its reference frames)."""
        twin = CodecStream.__new__(CodecStream)
        twin.decoder, twin.batch, twin.state = self.decoder, self.batch, copy.deepcopy(self.state)
        return twin

    @torch.inference_mode()
    def push(self, codes: torch.Tensor) -> torch.Tensor:
        """``codes`` (B, T, 16) -> waveform (B, T * 1920), clamped to [-1, 1]."""
        b, t, _ = codes.shape
        step = max(1, CPU_PIECE_ROW_FRAMES // b) if codes.device.type == "cpu" else max(1, t)
        pieces = [
            self.decoder(codes[:, i : i + step].transpose(1, 2), self.state).squeeze(1)  # (B, n * 1920)
            for i in range(0, t, step)
        ]
        if len(pieces) == 1:
            return pieces[0]
        return torch.cat(pieces, -1) if pieces else self.state.pre_conv.samples.new_zeros((b, 0))


class RowAudioStream:
    """One row's audio as frames arrive, restarting where the one-shot decode starts new chunks.

    ``warm`` feeds frames whose audio is not wanted (an ICL voice's reference frames); a warmed
    stream can be snapshotted and reused for every take in that voice.
    """

    def __init__(self, decoder: CodecDecoder) -> None:
        self.decoder = decoder
        self.stream = CodecStream(decoder, 1)
        self.total = 0  # frames pushed or warmed, counting from the start of the take's decode
        self.recent: torch.Tensor | None = None  # the last CHUNK_LEFT_CONTEXT frames, (n, 16)

    def snapshot(self) -> RowAudioStream:
        twin = RowAudioStream.__new__(RowAudioStream)
        twin.decoder, twin.stream, twin.total = self.decoder, self.stream.snapshot(), self.total
        twin.recent = None if self.recent is None else self.recent.clone()
        return twin

    def warm(self, codes: torch.Tensor) -> None:
        """Feed frames (T, 16) and discard their audio."""
        self._feed(codes)

    def push(self, codes: torch.Tensor) -> torch.Tensor:
        """Frames (T, 16) -> their audio (T * 1920,) float32 on the device."""
        return self._feed(codes)

    def _feed(self, codes: torch.Tensor) -> torch.Tensor:
        pieces = []
        while codes.shape[0]:
            room = CHUNK_FRAMES - self.total % CHUNK_FRAMES
            if self.total and self.total % CHUNK_FRAMES == 0:
                self._restart()
            part, codes = codes[:room], codes[room:]
            pieces.append(self.stream.push(part[None])[0])
            self.total += part.shape[0]
            self.recent = (
                part[-CHUNK_LEFT_CONTEXT:]
                if self.recent is None
                else torch.cat([self.recent, part])[-CHUNK_LEFT_CONTEXT:]
            )
        if not pieces:
            return torch.zeros(0, device=next(self.decoder.parameters()).device)
        return torch.cat(pieces).float()

    def _restart(self) -> None:
        """As the one-shot decode does every 300 frames: fresh state, re-read 25 frames of context."""
        self.stream = CodecStream(self.decoder, 1)
        if self.recent is not None and self.total - CHUNK_LEFT_CONTEXT > 0:
            self.stream.push(self.recent[None])
