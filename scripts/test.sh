#!/usr/bin/env bash
# The whole suite: test dependencies, vet, unit and end-to-end tests, then
# every fuzz target briefly. Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/test-deps.sh || exit 1
unformatted=$(gofmt -l cmd internal bench e2e)
[ -z "$unformatted" ] || { echo "gofmt needed on: $unformatted"; exit 1; }
go vet ./... || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
go test -count=1 -timeout 20m ./... 2>&1 | tee "$log"
tests=${PIPESTATUS[0]}
FUZZTIME="${FUZZTIME:-5s}" ./scripts/fuzz.sh
fuzz=$?
passed=$(grep -c '^ok ' "$log")
failed=$(grep -cE '^FAIL[[:space:]]' "$log")
[ "$fuzz" -ne 0 ] && failed=$((failed + 1))
echo "packages: $passed passed, $failed failed"
[ "$tests" -eq 0 ] && [ "$fuzz" -eq 0 ]
