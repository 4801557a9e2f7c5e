#!/usr/bin/env bash
# idle-bench.sh: what an idle overlay costs (docs/BENCH.md, issue 16): two `gretun up` behind plain
# NATs with a direct path up and no traffic, plus the coordinator, in one netns lab. After the path
# is direct and a settling pause, each process is watched for BENCH_IDLE_SECONDS: CPU (utime+stime
# from /proc/PID/stat, % of one core), RSS at the end (VmRSS, and VmHWM, from /proc/PID/status) and
# wake-ups (context switches of all its threads, per second).
#
#   sudo bench/idle-bench.sh
#   sudo BENCH_IDLE_BASE=/work/main bench/idle-bench.sh    # also another checkout, same lab, alternating
#   sudo GRETUN_JAVA_OPTS=-XX:+UseG1GC bench/idle-bench.sh  # any JVM option for both daemons
#
# Environment: BENCH_IDLE_SECONDS (30), BENCH_IDLE_SETTLE (10 s after the path is direct),
# BENCH_IDLE_ROUNDS (1; with a base: base, new, base, new ...), BENCH_IDLE_BASE (a checkout with
# bin/ and build/), BENCH_IDLE_NEBULA (1 = also Nebula's lighthouse + two nodes, when installed),
# BENCH_IDLE_CLI (1 = also bench/cli-bench.sh with `peers --json` against daemon a while it is up),
# BENCH_IDLE_THREADS (1 = log each process's wake-ups and CPU time per thread name), BENCH_IDLE_NMT (a path
# prefix: `jcmd PID VM.native_memory summary` of each process there; needs
# GRETUN_JAVA_OPTS=-XX:NativeMemoryTracking=summary),
# BENCH_OUT (JSON, build/bench/idle.json), BENCH_KEEP_LOGS. Needs root, jq and lab.sh's tools.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
LAB=$ROOT/lab/lab.sh
OUT=${BENCH_OUT:-$ROOT/build/bench/idle.json}
SECONDS_IDLE=${BENCH_IDLE_SECONDS:-30}
SETTLE=${BENCH_IDLE_SETTLE:-10}
ROUNDS=${BENCH_IDLE_ROUNDS:-1}
COORD_IP=192.0.2.10
CLK_TCK=$(getconf CLK_TCK)

die() { echo "idle-bench: $*" >&2; exit 1; }
log() { echo "idle-bench: $*" >&2; }
# shellcheck source=lib/lab-run.sh
source "$ROOT/bench/lib/lab-run.sh"
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces): run with sudo"
command -v jq >/dev/null || die "needs jq"
[[ -f $ROOT/build/gretun.jar ]] || die "no build/gretun.jar: run 'make build' first"

variants=("new=$ROOT")
if [[ -n ${BENCH_IDLE_BASE:-} ]]; then
  [[ -x $BENCH_IDLE_BASE/bin/gretun ]] || die "no $BENCH_IDLE_BASE/bin/gretun"
  variants=("base=$(cd "$BENCH_IDLE_BASE" && pwd)" "${variants[@]}")
fi

bench_lab_up gretun-idle
lab nat nat1 plain && lab nat nat2 plain


cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ {s += $2} END {print s + 0}'; }
threads() { ls /proc/"$1"/task | wc -l; }

# Per thread of PID: "switches name" (BENCH_IDLE_THREADS=1 prints who wakes up).
thread_switches() {
  local t
  for t in /proc/"$1"/task/*; do
    awk -v n="$(cat "$t/comm")" '/^(non)?voluntary_ctxt_switches:/ {s += $2} END {print s + 0, n}' "$t/status"
  done 2>/dev/null
}

# Per thread of PID: "ticks<TAB>name", its CPU time (utime+stime) so far (BENCH_IDLE_THREADS=1
# prints who uses the CPU). The fields after the ")" that ends comm: utime is the 12th, stime the 13th.
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s\t%s\n' "$(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')" "$(cat "$t/comm")"
  done 2>/dev/null
}

# measure SYSTEM VARIANT ROLE=PID...: CPU, RSS and wake-ups of each PID over SECONDS_IDLE.
measure() {
  local sys=$1 variant=$2; shift 2
  local rp role pid c0=() w0=() c1 w1 i=0 t0 t1
  for rp in "$@"; do
    pid=${rp#*=}; c0+=("$(cpu_ticks "$pid")"); w0+=("$(switches "$pid")")
    thread_switches "$pid" >"$WORK/threads-$pid.0"
    thread_ticks "$pid" >"$WORK/ticks-$pid.0"
  done
  t0=$(now_ms)
  sleep "$SECONDS_IDLE"
  t1=$(now_ms)
  if [[ -n ${BENCH_IDLE_NMT:-} ]]; then # with GRETUN_JAVA_OPTS=-XX:NativeMemoryTracking=summary
    for rp in "$@"; do
      "${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/jcmd" "${rp#*=}" VM.native_memory summary \
        >"$BENCH_IDLE_NMT.$sys.$variant.${rp%%=*}" 2>&1 || true
    done
  fi
  if [[ ${BENCH_IDLE_THREADS:-} == 1 ]]; then
    for rp in "$@"; do
      pid=${rp#*=}
      thread_switches "$pid" >"$WORK/threads-$pid.1"
      log "$sys $variant ${rp%%=*}: wake-ups per thread in ${SECONDS_IDLE}s:" \
        "$(awk 'NR == FNR {a[$2] += $1; next} {b[$2] += $1} END {for (n in b) if (b[n] - a[n] > 0) printf "%s=%d ", n, b[n] - a[n]}' \
          "$WORK/threads-$pid.0" "$WORK/threads-$pid.1")"
      thread_ticks "$pid" >"$WORK/ticks-$pid.1"
      log "$sys $variant ${rp%%=*}: CPU ms per thread in ${SECONDS_IDLE}s:" \
        "$(awk -F'\t' -v ms="$((1000 / CLK_TCK))" 'NR == FNR {a[$2] += $1; next} {b[$2] += $1}
            END {for (n in b) if (b[n] - a[n] > 0) printf "%s=%d ", n, (b[n] - a[n]) * ms}' \
          "$WORK/ticks-$pid.0" "$WORK/ticks-$pid.1")"
    done
  fi
  for rp in "$@"; do
    role=${rp%%=*} pid=${rp#*=}
    c1=$(cpu_ticks "$pid") w1=$(switches "$pid")
    jq -cn --arg sys "$sys" --arg variant "$variant" --arg role "$role" \
      --argjson cpu "$(awk -v d="$((c1 - c0[i]))" -v t="$CLK_TCK" -v ms="$((t1 - t0))" 'BEGIN {printf "%.2f", d / t * 100000 / ms}')" \
      --argjson wake "$(awk -v d="$((w1 - w0[i]))" -v ms="$((t1 - t0))" 'BEGIN {printf "%.1f", d * 1000 / ms}')" \
      --argjson rss "$(status_kib "$pid" VmRSS)" --argjson hwm "$(status_kib "$pid" VmHWM)" \
      --argjson anon "$(status_kib "$pid" RssAnon)" --argjson file "$(status_kib "$pid" RssFile)" \
      --argjson threads "$(threads "$pid")" --argjson s "$SECONDS_IDLE" \
      '{system: $sys, variant: $variant, role: $role, seconds: $s, cpu_percent: $cpu,
        rss_mib: ($rss / 1024 | floor), hwm_mib: ($hwm / 1024 | floor),
        rss_anon_mib: ($anon / 1024 | floor), rss_file_mib: ($file / 1024 | floor), wakeups_per_s: $wake,
        threads: $threads}' >>"$WORK/results.jsonl"
    log "$(tail -1 "$WORK/results.jsonl")"
    i=$((i + 1))
  done
}

tun_ip() { nsx "$1" ip -4 -o addr show dev gretun0 2>/dev/null | awk '{split($4, a, "/"); print a[1]}'; }
has_tun_ip() { [[ -n $(tun_ip "$1") ]]; }
peer_direct() { # NODE GRETUN: the node's only peer is direct
  [[ $("$2" peers --json --control-socket "$WORK/$1.sock" 2>/dev/null | jq -r '.[0].state') == direct ]]
}

gretun_round() { # VARIANT DIR
  local variant=$1 dir=$2 coord a b
  rm -rf "$WORK/coord" "$WORK/state-a" "$WORK/state-b"
  lab flush nat1 nat2 >/dev/null
  start "coord-$variant" pub "$dir/bin/gretun-coord" --listen "$COORD_IP:8443" \
    --stun-listen "$COORD_IP:3478" --state-dir "$WORK/coord" --sync normal --insecure-http
  coord=$PID
  wait_until 30 grep -q coord_listening "$WORK/coord-$variant.log" || die "coordinator did not start"
  local key
  key=$("$dir/bin/gretun-coord" keys create --reusable --json --state-dir "$WORK/coord" | jq -r .key)
  for n in a b; do
    start "gretun-$n-$variant" "$n" "$dir/bin/gretun" up --coordinator "http://$COORD_IP:8443" \
      --insecure-http --auth-key "$key" --hostname "$n" --state-dir "$WORK/state-$n" \
      --control-socket "$WORK/$n.sock" --dataplane userspace
    [[ $n == a ]] && a=$PID || b=$PID
  done
  if wait_until 60 has_tun_ip a && wait_until 60 has_tun_ip b \
    && wait_until 60 nsx a ping -c1 -W1 "$(tun_ip b)" \
    && wait_until 60 peer_direct a "$dir/bin/gretun" && wait_until 60 peer_direct b "$dir/bin/gretun"; then
    sleep "$SETTLE"
    measure gretun "$variant" "a=$a" "b=$b" "coord=$coord"
    if [[ ${BENCH_IDLE_CLI:-} == 1 && $variant == new ]]; then # both launchers, this daemon
      BENCH_CLI_SOCKET=$WORK/a.sock BENCH_CLI_BASE=${BENCH_IDLE_BASE:-} \
        BENCH_OUT=$(dirname "$OUT")/cli-daemon.json "$ROOT/bench/cli-bench.sh" >&2 \
        || log "cli-bench failed"
    fi
  else
    log "gretun ($variant): the direct path did not come up; logs in $WORK"
    BENCH_KEEP_LOGS=1
  fi
  stop "$a" "$b" "$coord"
}

nebula_round() {
  local NEB=$WORK/nebula n lh hosts
  declare -A nip=([pub]=10.99.0.100 [a]=10.99.0.1 [b]=10.99.0.2)
  mkdir -p "$NEB"
  nebula-cert ca -name gretun-idle -out-crt "$NEB/ca.crt" -out-key "$NEB/ca.key"
  for n in pub a b; do
    nebula-cert sign -ca-crt "$NEB/ca.crt" -ca-key "$NEB/ca.key" -name "$n" -ip "${nip[$n]}/24" \
      -out-crt "$NEB/$n.crt" -out-key "$NEB/$n.key"
    lh=false hosts="[\"${nip[pub]}\"]"
    [[ $n == pub ]] && lh=true hosts="[]"
    cat >"$NEB/$n.yml" <<EOF
pki: {ca: $NEB/ca.crt, cert: $NEB/$n.crt, key: $NEB/$n.key}
static_host_map: {"${nip[pub]}": ["$COORD_IP:4242"]}
lighthouse: {am_lighthouse: $lh, interval: 60, hosts: $hosts}
listen: {host: 0.0.0.0, port: 4242}
punchy: {punch: true, respond: true}
tun: {dev: nebula1}
logging: {level: info, format: text}
firewall: {outbound: [{port: any, proto: any, host: any}], inbound: [{port: any, proto: any, host: any}]}
EOF
  done
  local p=() a b l
  lab nat nat1 hard && lab nat nat2 hard && lab flush nat1 nat2 >/dev/null # Nebula connects there
  for n in pub a b; do start "nebula-$n" "$n" nebula -config "$NEB/$n.yml"; p+=("$PID"); done
  if wait_until 60 nsx a ping -c1 -W1 "${nip[b]}"; then
    sleep "$SETTLE"
    measure nebula - "lighthouse=${p[0]}" "a=${p[1]}" "b=${p[2]}"
  else
    log "nebula: a could not ping b"
  fi
  stop "${p[@]}"
  lab nat nat1 plain && lab nat nat2 plain
}

: >"$WORK/results.jsonl"
for ((r = 1; r <= ROUNDS; r++)); do
  for v in "${variants[@]}"; do gretun_round "${v%%=*}" "${v#*=}"; done
done
if [[ ${BENCH_IDLE_NEBULA:-} == 1 ]]; then
  if command -v nebula >/dev/null && command -v nebula-cert >/dev/null; then nebula_round >/dev/null
  else log "nebula not installed (Debian package nebula): skipped"; fi
fi

mkdir -p "$(dirname "$OUT")"
jq -s --argjson cores "$(nproc)" --arg kernel "$(uname -r)" \
  --arg commit "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
  --arg opts "${GRETUN_JAVA_OPTS:-}" \
  '{machine: {cores: $cores, kernel: $kernel}, gretun_commit: $commit, gretun_java_opts: $opts,
    results: .}' "$WORK/results.jsonl" >"$OUT"
{
  printf '%-7s %-7s %-10s %8s %8s %8s %10s %8s\n' system jars process cpu_% rss_MiB hwm_MiB wakeups/s threads
  jq -r '.results[] | [.system, .variant, .role, .cpu_percent, .rss_mib, .hwm_mib, .wakeups_per_s, .threads] | @tsv' "$OUT" \
    | awk -F'\t' '{printf "%-7s %-7s %-10s %8s %8s %8s %10s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8}'
} | tee "$(dirname "$OUT")/idle.txt"
log "JSON: $OUT"
