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
ROUNDS=${BENCH_ROUNDS:-5}
CONNECT_TIMEOUT=${BENCH_CONNECT_TIMEOUT:-15}
IPERF_SECONDS=${BENCH_IPERF_SECONDS:-10}
COORD_IP=192.0.2.10
NEB_PORT=4242
declare -A NEB_IP=([pub]=10.99.0.100 [a]=10.99.0.1 [b]=10.99.0.2)
CLK_TCK=$(getconf CLK_TCK)

die() { echo "overlay-bench: $*" >&2; exit 1; }
log() { echo "overlay-bench: $*" >&2; }
has() { [[ ,$2, == *,$1,* ]]; }
# shellcheck source=lib/lab-run.sh
source "$ROOT/bench/lib/lab-run.sh"

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces): run with sudo"
for t in jq iperf3 ip nft conntrack; do
  command -v "$t" >/dev/null || die "needs '$t' (make bench-overlay installs the Debian packages)"
done
if has nebula "$SYSTEMS"; then
  command -v nebula >/dev/null && command -v nebula-cert >/dev/null \
    || die "needs nebula and nebula-cert (Debian package nebula)"
fi
JARS=${GRETUN_JAR_DIR:-$ROOT/build}
[[ -f $JARS/gretun.jar && -f $JARS/gretun-coord.jar ]] || die "no jars in $JARS: run 'make build' first"

bench_lab_up gretun-bench



# ping_loop NODE IP TIMEOUT: single pings until one is answered; prints the ms taken or "".
ping_loop() {
  local node=$1 ip=$2 t0 deadline
  t0=$(now_ms)
  deadline=$((t0 + $3 * 1000))
  while (($(now_ms) < deadline)); do
    if nsx "$node" ping -c1 -n -q -W0.2 "$ip" >/dev/null 2>&1; then
      echo $(($(now_ms) - t0))
      return 0
    fi
    sleep 0.02 # no route yet fails at once
  done
  echo ""
}

tun_ip() { nsx "$1" ip -4 -o addr show dev "$2" 2>/dev/null | awk '{split($4, a, "/"); print a[1]}'; }
has_tun_ip() { [[ -n $(tun_ip "$1" "$2") ]]; }
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

# --- gretun -----------------------------------------------------------------------------------

GRETUN_PIDS=()
# Plain HTTP (--insecure-http on both sides): the bench measures the data plane, and the
# coordinator only sets it up; docs/BENCH.md.
gretun_start_coord() {
  rm -rf "$WORK/coord"
  start coord pub "$ROOT/bin/gretun-coord" --listen "$COORD_IP:8443" --stun-listen "$COORD_IP:3478" \
    --state-dir "$WORK/coord" --long-poll 10s --sync normal --insecure-http
  COORD_PID=$PID
  wait_until 30 grep -q coord_listening "$WORK/coord.log" || die "coordinator did not start: $(tail -3 "$WORK/coord.log")"
  KEY=$("$ROOT/bin/gretun-coord" keys create --reusable --json --state-dir "$WORK/coord" | jq -r .key)
}

gretun_up() { # NODE [extra args]
  local node=$1; shift
  rm -rf "$WORK/state-$node"
  start "gretun-$node" "$node" "$ROOT/bin/gretun" up --coordinator "http://$COORD_IP:8443" --insecure-http \
    --auth-key "$KEY" --hostname "$node" --state-dir "$WORK/state-$node" \
    --control-socket "$WORK/$node.sock" --dataplane userspace --metrics-addr 127.0.0.1:9464 "$@"
  GRETUN_PIDS+=("$PID")
}

gretun_down() {
  stop "${GRETUN_PIDS[@]}" "$COORD_PID"
  GRETUN_PIDS=()
}

# Prints ms from starting b to the first ping b -> a through the tunnel, or "".
gretun_connect_once() {
  gretun_start_coord
  gretun_up a
  wait_until 30 has_tun_ip a gretun0 || { gretun_down; echo ""; return; }
  local aip t
  aip=$(tun_ip a gretun0)
  gretun_up b
  t=$(ping_loop b "$aip" "$CONNECT_TIMEOUT")
  gretun_down
  echo "$t"
}

# --- Nebula -----------------------------------------------------------------------------------

nebula_certs() {
  local n
  NEB=$WORK/nebula
  mkdir -p "$NEB"
  nebula-cert ca -name gretun-bench -out-crt "$NEB/ca.crt" -out-key "$NEB/ca.key"
  for n in pub a b; do
    nebula-cert sign -ca-crt "$NEB/ca.crt" -ca-key "$NEB/ca.key" -name "$n" -ip "${NEB_IP[$n]}/24" \
      -out-crt "$NEB/$n.crt" -out-key "$NEB/$n.key"
    local lh=false hosts="[\"${NEB_IP[pub]}\"]"
    [[ $n == pub ]] && lh=true hosts="[]"
    cat >"$NEB/$n.yml" <<EOF
pki: {ca: $NEB/ca.crt, cert: $NEB/$n.crt, key: $NEB/$n.key}
static_host_map: {"${NEB_IP[pub]}": ["$COORD_IP:$NEB_PORT"]}
lighthouse: {am_lighthouse: $lh, interval: 60, hosts: $hosts}
listen: {host: 0.0.0.0, port: $NEB_PORT}
punchy: {punch: true, respond: true}
tun: {dev: nebula1, drop_local_broadcast: false, drop_multicast: false}
logging: {level: info, format: text}
firewall:
  outbound: [{port: any, proto: any, host: any}]
  inbound: [{port: any, proto: any, host: any}]
EOF
  done
}

NEB_PIDS=()
nebula_up() { # NODE
  start "nebula-$1" "$1" nebula -config "$NEB/$1.yml"
  NEB_PIDS+=("$PID")
}
nebula_down() {
  stop "${NEB_PIDS[@]}"
  NEB_PIDS=()
}

nebula_connect_once() {
  nebula_up pub
  nebula_up a
  # a is ready once its tunnel to the lighthouse carries a ping.
  if [[ -z $(ping_loop a "${NEB_IP[pub]}" 30) ]]; then nebula_down; echo ""; return; fi
  nebula_up b
  local t
  t=$(ping_loop b "${NEB_IP[a]}" "$CONNECT_TIMEOUT")
  nebula_down
  echo "$t"
}

# --- connect time ------------------------------------------------------------------------------

median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

RESULTS=$WORK/results.jsonl
: >"$RESULTS"

# connect SYSTEM NAT: ROUNDS fresh starts (fresh state, conntrack flushed); stops after the third
# failure, since the median can no longer be a connect.
connect() {
  local sys=$1 nat=$2 r t ok=() fails=0
  lab nat nat1 "$nat" && lab nat nat2 "$nat"
  for ((r = 1; r <= ROUNDS && fails * 2 <= ROUNDS; r++)); do
    lab flush nat1 nat2 >/dev/null
    t=$("${sys}_connect_once")
    if [[ -n $t ]]; then ok+=("$t"); else fails=$((fails + 1)); fi
    log "connect $sys nat=$nat round $r: ${t:-no connect within ${CONNECT_TIMEOUT}s}"
  done
  local med=""
  ((${#ok[@]} * 2 > ROUNDS)) && med=$(printf '%s\n' "${ok[@]}" | median)
  jq -cn --arg sys "$sys" --arg nat "$nat" --arg med "$med" --argjson fails "$fails" \
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
jq -s --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
  --argjson cores "$(nproc)" --arg kernel "$(uname -r)" \
  --arg nebula "$(nebula -version 2>/dev/null | awk '{print $2}')" \
  --arg commit "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" '
  def thr(s): (map(select(.part == "throughput" and .system == s)) | first | .mbit_s) // null;
  def ratio(a; b): if a != null and b != null and b > 0 then ((a / b * 100 | floor) / 100) else null end;
  {machine: {cpu: $cpu, cores: $cores, kernel: $kernel}, nebula_version: $nebula, gretun_commit: $commit,
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
