# porepair — see README.md. Every target runs from a clean checkout; Go
# modules come through the module proxy (go mod download).
GO        ?= go
PKGS      := ./... ./testdata/fixture ./testdata/gen ./testdata/po
FUZZTIME  ?= 10s
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build test lint fuzz bench stress golden clean

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
		echo "== postoffice $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./postoffice || exit 1; done
	@for t in $$($(GO) test -list '^Fuzz' ./plan | grep ^Fuzz); do \
		echo "== plan $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./plan || exit 1; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./postoffice ./plan ./repair | tee bench.out
	./scripts/bench.sh

stress:
	POREPAIR_STRESS=1 $(GO) test -count=1 -run 'Crash|Fail|Concurrent' -v ./cmd/porepair

golden:
	$(GO) run ./testdata/gen -golden
	POREPAIR_UPDATE_GOLDEN=1 $(GO) test -count=1 -run Golden ./cmd/porepair

clean:
	rm -rf bin bench.out
