#!/usr/bin/env bash
# examples/notebook.py (mlcalc JSON and CSV in pandas), where python3-pandas is installed.
set -euo pipefail
PY=""
for p in python3 /usr/bin/python3; do  # Debian's python3-pandas lives with /usr/bin/python3
  if command -v "$p" >/dev/null && "$p" -c "import pandas" 2>/dev/null; then PY=$p && break; fi
done
if [ -z "$PY" ]; then
  echo "skipped: python3-pandas is not installed (apt-get install python3-pandas)"
  exit 0
fi
MLCALC=${MLCALC:-mlcalc} "$PY" "$(dirname "$0")/notebook.py"
