#!/usr/bin/env bash
# Regenerates the golden netlink fixtures under
# gretun-core/src/test/resources/dev/gretun/core/netlink/fixtures/ by running the real iproute2
# `ip` binary under strace inside a throwaway network namespace and keeping the bytes of its last
# sendmsg/sendto (requests, *.req.hex) or of every recvmsg after it (kernel replies,
# *.reply.hex). Needs root, iproute2 and strace. On a kernel without ip_gre the kernel rejects the
# `ip link add ... type gre` requests; the request bytes are captured all the same.
# Fixture format: '#' lines = comments (the exact command), then hex bytes.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# GRETUN_FIXTURE_OUT writes elsewhere (e.g. in the kernel VM, whose view of the repository is
# read-only), so a few new fixtures can be copied over without touching the others.
out=${GRETUN_FIXTURE_OUT:-$root/gretun-core/src/test/resources/dev/gretun/core/netlink/fixtures}
mkdir -p "$out"
ns=gretun-cap-$$-$RANDOM
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true; rm -f /tmp/$ns.trace' EXIT
trace=/tmp/$ns.trace

# run NAME MODE CMD... : MODE is req (last request sent) or reply (kernel data received after it);
# with MATCH=REGEX only requests whose strace decoding matches REGEX count.
run() {
  local name=$1 mode=$2; shift 2
  ip netns exec "$ns" strace -f -qq -e trace=sendmsg,sendto,recvmsg -e write=all -e read=all \
    -o "$trace" "$@" >/dev/null 2>&1 || true
  {
    echo "# captured by scripts/capture-netlink-fixtures.sh ($(ip -V | head -1))"
    echo "# command: $*"
    awk -v mode="$mode" -v want="${MATCH:-.}" '
      / (sendmsg|sendto)\(/ {
        if ($0 ~ want) { n++; delete req; nreq = 0; delete rep; nrep = 0; cur = "s" } else cur = "x"
        next
      }
      / recvmsg\(/ { if (cur != "x") cur = "r"; next }
      /^ \| [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / {
        line = substr($0, 11, 49); gsub(/  +/, " ", line); sub(/ +$/, "", line)
        if (cur == "s") req[++nreq] = line; else if (cur == "r" && n > 0) rep[++nrep] = line
      }
      END {
        if (mode == "req") for (i = 1; i <= nreq; i++) print req[i]
        else for (i = 1; i <= nrep; i++) print rep[i]
      }' "$trace"
  } >"$out/$name.$mode.hex"
  echo "captured $name.$mode.hex"
}

L="local 10.0.0.1 remote 10.0.0.2"
run gre-bare req ip link add gt0 type gre $L ttl 64 nopmtudisc
run gre-pmtudisc req ip link add gt0 type gre $L ttl 64 pmtudisc
run gre-ttl req ip link add gt0 type gre $L ttl 30 nopmtudisc
run gre-keyed req ip link add gt0 type gre $L ttl 64 key 305419896 nopmtudisc
run gre-fou req ip link add gt0 type gre $L ttl 64 nopmtudisc \
  encap fou encap-sport 7777 encap-dport 7778 noencap-csum
run gre-fou-csum-auto req ip link add gt0 type gre $L ttl 64 nopmtudisc \
  encap fou encap-sport auto encap-dport 7778 encap-csum
run gretap-keyed-fou req ip link add gt0 type gretap $L ttl 64 key 7 nopmtudisc \
  encap fou encap-sport 7777 encap-dport 7777 noencap-csum
run gre-create-eopnotsupp reply ip link add gt0 type gre $L ttl 64 nopmtudisc

# Requests on an existing device (lo, ifindex 1 in a fresh namespace).
run link-set-up req ip link set dev lo up
run link-set-down req ip link set dev lo down
run link-set-mtu req ip link set dev lo mtu 1400
run link-addrgenmode-none req ip link set dev lo addrgenmode none
run link-set-alias req ip link set dev lo alias 'gretun fou_port=7777 fou_owner=1'
run link-del req ip link del dev lo
run addr-add-peer req ip addr add 10.1.0.1 peer 10.1.0.2/32 dev lo
run addr-add-cidr req ip addr add 10.2.0.1/24 dev lo
run addr-del-cidr req ip addr del 10.2.0.1/24 dev lo
run genl-getfamily-fou req ip fou add port 7777 ipproto 47
run route-add-unreachable req ip route add unreachable 100.64.0.0/10 metric 4000
run route-del-unreachable req ip route del unreachable 100.64.0.0/10 metric 4000

# Changing a GRE link in place (the kernel data plane retargets a peer's device): iproute2 reads the
# link first, then sends RTM_NEWLINK without NLM_F_CREATE. Only where the kernel has ip_gre.
if ip -n "$ns" link add gtchg type gre local 10.0.0.1 remote 10.0.0.2 ttl 64 key 7 nopmtudisc \
  encap fou encap-sport 7777 encap-dport 7778 noencap-csum 2>/dev/null; then
  MATCH=RTM_NEWLINK run gre-change req ip link set gtchg type gre local 10.0.0.1 remote 10.0.0.3 \
    ttl 64 key 7 nopmtudisc encap fou encap-sport 7777 encap-dport 7779 noencap-csum
  ip -n "$ns" link del gtchg
fi
# The same device pointed at a data relay (the kernel plane's relay path): key 0xdeadbeef.
if ip -n "$ns" link add gtdeadbeef type gre local 192.168.1.10 remote 203.0.113.10 ttl 64 \
  key 3735928559 nopmtudisc encap fou encap-sport 7777 encap-dport 40000 noencap-csum 2>/dev/null; then
  MATCH=RTM_NEWLINK run gre-change-relay req ip link set gtdeadbeef type gre local 192.168.1.10 \
    remote 192.0.2.10 ttl 64 key 3735928559 nopmtudisc encap fou encap-sport 7777 \
    encap-dport 3480 noencap-csum
  ip -n "$ns" link del gtdeadbeef
fi

# Kernel replies: a link dump with lo, a veth pair and a tun device; a route lookup.
ip -n "$ns" link set lo up
ip -n "$ns" link add vcap0 type veth peer name vcap1
ip -n "$ns" tuntap add dev tcap0 mode tun
ip -n "$ns" addr add 10.9.0.1/24 dev vcap0
ip -n "$ns" link set vcap0 up
ip -n "$ns" link set vcap1 up
run link-dump reply ip -d -s link show
MATCH=RTM_GETROUTE run route-get reply ip route get 10.9.0.7
MATCH=RTM_GETROUTE run route-get req ip route get 10.9.0.7
# The counters-only dump the kernel plane's tick reads (RTM_GETSTATS, IFLA_STATS_LINK_64), after a
# few pings on lo so that its counters are not all zero.
ip netns exec "$ns" ping -c 3 -i 0.01 -q 127.0.0.1 >/dev/null
MATCH=RTM_GETSTATS run stats-dump req ip stats show group link
MATCH=RTM_GETSTATS run stats-dump reply ip stats show group link
