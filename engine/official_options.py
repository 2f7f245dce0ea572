"""Options the official ``qwen_tts`` API accepts that have no meaning for our engine.

The official ``from_pretrained`` forwards its keyword arguments to transformers'
``AutoModel.from_pretrained``, and ``generate_voice_clone`` forwards its extras towards
transformers' ``generate``; apps written for it pass such options (voicebox:
``low_cpu_mem_usage``; services: ``attn_implementation``; Quqooo: ``min_new_tokens``). Here each
one is either honoured by name in :mod:`engine.model`, or listed below and ignored with one
logged warning, while a name in neither list (a typo such as ``temprature``) is an error that
suggests the closest real option. No torch import.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable
from typing import Any

from .errors import InputError

log = logging.getLogger("engine")

# transformers' PreTrainedModel.from_pretrained options that change nothing in our engine: one
# attention implementation, one device, weights loaded tensor by tensor, no remote code, no
# quantisation backends.
IGNORED_LOAD_OPTIONS = frozenset(
    {
        "attn_implementation",
        "low_cpu_mem_usage",
        "trust_remote_code",
        "quantization_config",
        "load_in_8bit",
        "load_in_4bit",
        "max_memory",
        "offload_folder",
        "offload_state_dict",
        "offload_buffers",
        "use_safetensors",
        "weights_only",
        "variant",
        "subfolder",
        "force_download",
        "resume_download",
        "proxies",
        "output_loading_info",
        "ignore_mismatched_sizes",
        "use_flash_attention_2",
        "use_kernels",
        "tp_plan",
        "tp_size",
        "key_mapping",
        "fix_mistral_regex",
        "_fast_init",
    }
)

# Extras of the official generate path (``instruct`` and ``speaker`` belong to the other model
# kinds) and transformers' generate options: the official Base path accepts and drops them too,
# or they steer a search (beams, assistants, streamers) that our decode loop does not run.
IGNORED_GENERATE_OPTIONS = frozenset(
    {
        "instruct",
        "speaker",
        "eos_token_id",
        "pad_token_id",
        "bos_token_id",
        "output_hidden_states",
        "output_attentions",
        "output_scores",
        "output_logits",
        "return_dict_in_generate",
        "use_cache",
        "num_beams",
        "num_beam_groups",
        "num_return_sequences",
        "length_penalty",
        "early_stopping",
        "no_repeat_ngram_size",
        "bad_words_ids",
        "suppress_tokens",
        "begin_suppress_tokens",
        "typical_p",
        "epsilon_cutoff",
        "eta_cutoff",
        "min_p",
        "diversity_penalty",
        "encoder_repetition_penalty",
        "renormalize_logits",
        "remove_invalid_values",
        "max_length",
        "min_length",
        "max_time",
        "stop_strings",
        "streamer",
        "logits_processor",
        "stopping_criteria",
        "prefix_allowed_tokens_fn",
        "synced_gpus",
        "assistant_model",
        "generation_config",
        "negative_prompt_ids",
        "negative_prompt_attention_mask",
        "attention_mask",
    }
)

_warned: set[tuple[str, str]] = set()


def drop_ignored(
    options: dict[str, Any], ignored: frozenset[str], known: Iterable[str], where: str
) -> dict[str, Any]:
    """``options`` less the ignored ones; unknown names raise :class:`InputError`.

    ``known`` are the names the caller honours (kept in the result). An ignored option with a
    value (``instruct=None`` means nothing and is dropped quietly) is logged once per process
    and name, so a service calling a thousand times logs one line.
    """
    known = set(known)
    unknown = sorted(k for k in options if k not in known and k not in ignored)
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, sorted(known | ignored), n=1, cutoff=0.75)
            hints.append(f"{name} (did you mean {close[0]}?)" if close else name)
        raise InputError(
            f"Unknown {where} option(s): {', '.join(hints)}.",
            "Check the spelling against the official qwen_tts options.",
        )
    dropped = sorted(k for k in options if k in ignored and options[k] is not None)
    fresh = [k for k in dropped if (where, k) not in _warned]
    if fresh:
        _warned.update((where, k) for k in fresh)
        log.warning("Ignoring %s option(s) with no effect in Timbre's engine: %s", where, ", ".join(fresh))
    return {k: v for k, v in options.items() if k in known}


def device_from_map(device_map: Any) -> Any:
    """transformers' ``device_map`` -> the one device our engine runs the whole model on.

    ``"cuda:0"``, ``"cpu"``, ``0`` (GPU 0) and ``torch.device`` name a device; ``"auto"``,
    ``"balanced"`` and ``"sequential"`` mean "pick" (CUDA when present); a dict such as
    ``{"": "cpu"}`` (voicebox's CPU path) is fine when every entry names the same device.
    """
    if isinstance(device_map, dict):
        targets = {str(v) for v in device_map.values()}
        if len(targets) != 1:
            raise InputError(
                f"device_map spreads the model over {', '.join(sorted(targets)) or 'no device'}.",
                "Timbre runs the whole model on one device: give one, e.g. device_map='cuda:0'.",
            )
        device_map = next(iter(device_map.values()))
    if isinstance(device_map, str) and device_map in ("auto", "balanced", "balanced_low_0", "sequential"):
        return None
    if isinstance(device_map, int) and not isinstance(device_map, bool):
        return f"cuda:{device_map}"
    if isinstance(device_map, str) and device_map.isdigit():
        return f"cuda:{device_map}"
    return device_map
