#!/usr/bin/env bash
# The whole test suite (`npm test`, `.ci/run`): provisions dependencies and services, builds,
# type-checks and runs vitest. Extra arguments go to vitest (e.g. `npm test -- tests/integration`).
set -euo pipefail
# shellcheck source=tests/support/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

started_at=$SECONDS
# Seconds each step took, for the summary (where the suite's wall time goes).
step_started_at=$SECONDS
step_times=()
end_step() {
  step_times+=("$1 $((SECONDS - step_started_at)) s")
  step_started_at=$SECONDS
}

acai_provision
end_step provision

# Each step is reported in the summary; vitest still runs after a build or type error (it runs
# from source), but any failing step fails the run.
build_status=0
acai_log "building (tsc -b)"
"$ACAI_REPO_ROOT/node_modules/.bin/tsc" -b || build_status=$?
end_step build

# The web console is bundled by Vite into core/dist/console; the browser suite drives that build.
console_status=0
acai_log "building the web console (vite build)"
"$ACAI_REPO_ROOT/node_modules/.bin/vite" build --config core/console/vite.config.ts --logLevel warn || console_status=$?
end_step console

typecheck_status=0
acai_log "type-checking sources and tests (tsc -p tsconfig.tests.json)"
"$ACAI_REPO_ROOT/node_modules/.bin/tsc" -p tsconfig.tests.json || typecheck_status=$?
end_step typecheck

vitest_status=0
"$ACAI_REPO_ROOT/node_modules/.bin/vitest" run "$@" || vitest_status=$?
end_step vitest

describe_status() { if (($1 == 0)); then echo ok; else echo "FAILED (exit $1)"; fi; }
acai_log "summary: build $(describe_status $build_status), console $(describe_status $console_status), typecheck $(describe_status $typecheck_status), vitest $(describe_status $vitest_status), $((SECONDS - started_at)) s"
acai_log "time per step: $(IFS=,; echo "${step_times[*]}" | sed 's/,/, /g')"

for status in $vitest_status $build_status $console_status $typecheck_status; do
  if ((status != 0)); then exit "$status"; fi
done
exit 0
