#!/usr/bin/env bash
# Model cards: one for a database model with lm-evaluation-harness results and the author's TOML,
# one for a checkpoint directory (the tiny test fixture: config.json, tokenizer, safetensors
# headers), and the same content as JSON. The cards go to a temporary directory.
set -euo pipefail
M=${MLCALC:-mlcalc}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$M" card llama-3.1-8b --eval "$HERE/card-results.json" --info "$HERE/card-info.toml" --out "$OUT/README.md"
head -40 "$OUT/README.md"
"$M" card "$HERE/../tests/fixtures/card-tiny" --quiet | sed -n '/## Model details/,/## Serving/p'
"$M" card qwen3-8b --format json --quiet | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r["front_matter"]["pipeline_tag"], len(r["serving"]["setups"]), "setups")'
