#!/usr/bin/env bash
# "Llama-3.3-70B in FP8 on 2x H100 at batch 1..64: tokens/s, TTFT, TPOT, what bounds it?"
# and "what is the most I can serve from this box at a 50 ms TPOT?"
set -euo pipefail
M=${MLCALC:-mlcalc}
"$M" throughput -m llama-3.3-70b -g h100-sxm --tp 2 --weights fp8 --batch 1..64 --input 1000 --output 500
"$M" throughput -m llama-3.3-70b -g h100-sxm --tp 2 --weights fp8 --input 1000 --output 500 --concurrency auto --tpot-slo 50ms
"$M" throughput -m gpt-oss-120b -g h200-sxm --batch 1,8,64 --mode roofline --explain
