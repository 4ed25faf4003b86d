# Cairn. `make run` serves with embedded defaults; `make test` runs everything.
GO      ?= go
BIN     ?= bin/cairn
FUZZTIME ?= 5s

.PHONY: build run test unit e2e fuzz bench vet deps clean

build:
	$(GO) build -o $(BIN) ./cmd/cairn

run:
	$(GO) run ./cmd/cairn serve

# The whole suite: installs test dependencies, vets, runs unit and end-to-end
# tests, then every fuzz target briefly.
test:
	FUZZTIME=$(FUZZTIME) ./scripts/test.sh

unit:
	$(GO) test ./internal/... ./cmd/...

e2e: deps
	$(GO) test -count=1 -v ./e2e/

fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

vet:
	$(GO) vet ./...

deps:
	./scripts/test-deps.sh

# Benchmarks: see docs/BENCHMARKS.md for the figures and how each was produced.
bench:
	./bench/run.sh

clean:
	rm -rf bin
