"""Run the phases against a target and collect a `RunResult`."""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from conformance.cassette import Cassette
from conformance.checks import Failure
from conformance.controls import ClockControl, MailboxReader, SettingsControl, differences
from conformance.errors import ConfigError, NotSelected, TargetDataError, TargetError, TargetUnreachable
from conformance.http import ApiClient
from conformance.inprocess import AsgiTransport
from conformance.profile import KitProfile
from conformance.results import NO_SCENARIO, Outcome, RunResult, ScenarioResult
from conformance.scenarios import Scenario, scenarios_for
from conformance.scenarios._context import NotCovered
from conformance.target import Target
from storefront_kit import registry
from storefront_kit.contract import Contract

PHASES = ("scenarios", "fuzz")
DEFAULT_MAX_EXAMPLES = 25


class Listener(Protocol):
    """Receives progress; reporters implement it."""

    def phase_started(self, phase: str, items: Sequence[str]) -> None: ...

    def item_started(self, phase: str, name: str) -> None: ...

    def item_finished(self, phase: str, name: str, outcome: Outcome, detail: str) -> None: ...

    def phase_finished(self, phase: str) -> None: ...


class _Silent:
    def phase_started(self, phase: str, items: Sequence[str]) -> None:
        pass

    def item_started(self, phase: str, name: str) -> None:
        pass

    def item_finished(self, phase: str, name: str, outcome: Outcome, detail: str) -> None:
        pass

    def phase_finished(self, phase: str) -> None:
        pass


def run(
    target: Target,
    base_url: str,
    *,
    seed: int = 0,
    phases: Iterable[str] = PHASES,
    operations: Iterable[str] | None = None,
    focus: Iterable[str] | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    listener: Listener | None = None,
    contract: str | Contract | None = None,
    run_id: str | None = None,
    app: Any = None,
    max_failures: int | None = None,
    checks: Iterable[str] | None = None,
    exclude_checks: Iterable[str] = (),
    cassette: Cassette | None = None,
) -> RunResult:
    """Check the backend at `base_url` against a contract (by name), as `target` describes it.

    `operations` are the operations the backend has (all by default): the run checks them and sends
    nothing to any other; a scenario that needs another is not covered ("needs X (not selected)").
    `focus` narrows what is checked to its operations' scenarios and fuzz cases, while the other
    operations of `operations` may still be called to set the flows up.

    With `app` (an ASGI application) every request goes to it inside this process; `base_url`
    then only gives the paths their base.

    `max_failures` stops the run once that many failures are found. `checks` names the only response
    checks to make (the kit's and Schemathesis' by name), `exclude_checks` checks not to make.
    `cassette` records every request the run sends and its answer.
    """
    if not isinstance(contract, Contract):
        contract = registry.contract(contract or registry.default_contract())
    profile: KitProfile = registry.kit_profile(contract.name)
    listener = listener or _Silent()
    phases = tuple(phases)
    unknown_phases = set(phases) - set(PHASES)
    if unknown_phases:
        raise ConfigError(f"unknown phase {', '.join(sorted(unknown_phases))}; use scenarios, fuzz or all")
    available = list(operations or contract.operations)
    selected = list(focus or available)
    unknown = [op for op in dict.fromkeys([*available, *selected]) if op not in contract.operations]
    if unknown:
        raise ConfigError(
            f"unknown operation id {', '.join(unknown)}; the contract has: " + ", ".join(contract.operations)
        )
    outside = [op for op in selected if op not in available]
    if outside:
        raise ConfigError(f"--focus {', '.join(outside)}: not among the --operation ids")
    if max_failures is not None and max_failures < 1:
        raise ConfigError("--max-failures must be at least 1")
    checks_off = checks_turned_off(profile, checks, exclude_checks)
    started = time.monotonic()
    result = RunResult.empty(contract, base_url, seed, phases, selected)
    result.checks_off = checks_off
    client = ApiClient(
        base_url,
        contract,
        timeout=target.request_timeout,
        client_address_header=target.client_address_header,
        forced_error_header=target.forced_error_header,
        headers=target.headers,
        secrets=target.secrets,
        transport=AsgiTransport(app) if app is not None else None,
        selected=frozenset(available),
        cassette=cassette,
    )
    control = SettingsControl(client, target)
    run_id = run_id or os.urandom(2).hex()
    try:
        _preflight(profile, client, target, control)
        if "scenarios" in phases:
            _run_scenarios(
                contract,
                profile,
                target,
                client,
                control,
                result,
                seed,
                set(selected),
                listener,
                run_id,
                frozenset(available),
                max_failures,
            )
        else:
            for scenario_cell in result.cells.values():
                scenario_cell.reason = "the scenario phase was not run (--phase fuzz)"
        if max_failures is not None and len(result.failures) >= max_failures:
            result.stopped = _stopped(result, max_failures)
        if "fuzz" in phases and result.stopped:
            _cells_not_run(result, result.stopped)
        elif "fuzz" in phases:
            from conformance.fuzz import run_fuzz

            if client.cassette is not None:
                client.cassette.phase = "fuzz: kit requests"  # credentials for the cases, the cleanup
            limited = run_fuzz(
                contract,
                profile,
                target,
                client,
                result,
                seed=seed,
                max_examples=max_examples,
                operations=selected,
                listener=listener,
                run_id=run_id,
                app=app,
                max_failures=None if max_failures is None else max_failures - len(result.failures),
            )
            if limited and max_failures is not None:
                result.stopped = _stopped(result, max_failures)
    except TargetUnreachable as exc:
        result.unreachable = str(exc)
        _cells_not_run(result, "the target became unreachable")
    finally:
        try:
            if control.original is not None:
                control.restore()
        except (TargetUnreachable, TargetError):
            pass
        result.requests = client.requests_sent
        client.close()
        result.duration = time.monotonic() - started
    return result


def known_checks(profile: KitProfile) -> dict[str, str]:
    """Every check a run can make, by name: the kit's response checks (generic and the vendor's) and
    Schemathesis' own, with where each comes from."""
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers Schemathesis' OpenAPI checks)
    from schemathesis.checks import CHECKS as SCHEMATHESIS_CHECKS

    from conformance.checks import RESPONSE_CHECKS

    known = {check.__name__: "kit" for check in (*RESPONSE_CHECKS, *profile.checks)}
    for name in SCHEMATHESIS_CHECKS.get_all_names():
        known.setdefault(name, "Schemathesis")
    return known


def checks_turned_off(profile: KitProfile, checks: Iterable[str] | None, exclude: Iterable[str]) -> dict[str, str]:
    """The checks a run does not make, each with the reason; an unknown name is a `ConfigError` listing them all."""
    known = known_checks(profile)
    wanted = list(checks) if checks is not None else None
    excluded = list(exclude)
    unknown = [name for name in dict.fromkeys([*(wanted or ()), *excluded]) if name not in known]
    if unknown:
        listing = "\n  ".join(f"{name} ({origin})" for name, origin in sorted(known.items()))
        raise ConfigError(f"unknown check {', '.join(unknown)}; the checks are:\n  {listing}")
    off = {name: "off (not named by --checks)" for name in known if wanted is not None and name not in wanted}
    off.update({name: "off (--exclude-checks)" for name in excluded})
    return off


def _preflight(profile: KitProfile, client: ApiClient, target: Target, control: SettingsControl) -> None:
    """Fail fast on a wrong base URL or a target file that contradicts the backend. The probe calls an
    operation of the vendor's choice; when --operation leaves it out, the backend need not have it, and
    the base URL is not probed."""
    try:
        probe = profile.probe(client, target)
    except NotSelected:
        probe = None
    if probe is not None and probe.status in (404, 405):
        example = "http://127.0.0.1:8080" + client.contract.base_path
        raise TargetError(
            f"{probe.method} {probe.url} answered HTTP {probe.status}: no {client.contract.name} API at --base-url "
            f"{client.base_url}. Give the API base as in the contract's servers, e.g. {example}"
        )
    if control.available:
        found = differences(target.settings, control.read())
        if found:
            raise TargetError(
                f"{target.source}: its settings differ from the backend's {control.url}:\n  - "
                + "\n  - ".join(found)
                + "\nFix the target file's `settings` to match the backend."
            )
    if target.mailbox.kind != "none":
        MailboxReader(client, target).messages("sfk-probe@" + target.email_domain)
    if target.clock_control:
        ClockControl(client, target).read()


def _unmet(scenario: Scenario, target: Target) -> str | None:
    for need in scenario.needs:
        if need == "mailbox" and target.mailbox.kind == "none":
            return "needs the target's e-mails for opt-in tokens; the target file says mailbox.type: none"
        if need == "forcedErrors" and not target.forced_error_header:
            return (
                "needs a forced-error control (forcedErrors.header in the target file); the storage outage "
                "codes cannot be caused on purpose otherwise"
            )
        if need.startswith("testData.") and not target.data(need.split(".", 1)[1]):
            return f"needs {need} in the target file"
    return None


def _overrides(scenario: Scenario, target: Target, control: SettingsControl) -> tuple[dict[str, Any], str | None]:
    """Settings to switch for the scenario, or the reason it cannot run."""
    switch: dict[str, Any] = {}
    for key, wanted in scenario.settings.items():
        actual = target.setting(key)
        if actual != wanted:
            if not control.available:
                return {}, (
                    f"needs the setting {key} = {_yaml(wanted)}; the target's settings say {_yaml(actual)} "
                    "and the target file declares no settingsControl to switch it"
                )
            switch[key] = wanted
    if control.available:
        switch.update({key: value for key, value in scenario.tune.items() if target.setting(key) != value})
    return switch, None


def _yaml(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _merge(settings: Mapping[str, Any], switch: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(settings))
    for dotted, value in switch.items():
        node = merged
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return merged


def _run_scenarios(
    contract: Contract,
    profile: KitProfile,
    target: Target,
    client: ApiClient,
    control: SettingsControl,
    result: RunResult,
    seed: int,
    selected: set[str],
    listener: Listener,
    run_id: str,
    available: frozenset[str],
    max_failures: int | None = None,
) -> None:
    scenarios = [item for item in scenarios_for(profile.scenarios, contract) if item.touches(contract) & selected]
    listener.phase_started("scenarios", [item.name for item in scenarios])
    mailbox = MailboxReader(client, target)
    for index, scenario in enumerate(scenarios):
        if max_failures is not None and len(result.failures) >= max_failures:
            result.stopped = _stopped(result, max_failures)
            _not_run(contract, result, scenario, f"not run: {result.stopped}")
            listener.item_finished("scenarios", scenario.name, Outcome.NOT_COVERED, f"not run: {result.stopped}")
            continue
        listener.item_started("scenarios", scenario.name)
        if client.cassette is not None:
            client.cassette.phase = f"scenarios: {scenario.name}"
        outcome = _run_one(
            contract, profile, target, client, control, mailbox, result, seed, scenario, index, run_id, available
        )
        detail = outcome.reason or (outcome.failures[0].message if outcome.failures else "")
        listener.item_finished("scenarios", scenario.name, outcome.outcome, detail)
    listener.phase_finished("scenarios")


def _stopped(result: RunResult, max_failures: int) -> str:
    count = len(result.failures)
    return f"stopped after {count} failure{'' if count == 1 else 's'} (--max-failures {max_failures})"


def _cells_not_run(result: RunResult, why: str) -> None:
    """Cells no scenario covers, and which the fuzz phase will not reach either: they say why."""
    for cell in result.cells.values():
        if cell.outcome is Outcome.NOT_COVERED and cell.reason == NO_SCENARIO:
            cell.reason = f"not run: {why}"


def _not_run(contract: Contract, result: RunResult, scenario: Scenario, reason: str) -> ScenarioResult:
    """Record a scenario that was not run, and give its cells and operations the reason."""
    record = ScenarioResult(scenario.name, scenario.area, scenario.description, reason=reason)
    result.scenarios.append(record)
    for operation_id, codes in scenario.cells(contract).items():
        for code in codes:
            result.explain_cell(operation_id, code, reason)
    for operation_id in scenario.operations:
        result.record_operation(operation_id, Outcome.NOT_COVERED, reason)
    return record


def _blocked_by_target_data(scenario: Scenario, result: RunResult) -> str | None:
    """The reason a scenario cannot run: a target file key it needs is already known to be unusable."""
    for need in scenario.needs:
        for key, problem in result.target_data.items():
            if need == key or need.startswith(key + ".") or key.startswith(need + "."):
                problem.blocked.append(scenario.name)
                return f"blocked: the target file's {key} is unusable ({problem.message})"
    return None


def _run_one(
    contract: Contract,
    profile: KitProfile,
    target: Target,
    client: ApiClient,
    control: SettingsControl,
    mailbox: MailboxReader,
    result: RunResult,
    seed: int,
    scenario: Scenario,
    index: int,
    run_id: str,
    available: frozenset[str],
) -> ScenarioResult:
    record = ScenarioResult(scenario.name, scenario.area, scenario.description)
    result.scenarios.append(record)
    started = time.monotonic()
    missing = [operation_id for operation_id in scenario.calls(contract) if operation_id not in available]
    reason = (
        f"needs {', '.join(missing)} (not selected)"
        if missing
        else _unmet(scenario, target) or _blocked_by_target_data(scenario, result)
    )
    switch: dict[str, Any] = {}
    if reason is None:
        switch, reason = _overrides(scenario, target, control)
    if reason is None:
        settings = _merge(control.original or target.settings, switch) if switch else target.settings
        address = None
        if target.client_address_header:
            # Random per run: throttle counters of an earlier run must not leak into this one.
            address = f"198.18.{int(run_id[:2], 16)}.{index % 250 + 1}"
        ctx = profile.context(
            name=scenario.name,
            contract=contract,
            target=target,
            client=client,
            mailbox=mailbox,
            settings=settings,
            result=result,
            seed=seed,
            client_address=address,
            run_id=run_id,
            selected=frozenset(result.operations),
            available=available,
            checks=tuple(check for check in profile.checks if check.__name__ not in result.checks_off),
            checks_off=frozenset(result.checks_off),
        )
        try:
            if switch:
                control.apply(settings)
            try:
                scenario.function(ctx)
                record.outcome = Outcome.PASSED
            finally:
                try:
                    ctx.cleanup()
                except NotCovered as exc:  # the run does not check an operation the cleanup needs
                    ctx.note(f"cleanup: stopped: it {exc}")
        except Failure as failure:
            record.outcome = Outcome.FAILED
            record.failures.append(failure)
            broke = f" of {failure.operation_id}" if failure.operation_id else ""
            reason = f"scenario {scenario.name} stopped at an earlier failure{broke} ({failure.rule})"
        except NotCovered as exc:
            record.outcome = Outcome.NOT_COVERED
            record.reason = reason = str(exc)
        except TargetDataError as exc:
            # One root cause, reported once with every scenario it blocked; not a contract failure.
            problem = result.target_data_problem(exc.key, exc.message, scenario.name)
            record.outcome = Outcome.NOT_COVERED
            record.reason = reason = f"blocked: the target file's {exc.key} is unusable ({problem.message})"
        except TargetUnreachable:
            record.reason = "not finished: the target became unreachable"
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            # The answers passed their schema checks yet did not hold what the flow relies on.
            record.outcome = Outcome.FAILED
            record.failures.append(
                Failure("unexpected_answer", f"{scenario.name} could not go on: {type(exc).__name__}: {exc}")
            )
            reason = f"scenario {scenario.name} stopped at an earlier failure (unexpected_answer)"
        finally:
            if switch:
                control.restore()
        record.notes += ctx.notes
        for operation_id, why in ctx.unavailable.items():
            for code in scenario.cells(contract).get(operation_id, ()):
                result.explain_cell(operation_id, code, why)
    else:
        record.outcome = Outcome.NOT_COVERED
        record.reason = reason
    if reason:
        for operation_id, codes in scenario.cells(contract).items():
            for code in codes:
                result.explain_cell(operation_id, code, reason)
        for operation_id in scenario.operations:
            result.record_operation(operation_id, Outcome.NOT_COVERED, reason)
    record.duration = time.monotonic() - started
    return record
