#!/usr/bin/env bash
# make demo: a coordinator and two peers behind two real NATs (the netns lab, docs/LAB.md), a
# direct tunnel punched between them, `gretun peers`, and a ping across it. Everything runs in
# namespaces this script creates and removes; nothing leaves the machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [[ $(id -u) -ne 0 ]]; then
  echo "demo: needs root (network namespaces, NAT, TUN): sudo make demo" >&2
  exit 1
fi
lab=lab/lab.sh
work=$(mktemp -d /tmp/gretun-demo.XXXXXX)
prefix=""
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n $prefix ]] && "$lab" --prefix "$prefix" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lab: two NATs (plain masquerade) between hosts a, b and a public coordinator host"
prefix=$("$lab" up 2>/dev/null | tail -1)
export LAB_PREFIX=$prefix
echo "a  10.0.1.10 behind nat1 (203.0.113.10)"
echo "b  10.0.2.10 behind nat2 (198.51.100.10)"
echo "coordinator 192.0.2.10 (HTTPS :8443, STUN :3478)"

step "a private CA and the coordinator's certificate (for its address 192.0.2.10)"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -days 1 -subj "/CN=gretun demo CA" \
  -keyout "$work/ca-key.pem" -out "$work/ca.pem" 2>/dev/null
openssl req -new "${ec[@]}" -subj "/CN=192.0.2.10" \
  -keyout "$work/coord-key.pem" -out "$work/coord.csr" 2>/dev/null
openssl x509 -req -in "$work/coord.csr" -CA "$work/ca.pem" -CAkey "$work/ca-key.pem" -days 1 \
  -set_serial "0x$(openssl rand -hex 8)" -out "$work/coord-cert.pem" \
  -extfile <(printf 'subjectAltName=IP:192.0.2.10\nextendedKeyUsage=serverAuth\n') 2>/dev/null
openssl x509 -in "$work/coord-cert.pem" -noout -subject -ext subjectAltName | tr -s ' \n' ' '
echo

step "coordinator + a join key"
"$lab" exec pub bin/gretun-coord --listen 192.0.2.10:8443 --stun-listen 192.0.2.10:3478 \
  --tls-cert "$work/coord-cert.pem" --tls-key "$work/coord-key.pem" \
  --state-dir "$work/coord" >"$work/coord.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q coord_listening "$work/coord.log" 2>/dev/null && break; sleep 0.2; done
key=$(bin/gretun-coord keys create --reusable --json --state-dir "$work/coord" | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')
echo "join key: ${key:0:12}..."

step "gretun up on a and b"
start=$(date +%s.%N)
for n in a b; do
  "$lab" exec "$n" bin/gretun up --coordinator https://192.0.2.10:8443 --coordinator-ca "$work/ca.pem" \
    --auth-key "$key" \
    --hostname "$n" --state-dir "$work/$n" --control-socket "$work/$n.sock" \
    --dataplane userspace >"$work/$n.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 150); do
  if bin/gretun peers --json --control-socket "$work/a.sock" 2>/dev/null | grep -q '"state" : "direct"'; then
    break
  fi
  sleep 0.2
done
printf 'direct after %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
grep -hE 'peer_state|punch_succeeded' "$work/a.log" | cut -c1-160

step "gretun peers (on a)"
bin/gretun peers --control-socket "$work/a.sock"

step "ping b through the tunnel"
b_ip=$(bin/gretun peers --json --control-socket "$work/a.sock" | sed -n 's/.*"tunnel_ip" *: *"\([^"]*\)".*/\1/p' | head -1)
"$lab" exec a ping -c 3 -i 0.3 "$b_ip"

step "the traffic went a <-> b directly, not via the coordinator host (nft counters on the internet router)"
"$lab" counters | jq -r '"a <-> b directly:       \(.direct.packets) packets, \(.direct.bytes) bytes",
  "via the coordinator host: \(.via_pub.packets) packets, \(.via_pub.bytes) bytes (registration, STUN, long-polls)"'

step "tear down"
