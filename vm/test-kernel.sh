#!/usr/bin/env bash
# vm/test-kernel.sh [SCRIPT...]: the kernel VM test tier (`make test-kernel`, `make test-kernel T=...`).
# Boots the test VM once and runs the given test/kernel scripts (default: all of them) inside. With no
# arguments it also checks the runner itself with one more boot: a failing guest command must make
# vm/run.sh exit with that command's status, and a failing script must make vm/run-tests.sh fail.
# Outside Linux/x86_64 or without qemu it skips with one line, except in CI (CI=true): there it fails.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
cd "$here/.."

skip() {
  if [[ ${CI:-} == true ]]; then
    echo "test-kernel: FAILED: $* (CI=true: this tier must run)" >&2
    exit 1
  fi
  echo "test-kernel: skipped: $*"
  exit 0
}
[[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] || skip "needs Linux on x86_64, this is $(uname -s) $(uname -m)"
for tool in qemu-system-x86_64 apt-get dpkg-deb depmod modprobe cpio; do
  command -v "$tool" >/dev/null ||
    skip "$tool not found (as root: make deps; or apt-get install qemu-system-x86 busybox-static cpio kmod)"
done
[[ -x /bin/busybox ]] || skip "/bin/busybox not found (apt-get install busybox-static)"

start=$SECONDS
rc=0
vm/run.sh --timeout "${GRETUN_VM_TIMEOUT:-2400}" -- vm/run-tests.sh "$@" || rc=$?
if ((rc != 0)); then
  echo "test-kernel: FAILED (vm/run.sh exit $rc, $((SECONDS - start))s)" >&2
  exit "$rc"
fi

if (($# == 0)); then
  echo "test-kernel: self-test of the runner (one more boot)"
  src=0
  vm/run.sh --timeout 300 -- sh -c '
    vm/run-tests.sh vm/selftest-fails.sh >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 1 ] || { echo "run-tests.sh exited $rc for a failing script, expected 1"; exit 99; }
    exit 3' 2>/dev/null || src=$?
  if ((src != 3)); then
    echo "test-kernel: FAILED: runner self-test: vm/run.sh exited $src, expected the guest's 3" >&2
    exit 1
  fi
  echo "test-kernel: runner self-test ok (failures propagate)"
fi
echo "test-kernel: ok ($((SECONDS - start))s)"
