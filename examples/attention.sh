#!/usr/bin/env bash
# Attention per layer: gemma-3's 5 local : 1 global pattern and what FlashAttention saves at 32k on
# an H100, gpt-oss's 128-token windows with sinks at decode, Llama 4's chunks and NoPE layers drawn
# as masks, and a hybrid whose linear layers hold no KV.
set -euo pipefail
M=${MLCALC:-mlcalc}
OUT=${TMPDIR:-/tmp}
"$M" attention gemma-3-27b --context 32k --gpu h100-sxm
"$M" attention gpt-oss-120b --phase decode --context 128k --batch 64 --gpu h200-sxm
"$M" attention llama-4-scout --context 32k --svg "$OUT/llama-4-scout-masks.svg"
"$M" attention qwen3-next-80b-a3b --context 4096 --format csv
"$M" attention deepseek-v3 --layer 0 --gpu h100-sxm --format json
