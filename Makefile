# The two commands a newcomer needs: `make run` and `make test`.

GO       ?= go
BIN      := bin/mediation
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PG_DSN   ?= $(MEDIATION_TEST_POSTGRES)

export CGO_ENABLED = 1
# The search's text index is SQLite's FTS5, which the driver compiles in only
# when asked: every go command below builds with it.
GOFLAGS += -tags=sqlite_fts5
export GOFLAGS

.PHONY: run build test test-sqlite test-postgres lint fuzz bench clean

## run: build, load the demo town on an empty database and serve it on ADDR
## (http://localhost:8080 by default, this machine only)
ADDR ?= 127.0.0.1:8080
run: build
	./$(BIN) serve --demo --addr $(ADDR)

## build: compile bin/mediation (SQLite needs cgo and gcc)
build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/mediation

## test: every test on SQLite, then the store, engine and command tests, and
## the web's scenarios, attachments and trust tests (two servers on one database), on
## PostgreSQL when MEDIATION_TEST_POSTGRES names a server
test: test-sqlite test-postgres

# The web's browser journeys and two-server scenarios take minutes on a busy
# 2-core machine, past go test's default of ten: each package gets 40.
TESTTIMEOUT ?= 40m

test-sqlite:
	env -u MEDIATION_TEST_POSTGRES $(GO) test -race -count=1 -timeout $(TESTTIMEOUT) -cover -artifacts ./...

test-postgres:
	@if [ -n "$(PG_DSN)" ]; then \
		echo "== the same store, engine and command tests on PostgreSQL"; \
		MEDIATION_TEST_POSTGRES="$(PG_DSN)" $(GO) test -count=1 -timeout $(TESTTIMEOUT) ./store/... ./engine/... ./cmd/mediation/... && \
		MEDIATION_TEST_POSTGRES="$(PG_DSN)" $(GO) test -count=1 -timeout $(TESTTIMEOUT) -run '^(TestReadScenarios|TestWriteScenarios|TestAttachments|TestAttachmentsAcrossServers|TestBoundedStatements|TestTimelineFolds|TestEndedSessionStaysEnded|TestSetupOnce|TestBrokenInputRefused|TestOneReferralPerExternalID|TestOfficeBehindOneAddress|TestAnonymousCostsNothing|TestNoSecretAtRest|TestAuditGaps|TestLedgerPages|TestLedgerAPI|TestMajorReportPage|TestAssessPage|TestRegistryPages|TestCommitteePages|TestSubsidyPages|TestApplyPages)$$' ./web/; \
	else \
		echo "== PostgreSQL tests skipped: set MEDIATION_TEST_POSTGRES=postgres://user@host:5432/db to run them"; \
	fi

## lint: formatting, vet and staticcheck (fetched at a pinned version)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## fuzz: each fuzz target, package:target:budget. The budgets count runs, not
## seconds (each about ten seconds here): a budget in seconds races Go 1.26's
## fuzzing coordinator at its deadline and fails a clean run with "context
## deadline exceeded" (go.dev/issue/75804). FUZZTIME=30s overrides them all.
FUZZTIME ?=
FUZZ := ./web:FuzzPublicForms:300x ./engine/importer:FuzzImportLine:100000x ./engine/form:FuzzActionJSON:100000x ./engine:FuzzIDNumber:50000x ./engine:FuzzParseYuan:50000x
fuzz:
	@for pt in $(FUZZ); do \
		p=$${pt%%:*}; rest=$${pt#*:}; t=$${rest%%:*}; n=$${rest#*:}; echo "== $$t"; \
		$(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$${FUZZTIME:-$$n} $$p || exit 1; \
	done

## bench: engine speed against the raw database limit, from one run; with
## MEDIATION_TEST_POSTGRES naming a server, the PostgreSQL figures too and a
## province of ten million cases, generated once and kept in its own schema
bench:
	$(GO) run ./cmd/bench $(if $(PG_DSN),-postgres "$(PG_DSN)")

clean:
	rm -rf bin
