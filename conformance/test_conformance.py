"""The conformance suite as pytest tests: one per scenario and one per fuzzed operation.

Run with `pytest --pyargs conformance --base-url URL [--contract NAME] [--target FILE]`; it skips
without a base URL.
"""

from __future__ import annotations

import pytest

from conformance.checks import Failure
from conformance.pytest_plugin import contract_option
from conformance.results import Outcome, RunResult
from conformance.scenarios import scenarios_for
from storefront_kit import registry


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    name = contract_option(metafunc.config)
    if "name" in metafunc.fixturenames:
        scenarios = scenarios_for(registry.kit_profile(name).scenarios, registry.contract(name))
        metafunc.parametrize("name", [scenario.name for scenario in scenarios])
    if "operation_id" in metafunc.fixturenames:
        metafunc.parametrize("operation_id", list(registry.contract(name).operations))


def _explain(failures: list[Failure]) -> str:
    parts = []
    for failure in failures:
        parts.append(f"[{failure.rule}] {failure.message}")
        parts += [exchange.render() for exchange in failure.exchanges]
    return "\n\n".join(parts)


def test_scenario(conformance_result: RunResult, name: str) -> None:
    found = [item for item in conformance_result.scenarios if item.name == name]
    if not found:
        pytest.skip("the scenario phase was not run")
    record = found[0]
    if record.outcome is Outcome.NOT_COVERED:
        pytest.skip(f"not covered: {record.reason}")
    if record.outcome is Outcome.FAILED:
        pytest.fail(_explain(record.failures), pytrace=False)


def test_fuzz(conformance_result: RunResult, operation_id: str) -> None:
    found = [item for item in conformance_result.fuzz if item.operation_id == operation_id]
    if not found:
        pytest.skip("the fuzz phase was not run")
    record = found[0]
    if record.outcome is Outcome.FAILED:
        pytest.fail(_explain(record.failures), pytrace=False)
    if record.outcome is Outcome.NOT_COVERED:
        pytest.skip(f"not covered: {record.reason}")
