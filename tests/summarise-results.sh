#!/usr/bin/env bash
# The judge of tests/run.sh: reads what each suite left in the results folder and prints one line per suite, one
# line per problem, and last exactly "N passed, N failed, N skipped". Exits 1 when anything failed, else 0.
# Kept apart from run.sh so that tests/StorageSnapshot.TestCommand.Tests can run it over crafted results.
#
# Usage: summarise-results.sh <results folder> <floors file> [--partial]
# Every failed test is named on a "FAILED <suite>: <test>" line above the last line, followed by a line
# "  because: <first line of its failure message>" where the results give one.
#
# <results folder>/<suite>/ holds, for each suite that was started:
#   exit-code   the runner's exit code (written by run.sh when the runner returned)
#   *.trx       xunit results (VSTest TRX), or
#   counts      "passed N", "failed N", "skipped N", then "fail <test>" / "skip <test>" lines (Pester), a "fail"
#               line followed by "because <first line of its error>"
# <floors file> lines "<suite> <minimum number of tests>" (# comments): the suites that must run, and how many
# tests each must at least report (passed + failed + skipped).
#
# The line cannot be green when tests did not run:
# - a suite named in the floors file that left no results folder or no exit code did not run: 1 failure;
# - a suite whose runner exited non-zero but reported no failure (a crashed test host): 1 failure;
# - TRX counters error, timeout, aborted, notExecuted, disconnected, notRunnable and passedButRunAborted count as
#   failed, and a run whose ResultSummary outcome is not Completed/Passed/Warning with nothing failed: 1 failure;
# - a suite reporting fewer tests than its floor: 1 failure; a suite that ran but has no floor: 1 failure;
# - with STORAGESNAPSHOT_INTEGRATION=required every skipped test is a failed one (as xunit's integration tests
#   already fail themselves then), listed by name.
# --partial (run.sh passes it when extra arguments such as --filter narrow the run): floors are not checked.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: summarise-results.sh <results folder> <floors file> [--partial]" >&2
  exit 64
fi
results=$1
floors_file=$2
partial=false
[ "${3:-}" = "--partial" ] && partial=true
required=false
[ "${STORAGESNAPSHOT_INTEGRATION:-}" = "required" ] && required=true

total_passed=0; total_failed=0; total_skipped=0
problems=()
problem() { problems+=("FAILED $1"); }

# Suites and floors from the floors file.
declare -A floor=()
suites=()
if [ -f "$floors_file" ]; then
  while read -r name minimum _; do
    case "$name" in ''|'#'*) continue ;; esac
    if ! [[ "$minimum" =~ ^[0-9]+$ ]]; then
      problem "$floors_file: '$name' has no number of tests ('$minimum')"
      total_failed=$((total_failed + 1))
      continue
    fi
    floor[$name]=$minimum
    suites+=("$name")
  done <"$floors_file"
else
  problem "the floors file '$floors_file' does not exist: no suite is known to be required"
  total_failed=$((total_failed + 1))
fi
# Suites that left results without being named in the floors file are judged too.
if [ -d "$results" ]; then
  for dir in "$results"/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    [ -n "${floor[$name]+x}" ] || suites+=("$name")
  done
fi

# failure_reasons <trx>: "<test name>\t<first line of its failure message>" for each failed test, so that the reason
# is in the last lines CI shows, not only in the runner's output far above.
failure_reasons() {
  awk '
    function decode(text) {
      gsub(/&#xD;|&#xA;|\r/, "", text); gsub(/&quot;/, "\"", text); gsub(/&apos;/, "'"'"'", text)
      gsub(/&lt;/, "<", text); gsub(/&gt;/, ">", text); gsub(/&amp;/, "\\&", text)
      return text
    }
    /<UnitTestResult / {
      name = ""
      if ($0 ~ /outcome="(Failed|Error|Timeout|Aborted)"/ && match($0, /testName="[^"]*"/)) name = substr($0, RSTART + 10, RLENGTH - 11)
    }
    name != "" && /<Message>/ {
      text = substr($0, index($0, "<Message>") + 9)
      end = index(text, "</Message>"); if (end > 0) text = substr(text, 1, end - 1)
      text = decode(text)
      if (length(text) > 400) text = substr(text, 1, 400) "..."
      print name "\t" text
      name = ""
    }
    /<\/UnitTestResult>/ { name = "" }
  ' "$1"
}

counter() { # counter <name> <Counters element text>: the attribute's value, 0 when absent
  local pattern=" $1=\"([0-9]+)\""
  if [[ $2 =~ $pattern ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi
}

for suite in "${suites[@]}"; do
  dir="$results/$suite"
  p=0; f=0; s=0
  notes=()
  skipped_names=()
  failed_names=()
  declare -A reason=()
  unreadable=false
  if [ ! -d "$dir" ] || [ ! -f "$dir/exit-code" ]; then
    problem "$suite: did not run (no results)"
    total_failed=$((total_failed + 1))
    echo "$suite: did not run"
    continue
  fi
  exit_code=$(tr -dc '0-9' <"$dir/exit-code")
  exit_code=${exit_code:-1}

  shopt -s nullglob
  trx_files=("$dir"/*.trx)
  shopt -u nullglob
  if [ ${#trx_files[@]} -gt 0 ]; then
    for trx in "${trx_files[@]}"; do
      counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
      if [ -z "$counters" ]; then
        notes+=("$(basename "$trx") has no counters (an unfinished run)")
        f=$((f + 1))
        continue
      fi
      total=$(counter total "$counters"); executed=$(counter executed "$counters")
      p=$((p + $(counter passed "$counters")))
      bad=0
      for name in failed error timeout aborted notExecuted disconnected notRunnable passedButRunAborted; do
        n=$(counter "$name" "$counters")
        bad=$((bad + n))
        [ "$name" != failed ] && [ "$n" -gt 0 ] && notes+=("$n $name")
      done
      f=$((f + bad))
      not_run=$((total - executed))
      [ "$not_run" -gt 0 ] && s=$((s + not_run))
      outcome=$(grep -o '<ResultSummary outcome="[A-Za-z]*"' "$trx" | head -1 | sed 's/.*outcome="\([A-Za-z]*\)"/\1/')
      case "$outcome" in
        Completed|Passed|Warning) ;;
        *) if [ "$bad" -eq 0 ]; then notes+=("run outcome '${outcome:-none}' with no failed test"); f=$((f + 1)); fi ;;
      esac
      while IFS= read -r name; do
        [ -n "$name" ] && skipped_names+=("$name")
      done < <(grep -o 'testName="[^"]*"[^>]*outcome="NotExecuted"' "$trx" | sed 's/^testName="\([^"]*\)".*/\1/')
      while IFS= read -r name; do
        [ -n "$name" ] && failed_names+=("$name")
      done < <(grep -o 'testName="[^"]*"[^>]*outcome="\(Failed\|Error\|Timeout\|Aborted\)"' "$trx" | sed 's/^testName="\([^"]*\)".*/\1/')
      while IFS=$'\t' read -r name text; do
        [ -n "$name" ] && reason[$name]=$text
      done < <(failure_reasons "$trx")
    done
  elif [ -f "$dir/counts" ]; then
    p=$(sed -n 's/^passed \([0-9]*\)$/\1/p' "$dir/counts" | head -1)
    f=$(sed -n 's/^failed \([0-9]*\)$/\1/p' "$dir/counts" | head -1)
    s=$(sed -n 's/^skipped \([0-9]*\)$/\1/p' "$dir/counts" | head -1)
    if [ -z "$p" ] || [ -z "$f" ] || [ -z "$s" ]; then
      notes+=("its counts file is incomplete")
      p=${p:-0}; f=$(( ${f:-0} + 1 )); s=${s:-0}
    fi
    while IFS= read -r name; do
      [ -n "$name" ] && skipped_names+=("$name")
    done < <(sed -n 's/^skip //p' "$dir/counts")
    last_failed=""
    while IFS= read -r line; do
      case "$line" in
        "fail "*) last_failed=${line#fail }; failed_names+=("$last_failed") ;;
        "because "*) [ -n "$last_failed" ] && reason[$last_failed]=${line#because } ;;
      esac
    done <"$dir/counts"
  else
    notes+=("no results (no .trx, no counts)")
    f=$((f + 1))
    unreadable=true
  fi

  if [ "$exit_code" != 0 ] && [ "$f" -eq 0 ]; then
    notes+=("the runner exited with code $exit_code and reported no failed test")
    f=$((f + 1))
  fi
  if $required && [ "$s" -gt 0 ]; then
    notes+=("$s skipped with STORAGESNAPSHOT_INTEGRATION=required: ${skipped_names[*]:-(names not reported)}")
    f=$((f + s))
    s=0
  fi
  reported=$((p + f + s))
  if ! $partial && ! $unreadable; then
    if [ -z "${floor[$suite]+x}" ]; then
      notes+=("it has no floor in $(basename "$floors_file"): add '$suite <number of tests>'")
      f=$((f + 1))
    elif [ "$reported" -lt "${floor[$suite]}" ]; then
      notes+=("it reported $reported tests, fewer than its floor of ${floor[$suite]}")
      f=$((f + 1))
    fi
  fi

  floor_text=""
  [ -n "${floor[$suite]+x}" ] && floor_text=" (floor ${floor[$suite]})"
  echo "$suite: $p passed, $f failed, $s skipped$floor_text"
  for name in "${failed_names[@]}"; do
    problem "$suite: $name"
    [ -n "${reason[$name]:-}" ] && problems+=("  because: ${reason[$name]}")
  done
  unset reason
  for note in "${notes[@]}"; do problem "$suite: $note"; done
  total_passed=$((total_passed + p)); total_failed=$((total_failed + f)); total_skipped=$((total_skipped + s))
done

$partial && echo "Partial run (extra arguments): the floors in $(basename "$floors_file") were not checked."
for line in "${problems[@]}"; do echo "$line"; done
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ]
