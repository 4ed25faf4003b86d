#!/usr/bin/env bash
# The whole suite: test dependencies, gofmt, vet, go.mod tidiness,
# staticcheck, the core packages under the race detector, every other package
# (unit and end-to-end tests), then every fuzz target briefly. Ends with one
# summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/test-deps.sh || exit 1
unformatted=$(gofmt -l cmd internal bench e2e)
[ -z "$unformatted" ] || { echo "gofmt needed on: $unformatted"; exit 1; }
go vet ./... || exit 1
go mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
bin/tools/staticcheck ./... || { echo "staticcheck found problems"; exit 1; }

# The packages that run goroutines around the event stream run under -race
# (once, instead of in the plain run). A package that does not exist (yet, or
# any more) is skipped.
race=()
for pkg in journal stream settle recorder history delivery lake server; do
  [ -d "internal/$pkg" ] && race+=("./internal/$pkg/...")
done
race_list=$(go list "${race[@]}")
plain=$(go list ./... | grep -vxF "$race_list")

mkdir -p bin
log=$(mktemp -p bin test.XXXXXX.log)
trap 'rm -f "$log"' EXIT
go test -count=1 -race -timeout 20m $race_list 2>&1 | tee "$log"
race_rc=${PIPESTATUS[0]}
go test -count=1 -timeout 20m $plain 2>&1 | tee -a "$log"
plain_rc=${PIPESTATUS[0]}
FUZZTIME="${FUZZTIME:-5s}" ./scripts/fuzz.sh
fuzz=$?
passed=$(grep -c '^ok ' "$log")
failed=$(grep -cE '^FAIL[[:space:]]' "$log")
[ "$fuzz" -ne 0 ] && failed=$((failed + 1))
echo "packages: $passed passed, $failed failed"
[ "$race_rc" -eq 0 ] && [ "$plain_rc" -eq 0 ] && [ "$fuzz" -eq 0 ]
