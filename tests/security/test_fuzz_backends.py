"""The kit's fuzz phase over every contract against the mock on each state backend: zero failures.

What `storefront-kit check --phase fuzz` runs: Schemathesis with every check and every phase
(examples, coverage, fuzzing, and stateful through the contract's links), the kit's own response
checks, each vendor's credentials for generated cases (and its clean-up, such as Optimizely's users
put back), a fixed seed and one worker, against the bundled target file of each contract.

Two sizes. The test suite proves each contract's wiring on both shared backends in-process (the
ASGI app over a SQLite file and over Redis, `IN_PROCESS_EXAMPLES` per operation; the memory
backend's runs are tests/mock/test_two_paths.py and tests/mock/test_schemathesis.py). `make fuzz`
is the deep run: the mock served as operators run it (`python -m mock_server --state ...`, a real
socket) on every backend, every contract, `STOREFRONT_FUZZ_MAX_EXAMPLES` per operation and at
least `MIN_REQUESTS` each (figures in the README, "Fuzzing").
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from servers import MockProcess, RedisServer, sqlite_url

from conformance import RunResult, load_target, run
from mock_server.app import create_app
from mock_server.config import ServerConfig
from storefront_kit import registry

# The deep run: STOREFRONT_FUZZ_MAX_EXAMPLES=250 pytest tests/security/test_fuzz_backends.py -s --timeout 0
DEEP_EXAMPLES = int(os.environ.get("STOREFRONT_FUZZ_MAX_EXAMPLES", "0"))
IN_PROCESS_EXAMPLES = 5
MIN_REQUESTS = 2000  # per contract and backend, at make fuzz's size
SEED = 20261122
CONTRACTS = registry.contract_names()
# At the suite's size, the memory backend's runs are tests/mock (both of the mock's paths); the deep run takes it too.
BACKENDS = ["memory", "sqlite", "redis"] if DEEP_EXAMPLES else ["sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "state.db")
    server: RedisServer = request.getfixturevalue("redis_server")
    return f"{server.url}?prefix=fuzz-{tmp_path.name}:"


def fuzz(contract: str, base_url: str, *, max_examples: int, app: Any = None) -> RunResult:
    """The kit's fuzz phase against the mock of `contract` at `base_url` (or its ASGI `app`)."""
    return run(
        load_target(None, contract),
        base_url,
        contract=contract,
        phases=("fuzz",),
        seed=SEED,
        max_examples=max_examples,
        app=app,
    )


def requests_of(result: RunResult) -> int:
    """The number of generated requests the fuzz phase sent."""
    return sum(item.cases for item in result.fuzz)


def assert_clean(result: RunResult) -> None:
    """No failure, no error, every operation fuzzed."""
    assert result.unreachable is None, result.unreachable
    assert result.failures == [], "\n\n".join(failure.message for failure in result.failures[:10])
    assert result.notes == []
    assert {item.operation_id: item.cases > 0 for item in result.fuzz} == dict.fromkeys(
        registry.contract(result.contract).operations, True
    )


@pytest.mark.skipif(bool(DEEP_EXAMPLES), reason="the deep run takes every backend through a served mock")
@pytest.mark.timeout(240)
@pytest.mark.parametrize("contract", CONTRACTS)
def test_fuzzing_in_process_finds_no_failures_on_the_backend(contract: str, state_url: str) -> None:
    app = create_app(ServerConfig(contracts=(contract,), state=state_url, log_level="error"))
    result = fuzz(
        contract, "http://testserver" + registry.contract(contract).base_path, max_examples=IN_PROCESS_EXAMPLES, app=app
    )
    assert_clean(result)
    print(f"{contract} on {state_url}: {requests_of(result)} requests in-process")


@pytest.mark.skipif(not DEEP_EXAMPLES, reason="the deep run: make fuzz (STOREFRONT_FUZZ_MAX_EXAMPLES)")
@pytest.mark.timeout(0)
@pytest.mark.parametrize("contract", CONTRACTS)
def test_fuzzing_finds_no_failures_on_the_served_backend(contract: str, state_url: str, tmp_path: Path) -> None:
    mock = MockProcess(state_url, workers=1, log=tmp_path / "mock.log", contract=contract)
    mock.start()
    try:
        started = time.monotonic()
        result = fuzz(contract, mock.api_url, max_examples=DEEP_EXAMPLES)
        elapsed = time.monotonic() - started
    finally:
        mock.stop()
    requests, backend = requests_of(result), state_url.partition(":")[0]
    print(f"\n{contract} on {backend}: {requests} requests, {len(result.failures)} failures, {elapsed:.0f} s")
    assert_clean(result)
    assert requests >= MIN_REQUESTS, requests
