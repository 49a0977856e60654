#!/usr/bin/env bash
# What is in a model: parameters, weights, KV cache per token, FLOPs (bf16 KV at 32K context).
set -euo pipefail
M=${MLCALC:-mlcalc}
"$M" describe llama-3.1-8b --context 32768
"$M" describe deepseek-v3 --context 32768 --kv-dtype fp8
"$M" describe h100-sxm
