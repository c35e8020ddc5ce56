#!/usr/bin/env bash
# Regenerates the TypeScript descriptors and message types from proto/*.proto with protoc-gen-es.
# Usage: core/scripts/generate-proto.sh [output-dir]   (default: core/src/rpc/generated)
# Needs Debian's protoc (package protobuf-compiler; its google/protobuf/*.proto come with libprotobuf-dev)
# and the pinned @bufbuild/protoc-gen-es from node_modules, so output is reproducible.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/core/src/rpc/generated}"
plugin="$root/node_modules/.bin/protoc-gen-es"

if ! command -v protoc >/dev/null; then
  echo "generate-proto: protoc not found; install it with: apt-get install -y protobuf-compiler" >&2
  exit 1
fi
if [ ! -x "$plugin" ]; then
  echo "generate-proto: $plugin not found; run npm ci at the repository root" >&2
  exit 1
fi

mkdir -p "$out"
cd "$root/proto"
# Sorted so the invocation (and the output) never depends on directory order.
mapfile -t protos < <(find . -name '*.proto' -printf '%P\n' | LC_ALL=C sort)
protoc -I . \
  --plugin=protoc-gen-es="$plugin" \
  --es_out="$out" \
  --es_opt=target=ts,import_extension=js \
  "${protos[@]}"
