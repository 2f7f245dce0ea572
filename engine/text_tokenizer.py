"""The Qwen2 byte-level BPE text tokenizer of a checkpoint, and the chat framing the talker expects."""

from __future__ import annotations

from pathlib import Path

from .errors import CheckpointError

ROLE_PREFIX_TOKENS = 3  # "<|im_start|>", "assistant", "\n"
TARGET_SUFFIX_TOKENS = 5  # "<|im_end|>", "\n", "<|im_start|>", "assistant", "\n"
REFERENCE_SUFFIX_TOKENS = 2  # "<|im_end|>", "\n"


class TextTokenizer:
    """Turns text into the token ids the talker's text embedding reads."""

    def __init__(self, folder: Path) -> None:
        has_fast = (folder / "tokenizer.json").is_file()
        if not has_fast:
            for name in ("vocab.json", "merges.txt"):
                if not (folder / name).is_file():
                    raise CheckpointError(
                        f"The model folder has no text tokenizer file {name} ({folder}).",
                        "Download the model again; the tokenizer files are part of it.",
                    )
        from transformers import Qwen2TokenizerFast

        try:
            # fix_mistral_regex=False keeps the Qwen2 split pattern the model was trained with and
            # silences transformers' warning about Mistral tokenizers, which this is not.
            self._tok = Qwen2TokenizerFast.from_pretrained(str(folder), fix_mistral_regex=False)
        except Exception as e:  # malformed JSON / merges: name the folder, keep the cause
            raise CheckpointError(f"The text tokenizer in {folder} could not be read: {e}.") from None

    def ids(self, text: str) -> list[int]:
        return self._tok(text, add_special_tokens=False)["input_ids"]

    def target_ids(self, text: str) -> list[int]:
        """Token ids of the text to speak, framed as the assistant turn, framing stripped."""
        ids = self.ids(f"<|im_start|>assistant\n{text}<|im_end|>\n<|im_start|>assistant\n")
        return ids[ROLE_PREFIX_TOKENS:-TARGET_SUFFIX_TOKENS]

    def reference_ids(self, text: str) -> list[int]:
        """Token ids of a reference transcript, framed as a finished assistant turn, framing stripped."""
        ids = self.ids(f"<|im_start|>assistant\n{text}<|im_end|>\n")
        return ids[ROLE_PREFIX_TOKENS:-REFERENCE_SUFFIX_TOKENS]

    def role_prefix_ids(self) -> list[int]:
        return self.ids("<|im_start|>assistant\n")[:ROLE_PREFIX_TOKENS]
