# Rigging's everyday targets. `make test` is the README's test command and
# what .ci/run runs.
GO ?= go
TEST_FLAGS ?= -race -timeout 20m

.PHONY: test deps bench generate lint fuzz

# deps installs the system packages tests need on a fresh Debian machine
# (as root): etcd-server for the store/etcd adapter's tests.
deps:
	@./scripts/deps.sh

test: deps
	$(GO) build ./...
	$(GO) vet ./...
	$(GO) test $(TEST_FLAGS) ./...
	cd compat/clientgo && $(GO) test $(TEST_FLAGS) ./...

# bench runs the side-by-side benchmarks (own module under bench/).
bench: deps
	cd bench && $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

generate:
	$(GO) generate ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# fuzz runs every fuzz target briefly (FUZZTIME each). New interesting
# inputs are not minimized by default (FUZZMINIMIZE=0s): in packages that
# link the api types' generated code the coverage map is large, and Go's
# minimizer, which snapshots it at every attempt, can spend the whole
# FUZZTIME on one input with no execution counted (0 execs/s after the
# seeds). A failing input is still written out unminimized.
FUZZTIME ?= 10s
FUZZMINIMIZE ?= 0s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "$$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg || exit 1; \
	  done; \
	done
