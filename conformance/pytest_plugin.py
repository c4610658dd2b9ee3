"""The conformance suite as plain pytest: `pytest --pyargs conformance --storefront-base-url URL [--contract NAME] [--target FILE]`.

The options of `storefront-kit check` that fit a test session are here with a `--conformance-` prefix:
`--conformance-operation`, `--conformance-header`, `--conformance-max-failures`, `--conformance-checks`,
`--conformance-exclude-checks`, `--conformance-cassette`.

Loaded by `conformance/conftest.py` when pytest collects the package; `-p conformance.pytest_plugin`
loads it explicitly. Without a base URL (option or `STOREFRONT_BASE_URL`) every test skips.
The option is not `--base-url`, which pytest-base-url (pulled in by pytest-playwright) registers.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys

import pytest

from conformance.cassette import Cassette
from conformance.cli import BASE_URL_ENV, TARGET_ENV, check_output_path, merged_headers
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
    group.addoption(
        "--conformance-operation",
        metavar="ID",
        action="append",
        default=[],
        help="check only this operation id, for a backend that has only these (repeatable); a scenario that "
        "needs another is skipped as not covered, and nothing is sent to it",
    )
    group.addoption(
        "--conformance-header",
        metavar="'NAME: VALUE'",
        action="append",
        default=[],
        help="a header sent on every request to the backend, e.g. a gateway key (repeatable; value masked)",
    )
    group.addoption(
        "--conformance-max-failures",
        type=int,
        metavar="N",
        default=None,
        help="stop the conformance run after N failures; what was not run is skipped",
    )
    group.addoption(
        "--conformance-checks",
        metavar="NAME",
        action="append",
        default=None,
        help="make only these response checks, the kit's and Schemathesis' by name (repeatable)",
    )
    group.addoption(
        "--conformance-exclude-checks",
        metavar="NAME",
        action="append",
        default=[],
        help="do not make this response check (repeatable)",
    )
    group.addoption(
        "--conformance-cassette",
        metavar="FILE",
        default=None,
        help="write every request of the conformance run and its answer to FILE, a VCR cassette (YAML)",
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
    seed = config.getoption("conformance_seed", 0)
    cassette_path = config.getoption("conformance_cassette", None)
    try:
        contract = contract_option(config)
        max_failures = config.getoption("conformance_max_failures", None)
        if max_failures is not None and max_failures < 1:
            raise ConfigError("--conformance-max-failures must be at least 1")
        if cassette_path:
            check_output_path("--conformance-cassette", cassette_path)
        target = load_target(location, contract)
        headers = config.getoption("conformance_header", None) or []
        if headers:
            target = dataclasses.replace(target, headers=merged_headers(target.headers, headers))
        cassette = Cassette(secrets=target.secrets) if cassette_path else None
        result = run(
            target,
            base_url,
            contract=contract,
            seed=seed,
            phases=PHASES if phase == "all" else (phase,),
            operations=config.getoption("conformance_operation", None) or None,
            max_examples=config.getoption("conformance_max_examples", DEFAULT_MAX_EXAMPLES),
            max_failures=max_failures,
            checks=config.getoption("conformance_checks", None),
            exclude_checks=config.getoption("conformance_exclude_checks", None) or (),
            cassette=cassette,
        )
    except ConfigError as exc:
        problem: str | None = str(exc)
    else:
        problem = None
    if problem is not None:  # failed outside the handler: the message alone, no chained traceback
        pytest.fail(f"conformance run not possible: {problem}", pytrace=False)
    if cassette is not None:
        cassette.write(
            cassette_path,
            command=shlex.join(["pytest", *sys.argv[1:]]),
            seed=seed,
        )
    if result.unreachable:
        pytest.fail(f"target unreachable: {result.unreachable}", pytrace=False)
    return result
