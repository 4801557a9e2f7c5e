#!/usr/bin/env bash
# aot-cache.sh DIR: Java AOT caches (JEP 483/514/515) beside DIR/gretun.jar and
# DIR/gretun-coord.jar: DIR/gretun.aot from a training run of the short commands
# (dev.gretun.cli.AotTraining), DIR/gretun-up.aot from its daemon start-up training (`gretun up`
# starts with that one), DIR/gretun-coord.aot from `gretun-coord --help` (its admin commands) and
# DIR/gretun-coord-serve.aot from a coordinator on a loopback port serving two nodes' start-up
# requests (dev.gretun.coord.AotTraining; the server starts with that one). A cache maps all of its
# classes at every start, so a short command keeps a small one. The launchers
# (bin/java25) use a cache when it is there and not older than its jar; the JVM itself also checks
# that the jar and the JDK are the ones the cache was made with and ignores it otherwise.
# JAVA_HOME must be a Java 25+ JDK. Run by `make build` and `make test-unit`; a failed training
# run leaves no cache (the launchers then start without one) and does not fail the build.
set -uo pipefail
dir=$1
java=${JAVA_HOME:?JAVA_HOME must point at a Java 25 JDK}/bin/java
rm -f "$dir"/*.jsa "$dir"/*.aot # .jsa: the class-data-sharing archives of older builds

# train NAME ARGS...: one JVM with the launcher's options writes DIR/NAME.aot at exit.
train() {
  local name=$1; shift
  local out=$dir/$name.aot log=$dir/$name.aot.log
  if "$java" -XX:AOTCacheOutput="$out" --enable-native-access=ALL-UNNAMED "$@" >"$log" 2>&1 \
    && [[ -s $out ]]; then
    rm -f "$log"
  else
    rm -f "$out"
    echo "aot-cache: no $out (training run failed, see $log); the launchers start without it" >&2
  fi
}

train gretun -Xmx256m -XX:MaxDirectMemorySize=64m -cp "$dir/gretun.jar" dev.gretun.cli.AotTraining
train gretun-up -Xmx256m -XX:MaxDirectMemorySize=64m -XX:+UseSerialGC -cp "$dir/gretun.jar" \
  dev.gretun.cli.AotTraining up
train gretun-coord -Xmx512m -XX:MaxDirectMemorySize=256m -cp "$dir/gretun-coord.jar" \
  dev.gretun.coord.Main --help
train gretun-coord-serve -Xmx512m -XX:MaxDirectMemorySize=256m -cp "$dir/gretun-coord.jar" \
  dev.gretun.coord.AotTraining
exit 0
