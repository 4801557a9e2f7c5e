#!/usr/bin/env bash
# Kernel VM smoke test: two network namespaces joined by veth, a keyed GRE-over-FOU tunnel between
# them made with `gretun create` on both ends (docs/NAT-TRAVERSAL.md §3: one UDP port for both ends, a GRE key, noencap-csum), and a ping across it.
# An nftables counter on the receiving side proves the pings really travelled as UDP to the FOU
# port. Also proves the shared Java 25 JDK and the built jars run inside the VM.
set -euo pipefail

a=gt-smoke-a
b=gt-smoke-b
port=7777
key=0x1234abcd
cleanup() {
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$a"
ip netns add "$b"
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip -n "$a" addr add 192.0.2.1/24 dev veth0
ip -n "$b" addr add 192.0.2.2/24 dev veth0
for ns in "$a" "$b"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set veth0 up
done

# Count UDP datagrams to the FOU port arriving at b.
ip netns exec "$b" nft -f - <<EOF
table inet smoke {
  counter fou_in {}
  chain input {
    type filter hook input priority 0;
    udp dport $port counter name fou_in
  }
}
EOF

tunnel() { # tunnel NS LOCAL REMOTE TUNNEL_CIDR: both ends made with `gretun create`
  ip netns exec "$1" bin/gretun create --name gre-smoke --local "$2" --remote "$3" --ttl 64 \
    --key "$((key))" --encap fou --encap-sport "$port" --encap-dport "$port" --fou-port "$port" \
    --tunnel-ip "$4"
}
tunnel "$a" 192.0.2.1 192.0.2.2 10.99.0.1/24
tunnel "$b" 192.0.2.2 192.0.2.1 10.99.0.2/24

ip -n "$a" -d link show gre-smoke
mtu=$(ip -n "$a" -o link show gre-smoke | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
if [[ $mtu != 1464 ]]; then
  echo "smoke: expected MTU 1464 for keyed GRE-in-UDP (docs/NAT-TRAVERSAL.md §3.4), got $mtu" >&2
  exit 1
fi

ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.99.0.2

packets=$(ip netns exec "$b" nft list counter inet smoke fou_in | sed -n 's/.*packets \([0-9]*\).*/\1/p')
echo "smoke: $packets UDP datagrams reached port $port in $b"
if ((packets < 3)); then
  echo "smoke: the pings did not travel as GRE-over-UDP to port $port" >&2
  exit 1
fi

java -version
bin/gretun version --json
