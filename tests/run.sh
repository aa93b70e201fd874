#!/usr/bin/env bash
# Runs every test: build, the xunit suites, and the Pester suite where pwsh exists.
# Ends with one line "N passed, N failed, N skipped" summed over all suites; exits non-zero on any failure.
# Usage: bash tests/run.sh [extra dotnet test arguments]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet build StorageSnapshot.sln -c Release -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

status=0
dotnet test StorageSnapshot.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=1

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done

# Pester, against the built module, wherever PowerShell exists (not on the build machines here).
if command -v pwsh >/dev/null 2>&1; then
  pester_out="$results/pester.txt"
  pwsh -NoProfile -NonInteractive -File "$root/tests/Invoke-Pester.ps1" -ResultsPath "$results/pester.xml" >"$pester_out" 2>&1 || status=1
  cat "$pester_out"
  line=$(grep -E '^PESTER [0-9]+ [0-9]+ [0-9]+$' "$pester_out" | tail -1)
  if [ -n "$line" ]; then
    set -- $line
    passed=$((passed + $2)); failed=$((failed + $3)); skipped=$((skipped + $4))
  else
    failed=$((failed + 1))
  fi
else
  echo "pwsh not found: Pester tests (tests/*.Tests.ps1) not run here."
fi

[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
