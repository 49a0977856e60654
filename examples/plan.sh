#!/usr/bin/env bash
# Which GPUs, layouts and how many replicas serve Llama-3.3-70B at 20 requests/s under TTFT 1 s and
# TPOT 50 ms, cheapest first; the KV cache of a 32k-token prompt over 400G RoCE.
set -euo pipefail
M=${MLCALC:-mlcalc}
"$M" plan -m llama-3.3-70b --request-rate 20 --input 2048 --output 512 --ttft-slo 1s --tpot-slo 50ms --top 5
"$M" plan -m llama-3.3-70b --request-rate 20 --input 2048 --output 512 --ttft-slo 1s --tpot-slo 50ms --gpus h100-sxm,h200-sxm --disagg off --top 3 --explain 1
"$M" transfer -m llama-3.1-70b --tokens 32k --link roce-400g --kv-dtype fp8
"$M" describe roce-400g
