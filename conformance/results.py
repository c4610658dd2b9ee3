"""What a run found: per scenario, per fuzzed operation, and the coverage matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from conformance.checks import Failure
from storefront_kit.contract import Contract


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_COVERED = "not covered"


NO_SCENARIO = "no scenario triggered it"

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


@dataclass(slots=True)
class Cell:
    """One documented error code of one operation."""

    operation_id: str
    code: str
    status: int
    origin: str
    outcome: Outcome = Outcome.NOT_COVERED
    reason: str = NO_SCENARIO
    scenario: str | None = None


@dataclass(slots=True)
class OperationResult:
    """Whether an operation's success path was exercised and checked."""

    operation_id: str
    outcome: Outcome = Outcome.NOT_COVERED
    reason: str = "no scenario or fuzz case reached its success path"
    fuzz_cases: int = 0
    verified: bool = False  # a documented success of it was answered and passed every check


@dataclass(slots=True)
class ScenarioResult:
    name: str
    area: str
    description: str
    outcome: Outcome = Outcome.NOT_COVERED
    reason: str = ""
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration: float = 0.0


@dataclass(slots=True)
class FuzzResult:
    operation_id: str
    outcome: Outcome = Outcome.NOT_COVERED
    reason: str = ""
    cases: int = 0
    successes: int = 0
    failures: list[Failure] = field(default_factory=list)
    duration: float = 0.0


@dataclass(slots=True)
class TargetDataProblem:
    """A fixed value of the target file (a test account) that the backend refuses: one root cause,
    reported once, with the scenarios it kept from running."""

    key: str  # the target file's key, e.g. testData.accountWithOrders
    message: str  # what the backend answered
    blocked: list[str] = field(default_factory=list)  # the scenarios it stopped


@dataclass(slots=True)
class RunResult:
    """Everything a run found; reporters read only this."""

    base_url: str
    seed: int
    phases: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]
    operations: dict[str, OperationResult]
    scenarios: list[ScenarioResult] = field(default_factory=list)
    fuzz: list[FuzzResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unreachable: str | None = None
    duration: float = 0.0
    requests: int = 0
    contract: str = ""  # the name of the contract checked against
    stopped: str | None = None  # why the run stopped before its end (--max-failures)
    target_data: dict[str, TargetDataProblem] = field(default_factory=dict)
    checks_off: dict[str, str] = field(default_factory=dict)  # check name -> why it did not run

    @classmethod
    def empty(
        cls, contract: Contract, base_url: str, seed: int, phases: tuple[str, ...], operation_ids: list[str]
    ) -> RunResult:
        cells: dict[tuple[str, str], Cell] = {}
        for operation_id in operation_ids:
            op = contract.operation(operation_id)
            for status in sorted(op.codes_by_status):
                for code in sorted(op.codes_by_status[status]):
                    origin = "kit" if code in op.kit_codes else "vendor"
                    cells[(operation_id, code)] = Cell(operation_id, code, status, origin)
        operations = {operation_id: OperationResult(operation_id) for operation_id in operation_ids}
        return cls(base_url, seed, phases, cells, operations, contract=contract.name)

    @property
    def failures(self) -> list[Failure]:
        found = [failure for scenario in self.scenarios for failure in scenario.failures]
        return found + [failure for fuzzed in self.fuzz for failure in fuzzed.failures]

    def root_causes(self) -> list[tuple[Failure, list[str]]]:
        """The failures grouped by what broke (rule, operation, code), in the order found: each group's
        first failure and where the same break showed (scenario names, `fuzz`)."""
        found: dict[tuple[str, str | None, str | None], tuple[Failure, list[str]]] = {}
        sources = [(scenario.name, scenario.failures) for scenario in self.scenarios]
        sources += [("fuzz", fuzzed.failures) for fuzzed in self.fuzz]
        for where, failures in sources:
            for failure in failures:
                _, places = found.setdefault((failure.rule, failure.operation_id, failure.code), (failure, []))
                if where not in places:
                    places.append(where)
        return list(found.values())

    @property
    def operations_covered(self) -> tuple[int, int]:
        """Operations whose documented success was answered and checked; one that only failed is not covered."""
        covered = sum(1 for op in self.operations.values() if op.verified)
        return covered, len(self.operations)

    @property
    def codes_covered(self) -> tuple[int, int]:
        """Cells whose documented cause produced the documented code."""
        covered = sum(1 for cell in self.cells.values() if cell.outcome is Outcome.PASSED)
        return covered, len(self.cells)

    @staticmethod
    def percent(pair: tuple[int, int]) -> float:
        covered, total = pair
        return 100.0 * covered / total if total else 100.0

    @property
    def exit_code(self) -> int:
        if self.unreachable:
            return EXIT_UNREACHABLE
        if self.failures:
            return EXIT_FAILURES  # a broken contract first: it may be why a test account was refused
        return EXIT_USAGE if self.target_data else EXIT_OK

    def record_cell(self, operation_id: str, code: str, outcome: Outcome, scenario: str, reason: str = "") -> None:
        cell = self.cells.get((operation_id, code))
        if cell is None or cell.outcome is Outcome.FAILED:
            return
        if outcome is Outcome.PASSED and cell.outcome is Outcome.PASSED:
            return
        cell.outcome, cell.scenario, cell.reason = outcome, scenario, reason

    def target_data_problem(self, key: str, message: str, scenario: str) -> TargetDataProblem:
        """Note that `key` of the target file is unusable (the first answer wins) and that it blocked `scenario`."""
        problem = self.target_data.setdefault(key, TargetDataProblem(key, message))
        if scenario not in problem.blocked:
            problem.blocked.append(scenario)
        return problem

    def explain_cell(self, operation_id: str, code: str, reason: str) -> None:
        """Give a not-covered cell the reason it was not covered (first reason wins)."""
        cell = self.cells.get((operation_id, code))
        if cell is not None and cell.outcome is Outcome.NOT_COVERED and cell.reason == NO_SCENARIO:
            cell.reason = reason

    def record_operation(self, operation_id: str, outcome: Outcome, reason: str = "") -> None:
        op = self.operations.get(operation_id)
        if op is not None and outcome is Outcome.PASSED:
            op.verified = True
        if op is None or op.outcome is Outcome.FAILED:
            return
        if outcome is Outcome.NOT_COVERED:
            if op.outcome is Outcome.NOT_COVERED and reason:
                op.reason = reason
            return
        op.outcome, op.reason = outcome, reason
