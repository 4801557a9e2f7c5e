#!/usr/bin/env bash
# test-package.sh DEB: checks the Debian package and `make install` (docs/INSTALL.md) without
# containers: the .deb goes into a scratch root with dpkg --root, `make install` into a temp
# DESTDIR; the installed launchers must run from there, the units must pass systemd-analyze verify.
# Prints "N passed, N failed" and exits non-zero when a check failed.
set -uo pipefail
deb=$(readlink -f "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/gretun-pkgtest.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok   - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@" >"$work/out" 2>&1; then ok "$what"; else fail "$what"; sed 's/^/       /' "$work/out" | head -20; fi; }
has() { [[ -e $1 ]] || { echo "missing: $1"; return 1; }; }

# --- the .deb: metadata and contents ---
check "deb: dpkg-deb reads the control file" dpkg-deb --field "$deb" Package Version Architecture
check "deb: conffiles are the two configs" bash -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles | diff - <(printf '/etc/gretun/gretun.conf\n/etc/gretun/coord.conf\n')"
expected=(
  usr/bin/gretun usr/bin/gretun-coord
  usr/lib/gretun/gretun.jar usr/lib/gretun/gretun-coord.jar usr/lib/gretun/java25
  usr/share/man/man1/gretun.1.gz usr/share/man/man1/gretun-up.1.gz
  usr/share/man/man1/gretun-coord.1.gz usr/share/man/man1/gretun-coord-keys-create.1.gz
  usr/share/bash-completion/completions/gretun usr/share/bash-completion/completions/gretun-coord
  usr/share/zsh/vendor-completions/_gretun
  usr/lib/systemd/system/gretun.service usr/lib/systemd/system/gretun-coord.service
  etc/gretun/gretun.conf etc/gretun/coord.conf
  usr/share/doc/gretun/examples/gretun.conf usr/share/doc/gretun/examples/coord.conf
  usr/share/doc/gretun/CONFIG.md usr/share/doc/gretun/INSTALL.md usr/share/doc/gretun/copyright
)

# --- installed into a scratch root by dpkg itself ---
sroot=$work/root
mkdir -p "$sroot/var/lib/dpkg/info" "$sroot/var/lib/dpkg/updates" "$sroot/var/lib/dpkg/triggers"
touch "$sroot/var/lib/dpkg/status" "$sroot/var/lib/dpkg/available"
dpkg_root() { dpkg --root="$sroot" --force-depends --force-script-chrootless --log=/dev/null "$@"; }
check "deb: dpkg --root installs it" dpkg_root -i "$deb"
check "deb: dpkg --root lists it installed" bash -c "dpkg --root='$sroot' -s gretun | grep -q '^Status: install ok installed'"
for f in "${expected[@]}"; do check "deb: /$f" has "$sroot/$f"; done
check "deb: dpkg -L matches the files" bash -c "dpkg --root='$sroot' -L gretun | grep -qx /usr/lib/gretun/gretun.jar"
check "deb: launchers are executable" test -x "$sroot/usr/bin/gretun" -a -x "$sroot/usr/lib/gretun/java25"
check "deb: man page has the flags" bash -c "zcat '$sroot/usr/share/man/man1/gretun-up.1.gz' | grep -qF '\\-\\-coordinator'"
check "deb: units point at /usr/bin" grep -qx 'ExecStart=/usr/bin/gretun up' "$sroot/usr/lib/systemd/system/gretun.service"
check "deb: /usr/bin/gretun runs the installed jar outside the repository" \
  bash -c "cd / && '$sroot/usr/bin/gretun' version | grep -q '^gretun '"
check "deb: /usr/bin/gretun-coord runs" bash -c "cd / && '$sroot/usr/bin/gretun-coord' --version | grep -q '^gretun-coord '"
check "deb: a symlink to the launcher works" bash -c "ln -s '$sroot/usr/bin/gretun' '$work/gl' && '$work/gl' version | grep -q '^gretun '"
check "deb: the example config parses (gretun up --help with it)" \
  "$sroot/usr/bin/gretun" up --config "$sroot/etc/gretun/gretun.conf" --help
check "deb: the example coord config parses" \
  "$sroot/usr/bin/gretun-coord" --config "$sroot/etc/gretun/coord.conf" --help
# systemd-analyze verify --root cannot load systemd's own units from a scratch root: verify
# copies whose ExecStart points into it, with MANPATH there so Documentation=man:... is checked.
# verify exits 0 on an unknown or misspelt directive and only warns: any output is a failure.
verify_clean() { local out; out=$(env MANPATH="$sroot/usr/share/man" systemd-analyze verify "$1" 2>&1) && [[ -z $out ]] || { echo "$out"; return 1; }; }
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$work/units"
  for u in gretun gretun-coord; do
    sed "s|^ExecStart=/usr/bin/|ExecStart=$sroot/usr/bin/|" "$sroot/usr/lib/systemd/system/$u.service" \
      > "$work/units/$u.service"
    check "deb: systemd-analyze verify $u.service (no warning)" verify_clean "$work/units/$u.service"
  done
  sed 's/^ProtectSystem=strict/ProtectSystm=strict/' "$work/units/gretun.service" > "$work/units/typo.service"
  rejected() { ! verify_clean "$1"; }
  check "deb: the verify check does catch a misspelt directive" rejected "$work/units/typo.service"
else
  fail "systemd-analyze is missing (Debian package systemd)"
fi
# The Java AOT caches `make build` trains (scripts/aot-cache.sh): shipped beside the jars with the
# jars' times kept, so the JVM of this machine can map them from there (AOTMode=on fails if not).
if [[ -f $root/build/gretun.aot ]]; then
  check "deb: /usr/lib/gretun/gretun.aot" has "$sroot/usr/lib/gretun/gretun.aot"
  check "deb: /usr/lib/gretun/gretun-coord.aot" has "$sroot/usr/lib/gretun/gretun-coord.aot"
  check "deb: /usr/lib/gretun/gretun-up.aot" has "$sroot/usr/lib/gretun/gretun-up.aot"
  check "deb: /usr/lib/gretun/gretun-coord-serve.aot" has "$sroot/usr/lib/gretun/gretun-coord-serve.aot"
  check "deb: the installed launcher starts with the AOT cache" \
    bash -c "cd / && GRETUN_JAVA_OPTS=-XX:AOTMode=on '$sroot/usr/bin/gretun' version | grep -q '^gretun '"
  check "deb: gretun-coord starts with its AOT cache" \
    bash -c "cd / && GRETUN_JAVA_OPTS=-XX:AOTMode=on '$sroot/usr/bin/gretun-coord' --version | grep -q '^gretun-coord '"
fi
check "deb: dpkg --root removes it" dpkg_root -r gretun
check "deb: nothing left but the conffiles" bash -c "[[ ! -e '$sroot/usr/bin/gretun' && ! -e '$sroot/usr/lib/gretun/gretun.jar' && -e '$sroot/etc/gretun/gretun.conf' ]]"

# --- make install into a DESTDIR ---
dest=$work/dest
check "install: make install DESTDIR PREFIX=/usr/local" \
  make -C "$root" --no-print-directory install DESTDIR="$dest" PREFIX=/usr/local
for f in usr/local/bin/gretun usr/local/bin/gretun-coord usr/local/lib/gretun/gretun.jar \
  usr/local/lib/gretun/gretun-coord.jar usr/local/lib/gretun/java25 \
  usr/local/share/man/man1/gretun.1.gz usr/local/share/man/man1/gretun-coord.1.gz \
  usr/local/share/bash-completion/completions/gretun usr/local/share/zsh/site-functions/_gretun \
  usr/local/lib/systemd/system/gretun.service usr/local/lib/systemd/system/gretun-coord.service \
  usr/local/share/doc/gretun/examples/gretun.conf etc/gretun/gretun.conf etc/gretun/coord.conf; do
  check "install: /$f" has "$dest/$f"
done
check "install: unit ExecStart is PREFIX/bin" grep -qx 'ExecStart=/usr/local/bin/gretun-coord' "$dest/usr/local/lib/systemd/system/gretun-coord.service"
check "install: zsh completion names BASHCOMPDIR" grep -q '/usr/local/share/bash-completion/completions/gretun"' "$dest/usr/local/share/zsh/site-functions/_gretun"
echo "coordinator = https://mine" > "$dest/etc/gretun/gretun.conf"
check "install: a second make install keeps the operator's config" \
  bash -c "make -C '$root' --no-print-directory install DESTDIR='$dest' PREFIX=/usr/local && grep -qx 'coordinator = https://mine' '$dest/etc/gretun/gretun.conf'"
check "install: the launcher runs from DESTDIR" bash -c "cd / && '$dest/usr/local/bin/gretun-coord' --version"
if [[ -f $root/build/gretun.aot ]]; then
  check "install: the launcher starts with the AOT cache" \
    bash -c "cd / && GRETUN_JAVA_OPTS=-XX:AOTMode=on '$dest/usr/local/bin/gretun' version | grep -q '^gretun '"
  # A foreign cache (another jar's) is ignored without a word; one older than its jar is not used.
  lib=$dest/usr/local/lib/gretun
  cp "$lib/gretun-coord.aot" "$lib/gretun.aot"
  check "install: a foreign AOT cache is ignored silently" \
    bash -c "cd / && out=\$('$dest/usr/local/bin/gretun' version 2>&1) && [[ \$out == gretun* && \$out != *aot* ]]"
fi

# --- the launchers' choice of Java (docs/INSTALL.md) ---
launcher=$dest/usr/local/bin/gretun
fake_jdk() { # fake_jdk DIR MAJOR: a "JDK" whose java prints which one it is
  mkdir -p "$1/bin"
  printf 'JAVA_VERSION="%s.0.1"\n' "$2" > "$1/release"
  printf '#!/bin/sh\necho "fake-java-%s $*"\n' "$2" > "$1/bin/java"
  chmod +x "$1/bin/java"
}
fake_jdk "$work/jdk25" 25; fake_jdk "$work/jdk17" 17; fake_jdk "$work/jdk26" 26
if [[ -f $dest/usr/local/lib/gretun/gretun.aot ]]; then
  check "java: the AOT cache beside the jar is passed" \
    bash -c "JAVA_HOME='$work/jdk25' '$launcher' version | grep -q -- '-XX:AOTCache=.*gretun.aot'"
  if [[ -f $dest/usr/local/lib/gretun/gretun-up.aot ]]; then
    check "java: gretun up starts with the daemon's AOT cache" \
      bash -c "JAVA_HOME='$work/jdk25' '$launcher' up | grep -q -- '-XX:AOTCache=.*/gretun-up.aot'"
  fi
  if [[ -f $dest/usr/local/lib/gretun/gretun-coord-serve.aot ]]; then
    coord_launcher=$dest/usr/local/bin/gretun-coord
    check "java: the coordinator serves with its serving AOT cache" \
      bash -c "JAVA_HOME='$work/jdk25' '$coord_launcher' --listen 127.0.0.1:1 | grep -q -- '-XX:AOTCache=.*/gretun-coord-serve.aot'"
    check "java: gretun-coord keys starts with the small AOT cache" \
      bash -c "JAVA_HOME='$work/jdk25' '$coord_launcher' keys list | grep -q -- '-XX:AOTCache=.*/gretun-coord.aot'"
  fi
  touch "$dest/usr/local/lib/gretun/gretun.jar"
  check "java: an AOT cache older than its jar is not passed" \
    bash -c "JAVA_HOME='$work/jdk25' '$launcher' version | grep -v -- '-XX:AOTCache' | grep -q '^fake-java-25 '"
fi
check "java: JAVA_HOME >= 25 is used" bash -c "JAVA_HOME='$work/jdk26' '$launcher' version | grep -q '^fake-java-26 '"
check "java: java on PATH >= 25 is used when JAVA_HOME is unset" \
  bash -c "env -u JAVA_HOME PATH='$work/jdk25/bin:/usr/bin:/bin' '$launcher' version | grep -q '^fake-java-25 .*-Xmx256m.* -cp [^ ]*/gretun.jar dev.gretun.cli.Main version'"
check "java: an old JAVA_HOME falls through to PATH" \
  bash -c "JAVA_HOME='$work/jdk17' PATH='$work/jdk25/bin:/usr/bin:/bin' '$launcher' version | grep -q '^fake-java-25 '"
check "java: an old java on PATH is skipped" \
  bash -c "env -u JAVA_HOME PATH='$work/jdk17/bin:/usr/bin:/bin' '$launcher' version | grep -vq '^fake-java-17'"
check "java: gretun up gets the daemon's JVM options, other commands the short-lived ones" \
  bash -c "JAVA_HOME='$work/jdk25' '$launcher' --verbose up --help | grep -q -- '-XX:+UseSerialGC -Xms8m' && ! JAVA_HOME='$work/jdk25' '$launcher' up | grep -q -- -XX:TieredStopAtLevel && JAVA_HOME='$work/jdk25' '$launcher' version | grep -q -- '-XX:TieredStopAtLevel=1' && ! JAVA_HOME='$work/jdk25' '$launcher' version | grep -q -- -Xms8m"
check "java: another collector in GRETUN_JAVA_OPTS replaces the daemon's" \
  bash -c "JAVA_HOME='$work/jdk25' GRETUN_JAVA_OPTS=-XX:+UseG1GC '$launcher' up | grep -v -- -XX:+UseSerialGC | grep -q -- -XX:+UseG1GC"
check "java: GRETUN_COORD_JAVA_OPTS reaches the coordinator's JVM" \
  bash -c "JAVA_HOME='$work/jdk25' GRETUN_COORD_JAVA_OPTS=-Xmx1g '$dest/usr/local/bin/gretun-coord' --version | grep -q -- '-Xmx512m.* -Xmx1g'"
check "java: GRETUN_JAR_DIR overrides the jar directory" \
  bash -c "JAVA_HOME='$work/jdk25' GRETUN_JAR_DIR=/nonexistent '$launcher' version 2>&1 | grep -q '/nonexistent/gretun.jar not found'"

# --- zsh completion through bashcompinit ---
if command -v zsh >/dev/null; then
  check "zsh: the completion registers both commands" zsh -f -c "
    autoload -U compinit && compinit -u -D
    source '$dest/usr/local/share/bash-completion/completions/gretun'
    source '$dest/usr/local/share/bash-completion/completions/gretun-coord'
    [[ \${_comps[gretun]} == *_complete_gretun* && \${_comps[gretun-coord]} == *_complete_gretun-coord* ]]"
else
  fail "zsh is missing (Debian package zsh)"
fi

echo "package: $passed passed, $failed failed"
(( failed == 0 ))
