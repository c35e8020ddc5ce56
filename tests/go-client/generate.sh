#!/usr/bin/env bash
# Regenerates chatpb/ (the Go messages and the Twirp client) from proto/chat.proto with the
# OFFICIAL generators, pinned: protoc-gen-go v1.36.10 and protoc-gen-twirp v8.1.3 (the versions
# the original Go service was built with). The output is committed; run this after changing the proto.
# Usage: tests/go-client/generate.sh [output-dir]   (default: tests/go-client/chatpb)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="${ACAI_GO_TOOLS:-$HOME/.cache/acai/go/tools}"
go_plugin="$tools/protoc-gen-go-v1.36.10/protoc-gen-go"
twirp_plugin="$tools/protoc-gen-twirp-v8.1.3/protoc-gen-twirp"
# One folder per version, so a cached binary is always the pinned one.
[ -x "$go_plugin" ] || GOBIN="$(dirname "$go_plugin")" go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.10
# twirp v8 has no go.mod, so the proxy knows the version as +incompatible.
[ -x "$twirp_plugin" ] || GOBIN="$(dirname "$twirp_plugin")" go install github.com/twitchtv/twirp/protoc-gen-twirp@v8.1.3+incompatible

# go_package in the proto names the production import path; M maps it into this module instead.
mapping="Mchat.proto=acai.dev/goclient/chatpb"
out="${1:-$here/chatpb}"
mkdir -p "$out"
protoc -I "$root/proto" \
  --plugin=protoc-gen-go="$go_plugin" \
  --plugin=protoc-gen-twirp="$twirp_plugin" \
  --go_out="$out" --go_opt=paths=source_relative,"$mapping" \
  --twirp_out="$out" --twirp_opt=paths=source_relative,"$mapping" \
  chat.proto
