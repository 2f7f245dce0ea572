"""The studio's settings: typed dataclasses saved as one JSON file under Timbre's data folder.

Qt-free. Reading is forgiving: a missing file gives the defaults, an unknown key is ignored,
and a value of the wrong type falls back to its default, so a hand-edited or older file never
keeps the studio from starting. A file that is not JSON at all is set aside (``.bad``) rather
than overwritten silently. Writes are atomic (temp file + fsync + rename).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.checkpoint import DEFAULT_REPO_ID
from engine.paths import data_dir

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
FRAMES_PER_SECOND = 12.5  # Qwen3-TTS 12 Hz codec: one frame is 1920 samples at 24 kHz (80 ms)

THEMES = ("system", "light", "dark")
DTYPES = ("auto", "bfloat16", "float16", "float32")
EXPORT_FORMATS = ("wav", "flac")
LIBRARY_SORTS = ("name", "last_used", "created", "updated")


@dataclass
class SamplingSettings:
    """The sampling controls of the script panel (official defaults)."""

    temperature: float = 0.9
    top_k: int = 50
    top_p: float = 1.0
    repetition_penalty: float = 1.05
    max_length_s: float = 60.0

    def engine_kwargs(self) -> dict[str, Any]:
        """The keyword arguments ``generate_takes`` understands."""
        return {
            "temperature": float(self.temperature),
            "top_k": int(self.top_k),
            "top_p": float(self.top_p),
            "repetition_penalty": float(self.repetition_penalty),
            "max_new_tokens": max(2, round(self.max_length_s * FRAMES_PER_SECOND)),
        }


@dataclass
class LineChoice:
    """A script line's own voice and language; None means "follow the panel's default"."""

    voice_id: str | None = None
    language: str | None = None


@dataclass
class ScriptState:
    """The script panel's own settings; the scripts themselves live in the projects store.

    ``text``, ``lines``, ``default_voice_id`` and ``default_language`` held the one script of
    Timbre before projects: read once to migrate it into a first project, then left empty.
    """

    text: str = ""
    lines: list[LineChoice] = field(default_factory=list)
    default_voice_id: str | None = None
    default_language: str = "auto"
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    seed: int = 0
    seed_locked: bool = False
    preview: bool = False  # listen while rendering


@dataclass
class Settings:
    """All of the studio's settings. ``device``: "auto", "cpu" or "cuda:N"."""

    model_source: str = DEFAULT_REPO_ID
    device: str = "auto"
    dtype: str = "auto"
    output_folder: str = ""
    export_format: str = "wav"
    input_device: str = ""  # PortAudio device name; "" = the system default
    output_device: str = ""
    theme: str = "system"
    library_sort: str = "name"  # the voices list: "name", "last_used" or "created"
    window_geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    window_state: str = ""
    splitters: dict[str, str] = field(default_factory=dict)  # name -> base64 of saveState()
    script: ScriptState = field(default_factory=ScriptState)
    current_script_id: str = ""  # the script open in the editor (projects store id)

    def model_key(self) -> tuple[str, str, str]:
        """What a loaded model depends on: a change means the model must be reloaded."""
        return (self.model_source.strip(), self.device, self.dtype)

    def export_folder(self) -> Path:
        """Where exports go: the chosen folder, else ``~/Music/Timbre`` (or ``~/Timbre``)."""
        if self.output_folder.strip():
            return Path(self.output_folder).expanduser()
        music = Path.home() / "Music"
        return (music if music.is_dir() else Path.home()) / "Timbre"


def settings_path() -> Path:
    return data_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file (defaults for anything missing or malformed)."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as e:
        log.warning("Settings file %s is unreadable (%s); starting from the defaults", path, e)
        try:
            os.replace(path, path.with_name(path.name + ".bad"))
        except OSError:
            pass
        return Settings()
    return _sanitized(_from_json(Settings, raw))


def _sanitized(s: Settings) -> Settings:
    """Replace values outside their allowed set with the defaults."""
    default = Settings()
    if s.theme not in THEMES:
        s.theme = default.theme
    if s.dtype not in DTYPES:
        s.dtype = default.dtype
    if s.library_sort not in LIBRARY_SORTS:
        s.library_sort = default.library_sort
    if s.export_format not in EXPORT_FORMATS:
        s.export_format = default.export_format
    if not (s.device in ("auto", "cpu") or re.fullmatch(r"cuda:\d+", s.device)):
        s.device = default.device
    if not s.model_source.strip():
        s.model_source = default.model_source
    s.script.seed = min(max(0, s.script.seed), 2**31 - 1)
    return s


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(dataclasses.asdict(settings), indent=2, ensure_ascii=False)
    write_atomically(path, data.encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ----- forgiving JSON -> dataclass ---------------------------------------------------------------
def _from_json(cls: type, raw: Any) -> Any:
    obj = cls()
    if not isinstance(raw, dict):
        return obj
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in raw:
            value = _convert(hints[f.name], raw[f.name])
            if value is not _BAD:
                setattr(obj, f.name, value)
    return obj


_BAD = object()


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is not type(None):
                out = _convert(arg, value)
                if out is not _BAD:
                    return out
        return _BAD
    if dataclasses.is_dataclass(hint):
        return _from_json(hint, value) if isinstance(value, dict) else _BAD
    if origin is list:
        if not isinstance(value, list):
            return _BAD
        items = [_convert(args[0], v) for v in value]
        return [v for v in items if v is not _BAD]
    if origin is dict:
        if not isinstance(value, dict):
            return _BAD
        return {str(k): v for k, v in value.items() if isinstance(v, str)}
    if hint is bool:
        return value if isinstance(value, bool) else _BAD
    if hint is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else _BAD
    if hint is float:
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else _BAD
    if hint is str:
        return value if isinstance(value, str) else _BAD
    return _BAD
