# gretun — see README.md. `make test` is what CI runs (via .ci/run).
SHELL := /bin/bash
ROOT  := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# The build needs Java 25; the machine's default java may be older.
ifeq ($(origin JAVA_HOME),undefined)
  JAVA_HOME := $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*))
endif
export JAVA_HOME
MVN   ?= mvn
GIT_COMMIT   := $(shell git -C $(ROOT) rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
GIT_DESCRIBE := $(shell git -C $(ROOT) describe --tags --always --dirty 2>/dev/null || echo unknown)
MVNFLAGS ?= -B -ntp -Dgretun.commit=$(GIT_COMMIT) -Dgretun.describe=$(GIT_DESCRIBE)
# In CI (root) the tests that need root must run, never skip.
ifeq ($(CI),true)
  MVNFLAGS += -Dgretun.requireRoot=true
endif

.PHONY: all build test test-unit test-kernel deps demo bench bench-jmh bench-coord bench-overlay lint format cover clean

all: build

build:
	$(MVN) $(MVNFLAGS) -q -DskipTests -Djacoco.skip=true package
	@mkdir -p build
	cp gretun-cli/target/gretun.jar gretun-coord/target/gretun-coord.jar build/
	cp gretun-cli/target/gretun_completion.bash build/
	@rm -f build/*.jsa
	-@$(JAVA_HOME)/bin/java -XX:ArchiveClassesAtExit=build/gretun.jsa --enable-native-access=ALL-UNNAMED -jar build/gretun.jar list --json >/dev/null 2>&1
	-@$(JAVA_HOME)/bin/java -XX:ArchiveClassesAtExit=build/gretun-coord.jsa --enable-native-access=ALL-UNNAMED -jar build/gretun-coord.jar --help >/dev/null 2>&1
	@echo "built: build/gretun.jar build/gretun-coord.jar (launchers: bin/gretun bin/gretun-coord)"

# Debian packages the test tiers use; installed when missing and we are root.
DEB_PKGS := iproute2 nftables iptables conntrack iputils-ping netcat-openbsd procps jq
DEB_PKGS += coturn iperf3 bc openssl
# gretun-coord store tests start their own PostgreSQL server from this package.
DEB_PKGS += postgresql
# The kernel VM tier (vm/, test/kernel/): qemu, the initramfs tools, modprobe/depmod.
DEB_PKGS += qemu-system-x86 busybox-static cpio kmod
deps:
	@bash scripts/ensure-debs.sh $(DEB_PKGS)

test: deps test-unit test-kernel

test-unit:
	$(MVN) $(MVNFLAGS) verify
	@mkdir -p build
	cp gretun-cli/target/gretun.jar gretun-coord/target/gretun-coord.jar build/

# Kernel VM tier: boots Debian's kernel under qemu and runs test/kernel/*.sh inside (docs/TESTING.md).
# One script: make test-kernel T=test/kernel/10-smoke.sh
test-kernel: deps build/gretun.jar
	@bash vm/test-kernel.sh $(T)

# The VM runs the jars from build/: rebuild them when a source or pom is newer.
JAR_INPUTS := $(shell find $(ROOT)/pom.xml $(ROOT)/gretun-*/pom.xml $(ROOT)/gretun-*/src/main -type f 2>/dev/null)
build/gretun.jar: $(JAR_INPUTS)
	$(MAKE) build

# Coordinator + two peers behind two NATs in the netns lab, `gretun peers`, a ping (root).
demo: deps build
	@bash scripts/demo.sh

# Benchmarks: JMH (gretun-bench, built only with -Pbench), brief runs printing ops/s.
# Extend by appending commands to BENCH_STEPS (e.g. netns/VM throughput runs).
JMH_ARGS ?= -f 1 -wi 2 -i 3 -w 1s -r 1s
JMH_FILTER ?=
BENCH_STEPS := bench-jmh bench-coord
BENCH_STEPS += bench-overlay
bench: $(BENCH_STEPS)

bench-jmh:
	$(MVN) $(MVNFLAGS) -q -Pbench -pl gretun-bench -am -DskipTests -Djacoco.skip=true package
	$(JAVA_HOME)/bin/java -jar gretun-bench/target/benchmarks.jar $(JMH_ARGS) $(JMH_FILTER)

# Coordinator fan-out: N nodes (BENCH_NODES, default 2000) long-polling; one registration reaches all.
bench-coord: build
	$(MVN) $(MVNFLAGS) -q -pl gretun-coord -am -DskipTests -Djacoco.skip=true test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
	ulimit -n 65536 2>/dev/null || ulimit -n $$(ulimit -Hn); $(JAVA_HOME)/bin/java -Dgretun.root=$(ROOT) -cp gretun-coord/target/test-classes:gretun-coord/target/classes:$$(cat gretun-coord/target/bench.classpath) dev.gretun.coord.bench.FanoutBench

# gretun vs Nebula vs the plain path in the netns lab (root): connect time and iperf3 throughput,
# docs/BENCH.md. One part: BENCH_PARTS=throughput BENCH_SYSTEMS=gretun,nebula make bench-overlay
bench-overlay: deps build
	@bash scripts/ensure-debs.sh nebula
	bash bench/overlay-bench.sh

lint:
	$(MVN) $(MVNFLAGS) -q spotless:check
	$(MVN) $(MVNFLAGS) -q -DskipTests -Djacoco.skip=true -Dmaven.compiler.failOnWarning=true compile

format:
	$(MVN) $(MVNFLAGS) -q spotless:apply

cover:
	$(MVN) $(MVNFLAGS) verify
	@echo "coverage: */target/site/jacoco/index.html"

clean:
	$(MVN) $(MVNFLAGS) -q clean
	rm -rf build
