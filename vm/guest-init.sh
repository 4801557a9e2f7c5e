#!/bin/bash
# Stage 2 of the test VM, PID 1 after the initramfs switched into the overlay over the host root.
# Mounts the usual pseudo file systems and fresh tmpfs on /tmp and /run, points /usr/lib/modules at
# the unpacked kernel package, loads vm/modules.txt, runs the command vm/run.sh left in the results
# share, writes its exit status there and powers off.
# Output: /dev/ttyS0 is the kernel console (a log file on the host), /dev/ttyS1 the command's output
# (streamed by the host).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/ttyS0 2>&1
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin
ln -s fd/1 /dev/stdout
ln -s fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# `ip netns` wants a shared /run/netns; everything here is one mount namespace anyway.
mount --make-rshared /

halt() {
  sync
  /bin/busybox poweroff -f
  echo o >/proc/sysrq-trigger
}
fail() {
  echo "guest-init: $*"
  halt
}

results=/run/gretun-vm
mkdir -p "$results"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "$results" ||
  fail "cannot mount the results share"
# GRETUN_VM_REPO, GRETUN_VM_KERNEL_TREE, GRETUN_VM_JAVA_HOME, GRETUN_VM_CI, GRETUN_VM_JAVA_OPTS
# (written by vm/run.sh).
# shellcheck source=/dev/null
source "$results/config" || fail "no config in the results share"

# A fresh /tmp, unless the repository or the kernel tree lives there (a clone in mktemp -d): then
# /tmp stays the overlay's (writable, writes stay in the guest, but the host's files show through).
case "$GRETUN_VM_REPO/ $GRETUN_VM_KERNEL_TREE/" in
  /tmp/* | *" /tmp/"*) echo "guest-init: the repository is under /tmp: keeping the overlay's /tmp" ;;
  *) mount -t tmpfs -o mode=1777 tmpfs /tmp ;;
esac

kver=$(uname -r)
mkdir -p /usr/lib/modules
ln -sfn "$GRETUN_VM_KERNEL_TREE/lib/modules/$kver" "/usr/lib/modules/$kver"
mapfile -t modules < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$GRETUN_VM_REPO/vm/modules.txt")
echo "guest-init: loading modules at $(cut -d' ' -f1 /proc/uptime)s"
modprobe -a "${modules[@]}" || fail "modprobe -a ${modules[*]} failed"
echo "guest-init: running the command at $(cut -d' ' -f1 /proc/uptime)s"

hostname gretun-vm
ip link set lo up
stty -F /dev/ttyS1 raw -echo

cd "$GRETUN_VM_REPO" || fail "no repository at $GRETUN_VM_REPO"
env -i PATH="$GRETUN_VM_JAVA_HOME/bin:$PATH" HOME=/root TERM=dumb LANG=C.UTF-8 \
  JAVA_HOME="$GRETUN_VM_JAVA_HOME" CI="$GRETUN_VM_CI" GRETUN_JAVA_OPTS="$GRETUN_VM_JAVA_OPTS" \
  GRETUN_VM=1 GRETUN_VM_RESULTS="$results" \
  bash "$results/cmd" </dev/null >/dev/ttyS1 2>&1
echo $? >"$results/status.tmp" && mv "$results/status.tmp" "$results/status"
halt
