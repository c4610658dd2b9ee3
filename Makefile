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
# Node tools (Redocly, Spectral, client generators, TypeScript) at the versions of
# .tools/package-lock.json; Python tools (openapi-python-client) of .tools/requirements.txt in their
# own environment, apart from the project's.
NODE_TOOLS := .tools/node_modules/.installed
PYTHON_TOOLS := .tools/python/.installed
NODE_BIN := .tools/node_modules/.bin

.PHONY: install tools serve test lint clients conformance fuzz bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: install
	$(BIN)/storefront-kit serve --contract $(CONTRACT) --host $(HOST) --port $(PORT)

# The client-compatibility suite (tests/clients) runs in `make clients`. The tests spread over the
# cores (pytest-xdist), each file's tests in one worker, so a file's servers start once;
# `make test PYTEST_ARGS="-n 0"` runs them in one process.
PYTEST_ARGS ?= -n auto --dist loadfile
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS) --ignore=tests/clients

$(NODE_TOOLS): .tools/package.json .tools/package-lock.json
	npm ci --silent --no-audit --no-fund --prefix .tools
	touch $(NODE_TOOLS)

$(PYTHON_TOOLS): .tools/requirements.txt
	$(PYTHON) -m venv .tools/python
	.tools/python/bin/pip install --quiet -r .tools/requirements.txt
	touch $(PYTHON_TOOLS)

tools: $(NODE_TOOLS) $(PYTHON_TOOLS)

# Spectral and Redocly report no problem on any contract (accepted ones are listed, with their
# reasons, in .spectral.yaml and redocly.yaml).
lint: install $(NODE_TOOLS)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/openapi-spec-validator --validation-errors all $(CONTRACTS) mock_server/controls.yaml
	$(NODE_BIN)/redocly lint --config redocly.yaml --max-problems 50 $(CONTRACTS)
	$(NODE_BIN)/spectral lint --ruleset .spectral.yaml --fail-severity hint --quiet $(CONTRACTS)

# The client-compatibility suite: what frontend teams generate from each contract compiles under
# `tsc --strict`, and the generated clients' flows (examples/) run against the mock.
clients: install tools
	$(BIN)/python -m pytest tests/clients

# Starts the bundled mock of $(CONTRACT) on a free loopback port, runs `storefront-kit check` against
# it with the bundled target file, and stops it.
# More options: make conformance CONTRACT=emporix CHECK_ARGS="--seed 3 --junit out.xml"
conformance: install
	$(BIN)/python -m conformance.bundled_mock --contract $(CONTRACT) $(CHECK_ARGS)

# The deep fuzz run: the kit's fuzz phase (Schemathesis, every check and phase) with 250 examples per
# operation against the served mock of every contract on every state backend
# (docs/running-for-a-team.md, "Fuzzing a backend"); about ten minutes on 2 cores.
FUZZ_EXAMPLES ?= 250
fuzz: install
	STOREFRONT_FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/security/test_fuzz_backends.py -s --timeout 0

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .tools .hypothesis schemathesis-report .pytest_cache
