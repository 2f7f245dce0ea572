"""Find a model folder (local or from the Hugging Face hub) and load its weights into modules.

A folder in the official layout holds ``config.json``, ``generation_config.json``,
``model.safetensors`` (or shards plus ``model.safetensors.index.json``), the text tokenizer
files, and ``speech_tokenizer/`` with its own ``config.json`` and ``model.safetensors``.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

from .errors import CheckpointError, ModelNotAvailableError, ModelNotFoundError

log = logging.getLogger(__name__)

DEFAULT_REPO_ID = "Qwen/Qwen3-TTS-12Hz-1.7B-Base"
WEIGHTS_NAME = "model.safetensors"
WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
SPEECH_TOKENIZER_DIR = "speech_tokenizer"

# progress(done_bytes, total_bytes); called from a watcher thread while a download runs.
DownloadProgress = Callable[[int, int], None]

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


def looks_like_repo_id(name: str) -> bool:
    return bool(_REPO_ID.match(name)) and not name.startswith((".", "/", "~"))


def resolve_model_dir(
    name_or_path: str | os.PathLike,
    *,
    progress: DownloadProgress | None = None,
    cache_dir: str | None = None,
    local_files_only: bool | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
) -> Path:
    """Return the local folder of a model: the folder itself, or the hub snapshot.

    A hub repo id is looked up in the local Hugging Face cache first and downloaded when it
    is missing (unless offline). ``revision`` (branch, tag or commit) and ``token`` (for
    private or gated repos) are the hub's own. Errors name the folder or repo and what to do.
    """
    path = Path(os.path.expanduser(str(name_or_path)))
    if path.is_dir():
        return path
    name = str(name_or_path)
    if not looks_like_repo_id(name):
        raise CheckpointError(
            f"The model folder {name!r} does not exist.",
            "Choose a folder holding config.json and model.safetensors, or enter a hub id such as "
            f"{DEFAULT_REPO_ID}.",
        )
    hub = {"cache_dir": cache_dir, "revision": revision, "token": token}
    return _snapshot(name, progress=progress, local_files_only=local_files_only, hub=hub)


def _snapshot(repo_id: str, *, progress, local_files_only, hub: dict) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.constants import HF_HUB_OFFLINE

    try:
        return Path(snapshot_download(repo_id, local_files_only=True, **hub))
    except Exception:  # not cached (or only partly): fall through to a download
        pass
    offline = HF_HUB_OFFLINE if local_files_only is None else local_files_only
    if offline:
        raise ModelNotAvailableError(
            f"The model {repo_id} is not in the local Hugging Face cache, and downloads are off (offline mode).",
            _DOWNLOAD_HINT.format(repo_id=repo_id),
            reason="offline",
        )
    watcher = _DownloadWatcher(repo_id, progress, hub) if progress else None
    try:
        if watcher:
            watcher.start()
        return Path(snapshot_download(repo_id, **hub))
    except Exception as e:  # network, auth, no such repo: said in words, the details logged
        log.info("Downloading %s failed", repo_id, exc_info=e)
        raise _download_error(repo_id, e, hub.get("revision")) from None
    finally:
        if watcher:
            watcher.stop()


_DOWNLOAD_HINT = (
    "Connect to the internet so Timbre can download {repo_id} once, or download it elsewhere "
    "and choose its folder in Settings > Model."
)
_ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^\"'()\]\[\n]+)")  # the OS's words, up to the line's end


def _class_names(error: BaseException) -> set[str]:
    # By name: huggingface_hub 0.x, 1.x and 2.x define these classes in different places.
    return {c.__name__ for c in type(error).__mro__}


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _http_status(error: BaseException) -> int | None:
    status = getattr(getattr(error, "response", None), "status_code", None)
    return status if isinstance(status, int) and status >= 400 else None


def _network_detail(error: BaseException) -> str:
    """The OS's words for a failed connection ("Connection refused"), else the error's class."""
    for e in _causes(error):
        m = _ERRNO_TEXT.search(str(e))
        if m:
            return m.group(1).strip().rstrip(".")
    return type(_causes(error)[-1]).__name__


def _download_error(
    repo_id: str, error: BaseException, revision: str | None = None
) -> ModelNotAvailableError:
    """The error to show when downloading ``repo_id`` failed with ``error``: in words, detail short."""
    names = _class_names(error)
    if "GatedRepoError" in names:
        return ModelNotFoundError(
            f"The model {repo_id} is gated: its page on the Hugging Face hub asks you to accept its terms first.",
            "Accept them on the model's page, then set HF_TOKEN to an access token of that account.",
        )
    if "RepositoryNotFoundError" in names:
        return ModelNotFoundError(
            f"There is no model {repo_id} on the Hugging Face hub (or it is private).",
            f"Check the id: Timbre uses {DEFAULT_REPO_ID} or Qwen/Qwen3-TTS-12Hz-0.6B-Base.",
        )
    if "RevisionNotFoundError" in names:
        return ModelNotFoundError(
            f"The model {repo_id} has no revision {revision!r} on the Hugging Face hub.",
            "Check the branch, tag or commit, or leave the revision out for the latest.",
        )
    if any(getattr(e, "errno", None) == errno.ENOSPC for e in _causes(error)):
        return ModelNotAvailableError(
            f"The model {repo_id} could not be downloaded: the disk is full.",
            "Free some space (the 1.7B model needs about 5 GB) and try again.",
            reason="disk",
        )
    status = next(filter(None, (_http_status(e) for e in _causes(error))), None)
    if status is not None:
        return ModelNotAvailableError(
            f"The Hugging Face hub did not hand out {repo_id} (it answered HTTP {status}).",
            "Try again later, or download the model elsewhere and choose its folder in Settings > Model.",
            reason="refused",
        )
    return ModelNotAvailableError(
        f"The model {repo_id} is not downloaded yet, and Timbre could not reach the Hugging Face "
        f"hub to download it ({_network_detail(error)}).",
        _DOWNLOAD_HINT.format(repo_id=repo_id),
        reason="unreachable",
    )


class _DownloadWatcher:
    """Reports bytes on disk in a repo's blob folder while ``snapshot_download`` runs."""

    def __init__(self, repo_id: str, progress: DownloadProgress, hub: dict) -> None:
        from huggingface_hub.constants import HF_HUB_CACHE

        folder = "models--" + repo_id.replace("/", "--")
        self.blobs = Path(hub["cache_dir"] or HF_HUB_CACHE) / folder / "blobs"
        self.repo_id, self.progress, self.hub = repo_id, progress, hub
        self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="timbre-download-watch", daemon=True)

    def start(self) -> None:
        try:
            from huggingface_hub import HfApi

            api = HfApi(token=self.hub["token"])
            info = api.model_info(self.repo_id, revision=self.hub["revision"], files_metadata=True)
            self.total = sum(s.size or 0 for s in info.siblings or [])
        except Exception:
            self.total = 0  # unknown size: still report bytes done
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            done = (
                sum(f.stat().st_size for f in self.blobs.glob("*") if f.is_file())
                if self.blobs.is_dir()
                else 0
            )
            self.progress(done, self.total)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)


def weight_files(folder: Path, label: str = "") -> list[Path]:
    """The safetensors files of a folder: the single file, or the shards its index names."""
    single = folder / WEIGHTS_NAME
    index = folder / WEIGHTS_INDEX_NAME
    where = f"{label}/" if label else ""
    if single.is_file():
        return [single]
    if index.is_file():
        try:
            shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        except (ValueError, KeyError, TypeError) as e:
            raise CheckpointError(f"{where}{WEIGHTS_INDEX_NAME} is malformed ({index}): {e}.") from None
        files = [folder / s for s in shards]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise CheckpointError(
                f"{where}{WEIGHTS_INDEX_NAME} names weight files that are missing: {', '.join(missing)}.",
                "The download is incomplete; download the model again.",
            )
        return files
    raise CheckpointError(
        f"The model folder has no {where}{WEIGHTS_NAME} ({folder}).",
        "Point Timbre at a complete Qwen3-TTS model folder, or download the model again.",
    )


def read_state_dict(files: list[Path], *, device, dtype, label: str = "") -> dict:
    """Read tensors from safetensors files onto ``device``, floating ones cast to ``dtype``."""
    from safetensors import SafetensorError, safe_open

    tensors = {}
    for f in files:
        name = f"{label}/{f.name}" if label else f.name
        try:
            with safe_open(str(f), framework="pt", device=str(device)) as handle:
                for key in handle.keys():
                    t = handle.get_tensor(key)
                    tensors[key] = t.to(dtype) if t.is_floating_point() else t
        except (SafetensorError, OSError, ValueError, RuntimeError) as e:
            raise CheckpointError(
                f"{name} could not be read ({f}): {e}.", "The file is damaged; download the model again."
            ) from None
    return tensors


def load_into(module, tensors: dict, *, label: str, prefix: str = "") -> list[str]:
    """Assign ``tensors`` (keys under ``prefix``) to ``module``'s parameters; return unused keys.

    Missing weights and shape mismatches raise a :class:`CheckpointError` naming the file.
    """
    from .qwen3tts.layers import published_state_dict

    expected = published_state_dict(module)  # the file's names; loading joins q/k/v and gate/up
    picked = {}
    for key, param in expected.items():
        full = prefix + key
        if full not in tensors:
            continue
        t = tensors[full]
        if tuple(t.shape) != tuple(param.shape):
            raise CheckpointError(
                f"{label}: weight {full} has shape {tuple(t.shape)}, the configuration needs {tuple(param.shape)}.",
                "config.json and the weights do not belong together; download the model again.",
            )
        picked[key] = t
    missing = [prefix + k for k in expected if k not in picked]
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        raise CheckpointError(
            f"{label} lacks weights the model needs: {shown}.",
            "Is this a Qwen3-TTS 12Hz Base checkpoint? Download it again if the folder is incomplete.",
        )
    module.load_state_dict(picked, strict=True, assign=True)
    used = {prefix + k for k in picked}
    return [k for k in tensors if k.startswith(prefix) and k not in used]
