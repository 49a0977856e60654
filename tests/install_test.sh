#!/usr/bin/env bash
# `cmake --install` puts mlcalc, the databases, README and licence under a prefix, and the
# installed binary reads the installed databases: an edit under share/mlcalc takes effect.
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
test -x "$prefix/bin/mlcalc"
test -f "$prefix/share/doc/mlcalc/README.md"
test -f "$prefix/share/doc/mlcalc/LICENSE"
# The man page and the completions generated from the command tree.
grep -q '^\.TH MLCALC 1' "$prefix/share/man/man1/mlcalc.1"
grep -q 'complete -o default -F _mlcalc mlcalc' "$prefix/share/bash-completion/completions/mlcalc"
test -f "$prefix/share/zsh/site-functions/_mlcalc"
test -f "$prefix/share/fish/vendor_completions.d/mlcalc.fish"
f="$prefix/share/mlcalc/hardware-db/gpus/h100-sxm.toml"
grep -q '^memory_gib = 80$' "$f"
sed -i 's/^memory_gib = 80$/memory_gib = 81/' "$f"
out=$("$prefix/bin/mlcalc" describe h100-sxm --json)
# 81 GiB = 86973087744 bytes
echo "$out" | grep -q '"memory_bytes": 86973087744' || { echo "installed binary ignored the edited database"; echo "$out" | head -20; exit 1; }
echo "install test: ok"
