#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install what is missing (apt-get, as root or via
# sudo), build mlcalc in build/, and run a real calculation.
set -euo pipefail
cd "$(dirname "$0")"
pkgs="cmake g++ make libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libfmt-dev doctest-dev libcurl4-openssl-dev python3 python3-yaml"
missing=()
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/mlcalc describe llama-3.1-8b
