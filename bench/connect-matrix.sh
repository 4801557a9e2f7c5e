#!/usr/bin/env bash
# connect-matrix.sh: gretun's and Nebula's connect time for every pair of lab NAT modes (issue 15,
# docs/BENCH.md "Connect matrix"). One netns lab; for each cell nat1 (a's NAT) gets the first mode
# and nat2 (b's) the second; per system ROUNDS fresh starts, conntrack flushed before each: the ms
# from starting b to the first ping b -> a through the tunnel and, for gretun, the path b's daemon
# reports right after that ping (`gretun peers --json`). gretun's coordinator runs the data relay
# and STUN on two addresses of pub (the netcheck can tell mapping behaviour); both nodes run
# `--dataplane userspace --aggressive-punch`.
#
#   sudo bench/connect-matrix.sh                                  # 15 cells x 5 starts x 2 systems
#   sudo BENCH_ROUNDS=1 BENCH_CELLS=plain/hard,symmetric/symmetric bench/connect-matrix.sh
#   bench/connect-matrix.sh --table build/bench/connect-matrix.json   # the table of an earlier run
#
# Environment: BENCH_CELLS (comma-separated NAT1/NAT2 pairs; default: every unordered pair of
# plain, hard, cone, symmetric, symmetric-hard), BENCH_SYSTEMS (gretun,nebula), BENCH_ROUNDS (5),
# BENCH_CONNECT_TIMEOUT (15 s per start), BENCH_OUT (JSON lines, build/bench/connect-matrix.json),
# BENCH_KEEP_LOGS (keep the work dir: every start's daemon logs under logs/CELL/SYSTEM-ROUND/),
# GRETUN_JAR_DIR, GRETUN_JAVA_OPTS. Needs root, jq, lab.sh's tools, nebula; build/*.jar.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
LAB=$ROOT/lab/lab.sh
OUT=${BENCH_OUT:-$ROOT/build/bench/connect-matrix.json}
SYSTEMS=${BENCH_SYSTEMS:-gretun,nebula}
MODES=(plain hard cone symmetric symmetric-hard)
RELAY_PORT=3480

die() { echo "connect-matrix: $*" >&2; exit 1; }
log() { echo "connect-matrix: $*" >&2; }
has() { [[ ,$2, == *,$1,* ]]; }
is_mode() { has "$1" "$(IFS=,; echo "${MODES[*]}")"; }
# print_table FILE: the readable table of a JSON lines file this script wrote.
print_table() {
  jq -rs --arg modes "${MODES[*]}" '
    ($modes | split(" ")) as $m
    | def cellof(s): map(select(.system == s)) | first;
      def col(c; f): if c == null then "-" else (c | f | tostring) end;
      map(select(.type == "cell")) | group_by(.cell)
    | sort_by(.[0] | [(.nat1 as $n | $m | index($n)), (.nat2 as $n | $m | index($n))])
    | (["cell (nat1/nat2)", "gretun", "median", "paths", "nebula", "median", "direct expected"] | @tsv),
      (.[] | cellof("gretun") as $g | cellof("nebula") as $n
       | [.[0].cell, col($g; "\(.connected)/\(.starts)"), col($g; .median_ms // "-"),
          col($g; .paths | to_entries | map("\(.key) \(.value)") | join(", ")),
          col($n; "\(.connected)/\(.starts)"), col($n; .median_ms // "-"),
          (if .[0].direct_expected then "yes" else "no" end)] | @tsv)' "$1" \
    | awk -F'\t' '{printf "%-30s %-7s %-7s %-26s %-7s %-7s %s\n", $1, $2, $3, $4, $5, $6, $7}'
}

if [[ ${1:-} == --table ]]; then
  [[ -f ${2:-} ]] || die "usage: connect-matrix.sh --table FILE (JSON lines of an earlier run)"
  print_table "$2"
  exit 0
fi
# shellcheck source=lib/lab-run.sh
source "$ROOT/bench/lib/lab-run.sh"
# shellcheck source=lib/overlay-systems.sh
source "$ROOT/bench/lib/overlay-systems.sh"

cells=()
if [[ -n ${BENCH_CELLS:-} ]]; then
  IFS=, read -ra cells <<<"$BENCH_CELLS"
else
  for ((i = 0; i < ${#MODES[@]}; i++)); do
    for ((j = i; j < ${#MODES[@]}; j++)); do cells+=("${MODES[i]}/${MODES[j]}"); done
  done
fi
for c in "${cells[@]}"; do
  if ! { [[ $c == */* ]] && is_mode "${c%%/*}" && is_mode "${c#*/}"; }; then
    die "bad cell '$c' in BENCH_CELLS: NAT1/NAT2, each one of ${MODES[*]}"
  fi
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $ROUNDS -le 20 ]] || die "BENCH_ROUNDS must be 1..20"
[[ $CONNECT_TIMEOUT =~ ^[1-9][0-9]*$ && $CONNECT_TIMEOUT -le 120 ]] || die "BENCH_CONNECT_TIMEOUT must be 1..120"
for s in ${SYSTEMS//,/ }; do [[ $s == gretun || $s == nebula ]] || die "unknown system '$s' in BENCH_SYSTEMS"; done

tools=(jq ip nft conntrack timeout)
has nebula "$SYSTEMS" && tools+=(nebula nebula-cert)
overlay_require "${tools[@]}"

bench_lab_up gretun-matrix

# Relay and two STUN addresses (each also answers on PORT+1): the netcheck needs a second STUN
# address to tell endpoint-dependent mapping, which picks the punch roles (docs/DAEMON.md).
GRETUN_COORD_ARGS=(--stun-listen "$COORD_IP:3478" --stun-listen "$(lab addr pub alt):3478"
  --relay-listen "$COORD_IP:$RELAY_PORT")
GRETUN_UP_ARGS=(--aggressive-punch)

# After the first ping (or the timeout), before the daemons stop: the time of that ping (to find it
# in the daemons' logs) and b's view of its peer a.
gretun_peers_b() {
  if [[ -n $1 ]]; then date -u +%T.%3N >"$WORK/first-ping-at"; else : >"$WORK/first-ping-at"; fi
  nsx b timeout 10 "$ROOT/bin/gretun" peers --json --control-socket "$WORK/b.sock" \
    >"$WORK/peers-b.json" 2>"$WORK/peers-b.err" || true
}
GRETUN_ON_CONNECT=gretun_peers_b

# One JSON line per start; the start's daemon logs are kept under logs/CELL/SYSTEM-ROUND/.
record_start() {
  local sys=$1 r=$2 t=$3 peer='{}' at="" dir f
  dir=$WORK/logs/${CELL/\//-}/$sys-$r
  mkdir -p "$dir"
  for f in coord gretun-a gretun-b nebula-pub nebula-a nebula-b; do
    [[ -f $WORK/$f.log ]] && mv "$WORK/$f.log" "$dir/"
  done
  if [[ $sys == gretun ]]; then
    peer=$(jq -c '((map(select(.name == "a")) | first) // .[0] // {}) | {path, state, endpoint}' "$WORK/peers-b.json" 2>/dev/null) \
      || peer=""
    [[ -n $peer ]] || peer='{}' # `gretun peers` failed: its stderr is kept beside the logs
    at=$(cat "$WORK/first-ping-at" 2>/dev/null || true)
    mv "$WORK/peers-b.json" "$WORK/peers-b.err" "$dir/" 2>/dev/null || true
  fi
  jq -cn --arg cell "$CELL" --arg sys "$sys" --argjson r "$r" --arg t "$t" --argjson peer "$peer" --arg at "$at" \
    '{type: "start", cell: $cell, nat1: ($cell | split("/")[0]), nat2: ($cell | split("/")[1]),
      system: $sys, round: $r, connected: ($t != ""), ms: (if $t == "" then null else ($t | tonumber) end)}
     + (if $sys == "gretun" then {path: $peer.path, state: $peer.state, endpoint: $peer.endpoint,
         first_ping_at: (if $at == "" then null else $at end)} else {} end)' \
    >>"$STARTS"
}
CONNECT_ON_ROUND=record_start

STARTS=$WORK/starts.jsonl
: >"$STARTS"
has nebula "$SYSTEMS" && nebula_certs >/dev/null
t_run=$(now_ms)
for CELL in "${cells[@]}"; do
  lab nat nat1 "${CELL%%/*}" && lab nat nat2 "${CELL#*/}"
  for sys in gretun nebula; do
    has "$sys" "$SYSTEMS" || continue
    connect_rounds "$sys" "cell=$CELL" $((ROUNDS + 1)) # every start: the count is the result
  done
done
log "all cells in $((($(now_ms) - t_run) / 1000)) s"

# Per cell and system: starts, connected, median ms of the connected starts, paths seen (gretun).
# Direct is expected unless both NATs map per destination (symmetric, symmetric-hard).
mkdir -p "$(dirname "$OUT")"
{
  bench_meta_json | jq -c --arg date "$(date -u +%FT%TZ)" --argjson rounds "$ROUNDS" \
    --argjson timeout "$CONNECT_TIMEOUT" '{type: "run", date: $date, rounds: $rounds, timeout_s: $timeout} + .'
  cat "$STARTS"
  jq -sc 'def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
            else ((.[length / 2 - 1] + .[length / 2]) / 2 | floor) end;
    def edm: . == "symmetric" or . == "symmetric-hard";
    group_by([.cell, .system]) | sort_by(.[0] | [.nat1, .nat2, .system]) | .[]
    | {type: "cell", cell: .[0].cell, nat1: .[0].nat1, nat2: .[0].nat2, system: .[0].system,
       starts: length, connected: map(select(.connected)) | length,
       median_ms: (map(select(.connected) | .ms) | median), ms: map(.ms),
       direct_expected: ((.[0].nat1 | edm) and (.[0].nat2 | edm) | not)}
      + (if .[0].system == "gretun" then {paths: (map(.path // "unknown") | group_by(.) | map({(.[0]): length}) | add)} else {} end)' \
    "$STARTS"
} >"$OUT"

print_table "$OUT" | tee "${OUT%.json}.txt"
log "JSON lines: $OUT"
