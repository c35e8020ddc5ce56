#!/usr/bin/env bash
# Runs any command with the test services up (REDIS_URL / MONGODB_URL exported) and stops them
# afterwards, e.g. `bash tests/support/with-services.sh tsx bench/chat.bench.ts`.
set -euo pipefail
# shellcheck source=tests/support/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

if (($# == 0)); then acai_fail "usage: with-services.sh <command> [args...]"; fi
acai_provision
# Plugins are loaded from their built dist/ folders; the browser suite serves the built console.
"$ACAI_REPO_ROOT/node_modules/.bin/tsc" -b
"$ACAI_REPO_ROOT/node_modules/.bin/vite" build --config "$ACAI_REPO_ROOT/core/console/vite.config.ts" --logLevel warn

command_status=0
"$@" || command_status=$?
exit "$command_status"
