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

.PHONY: all build test test-unit test-kernel test-package deps demo bench bench-jmh bench-coord bench-overlay bench-connect bench-recovery bench-kernel bench-cli bench-idle lint format cover clean man install deb

all: build

# What `mvn package` makes that build/ holds: the jars, bash completion, the man pages' AsciiDoc,
# and Java AOT caches (build/*.aot, JEP 483/514/515) from training runs, which the launchers start
# with (scripts/aot-cache.sh; docs/BENCH.md "CLI start-up and idle cost").
define copy-build-outputs
	@mkdir -p build
	cp gretun-cli/target/gretun.jar gretun-coord/target/gretun-coord.jar build/
	cp gretun-cli/target/gretun_completion.bash gretun-coord/target/gretun-coord_completion.bash build/
	rm -rf build/man-adoc && mkdir -p build/man-adoc
	cp gretun-cli/target/man/*.adoc gretun-coord/target/man/*.adoc build/man-adoc/
	@bash scripts/aot-cache.sh build
endef

build:
	$(MVN) $(MVNFLAGS) -q -DskipTests -Djacoco.skip=true package
	$(copy-build-outputs)
	@echo "built: build/gretun.jar build/gretun-coord.jar (launchers: bin/gretun bin/gretun-coord)"

# Debian packages the test tiers use; installed when missing and we are root.
DEB_PKGS := iproute2 nftables iptables conntrack iputils-ping netcat-openbsd procps jq
DEB_PKGS += coturn iperf3 bc openssl
# gretun-coord store tests start their own PostgreSQL server from this package.
DEB_PKGS += postgresql
# The kernel VM tier (vm/, test/kernel/): qemu, the initramfs tools, modprobe/depmod.
DEB_PKGS += qemu-system-x86 busybox-static cpio kmod
# Packaging (make man/install/deb/test-package): man pages, systemd-analyze verify, zsh completion.
DEB_PKGS += asciidoctor systemd zsh
deps:
	@bash scripts/ensure-debs.sh $(DEB_PKGS)

test: deps test-unit test-kernel test-package

test-unit:
	$(MVN) $(MVNFLAGS) verify
	$(copy-build-outputs)

# Kernel VM tier: boots Debian's kernel under qemu and runs test/kernel/*.sh inside (docs/TESTING.md).
# One script: make test-kernel T=test/kernel/10-smoke.sh
test-kernel: deps build/gretun.jar
	@bash vm/test-kernel.sh $(T)

# The VM runs the jars from build/: rebuild them when a source or pom is newer.
JAR_INPUTS := $(shell find $(ROOT)/pom.xml $(ROOT)/gretun-*/pom.xml $(ROOT)/gretun-*/src/main -type f 2>/dev/null)
build/gretun.jar: $(JAR_INPUTS)
	$(MAKE) build

# Installing (docs/INSTALL.md): `make build man` as a user, then `sudo make install`
# (PREFIX=/usr/local; DESTDIR for staging), or `make deb` for build/gretun_VERSION_all.deb.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
DOCDIR      ?= $(DATADIR)/doc/gretun
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
UNITDIR     ?= $(LIBDIR)/systemd/system
SYSCONFDIR  ?= /etc
DESTDIR     ?=
POM_VERSION := $(shell sed -n 's:^  <version>\(.*\)</version>:\1:p' $(ROOT)/pom.xml | head -1)
DEB_VERSION := $(subst -SNAPSHOT,~snapshot,$(POM_VERSION))

# Man pages: picocli's ManPageGenerator writes AsciiDoc at build time, asciidoctor makes troff.
man: build/man/gretun.1
build/man/gretun.1: build/gretun.jar
	@bash scripts/ensure-debs.sh asciidoctor
	@test -f build/man-adoc/gretun.adoc || $(MAKE) build
	rm -rf build/man && mkdir -p build/man
	asciidoctor -b manpage -a mansource="gretun $(POM_VERSION)" -a manmanual="gretun Manual" \
	  -D build/man build/man-adoc/*.adoc

install: build/gretun.jar build/man/gretun.1
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BINDIR="$(BINDIR)" LIBDIR="$(LIBDIR)" MANDIR="$(MANDIR)" \
	  DOCDIR="$(DOCDIR)" BASHCOMPDIR="$(BASHCOMPDIR)" ZSHCOMPDIR="$(ZSHCOMPDIR)" \
	  UNITDIR="$(UNITDIR)" SYSCONFDIR="$(SYSCONFDIR)" bash packaging/install.sh

deb: build/gretun.jar build/man/gretun.1
	bash packaging/build-deb.sh $(DEB_VERSION) build

# make deb + the .deb installed into a scratch root with dpkg --root, make install into a temp
# DESTDIR, the launchers run from there, systemd-analyze verify on the units.
test-package: deps deb
	bash packaging/test-package.sh build/gretun_$(DEB_VERSION)_all.deb

# Coordinator + two peers behind two NATs in the netns lab, `gretun peers`, a ping (root).
demo: deps build
	@bash scripts/demo.sh

# Benchmarks: JMH (gretun-bench, built only with -Pbench), brief runs printing ops/s.
# Extend by appending commands to BENCH_STEPS (e.g. netns/VM throughput runs).
JMH_ARGS ?= -f 1 -wi 2 -i 3 -w 1s -r 1s
JMH_FILTER ?=
BENCH_STEPS := bench-jmh bench-coord
BENCH_STEPS += bench-overlay bench-connect bench-recovery bench-kernel
BENCH_STEPS += bench-cli bench-idle
bench: $(BENCH_STEPS)

# CLI wall time: N=20 runs of `list --json`, `version`, `peers --json` (no daemon) through
# bin/gretun vs `ip -j link`, medians and ratios (docs/BENCH.md). Compare with another checkout:
# BENCH_CLI_BASE=/path/to/checkout make bench-cli
bench-cli: build
	bash bench/cli-bench.sh

# Idle cost: RSS, CPU and wake-ups of two `gretun up` with a direct path and gretun-coord, 30 s,
# in the netns lab (root), next to Nebula's lighthouse and two nodes (BENCH_IDLE_NEBULA=0: without).
# BENCH_IDLE_BASE=/path/to/checkout compares; docs/BENCH.md.
bench-idle: deps build
	@bash scripts/ensure-debs.sh nebula
	BENCH_IDLE_NEBULA=$${BENCH_IDLE_NEBULA:-1} bash bench/idle-bench.sh

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

# Connect matrix (issue 15): every pair of lab NAT modes, 5 fresh starts of gretun (relay,
# --aggressive-punch) and of Nebula each, in the netns lab (root); docs/BENCH.md. A few cells:
# BENCH_ROUNDS=1 BENCH_CELLS=plain/hard,symmetric/symmetric make bench-connect
bench-connect: deps build
	@bash scripts/ensure-debs.sh nebula
	bash bench/connect-matrix.sh

# Recovery after a conntrack flush on both NATs (issue 16): traffic back through the relay, direct
# again; BENCH_ROUNDS (3) fresh pairs in the netns lab (root); docs/BENCH.md.
bench-recovery: deps build
	bash bench/recovery-bench.sh

# Kernel data plane inside the test VM: gretun-made vs hand-made FOU/GRE vs the plain path (docs/BENCH.md).
# BENCH_KERNEL_ROUNDS and BENCH_KERNEL_SECONDS are passed into the guest (its environment is clean).
bench-kernel: deps build
	@mkdir -p build/bench
	set -o pipefail; vm/run.sh --timeout 1800 -- env BENCH_KERNEL_ROUNDS=$${BENCH_KERNEL_ROUNDS:-3} \
	  BENCH_KERNEL_SECONDS=$${BENCH_KERNEL_SECONDS:-5} bench/kernel-bench.sh | tee build/bench/kernel.txt

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
