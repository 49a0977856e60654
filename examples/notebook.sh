#!/usr/bin/env bash
# examples/notebook.py (mlcalc JSON and CSV in pandas), where python3-pandas is installed.
set -euo pipefail
if ! python3 -c "import pandas" 2>/dev/null; then
  echo "skipped: python3-pandas is not installed (apt-get install python3-pandas)"
  exit 0
fi
MLCALC=${MLCALC:-mlcalc} python3 "$(dirname "$0")/notebook.py"
