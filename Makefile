# porepair — see README.md. Every target runs from a clean checkout; Go
# modules come through the module proxy (go mod download).
GO        ?= go
# The go command's ./... leaves out testdata directories: the test-only
# packages there (the fixture builder, the generator) are found rather
# than listed, but make wintest's own (testdata/wine), which it runs.
PKGS      := ./... $(filter-out ./testdata/wine,$(patsubst %/,./%,$(sort $(dir $(wildcard testdata/*/*.go)))))
FUZZTIME  ?= 10s
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The fault hook POREPAIR_FAULT exists only in binaries built with this tag;
# every test target uses it, a release build (make build) does not.
TAGS      := -tags faultinject
CROSS     := linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64 freebsd/amd64 freebsd/arm64

.PHONY: all build install cross crossbuild test gotest wintest cover lint fuzz bench bigpo stress golden clean

all: build test

# porepair is built static (internal/gobuild): cgo off, no C library or
# dynamic loader to depend on or to open at every run. The race detector
# needs cgo, so the tests themselves keep it.
RELEASE := CGO_ENABLED=0

build:
	$(RELEASE) $(GO) build -o bin/porepair ./cmd/porepair

# porepair into $(go env GOBIN), else $(go env GOPATH)/bin, and its man
# page into the share/man beside that bin, where man finds it through
# PATH (manpath(5)); MANDIR= puts it elsewhere.
BINDIR = $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)
MANDIR ?= $(BINDIR)/../share/man
install:
	$(RELEASE) $(GO) install ./cmd/porepair
	mkdir -p $(MANDIR)/man1
	$(BINDIR)/porepair docs --man > $(MANDIR)/man1/porepair.1

# Vet (test files included) for every supported OS and architecture, with
# and without the fault hook, and build the release binary for each: a
# break on any OS fails. vet type-checks every file of the target, so only
# the command is linked; CROSSJOBS targets at once. Cold, this is most of
# a quarter of an hour on two cores: it runs in make lint and .ci/run,
# and make test runs crossbuild instead (beside its tests).
CROSSJOBS ?= 4
cross:
	@for t in $(CROSS); do echo "$$t"; echo "$$t faultinject"; done | \
		xargs -P $(CROSSJOBS) -L 1 sh -c 'GOOS=$${0%/*} GOARCH=$${0#*/} $(GO) vet -tags "$$1" $(PKGS) || { echo "== cross: vet $$0 $$1 failed"; exit 1; }'
	@for t in $(CROSS); do echo "$$t"; done | \
		xargs -P $(CROSSJOBS) -L 1 sh -c 'GOOS=$${0%/*} GOARCH=$${0#*/} $(RELEASE) $(GO) build -o /dev/null ./cmd/porepair || { echo "== cross: build $$0 failed"; exit 1; }'

# What make test builds for other systems, a break there in seconds.
# Windows, whose osfs, console and sharing code is its own: every library
# package with and without the fault hook, and the release command,
# linked. darwin and freebsd share the unix code linux tests and differ
# only in files with build constraints: the library packages that have
# such files (OSPKGS, found by go list for that system), with and without
# the hook. Building the command for them too compiled net/http and the
# Prometheus client once more for each, most of a cold make test; make
# cross (make lint, .ci/run) vets every target, test files included, and
# links the release binary for each.
QUICKCROSS := windows/amd64 all darwin/arm64 os freebsd/amd64 os
CROSSBUILD = GO="$(GO)" TAGS="$(TAGS)" PKGS="$(PKGS)" OUT="$(TESTBIN)" sh scripts/crossbuild.sh $(QUICKCROSS)
crossbuild:
	@$(CROSSBUILD)

# make test prints how long it took, the cross build included.
test:
	@start=$$(date +%s); $(MAKE) --no-print-directory gotest; rc=$$?; \
	echo "== make test: exit $$rc after $$(( $$(date +%s) - start )) s"; exit $$rc

# The tests' files (TMPDIR: their postoffices) are
# kept on tmpfs when TESTTMP is one that may run programs: the failpoint
# loops fsync at every write, which on a disk took a third of make test. A
# crash the tests cause is a process exit, which leaves the same bytes on
# either; power loss is not tested (docs/reliability.md). TESTTMP itself
# is TMPDIR, not a directory made in it: output_text.txtar holds text
# output, $WORK paths included, to 80 columns. TESTTMP= keeps $TMPDIR.
# The faultinject porepair the tests start is built once, here, for every
# package (POREPAIR_TEST_BINARY), and the release build the tests of the
# release check (POREPAIR_RELEASE_BIN), both into TESTBIN, where go build
# links them again only when they are not up to date. TESTPARALLEL
# parallel tests at once in a package, not go test's one per CPU: most of
# them wait for porepair processes, FUSE daemons and held files. With two
# slots the share suites held one for half a minute while the write-point
# loops queued for the other (cmd/porepair 58 s; 40 s with 8); with 8 the
# SMB lock tests, waiting, held most slots while the loops queued
# (cmd/porepair 23 s alone; 20.6 s with 32, docs/benchmarks.md).
#
# make crossbuild runs beside the tests, not before them: warm, it is a
# second of go list and cache lookups, 1.5 of CPU. Its output
# is shown when it fails, after the tests'. The recipe runs it as a
# command, not through $(MAKE): make -n runs a line that names $(MAKE),
# and TestReadmeSetup's make -n test would run the tests inside the tests.
#
# The race detector runs on every package but NORACEPKGS: packages whose
# code starts no goroutine and keeps no state between calls, whose tests
# the detector only slowed (plan and repair: 2.1 and 2.0 CPU seconds
# against 0.8 and 1.1, docs/benchmarks.md). Their code does run
# concurrently, in the fleet's --parallel: cmd/porepair's in-process
# scripts that ask for it (TestScripts, race-built, picks them) are
# where that is checked, with the race-built packages. The rest of
# cmd/porepair's tests start porepair processes (built without the
# detector) and wait for them; the detector in the test process cost
# 10 of its 50 CPU seconds. A package not listed (a new one) gets the
# detector; one listed that is gone (or not in PKGS) is left out. Those
# tests run beside the race-built ones, built as the porepair they start
# is (RELEASE: cgo off), so that a cold run compiles their dependencies
# once for both; their output follows.
# RACE= runs every test without the race detector, on a machine with no C
# compiler (the detector needs cgo).
RACE ?= -race
# go test links every package's test binary again at every run (it
# caches the compiled packages, not the links): a quarter of a warm make
# test's CPU time, 13 of 52 seconds. scripts/gotest builds them with go
# test -c into bin/test (TESTBIN), which links only a binary that is not
# up to date, and runs each in its package's directory as go test does,
# two packages at once per lane, as go test does on two cores; every test
# runs every time. The checks go test runs go vet for before the tests
# are make lint's and make cross's (all of go vet, every target).
TESTBIN := $(CURDIR)/bin/test
GOTEST = $(GO) run ./scripts/gotest -go "$(GO)"
TESTTMP ?= /dev/shm
TESTPARALLEL ?= 32
NORACEPKGS := ./cmd/porepair ./backup ./journal ./metrics ./plan ./repair ./internal/errlist \
	./internal/exitcode ./internal/syscount ./internal/textfmt ./scripts/bench ./testdata/gen
gotest:
	@tmp=$${TMPDIR:-/tmp}; \
	if [ -n "$(TESTTMP)" ] && [ "$$(stat -f -c %T $(TESTTMP) 2>/dev/null)" = tmpfs ] && \
		x=$$(mktemp $(TESTTMP)/porepair-exec.XXXXXX 2>/dev/null); then \
		{ printf '#!/bin/sh\n' >$$x && chmod +x $$x && $$x; } 2>/dev/null && tmp=$(TESTTMP); rm -f $$x; fi; \
	echo "== TMPDIR=$$tmp"; \
	if ! command -v promtool >/dev/null || ! command -v prometheus-node-exporter >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then echo "== TestMonitoringIntegration installs Debian's prometheus and prometheus-node-exporter"; \
		else echo "== SKIPPED: TestMonitoringIntegration (not root, and promtool or prometheus-node-exporter missing)"; fi; fi; \
	cross=$$(mktemp); norace=$$(mktemp); rep=$$(mktemp); \
	{ $(CROSSBUILD) >$$cross 2>&1; echo $$? >$$cross.rc; } & \
	mod=$$($(GO) list -m); nr=$$(for p in $(NORACEPKGS); do echo "$$mod/$${p#./}"; done); \
	bin=$(TESTBIN); \
	if all=$$($(GO) list $(PKGS)) && $(RELEASE) $(GO) build $(TAGS) -o $$bin/porepair ./cmd/porepair && \
		$(RELEASE) $(GO) build -o $$bin/porepair-release ./cmd/porepair; then \
		race=$$(echo "$$all" | grep -vxF "$$nr"); plain=$$(echo "$$all" | grep -xF "$$nr"); \
		export GORACE=atexit_sleep_ms=0 TMPDIR=$$tmp POREPAIR_TEST_BINARY=$$bin/porepair POREPAIR_RELEASE_BIN=$$bin/porepair-release POREPAIR_SHARES_REPORT=$$rep; \
		{ [ -z "$$plain" ] || $(RELEASE) $(GOTEST) -dir $(TESTBIN)/plain -build "$(TAGS)" $$plain -- -test.parallel=$(TESTPARALLEL) >$$norace 2>&1; echo $$? >$$norace.rc; } & \
		scripts=; [ -z "$(RACE)" ] || scripts="$$mod/cmd/porepair"; \
		$(GOTEST) -dir $(TESTBIN)/lane$(RACE) -build "$(TAGS) $(RACE)" -pkg "$$mod/cmd/porepair -test.run=^TestScripts$$" \
			$$race $$scripts -- -test.parallel=$(TESTPARALLEL); rc=$$?; \
	else rc=1; echo 0 >$$norace.rc; fi; \
	wait; cat $$norace; \
	[ "$$(cat $$norace.rc 2>/dev/null)" = 0 ] || rc=1; \
	if [ "$$(cat $$cross.rc 2>/dev/null)" != 0 ]; then cat $$cross; echo "== make crossbuild failed"; rc=1; fi; \
	rm -rf $$cross $$cross.rc $$norace $$norace.rc; $(SHARES_REPORT)

# The last lines of make test: on which real file systems (NTFS, FAT, SMB:
# internal/sharetest) the suites ran, and why one did not.
SHARES_REPORT = echo "== real-share suite (docs/shares.md):"; \
	if [ -s $$rep ]; then sort -u $$rep | sed 's/^/   /'; else echo "   did not run (no test reached it)"; fi; \
	rm -f $$rep; exit $$rc

# The Windows build run, not only built: every package's tests as Windows
# programs under Wine, and the command-level scenarios through porepair.exe
# (installs wine64 and MinGW when missing; a fresh Wine prefix of its own).
# docs/reliability.md, "Windows".
wintest:
	GO=$(GO) PKGS="$(PKGS)" bash testdata/wine/wintest.sh

# Coverage of porepair's packages (the module's packages the command is
# built from) by make test's tests (no race detector), counting the
# porepair processes the crash, signal and terminal tests start: their
# binary is built with -cover and writes to POREPAIR_COVERDIR. The
# counters of all of them are merged with go tool covdata; the total is
# the last line.
COVERDIR ?= $(CURDIR)/cover
COVERPKG = $(shell $(GO) list -deps ./cmd/porepair | grep -x '$(shell $(GO) list -m)\(/.*\)\?' | paste -sd, -)
cover:
	rm -rf $(COVERDIR) && mkdir -p $(COVERDIR)/unit $(COVERDIR)/proc $(COVERDIR)/merged
	POREPAIR_COVERDIR=$(COVERDIR)/proc POREPAIR_COVERPKG=$(COVERPKG) $(GO) test $(TAGS) -count=1 -covermode=atomic -coverpkg=$(COVERPKG) $(PKGS) -args -test.gocoverdir=$(COVERDIR)/unit
	$(GO) tool covdata merge -i=$(COVERDIR)/unit,$(COVERDIR)/proc -o $(COVERDIR)/merged
	@$(GO) tool covdata percent -i=$(COVERDIR)/merged | grep 'coverage:'
	$(GO) tool covdata textfmt -i=$(COVERDIR)/merged -o $(COVERDIR)/cover.out
	@echo "in process only: $$($(GO) tool covdata textfmt -i=$(COVERDIR)/unit -o $(COVERDIR)/unit.out && $(GO) tool cover -func=$(COVERDIR)/unit.out | tail -1)"
	@echo "merged:          $$($(GO) tool cover -func=$(COVERDIR)/cover.out | tail -1)"

lint: cross
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet $(TAGS) $(PKGS)
	$(STATICCHECK) $(PKGS)
	$(STATICCHECK) $(TAGS) $(PKGS)
	@# make wintest's own: the Linux-side scenarios and the Windows helper.
	$(GO) vet ./testdata/wine && GOOS=windows $(GO) vet ./testdata/wine/holdflag
	$(STATICCHECK) ./testdata/wine

# Each fuzz target runs for FUZZTIME; the corpus lives in testdata/fuzz.
fuzz:
	@for t in $$($(GO) test -list '^Fuzz' ./postoffice | grep ^Fuzz); do \
		echo "== postoffice $$t"; $(GO) test $(TAGS) -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./postoffice || exit 1; done
	@for t in $$($(GO) test -list '^Fuzz' ./plan | grep ^Fuzz); do \
		echo "== plan $$t"; $(GO) test $(TAGS) -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./plan || exit 1; done

# Go benchmarks, then the whole-program comparisons of docs/benchmarks.md
# (diagnose vs its read floor, repair 4,096 vs 5 queued, repair vs cp -a,
# peak memory), all measured in this one run, and the file-system calls of
# diagnose, plan, repair and rollback counted under strace beside the
# minimum each plan needs (needs strace: apt-get install strace).
bench:
	$(GO) test $(TAGS) -run '^$$' -bench . -benchmem -benchtime 5x ./postoffice ./diagnose ./plan ./repair | tee bench.out
	$(GO) run ./scripts/bench -runs 5 -out docs/benchmarks.md

# A large postoffice to try porepair on by hand (issue 6's shape).
bigpo:
	$(GO) run ./testdata/gen -out $(or $(OUT),/tmp/porepair-big) -scenario stale -users 3000 -networks 50 -pos 2000 -queue 4092 -mai-bytes 100000000

# The failpoint loops on more fixtures, the random-SIGKILL campaign over
# repair and rollback (at least 200 kills), both again on NTFS, FAT and SMB
# shares (every write point, at least 50 kills each: TestShares, 24 minutes
# on a shared 2-core machine, after the others), and the concurrency tests
# repeated.
stress:
	POREPAIR_STRESS=1 $(GO) test $(TAGS) -count=1 -timeout 75m -run 'Crash|Fail|Signal|RandomKill|Shares' -v ./cmd/porepair
	$(GO) test $(TAGS) -count=10 -run 'Concurrent' ./cmd/porepair

golden:
	$(GO) run ./testdata/gen -golden
	POREPAIR_UPDATE_GOLDEN=1 $(GO) test $(TAGS) -count=1 -run Golden ./cmd/porepair

clean:
	rm -rf bin bench.out cover
