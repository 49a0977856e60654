#!/usr/bin/env bash
# "Will Llama-3.1-70B full fine-tuning fit on 64 H100s with ZeRO-3 at 8K, and how large a micro-batch?"
# "How many concurrent 32K-token requests does gpt-oss-120b hold on one H200?"
set -euo pipefail
M=${MLCALC:-mlcalc}
"$M" vram train -m llama-3.1-70b -g h100-sxm --num-gpus 64 --zero 3 --seq 8192 --recompute selective
"$M" vram train --params 7.5e9 --num-gpus 64 --zero 2
"$M" vram infer -m gpt-oss-120b -g h200-sxm --context 32768 --batch 16
