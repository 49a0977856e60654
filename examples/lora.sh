#!/usr/bin/env bash
# "Can I fine-tune Llama-2-70B on one 48 GB L40S?" Full fine-tuning, 16-bit LoRA and QLoRA side by side.
set -euo pipefail
M=${MLCALC:-mlcalc}
"$M" vram train -m llama-2-70b -g l40s --qlora --lora-rank 16 --seq 512 --recompute full
"$M" vram train -m llama-2-70b -g l40s --lora-rank 16 --seq 512 --recompute full
"$M" vram train -m llama-3.1-8b -g rtx-4090 --qlora --lora-targets q,k,v,o --seq 2048 --recompute full
