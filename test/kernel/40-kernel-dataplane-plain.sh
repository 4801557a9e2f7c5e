#!/usr/bin/env bash
# Kernel data plane (issue 9) between two plain MASQUERADE NATs, with the real jars in the netns lab
# (docs/KERNEL-DATAPLANE.md). One lab, one coordinator, two `gretun up --dataplane kernel`:
#   1. direct path; ping and a TCP transfer pass; on each NAT, `conntrack -L` shows ONE entry from
#      the host's port 7777 to the other NAT, carrying the data: the very entry the punch created.
#   5. conntrack flushed on both NATs: traffic comes back on its own (the time is printed).
#   6. SIGKILL a daemon, restart it: the leftover device is recognised and replaced (no duplicate
#      device or FOU port), the tunnel comes back. SIGTERM then removes devices, route and FOU port.
# ktest-timeout: 900
set -euo pipefail
# shellcheck source=lib/overlay.sh
source "$(dirname "$0")/lib/overlay.sh"
trap overlay_cleanup EXIT

lab_up plain
coord_up
up a kernel
up b kernel
wait_log a "dataplane mode=kernel" 180
wait_log b "dataplane mode=kernel" 180
wait_log a "peer_state peer=b .*to=direct" 240
wait_log b 'peer_state peer=a .*to=direct' 60
A=$(tunnel_ip a)
B=$(tunnel_ip b)
echo "a=$A b=$B: direct"

# --- 1. data over the punched mappings
t=$(await_ping a "$B" 30)
inns a ping -c 5 -i 0.2 -W 2 "$B" >/dev/null || fail "ping a -> b lost packets"
inns b ping -c 3 -i 0.2 -W 2 "$A" >/dev/null || fail "ping b -> a lost packets"
[[ $(gre_devices a | wc -l) == 1 ]] || fail "a should have one GRE device: $(gre_devices a)"
dev=$(gre_devices a)
info=$(inns a ip -d link show "$dev")
for want in "remote 198.51.100.10" "local 10.0.1.10" "ttl 64" "encap fou" "encap-sport 7777" \
  "noencap-csum" "mtu 1464" "addrgenmode none" "alias gretun fou_port=7777 fou_owner=0 daemon=1"; do
  grep -qF -- "$want" <<<"$info" || fail "$dev lacks '$want': $info"
done
grep -qE "ikey [0-9.]+ okey" <<<"$info" || fail "$dev is not keyed: $info"
grep -qx "port 7777 ipproto 47" <<<"$(inns a ip fou show)" || fail "a has no FOU port 7777"
# Not `ip ... | grep -q` under pipefail: grep leaving at its match can kill ip with SIGPIPE
# before ip has written its last route, and the pipeline then fails (seen in a VM pair).
grep -q "unreachable 100.64.0.0/.* metric 4000" <<<"$(inns a ip route show)" \
  || fail "no guard route: $(inns a ip route show)"
tcp_transfer a b "$B" 3000000
echo "scenario 1: ping + 3 MB TCP a -> b passed"
check_entry() { # NAT HOST_IP OTHER_NAT_IP: one entry from HOST_IP:7777 to OTHER_NAT_IP, with the data
  local nat=$1 host=$2 other=$3 entries bytes
  entries=$(inns "$nat" conntrack -L -p udp --orig-src "$host" --sport 7777 --orig-dst "$other" 2>/dev/null)
  echo "$nat: $entries"
  [[ $(grep -c . <<<"$entries") == 1 ]] || fail "$nat: expected one entry $host:7777 -> $other"
  # Bytes, not packets: GSO hands the NAT super-packets, so 3 MB are a few hundred "packets".
  bytes=$(grep -o 'bytes=[0-9]*' <<<"$entries" | head -n 1 | cut -d= -f2)
  # iperf3 returns with its last bytes still in flight: most of the 3 MB is proof enough (disco
  # and STUN are a few kB).
  ((bytes > 2000000)) || fail "$nat: the entry carried only $bytes bytes, not the transfer"
}
check_entry nat1 10.0.1.10 198.51.100.10
# nat2's entry carried b's side: the TCP acks of the transfer, then a 3 MB transfer b -> a.
tcp_transfer b a "$A" 3000000
check_entry nat2 10.0.2.10 203.0.113.10
echo "scenario 1: one conntrack entry per NAT carried punch and data"

# --- 5. conntrack flushed on both NATs
"$LAB" flush nat1 nat2 >/dev/null
start=$SECONDS
while ! inns a ping -c 1 -W 1 "$B" >/dev/null 2>&1; do
  # Worst case (docs/DAEMON.md "Recovery after a NAT flush", step 4): loss ~15 s, silence 35 s, a failed attempt
  # 10 s because a stale entry moved a port, then 95 s for conntrack to evict it, punch ~5 s.
  ((SECONDS - start < 240)) || fail "no traffic within 240 s after the conntrack flush"
done
echo "scenario 5: traffic back $((SECONDS - start)) s after flushing conntrack on both NATs"
inns b ping -c 3 -i 0.2 -W 2 "$A" >/dev/null || fail "b -> a after the flush"

# --- 6. SIGKILL + restart
directs=$(grep -cE 'peer_state peer=b .*to=direct' "$W/a.log")
kill -KILL "${PID[a]}"
sleep 1
[[ $(gre_devices a | wc -l) == 1 ]] || fail "the SIGKILLed daemon's device should still be there"
up a kernel
wait_log a 'kernel_leftover_removed device=gt' 60
wait_log a 'kernel_fou_port_reclaimed port=7777' 5
wait_log a 'peer_state peer=b .*to=direct' 120 $((directs + 1))
t=$(await_ping a "$B" 60)
[[ $(gre_devices a | wc -l) == 1 ]] || fail "duplicate devices after restart: $(gre_devices a)"
[[ $(inns a ip fou show | grep -c .) == 1 ]] || fail "FOU ports after restart: $(inns a ip fou show)"
echo "scenario 6: restart after SIGKILL: one device, one FOU port, ping after ${t}s"

# --- SIGTERM removes everything
for n in a b; do kill -TERM "${PID[$n]}"; done
for n in a b; do
  for _ in $(seq 1 100); do kill -0 "${PID[$n]}" 2>/dev/null || break; sleep 0.2; done
  kill -0 "${PID[$n]}" 2>/dev/null && fail "$n did not stop on SIGTERM"
  [[ -z $(gre_devices "$n") ]] || fail "$n left devices: $(gre_devices "$n")"
  [[ -z $(inns "$n" ip fou show) ]] || fail "$n left its FOU port"
  grep -q unreachable <<<"$(inns "$n" ip route show)" && fail "$n left the guard route"
  unset "PID[$n]"
done
echo "PASS: kernel data plane, plain NATs"
