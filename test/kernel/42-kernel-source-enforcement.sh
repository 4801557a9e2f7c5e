#!/usr/bin/env bash
# Source enforcement on the kernel data plane (issue 13, attack 1), with the real jars in the netns
# lab: a and a2 behind nat1, b behind nat2 on the kernel plane. a2 — a registered member — learns
# its own a2-b pair key from b's traffic, then sends keyed GRE-in-UDP from its own port 7777 to b
# with a's tunnel address as the inner source. b's per-peer device carries strict reverse-path
# filtering (net.ipv4.conf.gt*.rp_filter=1, and all is not 2), so the kernel drops the packets
# (IPReversePathFilter rises) and nothing reaches b's input; the same packets with a2's own inner
# source are delivered (the control). The forging tool is gretun-e2e's GreForge, run from source
# on the shaded jar (the project's own raw/packet sockets); 100 packets per run, lab addresses only.
# ktest-timeout: 1500
set -euo pipefail
# shellcheck source=lib/overlay.sh
source "$(dirname "$0")/lib/overlay.sh"
trap overlay_cleanup EXIT
FORGE=$ROOT/gretun-e2e/src/test/java/dev/gretun/e2e/trust/GreForge.java
COUNT=100

# forge NODE ARGS...: GreForge inside NODE (source-file mode: no test build needed in the VM).
# shellcheck disable=SC2086 # GRETUN_JAVA_OPTS is a list of options
forge() {
  local node=$1; shift
  inns "$node" timeout 120 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
    ${GRETUN_JAVA_OPTS:-} -cp "$ROOT/build/gretun.jar" "$FORGE" "$@"
}

# rp_drops NODE: the kernel's IPReversePathFilter counter in NODE's namespace.
rp_drops() {
  inns "$1" awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) n[i] = $i; h = 1 }
    else for (i = 1; i <= NF; i++) if (n[i] == "IPReversePathFilter") print $i }' /proc/net/netstat
}

# delivered NAME: packets b's input hook counted for that counter (after the rp_filter check).
delivered() { inns b nft -j list counter ip gtrust "$1" | jq '.nftables[] | select(.counter) | .counter.packets'; }

lab_up plain
coord_up
up a kernel
up a2 userspace
up b kernel
# Three daemons and a coordinator under TCG on a loaded host: registration alone took 80 s once.
wait_log b "dataplane mode=kernel" 480
wait_log b 'peer_state peer=a .*to=direct' 300
wait_log b 'peer_state peer=a2 .*to=direct' 180
wait_log a2 'peer_state peer=b .*to=direct' 120
A=$(tunnel_ip a)
A2=$(tunnel_ip a2)
B=$(tunnel_ip b)
EP=$(sed -n 's/.*peer_path peer=b endpoint=\([0-9.:]*\).*/\1/p' "$W/a2.log" | tail -n 1)
[[ -n $EP ]] || fail "no endpoint of b in a2's log"
echo "a=$A a2=$A2 b=$B; a2 sends to b at $EP"

# --- the setting: strict on every gt* device, all not loose
[[ $(gre_devices b | wc -l) == 2 ]] || fail "b should have two GRE devices: $(gre_devices b)"
for dev in $(gre_devices b); do
  v=$(inns b sysctl -n "net.ipv4.conf.$dev.rp_filter")
  [[ $v == 1 ]] || fail "$dev has rp_filter=$v"
done
all=$(inns b sysctl -n net.ipv4.conf.all.rp_filter)
[[ $all != 2 ]] || fail "net.ipv4.conf.all.rp_filter=2 makes every device loose"
echo "rp_filter: 1 on $(gre_devices b | tr '\n' ' ')(all=$all)"

inns b nft -f - <<'NFT'
table ip gtrust {
  counter spoofed {}
  counter genuine {}
  chain in {
    type filter hook input priority -400; policy accept;
    iifname "gt*" udp dport 9999 counter name "spoofed"
    iifname "gt*" udp dport 9998 counter name "genuine"
  }
}
NFT

# --- a2 learns its pair key from b's echo replies
forge a2 sniff-key "${EP%:*}" 7777 120 >"$W/sniff.log" 2>&1 &
sniffer=$!
wait_log sniff listening 120
for _ in $(seq 1 20); do
  kill -0 "$sniffer" 2>/dev/null || break
  inns a2 ping -c 1 -W 1 "$B" >/dev/null 2>&1 || true
done
wait "$sniffer" || fail "a2 saw no keyed GRE from b: $(cat "$W/sniff.log")"
KEY_A2B=$(sed -n 's/^key=//p' "$W/sniff.log")
echo "a2-b pair key (seen by a2): $KEY_A2B"

# --- attack 1: a2 speaks as a; then the control, a2 as itself
rp_before=$(rp_drops b)
forge a2 member 10.0.1.11 7777 "${EP%:*}" "${EP#*:}" "$KEY_A2B" "$A" "$B" 9999 $COUNT >/dev/null
forge a2 member 10.0.1.11 7777 "${EP%:*}" "${EP#*:}" "$KEY_A2B" "$A2" "$B" 9998 $COUNT >/dev/null
sleep 2
rp_after=$(rp_drops b)
spoofed=$(delivered spoofed)
genuine=$(delivered genuine)
echo "b: delivered spoofed=$spoofed genuine=$genuine; IPReversePathFilter $rp_before -> $rp_after"
((genuine == COUNT)) || fail "control: $genuine of $COUNT packets with a2's own source arrived"
((spoofed == 0)) || fail "$spoofed packets from a2 with a's source reached b"
((rp_after - rp_before >= COUNT)) || fail "the kernel's reverse-path filter counted $((rp_after - rp_before))"
echo "PASS: kernel source enforcement (strict rp_filter on gt* devices)"
