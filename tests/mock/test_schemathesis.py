"""Schemathesis with every check (none excluded) against a running mock: zero failures.

All four phases run (examples, coverage, fuzzing, stateful through the contract's links) with a
fixed seed and a bounded number of examples, so the run is reproducible and stays under a
minute and a half. The command, its configuration and hooks are shared with the per-backend
fuzzing in tests/security (`tests/schemathesis_run.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from schemathesis_run import prepare_target, run_schemathesis, schemathesis_config

from mock_server.testing import RunningMock, running_mock
from storefront_kit import registry

CONTRACT = registry.contract("websale")


def test_no_operation_needs_extra_expected_statuses() -> None:
    """The settings-dependent codes are 403s: Schemathesis' defaults hold for every operation."""
    assert schemathesis_config(CONTRACT) == ""


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[RunningMock]:
    with running_mock() as mock:
        prepare_target(mock.controls_url)
        yield mock


@pytest.mark.timeout(240)
def test_schemathesis_finds_no_failures_with_all_checks(fuzz_target: RunningMock, tmp_path: Path) -> None:
    result, report = run_schemathesis(
        CONTRACT, fuzz_target.api_url, tmp_path, max_examples=60, seed=20261122, timeout=230
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    assert report["operations"]["tested"] == len(CONTRACT.operations), output[-4000:]
