#!/usr/bin/env bash
# Runs one test file N times in a row (default 20), one vitest process at a time with one worker, and stops at the
# first failing run: its whole output is printed and kept, with the run's number. A test that fails once in twenty
# runs is a bug (docs/TESTING.md, "Flaky tests").
#   npm run test:repeat -- test/local/faults-messages.test.ts 20
#   npm run test:repeat -- test/local/faults-messages.test.ts 20 -t 'push fails'   (more vitest options after N)
set -uo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: npm run test:repeat -- FILE [TIMES] [vitest options...]" >&2
  exit 2
fi
file=$1
times=${2:-20}
shift $(($# >= 2 ? 2 : 1))
if ! [[ $times =~ ^[1-9][0-9]*$ ]]; then
  echo "TIMES must be a positive number, not '$times'" >&2
  exit 2
fi

logs=${TEST_REPEAT_LOGS:-test-results/repeat}
mkdir -p "$logs"
log="$logs/$(basename "$file").log"

for ((run = 1; run <= times; run++)); do
  start=$SECONDS
  if npx vitest run "$file" --maxWorkers=1 "$@" >"$log" 2>&1; then
    echo "run $run/$times of $file passed ($((SECONDS - start)) s)"
  else
    cat "$log"
    echo "run $run/$times of $file FAILED: its output is above and in $log" >&2
    exit 1
  fi
done
echo "$file passed $times runs in a row"
