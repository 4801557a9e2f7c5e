#!/usr/bin/env bash
# vm/run.sh [--timeout SECS] [--memory MB] [--cpus N] -- COMMAND [ARG...]
#
# Boots Debian's own kernel under qemu (TCG) with this machine's root file system shared read-only
# (under a tmpfs overlay: the guest may write anywhere, nothing reaches the host) and runs COMMAND
# inside as root, cwd = the repository root. The command's output is streamed; the exit status is
# the command's. 124 = timed out (qemu killed), 125 = the VM never reported a status. On failure the
# tail of the kernel console is printed. The guest has no network card: only its own namespaces.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${GRETUN_VM_CACHE:-$repo/build/vm}

timeout=${GRETUN_VM_TIMEOUT:-600}
memory=${GRETUN_VM_MEMORY:-2048}
cpus=${GRETUN_VM_CPUS:-2}
usage() {
  echo "usage: vm/run.sh [--timeout SECS] [--memory MB] [--cpus N] -- COMMAND [ARG...]" >&2
  exit 2
}
while (($#)); do
  case $1 in
    --timeout) timeout=${2:?}; shift 2 ;;
    --memory) memory=${2:?}; shift 2 ;;
    --cpus) cpus=${2:?}; shift 2 ;;
    --) shift; break ;;
    -h | --help) usage ;;
    -*) echo "vm/run.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
(($#)) || usage
[[ $timeout =~ ^[0-9]+$ && $memory =~ ^[0-9]+$ && $cpus =~ ^[0-9]+$ ]] ||
  { echo "vm/run.sh: --timeout, --memory and --cpus take whole numbers" >&2; exit 2; }
[[ $here != *[[:space:]]* ]] ||
  { echo "vm/run.sh: the repository path must not contain spaces: $repo" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null ||
  { echo "vm/run.sh: qemu-system-x86_64 not found (Debian package qemu-system-x86)" >&2; exit 125; }

kdir=$("$here/prepare.sh")
java_home=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mkdir -p "$cache"
run=$(mktemp -d "$cache/run.XXXXXX")
chmod 0755 "$run"
{
  printf 'GRETUN_VM_REPO=%q\n' "$repo"
  printf 'GRETUN_VM_KERNEL_TREE=%q\n' "$kdir/root"
  printf 'GRETUN_VM_JAVA_HOME=%q\n' "$java_home"
  printf 'GRETUN_VM_CI=%q\n' "${CI:-}"
} >"$run/config"
{
  printf 'exec'
  printf ' %q' "$@"
  printf '\n'
} >"$run/cmd"

qopt() { printf '%s' "${1//,/,,}"; } # qemu option values escape commas by doubling them
qemu=(
  qemu-system-x86_64 -accel tcg -cpu max -smp "$cpus" -m "$memory"
  -nodefaults -no-user-config -display none -no-reboot -nic none
  -kernel "$kdir/vmlinux" -initrd "$kdir/initramfs.cpio"
  -append "console=ttyS0 panic=-1 mitigations=off gretun.stage2=$here/guest-init.sh"
  -chardev "file,id=console,path=$(qopt "$run/console.log")" -serial chardev:console
  -chardev stdio,id=out,signal=off -serial chardev:out
  -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
  -fsdev "local,id=results,path=$(qopt "$run"),security_model=none"
  -device virtio-9p-pci,fsdev=results,mount_tag=results
  -device virtio-rng-pci
)

console_tail() {
  echo "--- vm/run.sh: last lines of the kernel console ($run/console.log) ---" >&2
  tail -n 40 "$run/console.log" >&2 || true
  echo "--- end of console ---" >&2
}

start=$SECONDS
"${qemu[@]}" </dev/null 2>"$run/qemu.err" &
qpid=$!
trap 'kill -KILL $qpid 2>/dev/null || true' EXIT INT TERM
(
  sleep "$timeout"
  touch "$run/timed-out"
  kill -KILL $qpid 2>/dev/null
) &
watchdog=$!
qstatus=0
wait $qpid || qstatus=$?
kill $watchdog 2>/dev/null || true
wait $watchdog 2>/dev/null || true
trap - EXIT INT TERM

if [[ -f $run/timed-out ]]; then
  echo "vm/run.sh: timed out after ${timeout}s; qemu killed (logs in $run)" >&2
  console_tail
  exit 124
fi
if [[ ! -f $run/status ]]; then
  echo "vm/run.sh: the VM stopped without reporting an exit status (qemu exit $qstatus; logs in $run)" >&2
  cat "$run/qemu.err" >&2
  console_tail
  exit 125
fi
status=$(cat "$run/status")
if ((status != 0)); then
  echo "vm/run.sh: guest command exited $status after $((SECONDS - start))s (logs in $run)" >&2
  console_tail
  exit "$status"
fi
rm -rf "$run"
exit 0
