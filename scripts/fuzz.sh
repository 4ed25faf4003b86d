#!/usr/bin/env bash
# Runs every fuzz target briefly (FUZZTIME, default 5s each).
set -euo pipefail
t="${FUZZTIME:-5s}"
for pkg in $(go list ./internal/...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzz: $pkg $target ($t)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg" >/tmp/fuzz-$target.log 2>&1 || { cat /tmp/fuzz-$target.log; exit 1; }
  done
done
