# Storefront contract kit. `make serve` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080
# The contract `make serve` and `make conformance` use (storefront-kit contracts lists them).
CONTRACT ?= websale
# Every contract once: contracts/websale.yaml is a link to openapi.yaml.
CONTRACTS := openapi.yaml $(filter-out contracts/websale.yaml,$(wildcard contracts/*.yaml))
REDOCLY_VERSION ?= 2.77.0
REDOCLY := .tools/node_modules/.bin/redocly

.PHONY: install serve test lint conformance fuzz bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: install
	$(BIN)/storefront-kit serve --contract $(CONTRACT) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

$(REDOCLY):
	mkdir -p .tools
	npm install --silent --no-audit --no-fund --prefix .tools @redocly/cli@$(REDOCLY_VERSION)

lint: install $(REDOCLY)
	$(BIN)/openapi-spec-validator --validation-errors all $(CONTRACTS) mock_server/controls.yaml
	$(REDOCLY) lint --config redocly.yaml $(CONTRACTS)

# Starts the bundled mock of $(CONTRACT) on a free loopback port, runs `storefront-kit check` against
# it with the bundled target file, and stops it.
# More options: make conformance CONTRACT=emporix CHECK_ARGS="--seed 3 --junit out.xml"
conformance: install
	$(BIN)/python -m conformance.bundled_mock --contract $(CONTRACT) $(CHECK_ARGS)

# The deep fuzz run: Schemathesis with 500 examples per operation against the mock on every state
# backend (docs/running-for-a-team.md, "Fuzzing a backend"); a few minutes per backend.
fuzz: install
	STOREFRONT_FUZZ_MAX_EXAMPLES=500 $(BIN)/python -m pytest tests/security/test_fuzz_backends.py -s --timeout 0

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .tools .hypothesis schemathesis-report .pytest_cache
