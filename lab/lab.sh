#!/usr/bin/env bash
# lab.sh: a small internet of network namespaces with real Linux NATs (docs/LAB.md).
#
#   lab.sh [--prefix P] up | down | selfcheck | counters | clean-stale [--all]
#   lab.sh [--prefix P] exec NODE CMD...      addr NODE [lan|alt]
#   lab.sh [--prefix P] nat NATNODE plain|hard|cone|symmetric|symmetric-hard
#   lab.sh [--prefix P] timeouts NATNODE [UNREPLIED ASSURED]
#   lab.sh [--prefix P] flush [NODE...]
#   lab.sh [--prefix P] forward NATNODE udp|tcp PUBPORT HOST PORT | forward NATNODE clear
#
# Needs only iproute2, nft, conntrack and sysctl (no systemd); writes only /run/netns.
# Nothing is linked to the root namespace and the internet router's default route is unreachable.
set -euo pipefail

NODES=(inet nat1 nat2 a a2 b pub)
NATS=(nat1 nat2)
# Every lab's namespaces are named gtl-OWNER-RANDOM-NODE; OWNER is the pid whose lifetime bounds the
# lab (0 = kept until `down`), which is what `clean-stale` checks.
GLOBAL=gtl

die() { echo "lab: $*" >&2; exit 1; }
die_usage() { echo "lab: $*" >&2; exit 2; }
usage() { sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 2; }
have_ns() { [[ -e /run/netns/$1 ]]; }
ns() { echo "$PREFIX-$1"; }
nsx() { local node=$1; shift; ip netns exec "$(ns "$node")" "$@"; }

is_node() { local n; for n in "${NODES[@]}"; do [[ $n == "$1" ]] && return 0; done; return 1; }
is_nat() { [[ $1 == nat1 || $1 == nat2 ]]; }
need_node() { is_node "$1" || die "unknown node '$1' (nodes: ${NODES[*]})"; }
need_nat() { is_nat "$1" || die "'$1' is not a NAT node (use nat1 or nat2)"; }
need_uint() { [[ $1 =~ ^[0-9]+$ ]] || die "$2 must be a non-negative integer, got '$1'"; }

# Addresses (docs/LAB.md has the diagram).
addr_of() {
  case "$1/${2:-}" in
    inet/) echo 203.0.113.1 ;;
    nat1/ | nat1/wan) echo 203.0.113.10 ;;
    nat1/lan) echo 10.0.1.1 ;;
    nat2/ | nat2/wan) echo 198.51.100.10 ;;
    nat2/lan) echo 10.0.2.1 ;;
    a/) echo 10.0.1.10 ;;
    a2/) echo 10.0.1.11 ;;
    b/) echo 10.0.2.10 ;;
    pub/) echo 192.0.2.10 ;;
    pub/alt) echo 192.0.2.11 ;;
    *) die "no address '${2:-}' for node '$1' (try: addr NODE, addr nat1 lan, addr pub alt)" ;;
  esac
}

lab_prefixes() {
  ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/-inet$//p' | sort -u
}

resolve_prefix() {
  [[ -n ${PREFIX:-} ]] && return 0
  local found
  found=$(lab_prefixes | grep "^$GLOBAL-" || true)
  case $(printf '%s' "$found" | grep -c . || true) in
    0) die "no lab is up (run: lab.sh up)" ;;
    1) PREFIX=$found ;;
    *) die "several labs are up ($(echo $found)); choose one with LAB_PREFIX=... or --prefix" ;;
  esac
}

check_prefix() {
  [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] \
    || die "bad prefix '$1': use 1-40 characters of letters, digits, '.', '_' or '-'"
}

need_root() { [[ $(id -u) -eq 0 ]] || die "needs root (network namespaces): run with sudo"; }
need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || die "needs '$t' (Debian: apt-get install iproute2 nftables conntrack procps)"
  done
}

sysctl_w() { nsx "$1" sysctl -qw "$2" >/dev/null; }
sysctl_try() { nsx "$1" sysctl -qw "$2" >/dev/null 2>&1 || true; }

# veth NAME in ns(NODE1) <-> PEER in ns(NODE2), created directly inside the namespaces.
veth() { ip -n "$(ns "$1")" link add name "$2" type veth peer name "$4" netns "$(ns "$3")"; }
up_if() { ip -n "$(ns "$1")" link set dev "$2" up; }
addr_add() { ip -n "$(ns "$1")" addr add "$3" dev "$2"; }

# --- nftables ---------------------------------------------------------------------------------

inet_nft() {
  # Counters tell a<->b traffic (nat1 WAN <-> nat2 WAN) from traffic via the public host.
  nsx inet nft -f - <<'EOF'
table ip lab {
  counter nat1_to_nat2 {}
  counter nat2_to_nat1 {}
  counter nat1_to_pub {}
  counter pub_to_nat1 {}
  counter nat2_to_pub {}
  counter pub_to_nat2 {}
  counter outside {}
  chain count_forward {
    type filter hook forward priority filter; policy accept;
    iifname "nat1" oifname "nat2" counter name "nat1_to_nat2"
    iifname "nat2" oifname "nat1" counter name "nat2_to_nat1"
    iifname "nat1" oifname "pub" counter name "nat1_to_pub"
    iifname "pub" oifname "nat1" counter name "pub_to_nat1"
    iifname "nat2" oifname "pub" counter name "nat2_to_pub"
    iifname "pub" oifname "nat2" counter name "pub_to_nat2"
  }
  chain count_prerouting {
    type filter hook prerouting priority filter; policy accept;
    ip daddr != { 203.0.113.0/24, 198.51.100.0/24, 192.0.2.0/24 } counter name "outside"
  }
}
EOF
}

# The NAT's mode lives in table `ip labnat` (replaced on every mode switch); port forwards live in
# table `ip labfwd` so they survive mode switches.
nat_nft() {
  local node=$1 mode=$2 masq=masquerade filter="" cone=""
  case $mode in
    plain) ;;
    symmetric) masq="masquerade fully-random" ;;
    hard | symmetric-hard)
      # Dropping in input/forward means the new conntrack entry is never confirmed: nothing is
      # created by unsolicited inbound (with plain, the entry is created and an ICMP error sent).
      # symmetric-hard: this filter with symmetric's mapping (a random port per destination).
      if [[ $mode == symmetric-hard ]]; then masq="masquerade fully-random"; fi
      filter='
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct status dnat accept
    iifname "wan" ct state new drop
  }' ;;
    cone)
      # Endpoint-independent filtering (RFC 4787 "full cone"): after source NAT, learn
      # public port -> (inside address, inside port) in a dynamic map, refreshed by every outbound
      # packet; a new inbound datagram to a learnt public port from ANY outside host is DNATed to
      # its inside endpoint. Mapping stays masquerade's (endpoint-independent while ports are free).
      cone='
  map cone {
    type inet_service : ipv4_addr . inet_service
    flags dynamic,timeout
    timeout 120s
  }
  chain learn {
    type filter hook postrouting priority srcnat + 10; policy accept;
    oifname "wan" meta l4proto udp ct direction original update @cone { ct reply proto-dst : ct original ip saddr . ct original proto-src }
  }
  chain cone_in {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "wan" meta l4proto udp dnat ip to udp dport map @cone
  }' ;;
    *) die "unknown NAT mode '$mode' (plain, hard, cone, symmetric, symmetric-hard)" ;;
  esac
  {
    nsx "$node" nft list table ip labnat >/dev/null 2>&1 && echo "delete table ip labnat"
    cat <<EOF
table ip labnat {
  comment "mode=$mode"
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" $masq
  }$filter$cone
}
EOF
  } | nsx "$node" nft -f -
}

nat_mode_of() {
  nsx "$1" nft list table ip labnat 2>/dev/null | sed -n 's/.*comment "mode=\([a-z-]*\)".*/\1/p'
}

fwd_nft() {
  nsx "$1" nft -f - <<'EOF'
table ip labfwd {
  chain prerouting {
    type nat hook prerouting priority dstnat - 10; policy accept;
  }
}
EOF
}

# --- commands ---------------------------------------------------------------------------------

cmd_up() {
  need_root
  need_tools ip nft sysctl
  local n
  for n in "${NODES[@]}"; do have_ns "$(ns "$n")" && die "lab '$PREFIX' is already up (lab.sh down first)"; done
  trap 'rc=$?; if (( rc != 0 )); then echo "lab: up failed, removing the partial lab" >&2; cmd_down >/dev/null 2>&1 || true; fi' EXIT
  for n in "${NODES[@]}"; do
    ip netns add "$(ns "$n")"
    ip -n "$(ns "$n")" link set lo up
    sysctl_try "$n" net.ipv6.conf.all.disable_ipv6=1
    sysctl_try "$n" net.ipv6.conf.default.disable_ipv6=1
  done
  for n in inet nat1 nat2; do sysctl_w "$n" net.ipv4.ip_forward=1; done

  # Internet router: one /24 per public subnet; no route anywhere else.
  veth inet nat1 nat1 wan
  veth inet nat2 nat2 wan
  veth inet pub pub eth0
  addr_add inet nat1 203.0.113.1/24
  addr_add inet nat2 198.51.100.1/24
  addr_add inet pub 192.0.2.1/24
  for n in nat1 nat2 pub; do up_if inet "$n"; done
  ip -n "$(ns inet)" route add unreachable default

  addr_add pub eth0 192.0.2.10/24
  addr_add pub eth0 192.0.2.11/24
  up_if pub eth0
  ip -n "$(ns pub)" route add default via 192.0.2.1

  # NATs: WAN toward the internet, a bridge `lan` with one veth port per host.
  local nat wan lan hosts h
  for nat in "${NATS[@]}"; do
    wan=$(addr_of "$nat" wan)
    lan=$(addr_of "$nat" lan)
    addr_add "$nat" wan "$wan/24"
    up_if "$nat" wan
    ip -n "$(ns "$nat")" route add default via "${wan%.*}.1"
    ip -n "$(ns "$nat")" link add lan type bridge
    addr_add "$nat" lan "$lan/24"
    up_if "$nat" lan
    if [[ $nat == nat1 ]]; then hosts="a a2"; else hosts="b"; fi
    for h in $hosts; do
      veth "$nat" "$h" "$h" eth0
      ip -n "$(ns "$nat")" link set dev "$h" master lan
      up_if "$nat" "$h"
      addr_add "$h" eth0 "$(addr_of "$h")/24"
      up_if "$h" eth0
      ip -n "$(ns "$h")" route add default via "$lan"
    done
    nat_nft "$nat" plain
    fwd_nft "$nat"
  done
  inet_nft
  trap - EXIT
  echo "lab: up prefix=$PREFIX (LAB_PREFIX=$PREFIX lab.sh exec a ping -c1 $(addr_of nat2))" >&2
  echo "$PREFIX"
}

kill_ns_pids() {
  local name=$1 sig=$2 pids
  pids=$(ip netns pids "$name" 2>/dev/null || true)
  [[ -n $pids ]] && kill "-$sig" $pids 2>/dev/null || true
}

remove_lab() {
  local prefix=$1 n name i
  for n in "${NODES[@]}"; do kill_ns_pids "$prefix-$n" TERM; done
  for i in 1 2 3 4 5 6 7 8 9 10; do
    local left=""
    for n in "${NODES[@]}"; do left+=$(ip netns pids "$prefix-$n" 2>/dev/null || true); done
    [[ -z $left ]] && break
    sleep 0.2
  done
  for n in "${NODES[@]}"; do kill_ns_pids "$prefix-$n" KILL; done
  for n in "${NODES[@]}"; do
    name=$prefix-$n
    if have_ns "$name"; then ip netns del "$name" 2>/dev/null || true; fi
  done
}

cmd_down() { need_root; remove_lab "$PREFIX"; }

cmd_clean_stale() {
  need_root
  local all=${1:-} p owner
  [[ -z $all || $all == --all ]] || die_usage "clean-stale takes only --all"
  for p in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$GLOBAL-" \
    | sed 's/-[a-z0-9]*$//' | sort -u); do
    owner=$(echo "$p" | cut -d- -f2)
    if [[ -z $all ]]; then
      [[ $owner =~ ^[0-9]+$ ]] || continue
      [[ $owner == 0 ]] && continue
      [[ -d /proc/$owner ]] && continue
    fi
    echo "lab: removing stale lab $p" >&2
    remove_lab "$p"
  done
}

cmd_exec() {
  (( $# >= 2 )) || die_usage "usage: exec NODE CMD..."
  need_node "$1"
  local node=$1; shift
  exec ip netns exec "$(ns "$node")" "$@"
}

cmd_nat() {
  (( $# == 1 || $# == 2 )) || die_usage "usage: nat NATNODE [plain|hard|cone|symmetric|symmetric-hard]"
  need_nat "$1"
  if (( $# == 1 )); then nat_mode_of "$1"; return; fi
  nat_nft "$1" "$2"
}

cmd_timeouts() {
  (( $# == 1 || $# == 3 )) || die_usage "usage: timeouts NATNODE [UNREPLIED ASSURED] (seconds)"
  need_nat "$1"
  if (( $# == 3 )); then
    need_uint "$2" UNREPLIED
    need_uint "$3" ASSURED
    nsx "$1" sysctl -qw "net.netfilter.nf_conntrack_udp_timeout=$2" \
      "net.netfilter.nf_conntrack_udp_timeout_stream=$3" >/dev/null
  fi
  nsx "$1" sysctl -n net.netfilter.nf_conntrack_udp_timeout net.netfilter.nf_conntrack_udp_timeout_stream \
    | paste -sd' ' -
}

cmd_flush() {
  need_tools conntrack
  local n
  (( $# > 0 )) || set -- "${NODES[@]}"
  for n in "$@"; do need_node "$n"; done
  for n in "$@"; do
    nsx "$n" conntrack -F >/dev/null 2>&1 || true
    if is_nat "$n" && [[ $(nat_mode_of "$n") == cone ]]; then nsx "$n" nft flush map ip labnat cone; fi
  done
}

cmd_forward() {
  (( $# >= 2 )) || die_usage "usage: forward NATNODE udp|tcp PUBPORT HOST PORT | forward NATNODE clear"
  need_nat "$1"
  local nat=$1
  if [[ $2 == clear && $# == 2 ]]; then nsx "$nat" nft flush chain ip labfwd prerouting; return; fi
  (( $# == 5 )) || die_usage "usage: forward NATNODE udp|tcp PUBPORT HOST PORT"
  local proto=$2 pubport=$3 host=$4 port=$5 ip
  [[ $proto == udp || $proto == tcp ]] || die "protocol must be udp or tcp, got '$proto'"
  need_uint "$pubport" PUBPORT
  need_uint "$port" PORT
  if [[ $host =~ ^[0-9.]+$ ]]; then ip=$host; else need_node "$host"; ip=$(addr_of "$host"); fi
  nsx "$nat" nft add rule ip labfwd prerouting iifname '"wan"' "$proto" dport "$pubport" dnat to "$ip:$port"
}

cmd_counters() {
  nsx inet nft list table ip lab | awk -v prefix="$PREFIX" '
    $1 == "counter" && $3 == "{" { name = $2 }
    $1 == "packets" && name != "" { pk[name] = $2; by[name] = $4; order[++n] = name; name = "" }
    function obj(p, b) { return "{\"packets\":" p ",\"bytes\":" b "}" }
    END {
      printf "{\"prefix\":\"%s\",\"counters\":{", prefix
      for (i = 1; i <= n; i++) printf "%s\"%s\":%s", (i > 1 ? "," : ""), order[i], obj(pk[order[i]], by[order[i]])
      printf "},\"direct\":%s", obj(pk["nat1_to_nat2"] + pk["nat2_to_nat1"], by["nat1_to_nat2"] + by["nat2_to_nat1"])
      vp = pk["nat1_to_pub"] + pk["pub_to_nat1"] + pk["nat2_to_pub"] + pk["pub_to_nat2"]
      vb = by["nat1_to_pub"] + by["pub_to_nat1"] + by["nat2_to_pub"] + by["pub_to_nat2"]
      printf ",\"via_pub\":%s}\n", obj(vp, vb)
    }'
}

cmd_selfcheck() {
  need_root
  local problems=() n name line kind peer
  for n in "${NODES[@]}"; do
    name=$(ns "$n")
    have_ns "$name" || { problems+=("namespace $name missing"); continue; }
    while IFS= read -r line; do
      kind=$(echo "$line" | awk '{for (i = 1; i < NF; i++) if ($i == "veth" || $i == "bridge" || $i == "bridge_slave") {print $i; exit}}')
      case $line in
        *" lo: "*) continue ;;
      esac
      [[ -n $kind ]] || problems+=("$name has a link that is neither veth nor bridge: ${line:0:80}")
      if [[ $line == *" veth "* || $line == *"veth addrgenmode"* ]]; then
        peer=$(echo "$line" | sed -n 's/.* link-netns \([^ ]*\).*/\1/p')
        [[ $peer == "$PREFIX-"* ]] || problems+=("$name: veth peer is not in the lab: ${line:0:80}")
      fi
    done < <(ip -n "$name" -d -o link show)
  done
  # From the root namespace's side: no link may point into the lab.
  if grep -q "link-netns $PREFIX-" <<<"$(ip -d -o link show)"; then # not a pipe: see 40-*.sh
    problems+=("the root namespace has a link into the lab")
  fi
  [[ $(ip -n "$(ns inet)" route show default 2>/dev/null) == "unreachable default"* ]] \
    || problems+=("inet's default route is not unreachable")
  if ip -n "$(ns inet)" route get 1.1.1.1 >/dev/null 2>&1; then
    problems+=("inet can route to 1.1.1.1")
  fi
  if (( ${#problems[@]} > 0 )); then
    printf 'selfcheck: FAIL %s\n' "${problems[@]}" >&2
    return 1
  fi
  echo "selfcheck: ok prefix=$PREFIX namespaces=${#NODES[@]}"
}

# --- main -------------------------------------------------------------------------------------

PREFIX=${LAB_PREFIX:-}
if [[ ${1:-} == --prefix ]]; then
  (( $# >= 2 )) || usage
  PREFIX=$2
  shift 2
fi
(( $# >= 1 )) || usage
cmd=$1; shift
[[ -z $PREFIX ]] || check_prefix "$PREFIX"
case $cmd in
  up)
    (( $# == 0 )) || die_usage "up takes no arguments"
    if [[ -z $PREFIX ]]; then
      owner=${LAB_OWNER:-0}
      need_uint "$owner" LAB_OWNER
      PREFIX=$(printf '%s-%s-%04x%04x' "$GLOBAL" "$owner" "$RANDOM" "$RANDOM")
    fi
    cmd_up ;;
  down)
    if [[ -z $PREFIX ]] && [[ -z $(lab_prefixes | grep "^$GLOBAL-" || true) ]]; then
      echo "lab: no lab is up" >&2
      exit 0
    fi
    resolve_prefix; cmd_down ;;
  clean-stale) cmd_clean_stale "$@" ;;
  exec) resolve_prefix; cmd_exec "$@" ;;
  addr) (( $# == 1 || $# == 2 )) || die_usage "usage: addr NODE [lan|alt|wan]"; need_node "$1"; addr_of "$@" ;;
  nat) resolve_prefix; cmd_nat "$@" ;;
  timeouts) resolve_prefix; cmd_timeouts "$@" ;;
  flush) resolve_prefix; cmd_flush "$@" ;;
  forward) resolve_prefix; cmd_forward "$@" ;;
  counters) resolve_prefix; (( $# == 0 )) || die_usage "counters takes no arguments"; cmd_counters ;;
  selfcheck) resolve_prefix; cmd_selfcheck ;;
  -h | --help | help) usage ;;
  *) echo "lab: unknown command '$cmd'" >&2; usage ;;
esac
