#!/usr/bin/env bash
# Kernel data plane (issue 9), scenarios 2-4 in one lab (docs/KERNEL-DATAPLANE.md):
#   2. both NATs hard (their firewalls drop unsolicited inbound): a (kernel) <-> b (kernel) direct.
#   3. a and a2 share nat1's public IP and both tunnel to b: b holds two devices with the same
#      remote address, told apart by their GRE keys.
#   4. a2 runs the userspace data plane: it interoperates with b's kernel plane (same keyed
#      GRE-in-UDP on port 7777).
# ktest-timeout: 900
set -euo pipefail
# shellcheck source=lib/overlay.sh
source "$(dirname "$0")/lib/overlay.sh"
trap overlay_cleanup EXIT

lab_up hard
coord_up
up a kernel
up a2 userspace
up b kernel
# Start-up first (a JVM start and the registration: 60-80 s with two kernel-tier VMs on two host
# cores, docs/BENCH.md "Two kernel-tier VMs at once"), then the punch's own window.
wait_log a 'daemon_up' 480
wait_log a2 'daemon_up' 480
wait_log b 'daemon_up' 480
wait_log a 'peer_state peer=b .*to=direct' 150
wait_log a2 'peer_state peer=b .*to=direct' 150
wait_log b 'peer_state peer=a .*to=direct' 60
wait_log b 'peer_state peer=a2 .*to=direct' 60
A=$(tunnel_ip a)
A2=$(tunnel_ip a2)
B=$(tunnel_ip b)
echo "a=$A a2=$A2 b=$B: direct"

await_ping a "$B" 30 >/dev/null
inns a ping -c 5 -i 0.2 -W 2 "$B" >/dev/null || fail "ping a -> b (hard NATs)"
tcp_transfer a b "$B" 1000000
echo "scenario 2: hard NATs: ping + 1 MB TCP a -> b passed"

await_ping a2 "$B" 30 >/dev/null
inns a2 ping -c 5 -i 0.2 -W 2 "$B" >/dev/null || fail "ping a2 (userspace) -> b (kernel)"
inns b ping -c 5 -i 0.2 -W 2 "$A2" >/dev/null || fail "ping b (kernel) -> a2 (userspace)"
tcp_transfer b a2 "$A2" 1000000
echo "scenario 4: kernel <-> userspace: pings and 1 MB TCP b -> a2 passed"

devs=$(gre_devices b)
[[ $(grep -c . <<<"$devs") == 2 ]] || fail "b should hold two devices (a, a2): $devs"
keys=""
for d in $devs; do
  info=$(inns b ip -d link show "$d")
  grep -qF "remote 203.0.113.10" <<<"$info" || fail "$d: not toward nat1: $info"
  keys+="$(grep -oE 'ikey [0-9.]+' <<<"$info") "
done
[[ $(tr ' ' '\n' <<<"$keys" | grep -c '^[0-9]') == 2 && $(echo $keys | tr ' ' '\n' | sort -u | grep -c '^[0-9]') == 2 ]] \
  || fail "the two devices toward nat1 need different keys: $keys"
inns b ping -c 3 -i 0.2 -W 2 "$A" >/dev/null || fail "ping b -> a (shared NAT)"
echo "scenario 3: a and a2 behind one NAT, both direct to b, devices keyed apart ($keys)"
echo "PASS: kernel data plane, hard NATs, shared NAT, mixed planes"
