"""Schemathesis with every check (none excluded) against the mock's ASGI app, in-process: zero failures.

All four phases run (examples, coverage, fuzzing, stateful through the contract's links) with a
fixed seed and a number of examples that proves the wiring: every operation reached in every
phase, no subprocess and no port. Schemathesis alone, with sessions of its own: every contract on
every backend goes through the kit's fuzz phase in tests/security/test_fuzz_backends.py, whose
deep run is `make fuzz`.
"""

from __future__ import annotations

import os

import pytest
from schemathesis_run import PHASES, expected_statuses, prepare_app, run_in_process

from mock_server.app import create_app
from mock_server.config import ServerConfig
from storefront_kit import registry

CONTRACT = registry.contract("websale")
MAX_EXAMPLES = int(os.environ.get("STOREFRONT_INPROCESS_FUZZ_EXAMPLES", "20"))
SEED = 20261122


def test_no_operation_needs_extra_expected_statuses() -> None:
    """The settings-dependent codes are 403s: Schemathesis' defaults hold for every operation."""
    assert expected_statuses(CONTRACT) == []


@pytest.mark.timeout(240)
def test_schemathesis_finds_no_failures_with_all_checks() -> None:
    app = create_app(ServerConfig(port=0, log_level="error"))
    prepare_app(app)
    found = run_in_process(CONTRACT, app, max_examples=MAX_EXAMPLES, seed=SEED)
    assert found.failures == [], "\n".join(found.failures[:20])
    assert found.errors == [], "\n".join(found.errors[:20])
    assert found.operations == set(CONTRACT.operations)
    assert found.phases == set(PHASES)
    print(f"{found.requests} requests")
