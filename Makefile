# porepair — see README.md. Every target runs from a clean checkout; Go
# modules come through the module proxy (go mod download).
GO        ?= go
PKGS      := ./... ./testdata/fixture ./testdata/gen ./testdata/po
FUZZTIME  ?= 10s
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build test lint fuzz bench bigpo stress golden clean

all: build test

build:
	$(GO) build -o bin/porepair ./cmd/porepair

test:
	$(GO) test -race -count=1 $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)

# Each fuzz target runs for FUZZTIME; the corpus lives in testdata/fuzz.
fuzz:
	@for t in $$($(GO) test -list '^Fuzz' ./postoffice | grep ^Fuzz); do \
		echo "== postoffice $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./postoffice || exit 1; done
	@for t in $$($(GO) test -list '^Fuzz' ./plan | grep ^Fuzz); do \
		echo "== plan $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./plan || exit 1; done

# Go benchmarks, then the whole-program comparisons of docs/benchmarks.md
# (diagnose vs its read floor, repair 50,000 vs 5 queued, repair vs cp -a,
# peak memory), all measured in this one run.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 5x ./postoffice ./plan ./repair | tee bench.out
	$(GO) run ./scripts/bench -runs 5 -out docs/benchmarks.md

# A large postoffice to try porepair on by hand (issue 6's shape).
bigpo:
	$(GO) run ./testdata/gen -out $(or $(OUT),/tmp/porepair-big) -scenario stale -users 3000 -networks 50 -pos 2000 -queue 49997 -mai-bytes 100000000

# The failpoint loops on more fixtures, the random-SIGKILL campaign over
# repair and rollback (at least 200 kills), and the concurrency tests repeated.
stress:
	POREPAIR_STRESS=1 $(GO) test -count=1 -timeout 30m -run 'Crash|Fail|Signal|RandomKill' -v ./cmd/porepair
	$(GO) test -count=10 -run 'Concurrent' ./cmd/porepair

golden:
	$(GO) run ./testdata/gen -golden
	POREPAIR_UPDATE_GOLDEN=1 $(GO) test -count=1 -run Golden ./cmd/porepair

clean:
	rm -rf bin bench.out
