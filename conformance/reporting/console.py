"""Live progress on a terminal, plain lines otherwise, and the closing summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import TaskID

from conformance.results import Outcome, RunResult

_MARK = {Outcome.PASSED: "passed", Outcome.FAILED: "FAILED", Outcome.NOT_COVERED: "not covered"}


class PlainProgress:
    """One line per scenario and fuzzed operation, for logs and CI."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def phase_started(self, phase: str, items: Sequence[str]) -> None:
        print(f"== {phase} ({len(items)})", file=self.stream, flush=True)

    def item_started(self, phase: str, name: str) -> None:
        pass

    def item_finished(self, phase: str, name: str, outcome: Outcome, detail: str) -> None:
        line = f"{_MARK[outcome]:>11}  {name}"
        if outcome is not Outcome.PASSED and detail:
            line += f"  -- {detail.splitlines()[0][:200]}"
        print(line, file=self.stream, flush=True)

    def phase_finished(self, phase: str) -> None:
        pass


class RichProgress:
    """A progress bar per phase with the latest outcome, for interactive terminals."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(file=stream)
        self.progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[latest]}"),
            console=self.console,
            transient=False,
        )
        self.task: TaskID | None = None

    def phase_started(self, phase: str, items: Sequence[str]) -> None:
        if self.task is None:
            self.progress.start()
        self.task = self.progress.add_task(phase, total=len(items) or 1, latest="")

    def item_started(self, phase: str, name: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, latest=f"[cyan]{name}[/cyan]")

    def item_finished(self, phase: str, name: str, outcome: Outcome, detail: str) -> None:
        if outcome is Outcome.FAILED:
            self.progress.console.print(f"[red]FAILED[/red] {name}: {detail.splitlines()[0][:160] if detail else ''}")
        elif outcome is Outcome.NOT_COVERED:
            self.progress.console.print(f"[yellow]not covered[/yellow] {name}: {detail[:160]}")
        if self.task is not None:
            colour = {"passed": "green", "FAILED": "red", "not covered": "yellow"}[_MARK[outcome]]
            self.progress.update(self.task, advance=1, latest=f"[{colour}]{name}[/{colour}]")

    def phase_finished(self, phase: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, latest="")

    def close(self) -> None:
        if self.task is not None:
            self.progress.stop()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _pct(pair: tuple[int, int]) -> str:
    return f"{pair[0]}/{pair[1]} ({RunResult.percent(pair):.1f}%)"


def summary(result: RunResult, *, limit: int = 20) -> str:
    """The closing summary: outcomes, both coverage percentages, failures, and gaps."""
    lines = [
        (
            f"storefront-kit check --contract {result.contract} {result.base_url}  seed {result.seed}  "
            f"phases {'+'.join(result.phases)}  {result.duration:.1f}s  {result.requests} kit requests"
        )
    ]
    if result.stopped:
        lines.append(f"Stopped early: {result.stopped}; the rest was not run")
    if result.scenarios:
        counts = {outcome: sum(1 for s in result.scenarios if s.outcome is outcome) for outcome in Outcome}
        lines.append(
            f"Scenarios: {counts[Outcome.PASSED]} passed, {counts[Outcome.FAILED]} failed, "
            f"{counts[Outcome.NOT_COVERED]} not covered"
        )
    if result.fuzz:
        cases = sum(item.cases for item in result.fuzz)
        failed = sum(1 for item in result.fuzz if item.outcome is Outcome.FAILED)
        lines.append(f"Fuzz: {_count(len(result.fuzz), 'operation')}, {_count(cases, 'case')}, {failed} failed")
    lines.append(
        f"Coverage: operations {_pct(result.operations_covered)}, documented error codes {_pct(result.codes_covered)}"
    )
    for problem in result.target_data.values():
        lines.append(f"Target data error: {problem.key}: {problem.message}")
        lines.append(f"  blocked: {', '.join(problem.blocked)}")
    if result.checks_off:
        by_reason: dict[str, list[str]] = {}
        for name, reason in sorted(result.checks_off.items()):
            by_reason.setdefault(reason, []).append(name)
        for reason, names in by_reason.items():
            lines.append(f"Checks {reason}: {', '.join(names)}")
    failures = result.failures
    if failures:
        causes = result.root_causes()
        grouped = f", {_count(len(causes), 'root cause')}" if len(causes) < len(failures) else ""
        lines.append(f"Failures ({len(failures)}{grouped}):")
        for failure, places in causes[:limit]:
            where = " ".join(part for part in (failure.operation_id, failure.code) if part)
            lines.append(f"  [{failure.rule}] {where}: {failure.message.splitlines()[0][:300]}")
            if len(places) > 1:
                shown = ", ".join(places[:5]) + (f" and {len(places) - 5} more" if len(places) > 5 else "")
                lines.append(f"    the same break in {len(places)} places: {shown}")
        if len(causes) > limit:
            lines.append(f"  ... and {len(causes) - limit} more (see --report)")
    gaps = [cell for cell in result.cells.values() if cell.outcome is Outcome.NOT_COVERED]
    if gaps and not result.unreachable:
        lines.append(f"Not covered ({_count(len(gaps), 'code')}):")
        for cell in gaps[:limit]:
            lines.append(f"  {cell.operation_id} {cell.code}: {cell.reason}")
        if len(gaps) > limit:
            lines.append(f"  ... and {len(gaps) - limit} more (see --report)")
    for note in result.notes[:limit]:
        lines.append(f"Note: {note}")
    if result.unreachable:
        lines.append(f"Result: TARGET UNREACHABLE (exit 3): {result.unreachable}")
    elif failures:
        lines.append("Result: CONTRACT FAILURES (exit 1)")
    elif result.target_data:
        lines.append("Result: TARGET DATA ERROR (exit 2): fix the target file's test data, then run again")
    else:
        lines.append("Result: CONFORMS (exit 0)")
    return "\n".join(lines)
