#!/usr/bin/env bash
# Installs what the test suite needs beyond Go: Debian's awscli (v2) for the
# end-to-end tests. awscli v1, boto3 and moto_server come with the machine.
set -euo pipefail
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
