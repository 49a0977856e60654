#!/usr/bin/env bash
# Self-hosted Qwen3-8B on one H100 against the API offers, and where self-hosting starts to pay.
set -euo pipefail
M=${MLCALC:-mlcalc}
"$M" cost -m qwen3-8b -g h100-sxm --provider runpod --input 2048 --output 2048 --utilization 0.3
"$M" breakeven -m qwen3-8b -g h100-sxm --provider runpod --api fireworks --input 2048 --output 2048
"$M" list prices --model qwen3-8b
