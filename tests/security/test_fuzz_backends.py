"""Schemathesis over every operation against the mock on each state backend: zero failures.

Every check, every phase (examples, coverage, fuzzing, and stateful through the contract's links),
a fixed seed, one worker, no example database. The only configuration is the contract-documented
exception shared with tests/mock (`schemathesis_run.schemathesis_config`: 400 is expected where a
settings-dependent 400 is documented).

Two sizes. The test suite proves each shared backend's wiring in-process (the ASGI app over a
SQLite file and over Redis, `IN_PROCESS_EXAMPLES` per operation, about 1,000 requests each; the
memory backend's run is tests/mock/test_schemathesis.py). `make fuzz` is the deep run: Schemathesis'
command line against a served mock on every backend, `STOREFRONT_FUZZ_MAX_EXAMPLES` (500) per
operation, at least `MIN_REQUESTS` per backend (figures in the README, "Fuzzing").
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from schemathesis_run import PHASES, prepare_app, prepare_target, run_in_process, run_schemathesis
from servers import RedisServer, sqlite_url

from mock_server.app import create_app
from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock
from storefront_kit import registry

CONTRACT = registry.contract("websale")
# The deep run: STOREFRONT_FUZZ_MAX_EXAMPLES=500 pytest tests/security/test_fuzz_backends.py -s --timeout 0
DEEP_EXAMPLES = int(os.environ.get("STOREFRONT_FUZZ_MAX_EXAMPLES", "0"))
IN_PROCESS_EXAMPLES = 10
MIN_REQUESTS = 2500
SEED = 20261122
# At the suite's size, the memory backend's run is tests/mock/test_schemathesis.py; the deep run takes it too.
BACKENDS = ["memory", "sqlite", "redis"] if DEEP_EXAMPLES else ["sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "state.db")
    server: RedisServer = request.getfixturevalue("redis_server")
    return f"{server.url}?prefix=fuzz-{tmp_path.name}:"


@pytest.mark.skipif(bool(DEEP_EXAMPLES), reason="the deep run takes every backend through the command line")
@pytest.mark.timeout(240)
def test_schemathesis_in_process_finds_no_failures_on_the_backend(state_url: str) -> None:
    app = create_app(ServerConfig(port=0, state=state_url, log_level="error"))
    prepare_app(app)
    found = run_in_process(CONTRACT, app, max_examples=IN_PROCESS_EXAMPLES, seed=SEED)
    assert found.failures == [], "\n".join(found.failures[:20])
    assert found.errors == [], "\n".join(found.errors[:20])
    assert found.operations == set(CONTRACT.operations)
    assert found.phases == set(PHASES)
    print(f"{state_url}: {found.requests} requests in-process")


@pytest.fixture
def fuzz_target(state_url: str) -> Iterator[RunningMock]:
    with running_mock(ServerConfig(port=0, state=state_url)) as mock:
        prepare_target(mock.controls_url)
        yield mock


@pytest.mark.skipif(not DEEP_EXAMPLES, reason="the deep run: make fuzz (STOREFRONT_FUZZ_MAX_EXAMPLES)")
@pytest.mark.timeout(0)
def test_schemathesis_finds_no_failures_on_the_backend(fuzz_target: RunningMock, tmp_path: Path) -> None:
    finished, report = run_schemathesis(
        CONTRACT,
        fuzz_target.api_url,
        tmp_path,
        max_examples=DEEP_EXAMPLES,
        seed=SEED,
        timeout=None,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-12000:]
    assert report["operations"]["tested"] == len(CONTRACT.operations), output[-4000:]
    assert all(phase["status"] == "success" for phase in report["phases"].values()), report["phases"]
    cases = report["test_cases"]
    assert (cases["with_failures"], cases["errored"], len(report["failures"]), len(report["errors"])) == (0, 0, 0, 0), (
        output[-12000:]
    )
    print(f"{fuzz_target.config.state}: {cases['generated']} requests in {report['running_time']:.0f} s")
    assert cases["generated"] >= MIN_REQUESTS, cases
