# Tenantry's targets. `make help` lists them. The two that matter on a fresh machine:
#   make dev    start the API with a private PostgreSQL under ./.tenantry (no configuration)
#   make test   run every test (each test package starts its own throwaway PostgreSQL)

GO      ?= go
SQLC    := $(GO) tool -modfile=tools/go.mod sqlc
LINT    := bin/tenantlint
PKGS    := ./...
# Dynamic SQL is allowed where no tenant table is reached: the database package (it builds the
# scope statements), the test harness (CREATE DATABASE of identifiers) and verify (catalogs only);
# and in internal/testkit/apitest, imported by tests only (which the analyzers exempt): it runs the
# assertion queries tests hand it as the superuser, to look under row-level security.
MOD     := github.com/tenantry/tenantry
# sqlc's output directories, read from sqlc.yaml.
GENERATED := $(shell sed -n 's/.*out: *\([^,}]*\).*/\1/p' sqlc.yaml)
# Protocol buffers: each .proto here is compiled by protoc (Debian's protobuf-compiler, installed by
# scripts/deps.sh generate when missing) with protoc-gen-go pinned in tools/go.mod; the .pb.go files
# are committed next to their .proto.
PROTOS    := $(shell find internal -name '*.proto')
GENERATED += $(dir $(PROTOS))
# The Go client of the API (pkg/client), generated from the OpenAPI document's golden file by
# oapi-codegen, pinned in tools/oapi-codegen/go.mod.
OAPI_CODEGEN := $(GO) tool -modfile=tools/oapi-codegen/go.mod oapi-codegen
OPENAPI_DOC  := cmd/tenantry/testdata/openapi.golden.json
GENERATED    += pkg/client
# rawdb: the default allowlist plus internal/bench, the load harness, which holds one superuser connection
# to the throwaway cluster it starts (to create its BYPASSRLS baseline role and VACUUM); it writes
# tenant data only through postgres.DB.Tx; and internal/testkit/apitest, for those superuser assertions.
RAWDB_ALLOW := $(MOD)/internal/postgres,$(MOD)/internal/pgcluster,$(MOD)/internal/testkit/pgtest,$(MOD)/internal/proof/verify,$(MOD)/cmd/tenantlint,$(MOD)/internal/bench,$(MOD)/internal/testkit/apitest
LINTFLAGS := -tenantsql.dynamic=$(MOD)/internal/postgres,$(MOD)/internal/testkit/pgtest,$(MOD)/internal/proof/verify,$(MOD)/internal/testkit/apitest -rawdb.allow=$(RAWDB_ALLOW)

# How the project's packages are compiled by every target that compiles them (test, vet, build,
# dev, verify, release): the release configuration, static (no cgo) with trimmed paths. One
# configuration means one compiled copy of each package in the Go build cache: `make release`
# after `make test` only compiles the main package and links. Only the tenantlint vet tool is built
# with cgo (libpg_query parses far faster than its WebAssembly build, which CGO_ENABLED=0 selects).
BUILDENV := CGO_ENABLED=0 GOFLAGS='$(strip $(shell $(GO) env GOFLAGS) -trimpath)'
BUILDGO  := $(BUILDENV) $(GO)

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: dev
dev: ## start the API on 127.0.0.1:8080 with a private PostgreSQL under ./.tenantry (Ctrl-C stops both)
	$(BUILDGO) run ./cmd/tenantry dev

.PHONY: deps
deps: ## install what the tests need when missing: PostgreSQL server, redis-server, curl, jq, chromium (apt); axe-core (npm ci in tools/browser)
	@scripts/deps.sh

.PHONY: demo
demo: ## like dev, plus a demo parking tenant (sensors driven by a ChirpStack simulator) and a flows tenant with a shared session (prints credentials and the link)
	$(BUILDGO) run ./cmd/tenantry demo

.PHONY: test
test: deps ## run every test against real, throwaway PostgreSQL clusters (and a private Redis)
	$(BUILDGO) test -count=1 -timeout 20m $(PKGS)

.PHONY: build
build: ## build bin/tenantry
	$(BUILDGO) build -o bin/tenantry ./cmd/tenantry

# The release: one static build, stamped with the version (scripts/version.sh: from the latest
# vX.Y.Z tag, else 0.0.0+git.DATE.HASH) and the commit, packaged twice by scripts/package.sh.
ifndef VERSION
VERSION := $(shell scripts/version.sh)
endif
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
RELEASE_LDFLAGS := -s -w -X main.version=$(VERSION) -X main.revision=$(REVISION)

.PHONY: release
release: ## dist/: the static linux/amd64 binary as a .tar.gz (with LICENSE, README, systemd unit, example env file) and a .deb
	GOOS=linux GOARCH=amd64 $(BUILDGO) build -ldflags '$(RELEASE_LDFLAGS)' -o dist/tenantry ./cmd/tenantry
	scripts/package.sh '$(VERSION)' dist/tenantry dist

.PHONY: release-check
release-check: release ## as root: install the .deb here, run it as its systemd unit would against a private PostgreSQL, call the API, purge it
	scripts/release-check.sh 'dist/tenantry_$(VERSION)_amd64.deb' '$(VERSION)' '$(REVISION)'

.PHONY: generate
generate: ## regenerate sqlc code (.sql), protobuf code (.proto) and the API client pkg/client (OpenAPI golden file); tools pinned under tools/
	$(SQLC) generate
	@scripts/deps.sh generate
	$(GO) build -modfile=tools/go.mod -o bin/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	protoc --plugin=protoc-gen-go=bin/protoc-gen-go --go_out=. --go_opt=paths=source_relative $(PROTOS)
	$(OAPI_CODEGEN) -config pkg/client/oapi-codegen.yaml $(OPENAPI_DOC)

.PHONY: check-generated
check-generated: generate ## fail if the committed generated code is out of date
	@test -z "$$(git status --porcelain -- $(GENERATED))" || { git status --short -- $(GENERATED); \
		echo "generated code is out of date: run make generate and commit"; exit 1; }

.PHONY: lint
lint: check-generated ## gofmt, go vet, golangci-lint (.golangci.yaml) and the tenant-isolation analyzers (blocking)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(BUILDGO) vet $(PKGS)
	$(GO) tool -modfile=tools/golangci/go.mod golangci-lint run $(PKGS)
	$(GO) build -o $(LINT) ./cmd/tenantlint
	$(BUILDGO) vet -vettool=$(CURDIR)/$(LINT) $(LINTFLAGS) $(PKGS)

# The OpenAPI linters (npm packages pinned by tools/openapi/package-lock.json, installed by npm ci
# when node_modules is missing) over the document the golden test keeps (TestOpenAPIGolden):
# Spectral's spectral:oas and Redocly's recommended rules; any error or warning fails.
OPENAPI_TOOLS := tools/openapi

.PHONY: lint-openapi
lint-openapi: ## lint the OpenAPI document with Spectral (spectral:oas) and Redocly (recommended): 0 errors and 0 warnings
	@test -d $(OPENAPI_TOOLS)/node_modules || (cd $(OPENAPI_TOOLS) && npm ci --no-audit --no-fund)
	$(OPENAPI_TOOLS)/lint.sh $(OPENAPI_DOC)

.PHONY: verify
verify: ## migrate the `make dev` database (starting it if needed) and check it against the isolation contract
	$(BUILDGO) run ./cmd/tenantry migrate up
	$(BUILDGO) run ./cmd/tenantry verify

# The console's screenshots: its browser tests (internal/testkit/browser) save each main page as
# docs/screenshots/<area>-<page>.png, which the README shows.
.PHONY: screenshots
screenshots: deps ## run the console's browser tests, saving their screenshots into docs/screenshots (internal/console)
	TENANTRY_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(BUILDGO) test -count=1 -run Browser ./internal/console/...

# The isolation proofs that need no running server (all are also part of `make test`): the
# every-tenant-table tests, the mutation check and the pool leak check (internal/app, over every
# package's isolation seeds), the scoped helper's pooled-connection test (internal/postgres), the
# probe's own tests (internal/proof/probe) and the probe of the assembled service (cmd/tenantry).
ISOLATION_TESTS := Isolation|GlobalRows|Pooled|NoSurvivingMutant|PoolDoesNotLeak|TestProbe|PlantedBugs|CleanAPI|Unprobed
ISOLATION_PKGS  := ./internal/postgres ./internal/app ./internal/proof/probe ./cmd/tenantry
URL ?= http://127.0.0.1:8080

.PHONY: isolation
isolation: ## the isolation proofs: DB tests as the app role, mutation check, pool leak check, the probe against a test server
	$(BUILDGO) test -count=1 -run '$(ISOLATION_TESTS)' $(ISOLATION_PKGS)

.PHONY: probe
probe: ## cross-tenant probe of a running server (URL=http://127.0.0.1:8080, what `make dev` starts)
	$(BUILDGO) run ./cmd/tenantry probe --url $(URL)

.PHONY: smoke
smoke: ## smoke test of a running server (URL=http://127.0.0.1:8080)
	$(BUILDGO) run ./cmd/tenantry smoke --url $(URL)

# The load harness (internal/bench, docs/performance.md): a private PostgreSQL, the data set, the server
# binary, the scenarios and the pgbench baselines. BENCHFLAGS passes flags to it, e.g. the
# full-size scaling run: make bench BENCHFLAGS='-tenants 10000 -spaces 1000'.
BENCHFLAGS ?=
BENCHCMD = $(GO) run ./cmd/loadbench -command "make $@$(if $(BENCHFLAGS), BENCHFLAGS='$(BENCHFLAGS)')"

.PHONY: bench
bench: build bench-deps ## load harness (< 10 min here): scenarios and pgbench baselines; writes docs/performance.md and the README
	$(BENCHCMD) -server bin/tenantry -write $(BENCHFLAGS)

.PHONY: bench-profile
bench-profile: bench-deps ## CPU profiles of the list and ingest scenarios (pprof build) into bench/results/profile
	$(GO) build -tags pprof -o bin/tenantry-pprof ./cmd/tenantry
	$(BENCHCMD) -server bin/tenantry-pprof -only list,ingest -rounds 1 -profile bench/results/profile $(BENCHFLAGS)
	@for p in bench/results/profile/cpu-*.pprof; do echo "== $$p"; $(GO) tool pprof -top -nodecount 25 bin/tenantry-pprof $$p 2>/dev/null | tail -n +5; done

# The micro-benchmarks of docs/performance.md; BENCH=regexp selects some, e.g. BENCH=JWT.
BENCH ?= .
.PHONY: bench-micro
bench-micro: deps ## Go micro-benchmarks of the hot paths into bench.out (compare two runs with benchstat)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count 6 ./internal/... ./cmd/tenantry | tee bench.out

.PHONY: bench-deps
bench-deps:
	@scripts/deps.sh bench

.PHONY: clean
clean: ## remove build output, dist/ included (the dev database in ./.tenantry stays; delete it by hand)
	rm -rf bin dist bench.out bench/results
