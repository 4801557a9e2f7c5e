#!/usr/bin/env bash
# cli-bench.sh: wall time of short gretun commands against `ip -j link` (docs/BENCH.md, issue 16).
#
#   bench/cli-bench.sh                                  # N=20 runs of each command, build/ jars
#   BENCH_CLI_BASE=/work/main bench/cli-bench.sh        # also another checkout's bin/gretun, interleaved
#   BENCH_CLI_SOCKET=/run/gretun/gretun.sock bench/cli-bench.sh   # also `peers --json` with a daemon
#
# Every run goes through the launcher a user runs (bin/gretun: bash, java25, the JVM), timed with
# bash's EPOCHREALTIME. Runs are interleaved (run i of every command, then run i+1) so that a
# change of machine load hits all alike. `peers --json` without a daemon asks a socket that does
# not exist: its error path (exit 1) is what a user without a running daemon gets.
# Environment: BENCH_CLI_RUNS (20), BENCH_CLI_BASE (a checkout with bin/ and build/ to compare),
# BENCH_CLI_SOCKET (control socket of a running daemon), BENCH_OUT (JSON, build/bench/cli.json).
# Output: a table on stdout (also build/bench/cli.txt) and the JSON.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
RUNS=${BENCH_CLI_RUNS:-20}
OUT=${BENCH_OUT:-$ROOT/build/bench/cli.json}
die() { echo "cli-bench: $*" >&2; exit 1; }
command -v jq >/dev/null || die "needs jq"
command -v ip >/dev/null || die "needs ip (iproute2)"
[[ -f $ROOT/build/gretun.jar ]] || die "no build/gretun.jar: run 'make build' first"

variants=("new=$ROOT")
if [[ -n ${BENCH_CLI_BASE:-} ]]; then
  [[ -x $BENCH_CLI_BASE/bin/gretun ]] || die "no $BENCH_CLI_BASE/bin/gretun"
  variants+=("base=$(cd "$BENCH_CLI_BASE" && pwd)")
fi

WORK=$(mktemp -d /tmp/gretun-cli-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
nosock=$WORK/none.sock

# Each case: "label|variant dir or -|command words (GRETUN = that variant's launcher)".
cases=("ip -j link|-|ip -j link")
for v in "${variants[@]}"; do
  name=${v%%=*} dir=${v#*=}
  cases+=("list --json|$name|$dir/bin/gretun list --json")
  cases+=("version|$name|$dir/bin/gretun version")
  cases+=("peers --json (no daemon)|$name|$dir/bin/gretun peers --json --control-socket $nosock")
  if [[ -n ${BENCH_CLI_SOCKET:-} ]]; then
    cases+=("peers --json (daemon)|$name|$dir/bin/gretun peers --json --control-socket $BENCH_CLI_SOCKET")
  fi
done

# One warm-up run of each (page cache, the JDK's own files), not counted.
for c in "${cases[@]}"; do
  IFS='|' read -r _ _ cmd <<<"$c"
  $cmd >/dev/null 2>&1 || true
done

for ((r = 1; r <= RUNS; r++)); do
  for i in "${!cases[@]}"; do
    IFS='|' read -r _ _ cmd <<<"${cases[$i]}"
    t0=$EPOCHREALTIME
    $cmd >/dev/null 2>&1 || true
    t1=$EPOCHREALTIME
    echo "$(((${t1/./} - ${t0/./}) / 1000))" >>"$WORK/case-$i"
  done
done

median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
ip_median=$(median <"$WORK/case-0")
: >"$WORK/results.jsonl"
for i in "${!cases[@]}"; do
  IFS='|' read -r label variant _ <<<"${cases[$i]}"
  med=$(median <"$WORK/case-$i")
  min=$(sort -n "$WORK/case-$i" | head -1)
  jq -cn --arg cmd "$label" --arg variant "$variant" --argjson med "$med" --argjson min "$min" \
    --argjson ip "$ip_median" --argjson all "[$(paste -sd, "$WORK/case-$i")]" \
    '{command: $cmd, jars: (if $variant == "-" then null else $variant end), median_ms: $med,
      min_ms: $min, over_ip_link: (if $ip > 0 then ($med / $ip * 10 | floor) / 10 else null end),
      runs_ms: $all}' >>"$WORK/results.jsonl"
done

mkdir -p "$(dirname "$OUT")"
jq -s --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
  --argjson cores "$(nproc)" --arg kernel "$(uname -r)" --argjson runs "$RUNS" \
  --arg commit "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
  '{machine: {cpu: $cpu, cores: $cores, kernel: $kernel}, gretun_commit: $commit, runs: $runs,
    results: .}' "$WORK/results.jsonl" >"$OUT"
{
  printf '%-26s %-5s %10s %8s %s\n' command jars median_ms min_ms "x ip -j link"
  jq -r '.results[] | [.command, (.jars // "-"), .median_ms, .min_ms, .over_ip_link] | @tsv' "$OUT" \
    | awk -F'\t' '{printf "%-26s %-5s %10s %8s %s\n", $1, $2, $3, $4, $5}'
} | tee "$(dirname "$OUT")/cli.txt"
echo "cli-bench: $RUNS runs each; JSON: $OUT" >&2
