#!/usr/bin/env bash
# Runs every fuzz target briefly (FUZZTIME, default 5s each). Each target's
# output goes to bin/fuzz/<package>.<target>.log (bin/ is ignored by git) and
# is printed when the target fails. go test keeps the generated corpus in
# GOCACHE/fuzz and writes a failing input to the package's testdata/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
t="${FUZZTIME:-5s}"
logs=bin/fuzz
mkdir -p "$logs"
for pkg in $(go list ./internal/...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzz: $pkg $target ($t)"
    log="$logs/$(basename "$pkg").$target.log"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg" >"$log" 2>&1 || { cat "$log"; exit 1; }
  done
done
