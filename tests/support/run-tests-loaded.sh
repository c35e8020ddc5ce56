#!/usr/bin/env bash
# `npm run test:loaded`: the whole suite (tests/support/run-tests.sh, same arguments) while CPU hogs keep
# the cores busy, as on a shared CI machine. It proves that no test depends on an idle machine: every
# wait in the suite is for an event, bounded by the budgets in tests/support/timing.ts.
#
#   npm run test:loaded                         # two hogs (`yes > /dev/null`), the whole suite
#   npm run test:loaded -- tests/integration    # arguments go to vitest, as with `npm test`
#   ACAI_TEST_CPU_HOGS=4 npm run test:loaded    # more hogs
#
# The hogs are stopped when the suite ends, fails or is interrupted; a watchdog stops them too if this
# script is killed outright (SIGKILL), so none is ever left running.
set -euo pipefail

log() { printf '[acai-test] %s\n' "$*" >&2; }

hog_count="${ACAI_TEST_CPU_HOGS:-2}"
if ! [[ "$hog_count" =~ ^[0-9]+$ ]] || ((hog_count > 64)); then
  log "error: ACAI_TEST_CPU_HOGS must be a whole number from 0 to 64, got \"$hog_count\""
  exit 2
fi

hog_pids=()
watchdog_pid=""

stop_hogs() {
  local status=$?
  if ((${#hog_pids[@]} > 0)); then
    kill "${hog_pids[@]}" 2>/dev/null || true
    wait "${hog_pids[@]}" 2>/dev/null || true
    log "stopped ${#hog_pids[@]} CPU hog(s)"
    hog_pids=()
  fi
  if [[ -n "$watchdog_pid" ]]; then
    kill "$watchdog_pid" 2>/dev/null || true
    wait "$watchdog_pid" 2>/dev/null || true
    watchdog_pid=""
  fi
  return "$status"
}
trap stop_hogs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ((index = 0; index < hog_count; index += 1)); do
  yes >/dev/null &
  hog_pids+=("$!")
done
if ((hog_count > 0)); then
  # Outlives nothing: when this script is gone (even after SIGKILL), it stops the hogs and itself.
  (
    trap '' INT
    while kill -0 "$$" 2>/dev/null; do sleep 2; done
    kill "${hog_pids[@]}" 2>/dev/null || true
  ) &
  watchdog_pid=$!
fi
log "running the suite next to $hog_count CPU hog(s) on $(nproc) core(s) (load average: $(cut -d' ' -f1-3 /proc/loadavg))"

started_at=$SECONDS
suite_status=0
bash "$(dirname "${BASH_SOURCE[0]}")/run-tests.sh" "$@" || suite_status=$?
log "loaded run finished in $((SECONDS - started_at)) s with exit code $suite_status (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
exit "$suite_status"
