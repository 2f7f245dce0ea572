#!/usr/bin/env bash
# Build a separate virtual environment holding the official qwen-tts 0.1.1 package,
# used only to produce parity goldens and reference benchmarks. Never a Timbre dependency.
#
# usage: tools/parity/make_reference_venv.sh [VENV_DIR]   (default: ~/.cache/timbre/qwen-tts-ref)
set -euo pipefail
REF="${1:-${TIMBRE_REF_VENV:-$HOME/.cache/timbre/qwen-tts-ref}}"
PY="${PYTHON:-python3}"
if [ -x "$REF/bin/python" ] && "$REF/bin/python" -c "import importlib.metadata as m; m.version('qwen-tts')" >/dev/null 2>&1; then
    echo "$REF"
    exit 0
fi
"$PY" -m venv "$REF"
"$REF/bin/pip" install -q --upgrade pip
"$REF/bin/pip" install -q torch==2.13.0
"$REF/bin/pip" install -q --no-deps qwen-tts==0.1.1
"$REF/bin/pip" install -q transformers==4.57.3 accelerate==1.12.0 librosa soundfile einops safetensors huggingface_hub
echo "$REF"
