"""Schemathesis over every operation against the mock on each state backend: zero failures.

Every check, every phase (examples, coverage, fuzzing, and stateful through the contract's links),
a fixed seed, one worker, no example database. The only configuration is the contract-documented
exception shared with tests/mock (`schemathesis_run.schemathesis_config`: 400 is expected where a
settings-dependent 400 is documented).

Size: at least `MIN_REQUESTS` (2,500) generated requests per backend, counted from Schemathesis'
JSON report. The stateful phase follows the mock's answers, so the count varies by about 10%
between runs; 60 examples per operation keep it above 2,500 (measured: about 3,150 requests in
15 s on a 2-core machine). That proves every backend's wiring in every phase within the test
suite's time; the deep run (500 examples per operation, over 20,000 requests per backend) is
`make fuzz`, described in docs/running-for-a-team.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from schemathesis_run import prepare_target, run_schemathesis
from servers import RedisServer, sqlite_url

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock
from storefront_kit import registry

CONTRACT = registry.contract("websale")
# A longer run: STOREFRONT_FUZZ_MAX_EXAMPLES=500 pytest tests/security/test_fuzz_backends.py -s --timeout 0
MAX_EXAMPLES = int(os.environ.get("STOREFRONT_FUZZ_MAX_EXAMPLES", "60"))
MIN_REQUESTS = 2500
SEED = 20261122
# At the suite's size, the memory backend's run is tests/mock/test_schemathesis.py (same seed and
# size); the deep run takes it too.
BACKENDS = ["memory", "sqlite", "redis"] if MAX_EXAMPLES > 60 else ["sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def fuzz_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningMock]:
    if request.param == "memory":
        state = "memory"
    elif request.param == "sqlite":
        state = sqlite_url(tmp_path / "state.db")
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        state = f"{server.url}?prefix=fuzz-{tmp_path.name}:"
    with running_mock(ServerConfig(port=0, state=state)) as mock:
        prepare_target(mock.controls_url)
        yield mock


@pytest.mark.timeout(420)
def test_schemathesis_finds_no_failures_on_the_backend(fuzz_target: RunningMock, tmp_path: Path) -> None:
    finished, report = run_schemathesis(
        CONTRACT,
        fuzz_target.api_url,
        tmp_path,
        max_examples=MAX_EXAMPLES,
        seed=SEED,
        timeout=None if MAX_EXAMPLES > 60 else 400,
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
