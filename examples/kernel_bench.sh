#!/usr/bin/env bash
# examples/kernel_bench.py on CPU PyTorch (tiny shapes), where PyTorch is installed, and its file
# read back by `mlcalc kernel --measured`: the two-command workflow, minus the GPU.
set -euo pipefail
M=${MLCALC:-mlcalc}
PY=""
for p in python3 /usr/bin/python3; do  # Debian's python3-torch lives with /usr/bin/python3
  if command -v "$p" >/dev/null && "$p" -c "import torch" 2>/dev/null; then PY=$p && break; fi
done
if [ -z "$PY" ]; then
  echo "skipped: PyTorch is not installed (apt-get install python3-torch)"
  exit 0
fi
OUT=$(mktemp -d)
"$PY" "$(dirname "$0")/kernel_bench.py" --device cpu --reps 2 --out "$OUT/timings.csv"
for k in gemm rmsnorm softmax attention; do
  "$M" -q kernel "$k" -g h100-sxm --dtype fp32 --measured "$OUT/timings.csv" --format csv >/dev/null
done
echo "kernel_bench.py on CPU: $(($(wc -l <"$OUT/timings.csv") - 1)) timings read back by mlcalc kernel"
rm -rf "$OUT"
