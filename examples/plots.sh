#!/usr/bin/env bash
# The pictures in the README: a throughput sweep with its serving point, a break-even chart
# against every API offer, a QLoRA memory breakdown, plan's Pareto fronts, a kernel roofline with
# measured points and attention masks. OUT=docs/img regenerates the committed SVGs.
set -euo pipefail
M=${MLCALC:-mlcalc}
OUT=${OUT:-$(mktemp -d)}
"$M" -q throughput -m llama-3.1-8b -g h100-sxm --batch 1..512 --concurrency auto --plot "$OUT/throughput.svg" >/dev/null
"$M" -q breakeven -m llama-3.1-8b -g h100-sxm --gpu-price 2.5 --api-price 0.20/0.60 --plot "$OUT/breakeven.svg" >/dev/null
"$M" -q vram train -m llama-2-70b -g l40s --qlora --lora-rank 16 --seq 512 --recompute full \
  --plot "$OUT/vram-qlora.svg" >/dev/null
"$M" -q plan -m llama-3.3-70b --request-rate 20 --input 2048 --output 512 --ttft-slo 1s --tpot-slo 50ms \
  --gpus h100-sxm,h200-sxm,mi300x --plot "$OUT/plan-pareto.svg" >/dev/null
"$M" -q kernel gemm --m 1..8192 --n 4096 --k 4096 --gpu h100-sxm \
  --measured "$(dirname "$0")/kernel-timings.csv" --plot "$OUT/kernel-roofline.svg" >/dev/null
"$M" -q attention gpt-oss-120b --context 4096 --plot "$OUT/attention-masks.svg" >/dev/null
"$M" -q throughput -m llama-3.1-8b -g h100-sxm --batch 1..512 --format vega >"$OUT/throughput.vl.json"
ls "$OUT"
