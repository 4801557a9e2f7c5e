#!/usr/bin/env bash
# overlay-bench.sh: gretun vs Nebula vs the plain routed path in one netns lab (docs/BENCH.md).
#
#   sudo bench/overlay-bench.sh            # everything; table on stdout, JSON in build/bench/overlay.json
#   BENCH_PARTS=throughput BENCH_SYSTEMS=gretun,plain sudo bench/overlay-bench.sh
#
# Environment: BENCH_PARTS (connect,throughput), BENCH_SYSTEMS (gretun,nebula,plain),
# BENCH_NATS (plain,hard: NAT modes for the connect part), BENCH_ROUNDS (5), BENCH_CONNECT_TIMEOUT
# (15 s per start), BENCH_IPERF_SECONDS (10), BENCH_OUT (JSON path), GRETUN_JAVA_OPTS (daemon JVM),
# GRETUN_JAR_DIR (other jars, e.g. an older build), BENCH_PERF_DIR (perf record -a during each
# transfer), BENCH_KEEP_LOGS (keep the work directory).
# Needs root, iproute2/nft/conntrack (lab.sh), iperf3, jq, nebula; build/*.jar from `make build`.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
LAB=$ROOT/lab/lab.sh
OUT=${BENCH_OUT:-$ROOT/build/bench/overlay.json}
PARTS=${BENCH_PARTS:-connect,throughput}
SYSTEMS=${BENCH_SYSTEMS:-gretun,nebula,plain}
NATS=${BENCH_NATS:-plain,hard}
IPERF_SECONDS=${BENCH_IPERF_SECONDS:-10}
CLK_TCK=$(getconf CLK_TCK)

die() { echo "overlay-bench: $*" >&2; exit 1; }
log() { echo "overlay-bench: $*" >&2; }
has() { [[ ,$2, == *,$1,* ]]; }
# shellcheck source=lib/lab-run.sh
source "$ROOT/bench/lib/lab-run.sh"
# shellcheck source=lib/overlay-systems.sh
source "$ROOT/bench/lib/overlay-systems.sh"

tools=(jq iperf3 ip nft conntrack)
has nebula "$SYSTEMS" && tools+=(nebula nebula-cert)
overlay_require "${tools[@]}"

bench_lab_up gretun-bench

# Kernel drops on NODE: UDP receive/send buffer overflows and the TUN device's queue drops.
kernel_drops() {
  local udp tun=0
  udp=$(nsx "$1" awk '/^Udp:/ {if (!h) {for (i = 1; i <= NF; i++) c[$i] = i; h = 1} else print $c["RcvbufErrors"] + $c["SndbufErrors"]}' /proc/net/snmp)
  if [[ -n ${2:-} ]]; then
    tun=$(nsx "$1" cat "/sys/class/net/$2/statistics/tx_dropped" "/sys/class/net/$2/statistics/rx_dropped" 2>/dev/null | awk '{s += $1} END {print s + 0}')
  fi
  echo $((udp + tun))
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# --- connect time ------------------------------------------------------------------------------

RESULTS=$WORK/results.jsonl
: >"$RESULTS"

# connect SYSTEM NAT: ROUNDS fresh starts (fresh state, conntrack flushed); stops after the third
# failure, since the median can no longer be a connect.
connect() {
  local sys=$1 nat=$2
  lab nat nat1 "$nat" && lab nat nat2 "$nat"
  connect_rounds "$sys" "nat=$nat" $((ROUNDS / 2 + 1))
  local med="" ok=("${CONNECT_MS[@]}")
  ((${#ok[@]} * 2 > ROUNDS)) && med=$(printf '%s\n' "${ok[@]}" | median)
  jq -cn --arg sys "$sys" --arg nat "$nat" --arg med "$med" --argjson fails "$CONNECT_FAILS" \
    --argjson timeout "$CONNECT_TIMEOUT" --argjson ok "[$(IFS=,; echo "${ok[*]:-}")]" \
    '{part: "connect", system: $sys, nat: $nat, median_ms: (if $med == "" then null else ($med | tonumber) end),
      connected_ms: $ok, failed: $fails, timeout_s: $timeout}' >>"$RESULTS"
}

# --- throughput --------------------------------------------------------------------------------

# iperf SYSTEM SERVER_IP PID...: iperf3 a -> SERVER_IP for IPERF_SECONDS; CPU of the given PIDs.
iperf() {
  local sys=$1 ip=$2; shift 2
  local srv cpu0=() cpu1=() p t0 t1 json
  start "iperf3-server-$sys" b iperf3 -s -1
  srv=$PID
  wait_until 10 nsx b ss -ltnH 'sport = :5201' || die "iperf3 server did not start"
  sleep 0.3
  for p in "$@"; do cpu0+=("$(cpu_ticks "$p")"); done
  t0=$(now_ms)
  if [[ -n ${BENCH_PERF_DIR:-} ]]; then # system-wide profile of the middle of the transfer
    mkdir -p "$BENCH_PERF_DIR"
    (sleep 2 && perf record -a -g -F 499 -o "$BENCH_PERF_DIR/perf-$sys.data" -- sleep 5 >/dev/null 2>&1) &
  fi
  json=$(nsx a iperf3 -c "$ip" -t "$IPERF_SECONDS" -J --connect-timeout 5000 || true)
  t1=$(now_ms)
  for p in "$@"; do cpu1+=("$(cpu_ticks "$p")"); done
  stop "$srv"
  local cpus="[]" i
  for ((i = 0; i < $#; i++)); do
    cpus=$(jq -c --argjson d "$((cpu1[i] - cpu0[i]))" --argjson ms "$((t1 - t0))" --argjson tck "$CLK_TCK" \
      '. + [($d / $tck * 1000 / $ms * 100 | floor)]' <<<"$cpus")
  done
  [[ -n $json ]] || json={}
  echo "$json" >"$WORK/iperf-$sys.json"
  jq -c --arg sys "$sys" --argjson cpu "$cpus" \
    '{part: "throughput", system: $sys, mbit_s: ((.end.sum_received.bits_per_second // 0) / 1e6 | floor),
      retransmits: (.end.sum_sent.retransmits // null), cpu_percent_a_b: $cpu, error: .error}' \
    <<<"$json" >>"$RESULTS"
  log "throughput $sys: $(tail -1 "$RESULTS")"
}

metric_sum() { # NODE NAME: sum of a Prometheus metric's samples on NODE's daemon
  nsx "$1" curl -s -m 2 http://127.0.0.1:9464/metrics | awk -v m="$2" 'index($1, m) == 1 {s += $2} END {printf "%d\n", s}'
}

throughput_gretun() {
  gretun_start_coord
  gretun_up a
  gretun_up b
  local pa=${GRETUN_PIDS[0]} pb=${GRETUN_PIDS[1]}
  if wait_until 30 has_tun_ip a gretun0 && wait_until 30 has_tun_ip b gretun0 \
    && [[ -n $(ping_loop a "$(tun_ip b gretun0)" 30) ]]; then
    local d0 d1 k0 k1
    d0=$(($(metric_sum a gretun_dataplane_drops) + $(metric_sum b gretun_dataplane_drops)))
    k0=$(($(kernel_drops a gretun0) + $(kernel_drops b gretun0)))
    iperf gretun "$(tun_ip b gretun0)" "$pa" "$pb"
    d1=$(($(metric_sum a gretun_dataplane_drops) + $(metric_sum b gretun_dataplane_drops)))
    k1=$(($(kernel_drops a gretun0) + $(kernel_drops b gretun0)))
    log "gretun drops during the transfer: data plane $((d1 - d0)), kernel (UDP buffers, TUN queue) $((k1 - k0))"
    jq -c --argjson d "$((d1 - d0))" --argjson k "$((k1 - k0))" '. + {dataplane_drops: $d, kernel_drops: $k}' \
      <<<"$(tail -1 "$RESULTS")" >"$RESULTS.tmp"
    sed -i '$d' "$RESULTS" && cat "$RESULTS.tmp" >>"$RESULTS"
  else
    jq -cn '{part: "throughput", system: "gretun", mbit_s: null, error: "tunnel did not come up"}' >>"$RESULTS"
  fi
  gretun_down
}

throughput_nebula() {
  nebula_up pub
  nebula_up a
  nebula_up b
  local pa=${NEB_PIDS[1]} pb=${NEB_PIDS[2]}
  if [[ -n $(ping_loop a "${NEB_IP[b]}" 30) ]]; then
    iperf nebula "${NEB_IP[b]}" "$pa" "$pb"
  else
    jq -cn '{part: "throughput", system: "nebula", mbit_s: null, error: "tunnel did not come up"}' >>"$RESULTS"
  fi
  nebula_down
}

throughput_plain() {
  lab forward nat2 tcp 5201 "$(lab addr b)" 5201
  iperf plain "$(lab addr nat2)"
  lab forward nat2 clear
}

# --- run ---------------------------------------------------------------------------------------

has nebula "$SYSTEMS" && nebula_certs >/dev/null
if has connect "$PARTS"; then
  IFS=, read -ra nat_modes <<<"$NATS"
  for nat in "${nat_modes[@]}"; do
    for sys in gretun nebula; do
      has "$sys" "$SYSTEMS" && connect "$sys" "$nat"
    done
  done
fi
if has throughput "$PARTS"; then
  # Both NATs hard: the mode in which Nebula connects too.
  lab nat nat1 hard && lab nat nat2 hard && lab flush nat1 nat2 >/dev/null
  for sys in gretun nebula plain; do
    has "$sys" "$SYSTEMS" && "throughput_$sys"
  done
fi

mkdir -p "$(dirname "$OUT")"
jq -s --argjson meta "$(bench_meta_json)" '
  def thr(s): (map(select(.part == "throughput" and .system == s)) | first | .mbit_s) // null;
  def ratio(a; b): if a != null and b != null and b > 0 then ((a / b * 100 | floor) / 100) else null end;
  $meta + {
   results: .,
   ratios: {
     throughput_gretun_over_nebula: ratio(thr("gretun"); thr("nebula")),
     throughput_gretun_over_plain: ratio(thr("gretun"); thr("plain")),
     connect_hard_gretun_over_nebula: ratio(
       (map(select(.part == "connect" and .system == "gretun" and .nat == "hard")) | first | .median_ms);
       (map(select(.part == "connect" and .system == "nebula" and .nat == "hard")) | first | .median_ms))}}' \
  "$RESULTS" >"$OUT"

{
  printf '%-10s %-8s %-6s %s\n' part system nat result
  jq -r '.results[] | if .part == "connect" then
      [.part, .system, .nat, (if .median_ms == null then "no connect within \(.timeout_s) s (\(.failed) of \(.failed + (.connected_ms | length)) starts)"
        else "median \(.median_ms) ms of \(.connected_ms)" end)]
    else [.part, .system, "hard", (if .mbit_s == null then "failed: \(.error)"
        else "\(.mbit_s) Mbit/s, \(.retransmits) retransmits, CPU a/b \(.cpu_percent_a_b | map(tostring + "%") | join("/"))" end)]
    end | @tsv' "$OUT" | awk -F'\t' '{printf "%-10s %-8s %-6s %s\n", $1, $2, $3, $4}'
  jq -r '.ratios | to_entries[] | "ratio      \(.key) = \(.value)"' "$OUT"
} | tee "$(dirname "$OUT")/overlay.txt"
log "JSON: $OUT"
