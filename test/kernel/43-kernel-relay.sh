#!/usr/bin/env bash
# The data relay on the kernel data plane (issue 15), with the real jars in the netns lab: both
# NATs symmetric (masquerade fully-random), so both nodes are `hard` and the pair takes role
# `relay` at once; gretun-coord on pub runs its data relay. Each node's GRE device for the other
# points at the relay (remote 192.0.2.10, encap-dport 3480, encap-sport 7777, the pair key), so
# relayed data stays in the kernel (docs/KERNEL-DATAPLANE.md "Relay"). Checked: both show path
# `relay` with the relay's address; the device's parameters; strict rp_filter on it; ping through
# the tunnel; a TCP transfer of random bytes whose SHA-256 matches on arrival; the relay's
# forwarded counters rose by at least the transferred bytes. The TCP transfer is what proves the
# devices finish inner checksums while they point at the relay (tx checksum offload off): with
# offload on, locally generated TCP reaches the relay's socket on this one kernel with its checksum
# unfinished and b drops every segment (docs/KERNEL-DATAPLANE.md "Relay").
# ktest-timeout: 1500
set -euo pipefail
# shellcheck source=lib/overlay.sh
source "$(dirname "$0")/lib/overlay.sh"
trap overlay_cleanup EXIT
RELAY=192.0.2.10:3480
BYTES=$((2 << 20))

# relay_metric SAMPLE: one sample of the coordinator's metrics (its loopback listener on pub).
relay_metric() {
  inns pub curl -sf http://127.0.0.1:9465/metrics | awk -v s="$1" '$1 == s { printf "%d\n", $2 }'
}

# peer_json NODE PEER: NODE's `gretun peers --json` row for PEER.
peer_json() { inns "$1" "$G" peers --control-socket "$S/$1.sock" --json | jq -c --arg p "$2" '.[] | select(.name == $p)'; }

lab_up symmetric
coord_up --relay-listen "$RELAY"
# Two daemons and a coordinator under TCG on a loaded host: a JVM start took over 180 s once.
wait_log coord relay_listen 30
up a kernel
up b kernel
wait_log a "dataplane mode=kernel" 480
wait_log b "dataplane mode=kernel" 480
wait_log a "peer_no_path peer=b .*path=relay relay=$RELAY" 240
wait_log b "peer_no_path peer=a .*path=relay relay=$RELAY" 60
wait_log a "kernel_device_(created|retargeted) .*remote=$RELAY via=relay" 30
wait_log b "kernel_device_(created|retargeted) .*remote=$RELAY via=relay" 30
grep -q relay_unused "$W/a.log" && fail "a logged relay_unused"
A=$(tunnel_ip a)
B=$(tunnel_ip b)
echo "a=$A b=$B: both relayed"

# --- gretun peers: path relay, the relay's address
for pair in "a b" "b a"; do
  read -r n p <<<"$pair"
  row=$(peer_json "$n" "$p")
  [[ $(jq -r .path <<<"$row") == relay && $(jq -r .endpoint <<<"$row") == "$RELAY" ]] \
    || fail "$n: peer $p is not on path relay via $RELAY: $row"
done
echo "gretun peers: path relay, endpoint $RELAY on both"

# --- the device points at the relay, strict rp_filter on it
[[ $(gre_devices a | wc -l) == 1 ]] || fail "a should have one GRE device: $(gre_devices a)"
dev=$(gre_devices a)
info=$(inns a ip -d link show "$dev")
for want in "remote 192.0.2.10" "local 10.0.1.10" "encap fou" "encap-sport 7777" \
  "encap-dport 3480" "mtu 1464" "alias gretun fou_port=7777 fou_owner=0 daemon=1"; do
  grep -qF -- "$want" <<<"$info" || fail "$dev lacks '$want': $info"
done
grep -qE "ikey [0-9.]+ okey" <<<"$info" || fail "$dev is not keyed: $info"
for n in a b; do
  d=$(gre_devices "$n")
  v=$(inns "$n" sysctl -n "net.ipv4.conf.$d.rp_filter")
  [[ $v == 1 ]] || fail "$n: $d has rp_filter=$v"
done
echo "device $dev: $(grep -oE 'remote [0-9.]+ local [0-9.]+' <<<"$info"), encap-dport 3480, rp_filter 1"

# --- ping and a SHA-256-checked TCP transfer through the relay
t=$(await_ping a "$B" 60)
inns a ping -c 5 -i 0.2 -W 2 "$B" >/dev/null || fail "ping a -> b lost packets"
inns b ping -c 3 -i 0.2 -W 2 "$A" >/dev/null || fail "ping b -> a lost packets"
echo "ping through the relay after ${t}s"
fwd0=$(relay_metric 'gretun_coord_relay_packets_total{result="forwarded"}')
bytes0=$(relay_metric gretun_coord_relay_bytes_total)
head -c "$BYTES" /dev/urandom >"$S/src.bin"
inns b timeout 400 sh -c "exec nc -l 5001 > '$S/dst.bin'" &
sink=$!
# Under TCG on a loaded host the listener can take seconds to start: wait for it (bounded).
for _ in $(seq 1 60); do
  grep -q . <<<"$(inns b ss -ltnH 'sport = :5001')" && break
  sleep 1
done
inns a timeout 300 sh -c "nc -v -N -w 60 $B 5001 < '$S/src.bin'" 2>"$W/nc.err" \
  || fail "nc a -> b failed: $(cat "$W/nc.err")"
wait "$sink" || fail "nc on b failed"
want=$(sha256sum <"$S/src.bin" | cut -d' ' -f1)
got=$(sha256sum <"$S/dst.bin" | cut -d' ' -f1)
[[ $want == "$got" ]] || fail "b received $(stat -c %s "$S/dst.bin") bytes, SHA-256 $got, not $want"
fwd=$(($(relay_metric 'gretun_coord_relay_packets_total{result="forwarded"}') - fwd0))
relayed=$(($(relay_metric gretun_coord_relay_bytes_total) - bytes0))
((relayed >= BYTES)) || fail "the relay forwarded only $relayed bytes during a $BYTES-byte transfer"
echo "TCP a -> b: $BYTES bytes, SHA-256 equal; the relay forwarded $fwd datagrams, $relayed bytes"
rx=$(inns b ip -s -j link show "$(gre_devices b)" | jq '.[0].stats64.rx.bytes')
((rx >= BYTES)) || fail "b's device received only $rx bytes: the data did not stay in the kernel"
echo "b's device received $rx bytes"
echo "PASS: kernel data plane through the relay"
