#!/usr/bin/env bash
# Builds the Go Twirp client (cached under ~/.cache/acai/go/bin; Go's build cache makes rebuilds
# near-instant) and runs it against a running Acai host.
# Usage: tests/go-client/run.sh [-api-key KEY] BASE_URL      e.g. tests/go-client/run.sh http://127.0.0.1:8080
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${ACAI_GO_BIN:-$HOME/.cache/acai/go/bin}"
mkdir -p "$bin_dir"
(cd "$here" && go build -mod=readonly -o "$bin_dir/acai-go-client" .)
exec "$bin_dir/acai-go-client" "$@"
