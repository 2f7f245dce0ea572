"""Long text and scripts: chunking, ``[pause]`` markup, script files, joining takes, timelines.

- :func:`plan_text` / :func:`chunk_text`: cut long text into chunks (sentences, then clauses,
  then words) with ``[pause 0.8s]`` markup kept as exact silences.
- :func:`parse_script` / :func:`parse_script_text`: plain text, CSV/TSV or SRT -> a list of
  :class:`ScriptLine` (every problem raised at once); :func:`parse_script_lines`: every line's
  result, its take or its problems (:class:`ScriptParse`); :func:`check_voices` /
  :func:`check_languages` validate names.
- :func:`join_takes`: takes -> one waveform with exact silences or crossfades.
- :func:`render_long_text` / :func:`render_texts`: chunk one text (or many, e.g. script lines),
  render all chunks as one batch, join each text's takes; a length limit is each text's,
  shared by its chunks (:func:`part_token_limits`).
- :func:`build_timeline` / :func:`write_timeline`: SRT takes placed at their cue starts.
- :func:`text_slug`: a line's words (never its markup) as a file-name-safe name.

Everything here is pure Python on numpy, without torch or Qt (``render_long_text`` drives a
model it is given but imports no torch itself), so the studio's script panel and
``timbre-cli`` can parse before a model is loaded. Errors are
:class:`~engine.text.errors.ScriptError` (a :class:`~engine.errors.InputError`) with the line,
and the column where known; several at once are a :class:`ScriptErrors` listing each.
"""

from __future__ import annotations

from .boundaries import Level
from .budget import part_token_limits
from .chunking import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_CHARS_DENSE,
    Chunk,
    chunk_text,
    default_max_chars,
    plan_text,
)
from .errors import MarkupError, MarkupErrors, ScriptError, ScriptErrors, UnknownVoiceError
from .join import Join, Joined, join_takes, natural_join, silence
from .markup import (
    MAX_PAUSE_S,
    Origin,
    Pause,
    Speech,
    check_markup,
    markup_errors,
    parse_markup,
    strip_markup,
)
from .naming import text_slug
from .render import LongTextRender, RenderedChunk, chunk_seeds, plan_joins, render_long_text, render_texts
from .script import (
    FORMATS,
    LineResult,
    ScriptLine,
    ScriptParse,
    check_languages,
    check_voices,
    detect_format,
    parse_script,
    parse_script_lines,
    parse_script_text,
)
from .timeline import Overrun, Timeline, build_timeline, format_time, write_timeline

__all__ = [
    "DEFAULT_MAX_CHARS",
    "DEFAULT_MAX_CHARS_DENSE",
    "FORMATS",
    "MAX_PAUSE_S",
    "Chunk",
    "Join",
    "Joined",
    "Level",
    "LineResult",
    "LongTextRender",
    "MarkupError",
    "MarkupErrors",
    "Origin",
    "Overrun",
    "Pause",
    "RenderedChunk",
    "ScriptError",
    "ScriptErrors",
    "ScriptLine",
    "ScriptParse",
    "Speech",
    "Timeline",
    "UnknownVoiceError",
    "build_timeline",
    "check_languages",
    "check_markup",
    "check_voices",
    "chunk_seeds",
    "chunk_text",
    "default_max_chars",
    "detect_format",
    "format_time",
    "join_takes",
    "markup_errors",
    "natural_join",
    "parse_markup",
    "parse_script",
    "parse_script_lines",
    "parse_script_text",
    "part_token_limits",
    "plan_joins",
    "plan_text",
    "render_long_text",
    "render_texts",
    "silence",
    "strip_markup",
    "text_slug",
    "write_timeline",
]
