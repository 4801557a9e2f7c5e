#!/usr/bin/env bash
# install.sh: copies what `make build` and `make man` made into $DESTDIR, laid out by the
# directory variables the Makefile passes (docs/INSTALL.md). Never overwrites a config in
# $SYSCONFDIR/gretun.
set -euo pipefail
: "${PREFIX:?}" "${BINDIR:?}" "${LIBDIR:?}" "${MANDIR:?}" "${DOCDIR:?}" "${BASHCOMPDIR:?}"
: "${ZSHCOMPDIR:?}" "${UNITDIR:?}" "${SYSCONFDIR:?}"
DESTDIR=${DESTDIR:-}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build

for f in "$build/gretun.jar" "$build/gretun-coord.jar" "$build/man/gretun.1" "$build/man/gretun-coord.1"; do
  [[ -f $f ]] || { echo "install: $f missing: run 'make build man' first" >&2; exit 1; }
done

d() { install -d -m 0755 "$DESTDIR$1"; }
d "$BINDIR"; d "$LIBDIR/gretun"; d "$MANDIR/man1"; d "$DOCDIR/examples"; d "$BASHCOMPDIR"
d "$ZSHCOMPDIR"; d "$UNITDIR"; d "$SYSCONFDIR/gretun"

install -m 0755 "$root/bin/gretun" "$root/bin/gretun-coord" "$DESTDIR$BINDIR/"
install -m 0755 "$root/bin/java25" "$DESTDIR$LIBDIR/gretun/"
# -p keeps the jars' modification times: a Java AOT cache (below) is only valid for the jar whose
# size and time it recorded.
install -p -m 0644 "$build/gretun.jar" "$build/gretun-coord.jar" "$DESTDIR$LIBDIR/gretun/"
# The AOT caches `make build` trained (scripts/aot-cache.sh), when there. They only work with the
# JDK build that made them; the launcher's JVM ignores them otherwise (docs/INSTALL.md).
for cache in "$build/gretun.aot" "$build/gretun-up.aot" "$build/gretun-coord.aot" \
  "$build/gretun-coord-serve.aot"; do
  if [[ -f $cache ]]; then
    install -p -m 0644 "$cache" "$DESTDIR$LIBDIR/gretun/"
  else
    rm -f "$DESTDIR$LIBDIR/gretun/$(basename "$cache")" # a stale one from an earlier install
  fi
done

for page in "$build"/man/*.1; do
  gzip -9n -c "$page" > "$DESTDIR$MANDIR/man1/$(basename "$page").gz"
  chmod 0644 "$DESTDIR$MANDIR/man1/$(basename "$page").gz"
done

install -m 0644 "$build/gretun_completion.bash" "$DESTDIR$BASHCOMPDIR/gretun"
install -m 0644 "$build/gretun-coord_completion.bash" "$DESTDIR$BASHCOMPDIR/gretun-coord"
sed "s|@BASHCOMPDIR@|$BASHCOMPDIR|g" "$root/packaging/zsh/_gretun" > "$DESTDIR$ZSHCOMPDIR/_gretun"
chmod 0644 "$DESTDIR$ZSHCOMPDIR/_gretun"

for unit in gretun gretun-coord; do
  sed "s|@BINDIR@|$BINDIR|g" "$root/packaging/systemd/$unit.service.in" > "$DESTDIR$UNITDIR/$unit.service"
  chmod 0644 "$DESTDIR$UNITDIR/$unit.service"
done

for conf in gretun.conf coord.conf; do
  install -m 0644 "$root/packaging/config/$conf" "$DESTDIR$DOCDIR/examples/$conf"
  # The examples set nothing (every line is a comment), so installing one is harmless; an
  # operator's own file is never replaced.
  if [[ ! -e $DESTDIR$SYSCONFDIR/gretun/$conf ]]; then
    install -m 0644 "$root/packaging/config/$conf" "$DESTDIR$SYSCONFDIR/gretun/$conf"
  fi
done
install -m 0644 "$root/README.md" "$root/docs/INSTALL.md" "$root/docs/CONFIG.md" "$DESTDIR$DOCDIR/"
install -m 0644 "$root/LICENSE" "$DESTDIR$DOCDIR/copyright"
echo "installed into ${DESTDIR:-/} (PREFIX=$PREFIX)"
