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

run_leg() {
  local name=$1
  shift
  echo "== emulator leg: $name"
  local started=$SECONDS
  "$@"
  local rc=$?
  results+=("$name: $([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $((SECONDS - started)) s")
  [ "$rc" -eq 0 ] || status=1
}

run_leg "localstack compose file" npx tsx scripts/emulators/check-compose.ts
run_leg "dynamodb-local" npx tsx scripts/emulators/dynamodb-local.ts "$@"
run_leg "moto" npx tsx scripts/emulators/moto.ts "$@"

echo "== emulator legs"
for line in "${results[@]}"; do echo "  $line"; done
exit "$status"
