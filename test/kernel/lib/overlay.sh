# shellcheck shell=bash
# Helpers for the kernel data plane's VM tests (sourced, not run): the netns lab (lab/lab.sh), a
# real gretun-coord on `pub` and real `gretun up` daemons, waiting on their log lines (a JVM start
# per `gretun peers` costs seconds under TCG, so the logs are the cheap signal).
set -euo pipefail
ROOT=$PWD
LAB=$ROOT/lab/lab.sh
G=$ROOT/bin/gretun
GC=$ROOT/bin/gretun-coord
# Inside the VM the logs go to the results share, so they survive a timeout (kept on failure).
# State (SQLite, keys, sockets) stays on the guest's tmpfs: SQLite's WAL cannot map shared memory
# on the 9p share.
W=$(mktemp -d "${GRETUN_VM_RESULTS:-/tmp}/gretun-kdp.XXXXXX")
S=$(mktemp -d /tmp/gretun-kdp-state.XXXXXX)
export LAB_PREFIX=gtl-0-kdp$$
# Plain HTTP (--insecure-http on both sides): these tests are about the kernel data plane, and a
# TLS handshake per JVM is slow under TCG; HTTPS is covered by gretun-e2e (docs/TESTING.md).
COORD=http://192.0.2.10:8443
# PID[name]: the JVM's own pid. Processes are started as plain commands (`ip netns exec` and the
# launchers exec), never through a shell function, so a signal reaches the JVM itself.
declare -A PID=()

fail() {
  echo "FAIL: $*" >&2
  for f in "$W"/*.log; do
    [[ -e $f ]] || continue
    echo "--- $f (last 40 lines)" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

overlay_cleanup() {
  local rc=$? n
  for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null || true; done
  sleep 1
  for n in "${!PID[@]}"; do kill -KILL "${PID[$n]}" 2>/dev/null || true; done
  "$LAB" down >/dev/null 2>&1 || true
  rm -rf "$S"
  if ((rc == 0)); then rm -rf "$W"; else echo "logs kept in $W" >&2; fi
}

inns() { local node=$1; shift; ip netns exec "$LAB_PREFIX-$node" "$@"; }

# lab_up MODE: the lab with both NATs in MODE, conntrack accounting on (packet counts per entry).
lab_up() {
  "$LAB" up >/dev/null
  local n
  for n in nat1 nat2; do
    inns "$n" sysctl -qw net.netfilter.nf_conntrack_acct=1
    "$LAB" nat "$n" "$1" >/dev/null
  done
}

# coord_up [ARGS...]: gretun-coord on pub (extra ARGS, e.g. --relay-listen, passed on).
coord_up() {
  PID[coord]=$(
    ip netns exec "$LAB_PREFIX-pub" "$GC" --listen 192.0.2.10:8443 --stun-listen 192.0.2.10:3478 \
      --state-dir "$S/coord" --long-poll 10s --insecure-http "$@" >"$W/coord.log" 2>&1 &
    echo $!
  )
  wait_log coord coord_listening 180
  KEY=$("$GC" keys create --reusable --json --state-dir "$S/coord" | jq -r .key)
  [[ -n $KEY && $KEY != null ]] || fail "no join key from gretun-coord keys create"
}

# up NODE MODE [ARGS...]: gretun up on NODE with data plane MODE, log in $W/NODE.log (appended).
up() {
  local node=$1 mode=$2; shift 2
  PID[$node]=$(
    ip netns exec "$LAB_PREFIX-$node" "$G" up --coordinator "$COORD" --insecure-http --auth-key "$KEY" --hostname "$node" \
      --state-dir "$S/state-$node" --control-socket "$S/$node.sock" --dataplane "$mode" \
      "$@" >>"$W/$node.log" 2>&1 &
    echo $!
  )
}

# wait_log NAME PATTERN SECONDS [MIN_COUNT]: until $W/NAME.log has MIN_COUNT (1) matching lines.
wait_log() {
  local name=$1 pat=$2 secs=$3 min=${4:-1} start=$SECONDS
  while ((SECONDS - start < secs)); do
    if (($(grep -cE -- "$pat" "$W/$name.log" 2>/dev/null || true) >= min)); then
      echo "  $name: '$pat' after $((SECONDS - start))s"
      return 0
    fi
    if [[ -n ${PID[$name]:-} ]] && ! kill -0 "${PID[$name]}" 2>/dev/null; then
      fail "$name exited while waiting for '$pat'"
    fi
    sleep 0.5
  done
  fail "$name: no '$pat' (x$min) within ${secs}s"
}

# tunnel_ip NODE: the overlay address the coordinator gave NODE (from its log).
tunnel_ip() { sed -n 's/.*registered tunnel_ip=\([0-9.]*\)\/.*/\1/p' "$W/$1.log" | tail -n 1; }

# await_ping NODE IP SECONDS: until one ping passes; prints the seconds it took.
await_ping() {
  local node=$1 ip=$2 secs=$3 start=$SECONDS
  while ((SECONDS - start < secs)); do
    if inns "$node" ping -c 1 -W 1 "$ip" >/dev/null 2>&1; then
      echo $((SECONDS - start))
      return 0
    fi
  done
  fail "no ping $node -> $ip within ${secs}s"
}

# tcp_transfer FROM TO_NODE TO_IP BYTES: iperf3 sends BYTES over TCP through the tunnel; the
# receiver must count them all.
tcp_transfer() {
  local from=$1 to=$2 ip=$3 bytes=$4 got sent srv
  inns "$to" timeout 120 iperf3 -s -1 -p 5201 >"$W/iperf3-server.log" 2>&1 &
  srv=$!
  sleep 2
  if ! inns "$from" timeout 100 iperf3 -c "$ip" -p 5201 -n "$bytes" -J --connect-timeout 10000 \
    >"$W/iperf3.json" 2>&1; then
    inns "$from" ip -s -d link show type gre >&2 || true
    fail "iperf3 $from -> $ip failed: $(jq -r '.error // empty' "$W/iperf3.json" 2>/dev/null)"
  fi
  wait "$srv" || true
  # iperf3's server stops counting at the end-of-test message, so sum_received misses the bytes
  # still in flight then (as in gretun-e2e's UpScenariosTest): require all sent, some received.
  sent=$(jq -r '.end.sum_sent.bytes' "$W/iperf3.json")
  got=$(jq -r '.end.sum_received.bytes' "$W/iperf3.json")
  ((sent >= bytes && got > 0)) || fail "TCP transfer $from -> $to: sent $sent, received $got of $bytes"
  echo "  TCP $from -> $to: sent $sent, received $got bytes, $(jq -r '.end.sum_sent.bits_per_second / 1e6 | floor' "$W/iperf3.json") Mbit/s"
}

# gre_devices NODE: the daemon's GRE devices in NODE, one per line.
gre_devices() { inns "$1" ip -o link show type gre | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^gt[0-9a-f]{8}$' || true; }
