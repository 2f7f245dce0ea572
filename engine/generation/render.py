"""From decoded frames to audio: takes handed out as rows end, or streamed in chunks.

Each row's audio comes from a :class:`~engine.qwen3tts.codec.streaming.RowAudioStream`. ICL
rows start from their voice's decoder state after its reference frames, computed once per voice
and kept (the reference decodes the reference frames again for every take). Streaming and
one-shot share this path, so they produce the same samples.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from ..prompt import VoiceClonePromptItem
from ..qwen3tts.codec import SpeechCodec
from ..qwen3tts.codec.streaming import RowAudioStream
from ..take import FINISH_MAX_FRAMES, FINISH_RUNAWAY, Take
from .decode_loop import DecodeRequest, FrameDecoder
from .prompt_builder import BatchPrompt

WARM_CACHE_VOICES = 32


@dataclass
class AudioChunk:
    """A piece of one line's audio. The last piece of a line has ``final`` set and the whole ``take``.

    It unpacks as ``(audio, sample_rate)``, the pair the official streaming proposal yields.
    """

    index: int
    audio: np.ndarray  # float32 (N,)
    sample_rate: int
    first_frame: int
    final: bool
    take: Take | None = None

    def __iter__(self) -> Iterator[np.ndarray | int]:
        return iter((self.audio, self.sample_rate))


@dataclass
class RenderJob:
    texts: list[str]
    languages: list[str]
    items: list[VoiceClonePromptItem]
    seeds: list[int]
    prompt: BatchPrompt
    decode: DecodeRequest
    user_max_frames: list[int]  # per row, from max_new_tokens; lower budgets come from the runaway guard
    on_progress: Callable[[list[int], int], None] | None = None
    first_chunk_frames: int | None = None  # None: no streaming, audio only at the end of each line
    chunk_frames: int = 24


class WarmStates:
    """Decoder states after each ICL voice's reference frames, most recently used first."""

    def __init__(self, codec: SpeechCodec, size: int = WARM_CACHE_VOICES) -> None:
        self.codec, self.size = codec, size
        self._states: OrderedDict[bytes, RowAudioStream] = OrderedDict()

    def stream_for(self, item: VoiceClonePromptItem, device: torch.device) -> RowAudioStream:
        if not (item.icl_mode and item.ref_code is not None):
            return RowAudioStream(self.codec.decoder)
        ref = item.ref_code.to(device)
        key = hashlib.blake2b(ref.cpu().numpy().tobytes(), digest_size=16).digest()
        warm = self._states.get(key)
        if warm is None:
            warm = RowAudioStream(self.codec.decoder)
            warm.warm(ref)
            self._states[key] = warm
            while len(self._states) > self.size:
                self._states.popitem(last=False)
        self._states.move_to_end(key)
        return warm.snapshot()


class Renderer:
    """Runs decode jobs on one model and turns frames into audio; owns the warm decoder states."""

    def __init__(self, decoder: FrameDecoder, codec: SpeechCodec) -> None:
        self.decoder, self.codec = decoder, codec
        self.warm = WarmStates(codec)

    @torch.inference_mode()
    def run(self, job: RenderJob) -> Iterator[AudioChunk]:
        sr = self.codec.sample_rate
        dev = job.prompt.prefill.device
        pending: dict[int, list[torch.Tensor]] = {i: [] for i in range(len(job.texts))}
        emitted = dict.fromkeys(pending, 0)  # frames already turned into audio per row
        pieces: dict[int, list[np.ndarray]] = {i: [] for i in pending}
        streams = {i: self.warm.stream_for(item, dev) for i, item in enumerate(job.items)}

        def flush(row: int, upto: int | None = None) -> np.ndarray:
            frames = (
                torch.cat(pending[row])
                if pending[row]
                else torch.zeros((0, 16), dtype=torch.long, device=dev)
            )
            if upto is not None:
                frames = frames[: max(0, upto - emitted[row])]
            pending[row] = []
            with self.decoder.tuning.decoding(1):  # each row decodes alone: batch-1 settings
                audio = streams[row].push(frames).cpu().numpy().astype(np.float32, copy=False)
            emitted[row] += frames.shape[0]
            pieces[row].append(audio)
            return audio

        for event in self.decoder.frames(job.decode):
            for r in event.finished:
                start = emitted[r.row]
                tail = flush(r.row, upto=int(r.codes.shape[0]))
                yield AudioChunk(r.row, tail, sr, start, True, self._take(job, r, pieces.pop(r.row), sr))
            for i, row in enumerate(event.rows):
                pending[row].append(event.codes[i : i + 1])
            if job.on_progress is not None and event.rows:
                job.on_progress(list(event.rows), event.step + 1)
            if job.first_chunk_frames is None:
                continue
            for row in event.rows:
                threshold = job.first_chunk_frames if emitted[row] == 0 else job.chunk_frames
                if len(pending[row]) >= threshold:
                    start = emitted[row]
                    yield AudioChunk(row, flush(row), sr, start, False)

    def _take(self, job: RenderJob, result, pieces: list[np.ndarray], sr: int) -> Take:
        row = result.row
        reason = result.finish_reason
        if reason == FINISH_MAX_FRAMES and job.decode.max_frames[row] < job.user_max_frames[row]:
            reason = FINISH_RUNAWAY
        audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        return Take(
            index=row,
            text=job.texts[row],
            language=job.languages[row],
            seed=job.seeds[row],
            audio=audio[: result.codes.shape[0] * self.codec.samples_per_frame],
            sample_rate=sr,
            frames=int(result.codes.shape[0]),
            finish_reason=reason,
            codes=result.codes.cpu().numpy(),
        )
