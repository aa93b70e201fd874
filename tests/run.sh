#!/usr/bin/env bash
# The one test command: builds, runs every xunit suite and the Pester suite (in the PowerShell the repository
# pins), and ends with one line "N passed, N failed, N skipped" summed over all of them by
# tests/summarise-results.sh, which counts every suite that should have run and did not as failed. Exits
# non-zero on any failure.
# Usage: bash tests/run.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Inventory]
#   (with extra arguments the per-suite floors of tests/expected-test-floors.txt are not checked)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# pwsh (a dotnet tool) starts child pwsh processes through its apphost, which must find the runtime.
if [ -z "${DOTNET_ROOT:-}" ] && command -v dotnet >/dev/null 2>&1; then
  export DOTNET_ROOT
  DOTNET_ROOT=$(dirname "$(readlink -f "$(command -v dotnet)")")
fi

phase_start=0
phase() { phase_start=$SECONDS; echo "== $1"; }
phase_done() { echo "== $1 took $((SECONDS - phase_start)) s"; }

# Runs one suite: its output to <suite>/output.txt (printed when it ends), its exit code to <suite>/exit-code.
run_suite() { # run_suite <suite> <command...>
  local suite=$1; shift
  mkdir -p "$results/$suite"
  local started=$SECONDS
  "$@" >"$results/$suite/output.txt" 2>&1
  local code=$?
  echo "$code" >"$results/$suite/exit-code"
  echo "$((SECONDS - started))" >"$results/$suite/seconds"
}

# The house style (.editorconfig): whitespace is checked here, without compiling; the style rules that need the
# compiler (file-scoped namespaces, usings outside, naming) fail the build itself (EnforceCodeStyleInBuild).
phase "Format check"
if ! dotnet format whitespace StorageSnapshot.sln --verify-no-changes; then
  echo "FAILED the format check: run 'dotnet format whitespace StorageSnapshot.sln' and commit the result"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
phase_done "Format check"

phase "Build"
if ! dotnet build StorageSnapshot.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "FAILED the build: no suite ran"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
phase_done "Build"

# PowerShell 7.6.10 (.config/dotnet-tools.json) and Pester 5.9.1 (tests/Pester.Restore). A failure here is not
# fatal to the xunit suites: the Pester suite then leaves no results and is counted as failed.
phase "Restore PowerShell and Pester"
powershell_ready=true
dotnet tool restore || powershell_ready=false
dotnet restore tests/Pester.Restore/Pester.Restore.csproj -nologo || powershell_ready=false
phase_done "Restore PowerShell and Pester"

# The xunit suites: every test project under tests/ (each must be in the solution, which the build built).
# They run side by side, as `dotnet test` on the solution would run them.
phase "xunit suites"
partial=()
[ $# -gt 0 ] && partial=(--partial)
pids=()
suites=()
for project in tests/*/*.csproj; do
  grep -q 'Microsoft.NET.Test.Sdk' "$project" || continue
  suite=$(basename "$project" .csproj)
  suites+=("$suite")
  run_suite "$suite" dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results/$suite" "$@" &
  pids+=($!)
done
# The engine suites built on the EngineTestBed (trait Inventory=each, tests/StorageSnapshot.Engine.Tests/Infrastructure/
# InventoryKinds.cs) once more with the inventory on PostgreSQL (issue 16), side by side with the others: each bed on a
# fresh database of the server of tests/infrastructure/postgres.sh. Tests of SQLite's own mechanisms (Inventory=sqlite)
# are not emitted for it. A caller's "--filter X" narrows it to "(X)&(its filter)". No server known: its tests are
# listed as skipped (failed under STORAGESNAPSHOT_INTEGRATION=required).
pg_suite=StorageSnapshot.Engine.Tests-postgresql
pg_args=(); pg_filter='Inventory=each&Inventory!=sqlite'; after_filter=false
for argument in "$@"; do
  if $after_filter; then pg_filter="($argument)&($pg_filter)"; after_filter=false
  elif [ "$argument" = --filter ]; then after_filter=true
  else pg_args+=("$argument"); fi
done
pg_args+=(--filter "$pg_filter")
suites+=("$pg_suite")
mkdir -p "$results/$pg_suite"
if [ -n "${STORAGESNAPSHOT_TEST_POSTGRES:-}" ] || [ -f "${STORAGESNAPSHOT_PG_DIR:-/tmp/storagesnapshot-pg-cluster}/connection" ]; then
  STORAGESNAPSHOT_TEST_INVENTORY=postgresql run_suite "$pg_suite" dotnet test tests/StorageSnapshot.Engine.Tests/StorageSnapshot.Engine.Tests.csproj \
    -c Release --no-build -nologo --logger "trx" --logger "console;verbosity=normal" --results-directory "$results/$pg_suite" "${pg_args[@]}" &
  pids+=($!)
else
  dotnet test tests/StorageSnapshot.Engine.Tests/StorageSnapshot.Engine.Tests.csproj -c Release --no-build -nologo --list-tests "${pg_args[@]}" \
    | sed -n 's/^    \(StorageSnapshot\..*\)$/\1/p' >"$results/$pg_suite/listed"
  listed=$(wc -l <"$results/$pg_suite/listed")
  echo "No PostgreSQL server (bash tests/infrastructure/postgres.sh start): $listed tests did not run on it." >"$results/$pg_suite/output.txt"
  { echo "passed 0"; echo "failed 0"; echo "skipped $listed"; sed 's/^/skip /' "$results/$pg_suite/listed"; } >"$results/$pg_suite/counts"
  echo 0 >"$results/$pg_suite/seconds"
  echo 0 >"$results/$pg_suite/exit-code"
fi
for pid in "${pids[@]}"; do wait "$pid"; done
for suite in "${suites[@]}"; do
  echo "---- $suite (exit code $(cat "$results/$suite/exit-code"), $(cat "$results/$suite/seconds") s)"
  cat "$results/$suite/output.txt"
done
phase_done "xunit suites"

# Pester: tests/*.Tests.ps1 (the quickstart among them) against the built module, in the pinned pwsh.
phase "Pester suite"
if $powershell_ready; then
  run_suite Pester dotnet tool run pwsh -NoProfile -NonInteractive -File "$root/tests/Invoke-Pester.ps1" \
    -ResultsPath "$results/Pester/pester.xml" -CountsPath "$results/Pester/counts"
  cat "$results/Pester/output.txt"
else
  echo "PowerShell or Pester could not be restored: the Pester suite did not run."
fi
phase_done "Pester suite"

# tests/StorageSnapshot.Tests.ps1 once more as its own suite, with one setting in the environment that
# tests/TestBackends.ps1 or tests/Invoke-Pester.ps1 reads: run_pester_variant SUITE "WHAT" VARIABLE VALUE. A variant
# whose prerequisites are missing here counts as skipped (failed under STORAGESNAPSHOT_INTEGRATION=required).
run_pester_variant() {
  local suite=$1 what=$2 variable=$3 value=$4
  phase "Pester suite on $what"
  if $powershell_ready; then
    # In a subshell: the setting holds for this one suite (run_suite leaves its results in files, not variables).
    (
      export "$variable=$value"
      run_suite "$suite" dotnet tool run pwsh -NoProfile -NonInteractive \
        -File "$root/tests/Invoke-Pester.ps1" -Path "$root/tests/StorageSnapshot.Tests.ps1" \
        -ResultsPath "$results/$suite/pester.xml" -CountsPath "$results/$suite/counts"
    )
    cat "$results/$suite/output.txt"
  else
    echo "PowerShell or Pester could not be restored: the Pester suite on $what did not run."
  fi
  phase_done "Pester suite on $what"
}

# Every built-in driver meets the module as a user would (tests/TestBackends.ps1: a btrfs loop filesystem, qcow2
# images, a namespace of the Ceph test cluster).
for kind in btrfs qcow2 ceph-rbd; do
  run_pester_variant "Pester-$kind" "$kind" STORAGESNAPSHOT_TEST_BACKEND_KIND "$kind"
done
# The secondary storage in a bucket on the RADOS Gateway (issue 13): copy, verify, both restores, corruption, removal
# with chunk collection, through the cmdlets.
run_pester_variant Pester-s3 "S3 secondary storage" STORAGESNAPSHOT_TEST_SECONDARY_KIND s3
# The inventory on PostgreSQL (issue 16): tests/Invoke-Pester.ps1 makes a fresh database on the server of
# tests/infrastructure/postgres.sh, points STORAGESNAPSHOT_INVENTORY at it and drops it after.
run_pester_variant Pester-postgresql "the PostgreSQL inventory" STORAGESNAPSHOT_TEST_INVENTORY postgresql

echo "== Summary (the test command took $SECONDS s)"
bash "$root/tests/summarise-results.sh" "$results" "$root/tests/expected-test-floors.txt" "${partial[@]}"
