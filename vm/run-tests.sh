#!/usr/bin/env bash
# vm/run-tests.sh [SCRIPT...]: runs INSIDE the test VM (see vm/run.sh). Runs the given kernel test
# scripts, or every executable test/kernel/*.sh, one after another; prints one PASS/FAIL line per
# script and a summary; exits 0 only if all passed. Each script gets GRETUN_KTEST_TIMEOUT seconds
# (default 300), or what a "# ktest-timeout: N" line in the script asks for. Between scripts the runner deletes leftover network namespaces and nftables rules
# so one script's debris cannot break the next.
set -uo pipefail
if [[ -z ${GRETUN_VM:-} ]]; then
  echo "vm/run-tests.sh runs inside the test VM: use 'make test-kernel' or 'vm/run.sh -- $0 $*'" >&2
  exit 2
fi
per_test=${GRETUN_KTEST_TIMEOUT:-300}
scripts=("$@")
if ((${#scripts[@]} == 0)); then
  for f in test/kernel/*.sh; do
    [[ -x $f ]] && scripts+=("$f")
  done
fi
if ((${#scripts[@]} == 0)); then
  echo "run-tests: no executable test/kernel/*.sh found" >&2
  exit 1
fi

reset_kernel_state() {
  ip -all netns delete 2>/dev/null
  nft flush ruleset 2>/dev/null
}

results=()
failed=0
for s in "${scripts[@]}"; do
  echo "=== RUN  $s"
  start=${EPOCHREALTIME/./}
  if [[ ! -x $s ]]; then
    echo "run-tests: $s is not an executable file"
    rc=126
  else
    [[ $s == */* ]] || s=./$s
    limit=$(sed -n 's/^# ktest-timeout: *\([0-9][0-9]*\)$/\1/p' "$s" | head -n 1)
    limit=${limit:-$per_test}
    timeout -k 5 "$limit" "$s"
    rc=$?
    ((rc == 124)) && echo "run-tests: $s timed out after ${limit}s"
  fi
  tenths=$(((${EPOCHREALTIME/./} - start) / 100000))
  secs=$((tenths / 10)).$((tenths % 10))
  if ((rc == 0)); then
    line="PASS $s (${secs}s)"
  else
    line="FAIL $s (exit $rc, ${secs}s)"
    failed=$((failed + 1))
  fi
  echo "=== $line"
  results+=("$line")
  reset_kernel_state
done

echo "=== kernel tests on $(uname -r): $((${#scripts[@]} - failed)) passed, $failed failed"
printf '    %s\n' "${results[@]}"
((failed == 0))
