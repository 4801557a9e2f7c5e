#!/usr/bin/env bash
# Static tunnels on a kernel with ip_gre and fou (VM tier: runs as root in the guest, cwd = repo
# root, build/gretun.jar built). Two namespaces A and B joined by a veth pair:
#   bare GRE, keyed GRE, gretap+FOU, GRE+FOU made with `gretun create`; `ip -d link show` and
#   `gretun status/list --json` agree with what was asked; a ping crosses a FOU tunnel made with
#   `gretun create` on both ends; `gretun delete` leaves no link and no FOU port behind.
# Also records which errno a duplicate FOU port add returns (see docs/CLI.md, "FOU port").
# Every step is a gretun command, i.e. a JVM start: 15-70 s each under TCG with two VMs on the
# host's two cores, where the default 300 s ran out (docs/TESTING.md, "Timing").
# ktest-timeout: 900
set -euo pipefail
G=$PWD/bin/gretun
A=gretun-k-a-$$
B=gretun-k-b-$$
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() { ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; }
trap cleanup EXIT
modprobe -q fou 2>/dev/null || true
modprobe -q ip_gre 2>/dev/null || true

ip netns add "$A"
ip netns add "$B"
ip link add va netns "$A" type veth peer name vb netns "$B"
ip -n "$A" addr add 192.168.77.1/24 dev va
ip -n "$B" addr add 192.168.77.2/24 dev vb
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set va up
ip -n "$B" link set vb up

inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
expect() { # expect NS DEV PATTERN... : every pattern occurs in `ip -d link show DEV`
  local ns=$1 dev=$2; shift 2
  local out; out=$(ip -n "$ns" -d link show "$dev")
  for p in "$@"; do grep -qF -- "$p" <<<"$out" || fail "$dev: '$p' not in: $out"; done
}
jqc() { jq -c "$2" <<<"$1"; } # jqc JSON FILTER

# Which errno does a duplicate FOU add give? (upstream assumed EEXIST)
ip -n "$A" fou add port 7999 ipproto 47
dup=$(ip -n "$A" fou add port 7999 ipproto 47 2>&1 || true)
echo "duplicate 'ip fou add' on this kernel: $dup"
ip -n "$A" fou del port 7999

# 1. bare GRE
inA "$G" create --name gbare --local 192.168.77.1 --remote 192.168.77.2 --ttl 40
expect "$A" gbare "gre remote 192.168.77.2" "local 192.168.77.1" "ttl 40" "nopmtudisc"
expect "$A" gbare "addrgenmode none" "alias gretun"
# The kernel tells GRE tunnels apart by (local, remote, key): a second keyless tunnel between the
# same addresses (gfou below) must be refused by gretun with a clear message, then work once
# gbare is gone.
if inA "$G" create --name gdup --local 192.168.77.1 --remote 192.168.77.2 2>/tmp/gdup.err; then
  fail "a second keyless tunnel between the same addresses was accepted"
fi
grep -q "use a different --key" /tmp/gdup.err || fail "unclear duplicate error: $(cat /tmp/gdup.err)"
inA "$G" delete --name gbare
ip -n "$A" link show gbare >/dev/null 2>&1 && fail "gbare still there after delete"

# 2. keyed GRE, addressed
inA "$G" create --name gkey --local 192.168.77.1 --remote 192.168.77.2 --key 4660 \
  --tunnel-ip 100.65.0.1/24
expect "$A" gkey "ikey 0.0.18.52" "okey 0.0.18.52"
grep -qF "100.65.0.1/24" <<<"$(ip -n "$A" addr show gkey)" || fail "gkey has no address"

# 3. gretap + FOU, keyed: MTU 1468 - 4 - 14
inA "$G" create --name gtap --type gretap --local 192.168.77.1 --remote 192.168.77.2 --key 5 \
  --encap fou --encap-dport 7801 --fou-port 7801
expect "$A" gtap "gretap remote 192.168.77.2" "mtu 1450" "encap fou" "encap-dport 7801"

# 4. GRE + FOU, keyless: MTU 1468, FOU port opened
st=$(inA "$G" --json create --name gfou --local 192.168.77.1 --remote 192.168.77.2 \
  --encap fou --encap-sport 7777 --encap-dport 7777)
[[ $(jqc "$st" .fou_port_created) == true ]] || fail "FOU port not created: $st"
expect "$A" gfou "mtu 1468" "encap fou" "encap-sport 7777" "encap-dport 7777" "noencap-csum"
grep -q "port 7777" <<<"$(ip -n "$A" fou show)" || fail "no FOU port 7777"

status=$(inA "$G" status --name gfou --json)
[[ $(jqc "$status" '[.local_ip,.remote_ip,.encap,.encap_sport,.encap_dport,.mtu,.up,.fou_port,.key]') == \
   '["192.168.77.1","192.168.77.2","fou",7777,7777,1468,true,7777,null]' ]] || fail "status: $status"
list=$(inA "$G" list --json)
[[ $(jqc "$list" '[.[].name]|sort') == '["gfou","gkey","gtap"]' ]] \
  || fail "list (fallback gre0/gretap0 must not appear): $list"
[[ $(jqc "$list" '.[]|select(.name=="gkey").key') == 4660 ]] || fail "key: $list"

# 5. ping through a static FOU tunnel made with gretun on both ends (keyed: the kernel tells
# tunnels apart by local/remote/key, and A already has keyless gfou toward B).
inA "$G" create --name t0 --local 192.168.77.1 --remote 192.168.77.2 --key 99 \
  --encap fou --encap-dport 7777 --tunnel-ip 100.64.9.1/24
inB "$G" create --name t0 --local 192.168.77.2 --remote 192.168.77.1 --key 99 \
  --encap fou --encap-dport 7777 --tunnel-ip 100.64.9.2/24
inA ping -c 3 -i 0.2 -W 2 100.64.9.2 >/dev/null || fail "no ping through the FOU tunnel"
rx=$(jqc "$(inB "$G" status --name t0 --json)" .rx_packets)
(( rx >= 3 )) || fail "t0 on B counted $rx rx packets"

# 6. delete: the FOU port owner moves while another tunnel still uses it, then goes with the last.
d=$(inA "$G" --json delete --name gfou)
[[ $(jqc "$d" '[.fou_port_removed,.fou_owner_moved_to]') == '[null,"t0"]' ]] \
  || fail "delete gfou: $d"
grep -q "port 7777" <<<"$(ip -n "$A" fou show)" || fail "FOU port 7777 removed while t0 uses it"
d=$(inA "$G" --json delete --name t0)
[[ $(jqc "$d" .fou_port_removed) == 7777 ]] || fail "delete t0: $d"
for t in gkey gtap; do inA "$G" delete --name "$t" >/dev/null; done
inB "$G" delete --name t0 >/dev/null
for ns in "$A" "$B"; do
  [[ -z $(ip -n "$ns" fou show) ]] || fail "FOU ports left in $ns: $(ip -n "$ns" fou show)"
  left=$(ip -n "$ns" -o link show | grep -E ': (gbare|gkey|gtap|gfou|t0)[@:]' || true)
  [[ -z $left ]] || fail "links left in $ns: $left"
done
echo "PASS 20-static-tunnels"
