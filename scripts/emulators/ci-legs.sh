#!/usr/bin/env bash
# Runs the integration suite on every emulator CI can reach without Docker: DynamoDB Local (with S3 on the
# embedded engine) and moto (DynamoDB and S3 on one endpoint), after checking the LocalStack compose file
# offline. Every leg runs even when an earlier one fails; the script exits non-zero if any failed.
# A leg that cannot run (no java, no moto) prints "SKIPPED ..." and passes outside CI; with CI set
# (CI=true, as .ci/run has it) it prints "FAILED ..." and fails, because in CI here both legs must run.
# Usage: bash scripts/emulators/ci-legs.sh   (from anywhere; extra arguments go to vitest)
set -uo pipefail
cd "$(dirname "$0")/../.."

status=0
results=()
failures=()
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run_leg() {
  local name=$1
  shift
  echo "== emulator leg: $name"
  local started=$SECONDS
  local log="$logs/leg-${#results[@]}.log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  # A failed leg's failures are printed again after the last leg, so the end of CI's output names them.
  if [ "$rc" -ne 0 ]; then
    failures+=("== failures of the $name leg (exit $rc):")
    failures+=("$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/Failed Tests|FAIL |Error:|AssertionError/ {n = 40} n > 0 {print; n--}' | head -120)")
  fi
  results+=("$name: $([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $((SECONDS - started)) s")
  [ "$rc" -eq 0 ] || status=1
}

# DynamoDB Local cannot be told which interface to bind, so where we may, the leg runs in a network namespace
# of its own whose only interface is loopback (the tarball is fetched first, outside it).
dynamodb_local_leg() {
  if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null && unshare --net true 2>/dev/null; then
    DYNAMODB_LOCAL_FETCH_ONLY=1 npx tsx scripts/emulators/dynamodb-local.ts || return $?
    echo "dynamodb-local: running in a loopback-only network namespace"
    unshare --net sh -c 'ip link set lo up && exec npx tsx scripts/emulators/dynamodb-local.ts "$@"' sh "$@"
  else
    npx tsx scripts/emulators/dynamodb-local.ts "$@"
  fi
}

run_leg "localstack compose file" npx tsx scripts/emulators/check-compose.ts
run_leg "dynamodb-local" dynamodb_local_leg "$@"
run_leg "moto" npx tsx scripts/emulators/moto.ts "$@"

for block in "${failures[@]}"; do echo "$block"; done
echo "== emulator legs"
for line in "${results[@]}"; do echo "  $line"; done
exit "$status"
