# shellcheck shell=bash
# Sourced by the lab benchmarks (overlay-bench.sh, connect-matrix.sh, idle-bench.sh): one netns lab of
# their own, background processes in its nodes, and cleanup on exit. Needs LAB (lab/lab.sh) and a
# log function; `bench_lab_up NAME` sets WORK (a temp dir), PREFIX and the EXIT trap.

now_ms() { echo $(($(date +%s%N) / 1000000)); }

PIDS=()
PREFIX=""
WORK=""
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  [[ -n $PREFIX ]] && "$LAB" --prefix "$PREFIX" down >/dev/null 2>&1 || true
  [[ -n $WORK ]] || return 0
  if [[ -n ${BENCH_KEEP_LOGS:-} ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}

# bench_lab_up NAME: a work dir /tmp/NAME.XXXXXX and a lab owned by this shell (clean-stale removes
# it if we die without the trap).
bench_lab_up() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  PREFIX=$(LAB_OWNER=$$ "$LAB" up)
}

lab() { "$LAB" --prefix "$PREFIX" "$@"; }
nsx() { local node=$1; shift; ip netns exec "$PREFIX-$node" "$@"; }

# start NAME NODE CMD...: runs CMD in NODE in the background (log in $WORK/NAME.log); sets PID.
start() {
  local name=$1 node=$2; shift 2
  ip netns exec "$PREFIX-$node" "$@" >"$WORK/$name.log" 2>&1 & # a simple command: $! is CMD itself
  PID=$!
  PIDS+=("$PID")
}

# stop PID...: TERM, then KILL after 5 s.
stop() {
  local p i
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "$@"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s; false on timeout.
wait_until() {
  local deadline=$(($(now_ms) + $1 * 1000)); shift
  until "$@" >/dev/null 2>&1; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.1
  done
}
