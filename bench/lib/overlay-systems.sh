# shellcheck shell=bash
# Sourced by the overlay benchmarks (bench/overlay-bench.sh, bench/connect-matrix.sh), after
# lab-run.sh and `bench_lab_up`: gretun and Nebula started, stopped and connected once in the lab
# (a behind nat1, b behind nat2, the coordinator / lighthouse on pub), and ROUNDS fresh starts of
# one system. Needs ROOT, die and log.
#
# Environment: BENCH_ROUNDS (5), BENCH_CONNECT_TIMEOUT (15 s per start), GRETUN_JAR_DIR (jars
# checked by overlay_require), GRETUN_JAVA_OPTS (daemon JVM). Settable by the sourcing script:
# GRETUN_COORD_ARGS (STUN/relay flags of gretun-coord), GRETUN_UP_ARGS (extra `gretun up` flags on
# both nodes), GRETUN_ON_CONNECT (a function run by gretun_connect_once with the ms or "" before
# the daemons stop), CONNECT_ON_ROUND (a function run by connect_rounds after each start).

ROUNDS=${BENCH_ROUNDS:-5}
CONNECT_TIMEOUT=${BENCH_CONNECT_TIMEOUT:-15}
COORD_IP=192.0.2.10
NEB_PORT=4242
declare -A NEB_IP=([pub]=10.99.0.100 [a]=10.99.0.1 [b]=10.99.0.2)
GRETUN_COORD_ARGS=(--stun-listen "$COORD_IP:3478")
GRETUN_UP_ARGS=()
GRETUN_ON_CONNECT=""
CONNECT_ON_ROUND=""

# overlay_require TOOL...: root, the tools, nebula when "nebula" is among them, gretun's jars.
overlay_require() {
  local t
  [[ $(id -u) -eq 0 ]] || die "needs root (network namespaces): run with sudo"
  for t in "$@"; do
    command -v "$t" >/dev/null || die "needs '$t' (make bench-overlay installs the Debian packages)"
  done
  JARS=${GRETUN_JAR_DIR:-$ROOT/build}
  [[ -f $JARS/gretun.jar && -f $JARS/gretun-coord.jar ]] || die "no jars in $JARS: run 'make build' first"
}

# ping_loop NODE IP TIMEOUT: ms until the first echo reply from IP, or "" after TIMEOUT s. One ping
# process probes every 20 ms and exits at the first reply (-c1 with a deadline waits for one
# reply; root may probe faster than every 0.2 s), so the time is within ~20 ms of when the tunnel
# first carried a ping, for every system alike (until 2026-12-07 single pings with a 200 ms wait
# made it a multiple of ~200 ms). Without a route to IP yet, ping fails at once: tried again.
ping_loop() {
  local node=$1 ip=$2 t0 deadline left
  t0=$(now_ms)
  deadline=$((t0 + $3 * 1000))
  while ((left = deadline - $(now_ms), left > 0)); do
    if nsx "$node" ping -c1 -n -q -i 0.02 -w $(((left + 999) / 1000)) "$ip" >/dev/null 2>&1; then
      echo $(($(now_ms) - t0))
      return 0
    fi
    sleep 0.02 # no route yet fails at once
  done
  echo ""
}

tun_ip() { nsx "$1" ip -4 -o addr show dev "$2" 2>/dev/null | awk '{split($4, a, "/"); print a[1]}'; }
has_tun_ip() { [[ -n $(tun_ip "$1" "$2") ]]; }

median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# bench_meta_json: {machine: {cpu, cores, kernel}, nebula_version, gretun_commit} as one JSON line.
bench_meta_json() {
  jq -cn --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
    --argjson cores "$(nproc)" --arg kernel "$(uname -r)" \
    --arg nebula "$(nebula -version 2>/dev/null | awk '{print $2}')" \
    --arg commit "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
    '{machine: {cpu: $cpu, cores: $cores, kernel: $kernel}, nebula_version: $nebula, gretun_commit: $commit}'
}

# --- gretun -----------------------------------------------------------------------------------

GRETUN_PIDS=()
# Plain HTTP (--insecure-http on both sides): the bench measures the data plane, and the
# coordinator only sets it up; docs/BENCH.md.
gretun_start_coord() {
  rm -rf "$WORK/coord"
  start coord pub "$ROOT/bin/gretun-coord" --listen "$COORD_IP:8443" "${GRETUN_COORD_ARGS[@]}" \
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
    --control-socket "$WORK/$node.sock" --dataplane userspace --metrics-addr 127.0.0.1:9464 \
    "${GRETUN_UP_ARGS[@]}" "$@"
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
  if [[ -n $GRETUN_ON_CONNECT ]]; then "$GRETUN_ON_CONNECT" "$t"; fi
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

# --- fresh starts ------------------------------------------------------------------------------

# connect_rounds SYSTEM LABEL MAX_FAILS: up to ROUNDS fresh starts of SYSTEM (gretun or nebula;
# fresh state, conntrack flushed on both NATs before each), stopping after MAX_FAILS failed ones.
# Sets CONNECT_MS (the ms of the starts that connected) and CONNECT_FAILS; logs each start with
# LABEL and runs CONNECT_ON_ROUND SYSTEM ROUND MS-or-"" after it.
connect_rounds() {
  local sys=$1 label=$2 max_fails=$3 r t
  CONNECT_MS=()
  CONNECT_FAILS=0
  for ((r = 1; r <= ROUNDS && CONNECT_FAILS < max_fails; r++)); do
    lab flush nat1 nat2 >/dev/null
    t=$("${sys}_connect_once")
    if [[ -n $t ]]; then CONNECT_MS+=("$t"); else CONNECT_FAILS=$((CONNECT_FAILS + 1)); fi
    log "connect $sys $label round $r: ${t:-no connect within ${CONNECT_TIMEOUT}s}"
    if [[ -n $CONNECT_ON_ROUND ]]; then "$CONNECT_ON_ROUND" "$sys" "$r" "$t"; fi
  done
}
