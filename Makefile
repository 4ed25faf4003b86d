# Cairn. `make run` serves with embedded defaults; `make test` runs everything.
GO      ?= go
BIN     ?= bin/cairn
FUZZTIME ?= 5s

.PHONY: build run test unit e2e fuzz bench vet lint deps clean

build:
	$(GO) build -o $(BIN) ./cmd/cairn

run:
	$(GO) run ./cmd/cairn serve

# The whole suite: installs test dependencies, checks formatting, vet, go.mod
# tidiness and staticcheck, runs unit tests (the stream-path packages under
# -race) and end-to-end tests, then every fuzz target briefly.
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

# staticcheck (installed by scripts/test-deps.sh) and the go.mod tidiness check.
lint: deps
	bin/tools/staticcheck ./...
	$(GO) mod tidy -diff

deps:
	./scripts/test-deps.sh

# Benchmarks: see docs/BENCHMARKS.md for the figures and how each was produced.
bench:
	./bench/run.sh

clean:
	rm -rf bin
