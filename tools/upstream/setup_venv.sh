#!/usr/bin/env bash
# The Python environment of tools/upstream/make_fixture.py and tools/pth_to_safetensors.py:
# torch >= 2.1 from PyPI (upstream needs it; Debian's 1.13 is too old) and upstream's own
# imports. usage: tools/upstream/setup_venv.sh [VENV_DIR]   (default .venv-upstream)
set -euo pipefail
venv=${1:-.venv-upstream}
python3 -m venv "$venv"
"$venv/bin/pip" install -q "torch>=2.1" numpy einops pandas ema-pytorch safetensors
echo "$venv: $("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)')"
