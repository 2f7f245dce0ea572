#!/usr/bin/env bash
# Regenerate tests/reference with the official qwen-tts 0.1.1 in its own venv.
# Needs espeak-ng (Debian) for the reference speech. usage: tools/parity/make_goldens.sh [OUT]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-$ROOT/tests/reference}"
REF="$("$ROOT/tools/parity/make_reference_venv.sh" | tail -n 1)"
rm -rf "$OUT/checkpoint" "$OUT/audio" "$OUT/goldens.safetensors" "$OUT/goldens.json"
"$REF/bin/python" "$ROOT/tools/parity/reference_goldens.py" "$OUT"
