"""``Qwen3TTSModel``: the voice-clone API of the official ``qwen_tts`` package, on our engine.

Extract a voice once (:meth:`Qwen3TTSModel.create_voice_clone_prompt`), then render many
lines in one batch (:meth:`Qwen3TTSModel.generate_voice_clone`), with one voice for all lines
or one voice per line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields, replace
from typing import Any

import numpy as np
import torch

from .audio import audio_name, check_reference, load_audio, resample
from .checkpoint import DownloadProgress, resolve_model_dir
from .errors import AudioInputError, InputError
from .generation.cpu_tuning import CpuTuning
from .generation.decode_loop import DecodeRequest, FrameDecoder
from .generation.prompt_builder import PromptBuilder, RowPrompt
from .generation.render import AudioChunk, Renderer, RenderJob
from .generation.runaway import frame_cap
from .generation.sampling import SamplingParams
from .loading import Components, load_components, pick_device, pick_dtype
from .official_model import ModelView
from .official_options import IGNORED_GENERATE_OPTIONS, IGNORED_LOAD_OPTIONS, device_from_map, drop_ignored
from .prompt import ModelSignature, VoiceClonePromptItem
from .take import Take

TakeCallback = Callable[[Take], None]
SAMPLING_OPTIONS = frozenset(f.name for f in fields(SamplingParams))
# generate_voice_clone's extras that generate_takes honours (the rest of its **kwargs: ignored or typos)
TAKE_OPTIONS = SAMPLING_OPTIONS | {"seed", "on_take", "on_progress", "should_stop", "runaway_guard"}
SEED_MASK = (1 << 63) - 1
# from_pretrained's own names (for "did you mean" on a misspelt one)
LOAD_OPTIONS = frozenset(
    {
        "device",
        "dtype",
        "device_map",
        "torch_dtype",
        "progress",
        "local_files_only",
        "cache_dir",
        "revision",
        "token",
    }
)


def _sampling_of(arguments: dict[str, Any]) -> dict[str, Any]:
    """The sampling options among a generate method's arguments (its ``locals()``), by name."""
    return {name: arguments[name] for name in sorted(SAMPLING_OPTIONS)}


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list) else [x]


def _broadcast(values: Any, n: int, name: str) -> list[Any]:
    """A scalar or one-element list applies to all ``n`` items; a longer list must match ``n``."""
    items = _as_list(values)
    if len(items) == 1:
        return items * n
    if len(items) != n:
        raise InputError(f"Batch size mismatch: {name} has {len(items)} entries for {n} items.")
    return items


class Qwen3TTSModel:
    """A loaded Qwen3-TTS 12 Hz Base model. Build it with :meth:`from_pretrained`."""

    def __init__(self, parts: Components, device: torch.device, dtype: torch.dtype) -> None:
        self._parts = parts
        self.device, self.dtype = device, dtype
        self.config = parts.config
        self.generate_defaults: dict[str, Any] = dict(parts.generation_defaults)
        self._builder = PromptBuilder(parts.network.talker, parts.config, parts.tokenizer.role_prefix_ids())
        self._tuning = CpuTuning(device)
        self._renderer = Renderer(FrameDecoder(parts.network.talker, tuning=self._tuning), parts.codec)
        self._mel = None
        #: The official wrapper's ``.model`` as apps read it (model type, languages, talker
        #: config, ``speech_tokenizer.encode`` / ``decode``): see :mod:`engine.official_model`.
        self.model = ModelView(parts, self.generate_defaults)

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str | os.PathLike,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        *,
        progress: DownloadProgress | None = None,
        local_files_only: bool | None = None,
        cache_dir: str | None = None,
        revision: str | None = None,
        token: str | bool | None = None,
        **kwargs: Any,
    ) -> Qwen3TTSModel:
        """Load a model folder in the official layout, or a hub repo id (downloaded when missing).

        ``device``: None picks CUDA when present, else the CPU. ``dtype``: None picks bfloat16
        on CUDA and float32 on the CPU. ``revision`` and ``token`` reach the hub. For drop-in
        use, the official (transformers) spellings work: ``device_map`` (a device, an index,
        ``"auto"``, or a dict naming one device such as ``{"": "cpu"}``) and ``torch_dtype``;
        loading options with no effect here (``attn_implementation``, ``low_cpu_mem_usage``,
        ``trust_remote_code``, ``quantization_config``...) are ignored with one logged warning.
        """
        device_map = kwargs.pop("device_map", None)
        torch_dtype = kwargs.pop("torch_dtype", None)
        drop_ignored(kwargs, IGNORED_LOAD_OPTIONS, LOAD_OPTIONS, "from_pretrained")
        dev = pick_device(device if device is not None else device_from_map(device_map))
        dt = pick_dtype(dtype if dtype is not None else torch_dtype, dev)
        folder = resolve_model_dir(
            pretrained_model_name_or_path,
            progress=progress,
            cache_dir=cache_dir,
            local_files_only=local_files_only,
            revision=revision,
            token=token,
        )
        return cls(load_components(folder, dev, dt), dev, dt)

    # ----- facts about the model -------------------------------------------------------------
    @property
    def folder(self):
        return self._parts.folder

    @property
    def sample_rate(self) -> int:
        return self._parts.codec.sample_rate

    @property
    def signature(self) -> ModelSignature:
        c = self.config
        return ModelSignature(
            size=c.tts_model_size or "unknown",
            speaker_dim=c.speaker_encoder.enc_dim,
            codec=c.tokenizer_type or "",
        )

    def warm_up(
        self, frames: int = 8, batch_sizes: Sequence[int] = (1,), calibrate: bool = True
    ) -> dict[str, Any]:
        """Run short generations so the first real one is fast; on the CPU, pick the thread count.

        Initialises kernels and allocators, captures the CUDA graphs of the given batch sizes,
        and on the CPU (``calibrate``) picks the linear-weight layout and thread counts by timing
        them, which takes a few seconds at real sizes (see :mod:`engine.generation.cpu_tuning`).
        -> what it did, for logs and the status bar.
        """
        voice = VoiceClonePromptItem(
            ref_code=None,
            ref_spk_embedding=torch.zeros(self.config.speaker_encoder.enc_dim),
            x_vector_only_mode=True,
            icl_mode=False,
            signature=self.signature,
        )
        opts = dict(voice_clone_prompt=voice, seed=0, max_new_tokens=frames + 1, do_sample=True)
        for batch in batch_sizes:
            self.generate_takes(["Warm up."] * batch, **opts)
        report: dict[str, Any] = {"device": str(self.device), "dtype": str(self.dtype).replace("torch.", "")}
        if self.device.type == "cpu" and calibrate:
            decoder = self._renderer.decoder
            report.update(self._tuning.calibrate(self._parts.network.talker, decoder.frame_seconds))
        return report

    def get_supported_languages(self) -> list[str]:
        return sorted(self.config.supported_languages)

    def get_supported_speakers(self) -> list[str]:
        return []  # Base models clone voices; they have no built-in speakers

    # ----- extract once ----------------------------------------------------------------------
    @torch.inference_mode()
    def create_voice_clone_prompt(
        self,
        ref_audio: Any,
        ref_text: str | list[str | None] | None = None,
        x_vector_only_mode: bool | list[bool] = False,
    ) -> list[VoiceClonePromptItem]:
        """Extract voices from reference audio: one :class:`VoiceClonePromptItem` per audio.

        ICL mode (the default) keeps the reference's codec frames and needs its exact
        transcript; x-vector mode keeps only the speaker embedding (no transcript needed).
        """
        audios = _as_list(ref_audio)
        if not audios:
            raise AudioInputError("No reference audio was given.")
        texts = _broadcast(ref_text, len(audios), "ref_text")
        xvec = [bool(x) for x in _broadcast(x_vector_only_mode, len(audios), "x_vector_only_mode")]
        for i, (text, only_x) in enumerate(zip(texts, xvec)):
            if not only_x and (text is None or not str(text).strip()):
                raise InputError(
                    f"ref_text is required in ICL mode (x_vector_only_mode=False). Bad index={i}.",
                    "Type exactly what the reference audio says, or use x-vector mode.",
                )
        target = self._parts.codec.config.input_sample_rate
        waves = []
        for i, item in enumerate(audios):
            wav, sr = load_audio(item, i)
            check_reference(wav, sr, i, audio_name(item, i))
            waves.append(resample(wav, sr, target))

        icl_rows = [i for i, only_x in enumerate(xvec) if not only_x]
        codes = (
            dict(zip(icl_rows, self._parts.codec.encode([waves[i] for i in icl_rows]))) if icl_rows else {}
        )
        sig = self.signature
        return [
            VoiceClonePromptItem(
                ref_code=codes.get(i),
                ref_spk_embedding=self._speaker_embedding(waves[i]),
                x_vector_only_mode=xvec[i],
                icl_mode=not xvec[i],
                ref_text=texts[i],
                signature=sig,
            )
            for i in range(len(audios))
        ]

    def _speaker_embedding(self, wav_24k: np.ndarray) -> torch.Tensor:
        from .qwen3tts.speaker_encoder import LogMel

        if self._mel is None:
            self._mel = LogMel(self.config.speaker_encoder.sample_rate, self.config.speaker_encoder.mel_dim)
        mels = self._mel(torch.from_numpy(wav_24k)[None])  # (1, frames, 128), float32 on the CPU
        net = self._parts.network
        return net.speaker_encoder(mels.to(self.device, self.dtype))[0]  # (D,), as the official: model dtype

    # ----- generate many ---------------------------------------------------------------------
    def generate_voice_clone(
        self,
        text: str | list[str],
        language: str | list[str] | None = None,
        ref_audio: Any = None,
        ref_text: str | list[str | None] | None = None,
        x_vector_only_mode: bool | list[bool] = False,
        voice_clone_prompt: Any = None,
        non_streaming_mode: bool = False,
        **kwargs: Any,
    ) -> tuple[list[np.ndarray], int]:
        """Render each text in its voice: -> (list of float32 waveforms, sample rate).

        Give either ``voice_clone_prompt`` (items from :meth:`create_voice_clone_prompt`: one
        for all texts, or one per text) or ``ref_audio`` (+ ``ref_text``). Sampling options as
        in the official package (``min_new_tokens`` too; ``max_new_tokens`` also one per text),
        plus ``seed`` (an int, or one per text) to reproduce a take. Without ``seed``, each
        line's seed is drawn from torch's global generator, so ``torch.manual_seed(n)`` before
        the call reproduces it, as it does in the official package. The official package's
        other generate options (``instruct``, ``eos_token_id``, transformers' ``generate``
        arguments) are accepted and ignored with one logged warning; a misspelt option is an
        error naming the closest real one.
        """
        honoured = drop_ignored(kwargs, IGNORED_GENERATE_OPTIONS, TAKE_OPTIONS, "generation")
        takes = self.generate_takes(
            text,
            language=language,
            ref_audio=ref_audio,
            ref_text=ref_text,
            x_vector_only_mode=x_vector_only_mode,
            voice_clone_prompt=voice_clone_prompt,
            non_streaming_mode=non_streaming_mode,
            **honoured,
        )
        return [t.audio for t in takes], self.sample_rate

    def generate_takes(
        self,
        text: str | list[str],
        language: str | list[str] | None = None,
        ref_audio: Any = None,
        ref_text: str | list[str | None] | None = None,
        x_vector_only_mode: bool | list[bool] = False,
        voice_clone_prompt: Any = None,
        non_streaming_mode: bool = False,
        *,
        seed: int | Sequence[int] | None = None,
        on_take: TakeCallback | None = None,
        on_progress: Callable[[list[int], int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        runaway_guard: bool = True,
        do_sample: bool | None = None,
        top_k: int | None = None,
        top_p: float | None = None,
        temperature: float | None = None,
        repetition_penalty: float | None = None,
        subtalker_dosample: bool | None = None,
        subtalker_top_k: int | None = None,
        subtalker_top_p: float | None = None,
        subtalker_temperature: float | None = None,
        max_new_tokens: int | Sequence[int | None] | None = None,
        min_new_tokens: int | None = None,
    ) -> list[Take]:
        """Like :meth:`generate_voice_clone`, returning :class:`Take` objects (seed, finish reason...).

        Same arguments, plus: ``seed`` (an int, or one per text); ``on_take`` receives each take
        as soon as its line ends; ``on_progress(rows, frames)`` is called after every frame with
        the lines still running and the frames each has; ``should_stop`` is polled between frames
        and raises :class:`~engine.errors.GenerationCancelled` when it returns true (takes already
        handed to ``on_take`` are kept); ``runaway_guard=False`` lets lines run to max_new_tokens.
        The sampling options are :class:`~engine.generation.sampling.SamplingParams`' (None: the
        checkpoint's ``generation_config.json`` value, else the built-in default);
        ``max_new_tokens`` may also be one per text. Unlike :meth:`generate_voice_clone` (the
        official API), this one takes no ignored official options.
        """
        sampling = _sampling_of(locals())
        takes: list[Take | None] = [None] * len(_as_list(text))
        chunks = self._render(
            text,
            language,
            ref_audio,
            ref_text,
            x_vector_only_mode,
            voice_clone_prompt,
            non_streaming_mode,
            stream=None,
            seed=seed,
            on_progress=on_progress,
            should_stop=should_stop,
            runaway_guard=runaway_guard,
            sampling=sampling,
        )
        for chunk in chunks:
            takes[chunk.index] = chunk.take
            if on_take is not None:
                on_take(chunk.take)
        return takes  # type: ignore[return-value]

    def generate_voice_clone_stream(
        self,
        text: str | list[str],
        language: str | list[str] | None = None,
        ref_audio: Any = None,
        ref_text: str | list[str | None] | None = None,
        x_vector_only_mode: bool | list[bool] = False,
        voice_clone_prompt: Any = None,
        non_streaming_mode: bool = False,
        *,
        first_chunk_frames: int = 6,
        chunk_frames: int = 24,
        chunk_size: int | None = None,
        left_context_size: int | None = None,
        seed: int | Sequence[int] | None = None,
        on_progress: Callable[[list[int], int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        runaway_guard: bool = True,
        do_sample: bool | None = None,
        top_k: int | None = None,
        top_p: float | None = None,
        temperature: float | None = None,
        repetition_penalty: float | None = None,
        subtalker_dosample: bool | None = None,
        subtalker_top_k: int | None = None,
        subtalker_top_p: float | None = None,
        subtalker_temperature: float | None = None,
        max_new_tokens: int | Sequence[int | None] | None = None,
        min_new_tokens: int | None = None,
    ) -> Iterator[AudioChunk]:
        """Stream audio while lines are generated: yields :class:`AudioChunk` pieces per line.

        Same arguments as :meth:`generate_takes` (but ``on_take``). Each line's first chunk comes after
        ``first_chunk_frames`` frames (80 ms each), later ones every ``chunk_frames``; a line's
        last chunk has ``final`` set and carries its complete :class:`Take`. Joined, a line's
        chunks are exactly the take's audio. Closing the generator early (a listener hung up)
        stops generation at the next frame; nothing is left running.

        The call shape of the official streaming proposal works too: ``chunk_size`` frames per
        chunk (first and later), and each chunk unpacks as ``(wav, sample_rate)``, so
        ``for wav, sr in model.generate_voice_clone_stream(text, chunk_size=8): ...``.
        ``left_context_size`` (frames the official decoder decodes again before each chunk)
        is accepted and has no effect: our decoder keeps its state across chunks, so chunks
        join exactly without re-decoding anything.
        """
        if chunk_size is not None:
            if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
                raise InputError(
                    f"chunk_size must be a whole number of frames, 1 or more; got {chunk_size!r}."
                )
            first_chunk_frames = chunk_frames = chunk_size
        if left_context_size is not None and (
            not isinstance(left_context_size, int) or left_context_size < 0
        ):
            raise InputError(
                f"left_context_size must be a whole number, 0 or more; got {left_context_size!r}."
            )
        if not 1 <= first_chunk_frames <= chunk_frames:
            raise InputError("Chunk sizes must satisfy 1 <= first_chunk_frames <= chunk_frames.")
        sampling = _sampling_of(locals())
        yield from self._render(
            text,
            language,
            ref_audio,
            ref_text,
            x_vector_only_mode,
            voice_clone_prompt,
            non_streaming_mode,
            stream=(first_chunk_frames, chunk_frames),
            seed=seed,
            on_progress=on_progress,
            should_stop=should_stop,
            runaway_guard=runaway_guard,
            sampling=sampling,
        )

    def _render(
        self,
        text: str | list[str],
        language: str | list[str] | None = None,
        ref_audio: Any = None,
        ref_text: str | list[str | None] | None = None,
        x_vector_only_mode: bool | list[bool] = False,
        voice_clone_prompt: Any = None,
        non_streaming_mode: bool = False,
        *,
        stream: tuple[int, int] | None,
        seed: int | Sequence[int] | None,
        on_progress: Callable[[list[int], int], None] | None,
        should_stop: Callable[[], bool] | None,
        runaway_guard: bool,
        sampling: dict[str, Any],
    ) -> Iterator[AudioChunk]:
        texts = [str(t).strip() for t in _as_list(text)]
        for i, t in enumerate(texts):
            if not t:
                raise InputError(
                    f"Text {i + 1} is empty.", "Write something for every line, or remove the empty one."
                )
        n = len(texts)
        languages = self._languages(language, n)
        items = self._prompt_items(voice_clone_prompt, ref_audio, ref_text, x_vector_only_mode, n)
        seeds = self._seeds(seed, n)
        params, limits = self._sampling_params(dict(sampling), n)
        user_max = [limit - 1 for limit in limits]  # the reference yields one frame fewer than tokens

        tok = self._parts.tokenizer
        rows, max_frames = [], []
        for t, lang, item, row_max in zip(texts, languages, items, user_max):
            ids = tok.target_ids(t)
            icl = item.icl_mode and item.ref_code is not None
            rows.append(
                RowPrompt(
                    text_ids=ids,
                    speaker=item.ref_spk_embedding,
                    language_id=self.config.talker.codec_language_id.get(lang),
                    ref_ids=tok.reference_ids(str(item.ref_text).strip()) if icl else None,
                    ref_code=item.ref_code if icl else None,
                )
            )
            max_frames.append(min(row_max, frame_cap(len(ids))) if runaway_guard else row_max)

        with torch.inference_mode():
            prompt = self._builder.build(rows, non_streaming_mode)
            job = RenderJob(
                texts=texts,
                languages=languages,
                items=items,
                seeds=seeds,
                prompt=prompt,
                decode=DecodeRequest(
                    prompt=prompt,
                    params=params,
                    seeds=torch.tensor(seeds, dtype=torch.long),
                    max_frames=max_frames,
                    should_stop=should_stop,
                    loop_guard=runaway_guard,
                ),
                user_max_frames=user_max,
                on_progress=on_progress,
                first_chunk_frames=stream[0] if stream else None,
                chunk_frames=stream[1] if stream else 0,
            )
        yield from self._renderer.run(job)

    # ----- argument normalisation ------------------------------------------------------------
    def _sampling_params(self, sampling: dict[str, Any], n: int) -> tuple[SamplingParams, list[int]]:
        """The sampling settings, and each text's ``max_new_tokens``.

        ``max_new_tokens`` may be one value or one per text (None: the default), so the parts
        of one long line can share that line's length limit (see ``engine.text.render``).
        """
        given = sampling.pop("max_new_tokens", None)
        per_text = _broadcast(list(given) if isinstance(given, tuple) else given, n, "max_new_tokens")
        params = SamplingParams.merged(self.generate_defaults, **sampling)
        limits = []
        for value in per_text:
            limit = params.max_new_tokens if value is None else value
            replace(params, max_new_tokens=limit).validate()  # each text's limit, checked as one
            limits.append(limit)
        return replace(params, max_new_tokens=max(limits)), limits

    def _languages(self, language: Any, n: int) -> list[str]:
        langs = _broadcast("auto" if language is None else language, n, "language")
        supported = self.config.supported_languages
        out = []
        for lang in langs:
            key = "auto" if lang is None else str(lang).strip().lower()
            if key not in supported:
                raise InputError(
                    f"Unsupported language {lang!r}. Supported: {', '.join(sorted(supported))}.",
                    "Pick one of these, or 'Auto' to let the model decide.",
                )
            out.append(key)
        return out

    def _prompt_items(
        self, prompt: Any, ref_audio, ref_text, x_vector_only_mode, n: int
    ) -> list[VoiceClonePromptItem]:
        if prompt is None:
            if ref_audio is None:
                raise InputError(
                    "Either voice_clone_prompt or ref_audio must be provided.",
                    "Extract a voice with create_voice_clone_prompt() first, or pass its reference audio.",
                )
            items = self.create_voice_clone_prompt(ref_audio, ref_text, x_vector_only_mode)
        elif isinstance(prompt, dict):  # the official dict-of-lists form
            keys = ("ref_code", "ref_spk_embedding", "x_vector_only_mode")
            try:
                count = len(prompt["ref_spk_embedding"])
                items = [
                    VoiceClonePromptItem(
                        ref_code=prompt["ref_code"][i] if prompt.get("ref_code") is not None else None,
                        ref_spk_embedding=prompt["ref_spk_embedding"][i],
                        x_vector_only_mode=bool(prompt["x_vector_only_mode"][i]),
                        icl_mode=not bool(prompt["x_vector_only_mode"][i]),
                        ref_text=(prompt.get("ref_text") or [None] * count)[i],
                    )
                    for i in range(count)
                ]
            except (KeyError, IndexError, TypeError):
                raise InputError(f"voice_clone_prompt as a dict needs the lists {', '.join(keys)}.") from None
        else:
            items = _as_list(prompt)
        if not items or not all(isinstance(it, VoiceClonePromptItem) for it in items):
            raise InputError(
                "voice_clone_prompt must be VoiceClonePromptItem(s) from create_voice_clone_prompt()."
            )
        items = _broadcast(items, n, "voice_clone_prompt")
        sig = self.signature
        for i, it in enumerate(items):
            it.check_compatible(sig)
            if it.icl_mode and not (it.ref_text or "").strip():
                raise InputError(f"Voice {i} is in ICL mode but has no reference transcript (ref_text).")
        return items

    @staticmethod
    def _seeds(seed: Any, n: int) -> list[int]:
        if seed is None:
            # From torch's global generator, as the official package samples: apps that call
            # torch.manual_seed(n) before generating (voicebox, Quqooo) reproduce their takes.
            return torch.randint(0, SEED_MASK, (n,), dtype=torch.int64).tolist()
        values = _broadcast(list(seed) if isinstance(seed, (tuple, list)) else seed, n, "seed")
        out = []
        for s in values:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
                raise InputError(f"Seeds must be whole numbers of 0 or more, got {s!r}.")
            out.append(int(s) & SEED_MASK)
        # One seed for several lines still gives each line its own randomness.
        if len(set(out)) < len(out) and not isinstance(seed, (tuple, list)):
            out = [(s + i * 0x9E3779B97F4A7C15) & SEED_MASK for i, s in enumerate(out)]
        return out
