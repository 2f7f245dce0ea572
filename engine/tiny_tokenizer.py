"""A small byte-level BPE text tokenizer in the Qwen2 format, for random-weight checkpoints.

It covers any text (every byte is a token) and keeps the chat-framing pieces the prompt
builder slices (``<|im_start|>``, ``assistant``, newline, ``<|im_end|>``) as single tokens.
``full_vocab`` places the special tokens at the published Qwen ids (151643...) so the text
embedding has its real size, for benchmarks at the published dimensions.
"""

from __future__ import annotations

import json
from pathlib import Path

# Qwen2's pre-tokenizer split pattern (contractions, letters, single digits, punctuation, spaces).
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
SPECIAL_NAMES = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<tts_pad>",
    "<tts_text_bos>",
    "<tts_text_eod>",
]
_REAL_SPECIAL_IDS = [151643, 151644, 151645, 151671, 151672, 151673]
_REAL_TEXT_VOCAB = 151936


def byte_alphabet() -> list[str]:
    """The 256 printable stand-ins byte-level BPE uses for raw bytes, in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    out, extra = [], 0
    for b in range(256):
        if b in printable:
            out.append(chr(b))
        else:
            out.append(chr(256 + extra))
            extra += 1
    return out


def _merges_for(word: str) -> list[tuple[str, str]]:
    """Left-to-right merges that build ``word`` into one token."""
    merges, cur = [], word[0]
    for ch in word[1:]:
        merges.append((cur, ch))
        cur += ch
    return merges


def write_tokenizer_files(folder: Path, full_vocab: bool = False) -> dict[str, int]:
    """Write tokenizer.json, vocab.json, merges.txt, tokenizer_config.json; return special ids."""
    alphabet = byte_alphabet()
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    merges = _merges_for("assistant")
    for a, b in merges:
        vocab[a + b] = len(vocab)
    if full_vocab:
        special_ids = _REAL_SPECIAL_IDS
        text_vocab = _REAL_TEXT_VOCAB
    else:
        first = len(vocab)
        special_ids = list(range(first, first + len(SPECIAL_NAMES)))
        text_vocab = (special_ids[-1] // 16 + 1) * 16
    added = [
        {
            "id": i,
            "content": name,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, name in zip(special_ids, SPECIAL_NAMES)
    ]
    tokenizer_json = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            ],
        },
        "post_processor": {
            "type": "ByteLevel",
            "add_prefix_space": False,
            "trim_offsets": False,
            "use_regex": False,
        },
        "decoder": {
            "type": "ByteLevel",
            "add_prefix_space": False,
            "trim_offsets": False,
            "use_regex": False,
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }
    config = {
        "add_prefix_space": False,
        "added_tokens_decoder": {str(t["id"]): {k: v for k, v in t.items() if k != "id"} for t in added},
        "additional_special_tokens": SPECIAL_NAMES[1:3],
        "bos_token": None,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": 131072,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer_json, ensure_ascii=False), encoding="utf-8")
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text(
        "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8"
    )
    (folder / "tokenizer_config.json").write_text(
        json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    ids = dict(zip(["endoftext", "im_start", "im_end", "tts_pad", "tts_bos", "tts_eos"], special_ids))
    ids["text_vocab_size"] = text_vocab
    return ids
