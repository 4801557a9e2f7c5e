#!/usr/bin/env bash
# recovery-bench.sh: how long traffic stops when both NATs lose their mappings (docs/BENCH.md
# "Recovery after a NAT flush"). Per round: a fresh coordinator and two `gretun up` (userspace)
# behind two NATs, direct path up; then `conntrack -F` on both NATs and single pings a -> b through
# the tunnel until one is answered (a sends, b only answers, as a ping load does); then the time
# until both report the peer `direct` again.
#
#   sudo bench/recovery-bench.sh           # table on stdout, JSON lines in build/bench/recovery.json
#
# Environment: BENCH_ROUNDS (3), BENCH_RECOVERY_NAT (plain: both NATs' mode), BENCH_RECOVERY_RELAY
# (1: the coordinator runs its data relay; 0: without, the direct path's own recovery),
# BENCH_RECOVERY_TIMEOUT (120 s for traffic, 180 s for direct), BENCH_KEEP_LOGS.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
LAB=$ROOT/lab/lab.sh
OUT=${BENCH_OUT:-$ROOT/build/bench/recovery.json}
NAT=${BENCH_RECOVERY_NAT:-plain}
RELAY=${BENCH_RECOVERY_RELAY:-1}
TIMEOUT=${BENCH_RECOVERY_TIMEOUT:-120}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}

die() { echo "recovery-bench: $*" >&2; exit 1; }
log() { echo "recovery-bench: $*" >&2; }
# shellcheck source=lib/lab-run.sh
source "$ROOT/bench/lib/lab-run.sh"
# shellcheck source=lib/overlay-systems.sh
source "$ROOT/bench/lib/overlay-systems.sh"

overlay_require jq ip nft conntrack
GRETUN_COORD_ARGS=(--stun-listen "$COORD_IP:3478")
[[ $RELAY == 1 ]] && GRETUN_COORD_ARGS+=(--relay-listen "$COORD_IP:3480")

bench_lab_up gretun-recovery
lab nat nat1 "$NAT"
lab nat nat2 "$NAT"

# path_of NODE: NODE's path to its only peer (direct, relay, none), from `gretun peers --json`.
path_of() {
  nsx "$1" "$ROOT/bin/gretun" peers --json --control-socket "$WORK/$1.sock" 2>/dev/null \
    | jq -r '.[0].path // "none"'
}
both_direct() { [[ $(path_of a) == direct && $(path_of b) == direct ]]; }

mkdir -p "$(dirname "$OUT")"
: >"$OUT"
backs=()
for ((r = 1; r <= ROUNDS; r++)); do
  lab flush nat1 nat2 >/dev/null
  gretun_start_coord
  gretun_up a
  gretun_up b
  wait_until 60 has_tun_ip b gretun0 || die "b got no tunnel address: $(tail -3 "$WORK/gretun-b.log")"
  bip=$(tun_ip b gretun0)
  [[ -n $(ping_loop a "$bip" 60) ]] || die "round $r: no first ping a -> b"
  wait_until 60 both_direct || die "round $r: the pair did not go direct"
  sleep 3 # a settled direct path, as a flush would find it
  lab flush nat1 nat2 >/dev/null
  back=$(ping_loop a "$bip" "$TIMEOUT")
  t0=$(now_ms)
  direct_s=""
  if [[ -n $back ]] && wait_until 180 both_direct; then direct_s=$((($(now_ms) - t0) / 1000)); fi
  gretun_down
  log "round $r: traffic back after ${back:-(none within ${TIMEOUT}s)} ms, direct ${direct_s:-(not within 180 s)} s later"
  [[ -n $back ]] && backs+=("$back")
  jq -cn --argjson round "$r" --arg nat "$NAT" --argjson relay "$RELAY" --arg back "$back" \
    --arg direct "$direct_s" \
    '{round: $round, nat: $nat, relay: ($relay == 1), traffic_back_ms: (if $back == "" then null else ($back | tonumber) end),
      direct_again_s: (if $direct == "" then null else ($direct | tonumber) end)}' >>"$OUT"
done
med=$(printf '%s\n' "${backs[@]:-}" | grep . | median || true)
echo "recovery after a conntrack flush on both NATs ($NAT, relay $([[ $RELAY == 1 ]] && echo on || echo off)), $ROUNDS rounds"
echo "| round | traffic back ms | direct again s later |"
echo "|---|---|---|"
jq -r '"| \(.round) | \(.traffic_back_ms // "none") | \(.direct_again_s // "none") |"' "$OUT"
echo "median traffic back: ${med:-none} ms ($((${#backs[@]})) of $ROUNDS rounds recovered within ${TIMEOUT}s)"
