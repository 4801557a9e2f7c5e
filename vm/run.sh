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
# Failed runs keep their directory for inspection; keep only the newest few.
{ ls -dt "$cache"/run.* 2>/dev/null || true; } | tail -n +6 | while read -r old; do rm -rf "$old"; done
run=$(mktemp -d "$cache/run.XXXXXX")
chmod 0755 "$run"
{
  printf 'GRETUN_VM_REPO=%q\n' "$repo"
  printf 'GRETUN_VM_KERNEL_TREE=%q\n' "$kdir/root"
  printf 'GRETUN_VM_JAVA_HOME=%q\n' "$java_home"
  printf 'GRETUN_VM_CI=%q\n' "${CI:-}"
  # JVM start-up dominates short runs under TCG: C1 only and the serial GC start ~20 % faster.
  printf 'GRETUN_VM_JAVA_OPTS=%q\n' "${GRETUN_VM_JAVA_OPTS--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
} >"$run/config"
{
  # Settings for the kernel tests (GRETUN_KTEST_*) travel into the guest's otherwise clean env.
  for v in ${!GRETUN_KTEST_@}; do printf 'export %s=%q\n' "$v" "${!v}"; done
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
# timeout(1) ends qemu with SIGTERM (then SIGKILL) and exits 124; it also forwards our TERM/INT.
timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>"$run/qemu.err" &
qpid=$!
trap 'kill -TERM $qpid 2>/dev/null; exit 130' INT TERM
qstatus=0
wait $qpid || qstatus=$?
trap - INT TERM

if ((qstatus == 124)) && [[ ! -f $run/status ]]; then
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
