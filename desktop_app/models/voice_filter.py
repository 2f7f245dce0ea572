"""The library panel's filter: a search box, a tag and "favorites only" over the library model.

The search follows the library's own rules (``VoiceLibrary.search``, shared with
``timbre-cli``): every word typed must appear in the name or a tag, or start a word of the
transcript, ignoring case. It filters the records the model already holds, so typing never
touches the disk.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from engine.library import Voice
from engine.library.fields import fold, search_words, tags_key, text_key

from .library_model import VOICE_ROLE

_Index = QModelIndex | QPersistentModelIndex


def voice_matches(
    voice: Voice, query: str = "", tag: str | None = None, favorites_only: bool = False
) -> bool:
    """True when ``voice`` passes the search ``query``, the ``tag`` and the favorites filter."""
    if favorites_only and not voice.favorite:
        return False
    tags = tags_key(voice.tags)
    if tag is not None and f"\n{fold(tag.strip())}\n" not in tags:
        return False
    name, text = fold(voice.name), text_key(voice.transcript)
    return all(w in name or w in tags or f" {w}" in text for w in search_words(query))


class VoiceFilterModel(QSortFilterProxyModel):
    """Rows of a :class:`~desktop_app.models.library_model.LibraryModel` that pass the filters."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._query = ""
        self._tag: str | None = None
        self._favorites_only = False

    @property
    def query(self) -> str:
        return self._query

    @property
    def tag(self) -> str | None:
        return self._tag

    @property
    def favorites_only(self) -> bool:
        return self._favorites_only

    @property
    def filtering(self) -> bool:
        return bool(self._query.strip()) or self._tag is not None or self._favorites_only

    def set_query(self, query: str) -> None:
        if query != self._query:
            self._refilter("_query", query)

    def set_tag(self, tag: str | None) -> None:
        """Show only voices with ``tag`` (None: any tag)."""
        if (tag or None) != self._tag:
            self._refilter("_tag", tag or None)

    def set_favorites_only(self, on: bool) -> None:
        if bool(on) != self._favorites_only:
            self._refilter("_favorites_only", bool(on))

    def _refilter(self, name: str, value: object) -> None:
        # Qt 6.10 replaced invalidateRowsFilter() with a begin/end pair around the change.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            setattr(self, name, value)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            setattr(self, name, value)
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802
        voice = self.sourceModel().index(source_row, 0, source_parent).data(VOICE_ROLE)
        return isinstance(voice, Voice) and voice_matches(voice, self._query, self._tag, self._favorites_only)
