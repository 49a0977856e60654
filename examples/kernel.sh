#!/usr/bin/env bash
# Kernel rooflines: where a GEMM turns compute-bound on an H100 (the ridge point), a decode
# attention step's KV read, and a file of measured timings ranked against the roofline.
set -euo pipefail
M=${MLCALC:-mlcalc}
HERE=$(cd "$(dirname "$0")" && pwd)
"$M" kernel gemm --m 1..8192 --n 4096 --k 4096 --gpu h100-sxm
"$M" kernel attention --phase decode --batch 64 --heads 32 --kv-heads 8 --kv-seq 8192 --head-dim 128 -g h200-sxm
"$M" kernel rmsnorm --rows 4096 --cols 8192 -g h100-sxm --dtype bf16
"$M" kernel gemm -g h100-sxm --measured "$HERE/kernel-timings.csv" --below 75
