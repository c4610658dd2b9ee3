"""JUnit XML: one test case per scenario and per fuzzed operation."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.checks import Failure
from conformance.results import Outcome, RunResult


def _failure_text(failures: list[Failure]) -> str:
    parts = []
    for failure in failures:
        parts.append(f"[{failure.rule}] {failure.message}")
        parts += [exchange.render() for exchange in failure.exchanges]
    return "\n\n".join(parts)


def _case(
    suite: ET.Element,
    name: str,
    classname: str,
    seconds: float,
    outcome: Outcome,
    reason: str,
    failures: list[Failure],
    notes: list[str],
) -> None:
    case = ET.SubElement(suite, "testcase", name=name, classname=classname, time=f"{seconds:.3f}")
    if outcome is Outcome.FAILED:
        first = failures[0]
        element = ET.SubElement(
            case, "failure", message=f"[{first.rule}] {first.message.splitlines()[0][:500]}", type=first.rule
        )
        element.text = _failure_text(failures)
    elif outcome is Outcome.NOT_COVERED:
        ET.SubElement(case, "skipped", message=f"not covered: {reason}")
    if notes:
        ET.SubElement(case, "system-out").text = "\n".join(notes)


def write_junit(result: RunResult, path: str | Path) -> None:
    """Write the run as JUnit XML that CI systems render."""
    root = ET.Element("testsuites", name="storefront-kit check")
    if result.scenarios:
        suite = ET.SubElement(root, "testsuite", name="conformance.scenarios")
        for item in result.scenarios:
            _case(
                suite,
                item.name,
                f"conformance.scenarios.{item.area}",
                item.duration,
                item.outcome,
                item.reason,
                item.failures,
                item.notes,
            )
        _count(suite)
    if result.fuzz:
        suite = ET.SubElement(root, "testsuite", name="conformance.fuzz")
        for fuzzed in result.fuzz:
            _case(
                suite,
                fuzzed.operation_id,
                "conformance.fuzz",
                fuzzed.duration,
                fuzzed.outcome,
                fuzzed.reason,
                fuzzed.failures,
                [f"{fuzzed.cases} generated cases"],
            )
        _count(suite)
    if result.unreachable:
        suite = ET.SubElement(root, "testsuite", name="conformance.target")
        case = ET.SubElement(suite, "testcase", name="target reachable", classname="conformance.target")
        ET.SubElement(case, "error", message=result.unreachable, type="TargetUnreachable").text = result.unreachable
        _count(suite)
    totals = {
        key: sum(int(suite.get(key, "0")) for suite in root) for key in ("tests", "failures", "errors", "skipped")
    }
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{result.duration:.3f}")
    ET.indent(root)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _count(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", str(sum(1 for case in cases if case.find("error") is not None)))
    suite.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
    suite.set("time", f"{sum(float(case.get('time', '0')) for case in cases):.3f}")
