#!/usr/bin/env bash
# Builds the old Go CLI as rebuilt in oldcli/ (binary cached in ~/.cache/acai/go/bin; Go's build cache
# makes rebuilds near-instant) and prints the binary's path.
# Usage: tests/go-client/build-old-cli.sh      then: API_URL=http://127.0.0.1:8080 "$(…)" list
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${ACAI_GO_BIN:-$HOME/.cache/acai/go/bin}"
mkdir -p "$bin_dir"
(cd "$here" && go build -mod=readonly -o "$bin_dir/acai-old-cli" ./oldcli)
echo "$bin_dir/acai-old-cli"
