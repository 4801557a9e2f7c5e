#!/usr/bin/env bash
# build-deb.sh VERSION OUT_DIR: the Debian package gretun_VERSION_all.deb, built with dpkg-deb from
# what `make build man` made, laid out as packaging/install.sh does for PREFIX=/usr.
set -euo pipefail
version=$1 out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
stage=$out/deb/gretun_${version}_all
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
DESTDIR=$stage PREFIX=/usr BINDIR=/usr/bin LIBDIR=/usr/lib MANDIR=/usr/share/man \
  DOCDIR=/usr/share/doc/gretun BASHCOMPDIR=/usr/share/bash-completion/completions \
  ZSHCOMPDIR=/usr/share/zsh/vendor-completions UNITDIR=/usr/lib/systemd/system SYSCONFDIR=/etc \
  bash "$root/packaging/install.sh" >/dev/null
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@SIZE@|$size|" "$root/packaging/debian/control.in" \
  > "$stage/DEBIAN/control"
printf '/etc/gretun/gretun.conf\n/etc/gretun/coord.conf\n' > "$stage/DEBIAN/conffiles"
(cd "$stage" && find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\n' | sort | xargs md5sum) \
  > "$stage/DEBIAN/md5sums"
deb=$out/gretun_${version}_all.deb
# xz level 1: the jars are zip files already, and the AOT caches compress nearly as well at 1 as
# at the default 6, in a seventh of the time.
dpkg-deb --root-owner-group -Zxz -z1 --build "$stage" "$deb" >/dev/null
echo "built: $deb"
