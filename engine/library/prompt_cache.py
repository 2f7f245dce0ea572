"""The in-memory cache of loaded prompts, owned by one :class:`~engine.library.VoiceLibrary`.

Keyed by (voice id, model signature). A stored prompt never changes once written for a
signature, so an entry stays valid for as long as its voice exists; the library evicts a
voice's entries when the voice is deleted for good.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from ..prompt import ModelSignature

if TYPE_CHECKING:
    from ..prompt import VoiceClonePromptItem

DEFAULT_CAPACITY = 256  # an ICL prompt is ~20 KB: a few MB at most


class PromptCache:
    """A small thread-safe LRU of prompt items."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, ModelSignature], VoiceClonePromptItem] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, voice_id: str, signature: ModelSignature) -> VoiceClonePromptItem | None:
        with self._lock:
            item = self._items.get((voice_id, signature))
            if item is not None:
                self._items.move_to_end((voice_id, signature))
            return item

    def put(self, voice_id: str, signature: ModelSignature, item: VoiceClonePromptItem) -> None:
        with self._lock:
            self._items[(voice_id, signature)] = item
            self._items.move_to_end((voice_id, signature))
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def evict(self, voice_id: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == voice_id]:
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
