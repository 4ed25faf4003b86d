#!/usr/bin/env bash
# Installs what the test suite needs beyond Go: Debian's awscli (v2) for the
# end-to-end tests, and staticcheck (from the Go module proxy, into
# bin/tools/). awscli v1, boto3 and moto_server come with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/aws ]; then
  echo "test-deps: installing Debian's awscli (v2)"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq awscli >/dev/null
fi
for tool in aws python3; do
  command -v "$tool" >/dev/null || { echo "test-deps: $tool is missing" >&2; exit 1; }
done
python3 -c 'import boto3' || { echo "test-deps: python3 cannot import boto3" >&2; exit 1; }

# staticcheck, pinned, built by the Go toolchain in use (a staticcheck built
# by an older Go cannot load packages of a newer one). Reinstalled only when
# the binary is missing, another version, or built by another Go.
staticcheck_mod=honnef.co/go/tools
staticcheck_version=v0.8.2
staticcheck=bin/tools/staticcheck
built=$(go version -m "$staticcheck" 2>/dev/null | awk -v m="$staticcheck_mod" '
  NR == 1 { gover = $2 } $1 == "mod" && $2 == m { ver = $3 } END { print gover, ver }') || true
if [ "$built" != "$(go env GOVERSION) $staticcheck_version" ]; then
  echo "test-deps: installing staticcheck $staticcheck_version into bin/tools"
  GOBIN="$(pwd)/bin/tools" go install "$staticcheck_mod/cmd/staticcheck@$staticcheck_version"
fi
