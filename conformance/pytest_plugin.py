"""The conformance suite as plain pytest: `pytest --pyargs conformance --storefront-base-url URL [--contract NAME] [--target FILE]`.

Loaded by `conformance/conftest.py` when pytest collects the package; `-p conformance.pytest_plugin`
loads it explicitly. Without a base URL (option or `STOREFRONT_BASE_URL`) every test skips.
The option is not `--base-url`, which pytest-base-url (pulled in by pytest-playwright) registers.
"""

from __future__ import annotations

import os

import pytest

from conformance.cli import BASE_URL_ENV, TARGET_ENV
from conformance.errors import ConfigError
from conformance.results import RunResult
from conformance.runner import DEFAULT_MAX_EXAMPLES, PHASES, run
from conformance.target import load_target
from storefront_kit import registry

CONTRACT_ENV = "STOREFRONT_CONTRACT"


def contract_option(config: pytest.Config) -> str:
    """The contract the session checks: `--contract`, else $STOREFRONT_CONTRACT, else the default one."""
    return str(
        config.getoption("storefront_contract", None) or os.environ.get(CONTRACT_ENV) or registry.default_contract()
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("storefront conformance")
    group.addoption(
        "--contract",
        dest="storefront_contract",
        default=None,
        help=f"the contract to check against (default: ${CONTRACT_ENV}, else {registry.default_contract()})",
    )
    group.addoption(
        "--storefront-base-url",
        dest="storefront_base_url",
        default=None,
        help=f"API base URL of the backend to check (default: ${BASE_URL_ENV})",
    )
    group.addoption(
        "--target",
        dest="storefront_target",
        default=None,
        help=f"target file describing the backend (default: ${TARGET_ENV}, else the bundled mock's)",
    )
    group.addoption("--conformance-seed", type=int, default=0, help="seed of the conformance run (default 0)")
    group.addoption(
        "--conformance-phase",
        choices=(*PHASES, "all"),
        default="all",
        help="which phases the conformance tests run (default all)",
    )
    group.addoption(
        "--conformance-max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"fuzz cases per operation and phase (default {DEFAULT_MAX_EXAMPLES})",
    )


@pytest.fixture(scope="session")
def conformance_result(request: pytest.FixtureRequest) -> RunResult:
    """One run of the kit for the whole session; each test reads its part of the result."""
    config = request.config
    base_url = config.getoption("storefront_base_url", None) or os.environ.get(BASE_URL_ENV)
    if not base_url:
        pytest.skip(
            f"no backend to check: give --storefront-base-url URL (or set {BASE_URL_ENV}) and --target FILE "
            f"(or {TARGET_ENV})"
        )
    location = config.getoption("storefront_target", None) or os.environ.get(TARGET_ENV)
    phase = config.getoption("conformance_phase", "all")
    try:
        contract = contract_option(config)
        target = load_target(location, contract)
        result = run(
            target,
            base_url,
            contract=contract,
            seed=config.getoption("conformance_seed", 0),
            phases=PHASES if phase == "all" else (phase,),
            max_examples=config.getoption("conformance_max_examples", DEFAULT_MAX_EXAMPLES),
        )
    except ConfigError as exc:
        pytest.fail(f"conformance run not possible: {exc}", pytrace=False)
    if result.unreachable:
        pytest.fail(f"target unreachable: {result.unreachable}", pytrace=False)
    return result
