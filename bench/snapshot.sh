#!/usr/bin/env bash
# Writes `messages --json` and `report --json` of one checkout for a fixed set of inputs (the
# shared corpora per project, the e2e fixtures, generated 1M-line logs of each MTA), so that a
# refactoring can be checked byte for byte: run it on the commit before and after, then
# `diff -r BEFORE AFTER`. Usage: bench/snapshot.sh CHECKOUT OUTDIR [GENERATED_DIR]
set -euo pipefail
checkout=$(cd "$1" && pwd); out=$2; gen=${3:-$out/generated}
corpora=$(cd "$checkout/../shared/corpora" 2>/dev/null && pwd || true)
mkdir -p "$out" "$gen"
bw() { (cd "$checkout" && node --import tsx src/cli.ts "$@"); }
snap() { # NAME FILE...
  local name=$1; shift
  local db; db=$(mktemp -d)/bw.db
  bw import --db "$db" "$@" >/dev/null 2>"$out/$name.import.err" || echo "import failed: $name" >>"$out/FAILED"
  bw messages --db "$db" --json >"$out/$name.messages.json"
  bw report --db "$db" --json >"$out/$name.report.json"
  rm -rf "$(dirname "$db")"
}
if [ -n "$corpora" ]; then
  for d in "$corpora"/*/; do
    name=$(basename "$d")
    mapfile -t files < <(find "$d" -type f ! -name '*.md' ! -name '*.json' ! -name '*.jsonl' ! -name '*.yaml' ! -name '*.yml' ! -name '*.tsv' ! -name '*.txt' ! -name '*.template' ! -path '*expected*' | sort)
    [ ${#files[@]} -gt 0 ] && snap "corpora-$name" "${files[@]}"
  done
fi
fx="$checkout/test/fixtures"
snap postfix-e2e "$fx/postfix-e2e/mail.log"
snap postfix-e2e-rfc3339 "$fx/postfix-e2e/mail-rfc3339.log"
snap exim-e2e "$fx/exim-e2e/mainlog"
snap exim-e2e-syslog "$fx/exim-e2e/exim-syslog.log"
for f in "$fx"/exim-e2e-default-selector/*; do case $f in *mainlog*|*.log) snap "exim-default-$(basename "$f")" "$f";; esac; done
for mta in postfix exim; do
  fmt=classic; [ $mta = exim ] && fmt=mainlog
  [ -s "$gen/$mta-1m.log" ] || (cd "$checkout" && node --import tsx bench/generate.ts --mta $mta --lines 1000000 --format $fmt --out "$gen/$mta-1m.log" --end 2026-11-01T00:00:00Z)
  snap "generated-$mta-1m" "$gen/$mta-1m.log"
done
echo "snapshot written to $out"
