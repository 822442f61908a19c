#!/usr/bin/env bash
# Installs what building and testing akorn needs from Debian's packages (skips the apt
# round trip when everything is already there). Run as root or with sudo available.
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config libopenblas-dev libopenblas-openmp-dev libdnnl-dev libflatbuffers-dev flatbuffers-compiler
      libgtest-dev python3 python3-numpy python3-matplotlib python3-scipy python3-sklearn
      clang libclang-rt-dev libomp-dev)  # the ASan + UBSan build and the fuzzers (tests/sanitize)
# The aarch64 cross build and its tests under user-mode qemu (targets/aarch64-linux-gnu.cmake,
# test targets.cross_aarch64) on x86-64 hosts.
if [ "$(uname -m)" = x86_64 ]; then
  pkgs+=(g++-aarch64-linux-gnu qemu-user file)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The tests' Python scripts need NumPy (the pictures' test matplotlib, the object metrics'
# test SciPy and scikit-learn) in the python3
# that CMake finds first on PATH; where that is not Debian's own (pyenv, a venv), the Debian
# packages above do not reach it.
for mod in numpy:numpy matplotlib:matplotlib scipy:scipy sklearn:scikit-learn; do
  if ! python3 -c "import ${mod%%:*}" >/dev/null 2>&1; then
    echo "installing ${mod#*:} for $(command -v python3) (pip)"
    python3 -m pip install -q "${mod#*:}" || { echo "error: $(command -v python3) has no ${mod#*:} and pip could not install it" >&2; exit 1; }
  fi
done
