#!/usr/bin/env bash
# prepare.sh: make the guest kernel, its module tree and the initramfs ready under the cache
# directory and print that directory. Everything is keyed by the kernel package's version and
# reused on the next run:
#   $cache/<package>_<version>/root/           the unpacked linux-image package (depmod'ed)
#   $cache/<package>_<version>/vmlinux         the uncompressed kernel (boots faster under TCG)
#   $cache/<package>_<version>/initramfs.cpio  busybox + the modules that mount the 9p root
# The kernel package is the newest linux-image-*-amd64 of this Debian release, fetched with
# `apt-get download` (no installation: the host's own kernel is left alone).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${GRETUN_VM_CACHE:-$repo/build/vm}
log() { echo "vm: $*" >&2; }
die() { echo "vm: $*" >&2; exit 1; }

# The modules the initramfs needs to mount the host root (virtio-9p) and the overlay over it.
boot_modules=(virtio_pci 9pnet_virtio 9p overlay)

# The real binary package behind the linux-image-amd64 metapackage (what `apt install` would pick),
# falling back to the highest-versioned linux-image-<abi>-amd64 apt knows.
kernel_package() {
  local p
  p=$(apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
  if [[ -z $p ]]; then
    p=$(apt-cache pkgnames linux-image- 2>/dev/null | grep -E '^linux-image-[0-9.]+-[0-9]+-amd64$' |
      sort -V | tail -n1)
  fi
  echo "$p"
}

candidate_version() {
  apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: \(.*\)$/\1/p' | grep -v '(none)' || true
}

is_root() { [[ $(id -u) -eq 0 ]]; }
resolve() { # sets pkg, ver and dir (the cache entry for them)
  pkg=$(kernel_package)
  ver=""
  [[ -n $pkg ]] && ver=$(candidate_version "$pkg")
  dir=$cache/${pkg}_${ver//:/%}
}
download() { # download $pkg=$ver into $dir.tmp/download
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp/download"
  chmod 0777 "$dir.tmp/download" # apt-get download drops to the _apt user when it can
  log "downloading $pkg $ver"
  (cd "$dir.tmp/download" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1)
}

resolve
if [[ -z $pkg || -z $ver ]] && is_root; then
  log "apt knows no linux-image-*-amd64 package; running apt-get update"
  apt-get update -q >/dev/null
  resolve
fi
if [[ -z $pkg || -z $ver ]]; then
  # No apt metadata (offline, not root): reuse the newest kernel already cached, if any.
  dir=$(ls -d "$cache"/linux-image-*_*/ 2>/dev/null | grep -v '\.tmp/$' | sort -V | tail -n1 || true)
  [[ -n $dir && -f $dir/ready ]] || die "cannot find a linux-image-*-amd64 package with apt-cache (try apt-get update)"
  dir=${dir%/}
  log "apt-cache has no kernel package; reusing $dir"
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one preparer at a time per cache

if [[ ! -f $dir/ready ]]; then
  if ! download; then
    # Stale package lists name a version the mirror no longer has: refresh them once (as root).
    is_root || die "apt-get download $pkg=$ver failed (stale package lists? run apt-get update)"
    log "apt-get download $pkg=$ver failed; running apt-get update"
    apt-get update -q >/dev/null
    resolve
    [[ -f $dir/ready ]] || download || (cd "$dir.tmp/download" && apt-get download "$pkg=$ver") ||
      die "apt-get download $pkg=$ver failed"
  fi
fi
if [[ ! -f $dir/ready ]]; then
  log "unpacking $(basename "$dir.tmp"/download/*.deb)"
  dpkg-deb -x "$dir.tmp"/download/*.deb "$dir.tmp/root"
  rm -rf "$dir.tmp/download" "$dir.tmp/root/usr/share/doc"
  kver=$(ls "$dir.tmp/root/lib/modules")
  [[ $(wc -w <<<"$kver") -eq 1 ]] || die "expected one kernel in $pkg, found: $kver"
  depmod -b "$dir.tmp/root" "$kver"
  echo "$kver" >"$dir.tmp/kernel-release"

  # The package ships an xz-compressed bzImage. Decompressing the payload here (as the kernel's
  # scripts/extract-vmlinux does) saves the guest that work under TCG; qemu boots the ELF through
  # its PVH entry point.
  vmlinuz=$dir.tmp/root/boot/vmlinuz-$kver
  for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | cut -d: -f1); do
    tail -c +$((off + 1)) "$vmlinuz" | xz -dc >"$dir.tmp/vmlinux" 2>/dev/null || true
    if [[ $(head -c 4 "$dir.tmp/vmlinux" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then break; fi
    rm -f "$dir.tmp/vmlinux"
  done
  [[ -f $dir.tmp/vmlinux ]] || die "could not extract vmlinux from $vmlinuz"
  touch "$dir.tmp/ready"
  mv "$dir.tmp" "$dir"
fi
kver=$(cat "$dir/kernel-release")

# The initramfs is rebuilt when its inputs change (init script, module list, busybox).
# The initramfs has no libc, so busybox must be the static build (Debian package busybox-static).
busybox=/bin/busybox
[[ -x $busybox ]] || die "$busybox not found (Debian package busybox-static)"
! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is dynamically linked; install busybox-static"
inputs=$( (cat "$here/initramfs-init" "$busybox"; echo "${boot_modules[*]}") | sha256sum | cut -c1-16)
if [[ ! -f $dir/initramfs.cpio || $(cat "$dir/initramfs.key" 2>/dev/null) != "$inputs" ]]; then
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage"/{bin,dev,proc,sys,lower,rw,newroot,modules}
  cp "$busybox" "$stage/bin/busybox"
  cp "$here/initramfs-init" "$stage/init"
  chmod 0755 "$stage/init" "$stage/bin/busybox"
  # insmod order = modprobe's dependency order, each module once.
  modprobe -d "$dir/root" -S "$kver" --show-depends -a "${boot_modules[@]}" |
    awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
    while read -r ko; do
      cp "$ko" "$stage/modules/"
      basename "$ko" >>"$stage/modules/order"
    done
  # Deterministic archive: sorted names, fixed owner and mtime.
  find "$stage" -exec touch -h -d @0 {} +
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) >"$dir/initramfs.cpio.tmp"
  mv "$dir/initramfs.cpio.tmp" "$dir/initramfs.cpio"
  echo "$inputs" >"$dir/initramfs.key"
fi
echo "$dir"
