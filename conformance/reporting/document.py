"""A readable report, Markdown or HTML by the file's ending: the coverage matrix and every failure
with the request and response that show it."""

from __future__ import annotations

import html
from pathlib import Path

from conformance.errors import ConfigError
from conformance.results import Outcome, RunResult

REPORT_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
# Plain text, readable without emoji fonts (headless browsers, terminals, printouts).
_SYMBOL = {Outcome.PASSED: "OK", Outcome.FAILED: "FAIL", Outcome.NOT_COVERED: "--"}


def report_format(path: str | Path) -> str:
    """`markdown` or `html`; a `ConfigError` for any other ending."""
    suffix = Path(path).suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise ConfigError(f"--report {path}: the file must end in .md or .html (the ending picks the format)")
    return REPORT_FORMATS[suffix]


def write_report(result: RunResult, path: str | Path) -> None:
    text = _html(result) if report_format(path) == "html" else _markdown(result)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def _verdict(result: RunResult) -> str:
    if result.unreachable:
        return f"target unreachable (exit 3): {result.unreachable}"
    if result.failures:
        verdict = "contract failures found (exit 1)"
    elif result.target_data:
        verdict = "target data error (exit 2)"
    else:
        verdict = "conforms (exit 0)"
    problems = [f"{problem.key}: {problem.message}" for problem in result.target_data.values()]
    return "; ".join([verdict, *problems, *([result.stopped] if result.stopped else [])])


def _headline(result: RunResult) -> list[tuple[str, str]]:
    ops, codes = result.operations_covered, result.codes_covered
    return [
        ("Contract", result.contract),
        ("Base URL", result.base_url),
        ("Seed", str(result.seed)),
        ("Phases", " + ".join(result.phases)),
        ("Duration", f"{result.duration:.1f}s"),
        ("Result", _verdict(result)),
        ("Operations covered", f"{ops[0]}/{ops[1]} ({RunResult.percent(ops):.1f}%)"),
        ("Documented error codes covered", f"{codes[0]}/{codes[1]} ({RunResult.percent(codes):.1f}%)"),
        ("Failures", str(len(result.failures))),
    ] + [(f"Check {name}", reason) for name, reason in sorted(result.checks_off.items())]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(result: RunResult) -> str:
    out = ["# Storefront contract conformance report", ""]
    out += ["| | |", "|---|---|"] + [f"| {key} | {_md_cell(value)} |" for key, value in _headline(result)]
    if result.target_data:
        out += ["", "## Target data errors", ""]
        out += [
            f"- `{problem.key}`: {_md_cell(problem.message)}; blocked: {', '.join(problem.blocked)}"
            for problem in result.target_data.values()
        ]
    out += [
        "",
        "## Coverage matrix",
        "",
        "Each documented error code of each operation: OK passed, FAIL failed, -- not covered.",
        "",
        "| Operation | Success path | Error codes |",
        "|---|---|---|",
    ]
    for op in result.operations.values():
        cells = [cell for cell in result.cells.values() if cell.operation_id == op.operation_id]
        codes = " ".join(f"{_SYMBOL[cell.outcome]}&nbsp;{cell.status}&nbsp;{cell.code}" for cell in cells)
        out.append(f"| `{op.operation_id}` | {_SYMBOL[op.outcome]} {op.outcome} | {codes or '(none)'} |")
    gaps = [cell for cell in result.cells.values() if cell.outcome is not Outcome.PASSED]
    gaps_ops = [op for op in result.operations.values() if op.outcome is Outcome.NOT_COVERED]
    if gaps or gaps_ops:
        out += [
            "",
            "### Not passed, with the reason",
            "",
            "| Operation | Code | Result | Reason |",
            "|---|---|---|---|",
        ]
        out += [f"| `{op.operation_id}` | (success path) | not covered | {_md_cell(op.reason)} |" for op in gaps_ops]
        out += [
            f"| `{cell.operation_id}` | {cell.status} `{cell.code}` ({cell.origin}) | {cell.outcome} | "
            f"{_md_cell(cell.reason)} |"
            for cell in gaps
        ]
    out += ["", f"## Failures ({len(result.failures)})", ""]
    if not result.failures:
        out.append("None.")
    for number, failure in enumerate(result.failures, 1):
        where = ", ".join(part for part in (failure.operation_id, failure.code) if part)
        out += [f"### {number}. `{failure.rule}`{f' — {where}' if where else ''}", "", failure.message, ""]
        for exchange in failure.exchanges:
            out += ["```http", exchange.render(), "```", ""]
    if result.scenarios:
        out += ["## Scenarios", "", "| Scenario | Result | Time | Details |", "|---|---|---|---|"]
        for item in result.scenarios:
            detail = item.reason or (item.failures[0].rule if item.failures else "") or item.description
            notes = "; ".join(item.notes)
            out.append(
                f"| `{item.name}` | {_SYMBOL[item.outcome]} {item.outcome} | {item.duration:.2f}s | "
                f"{_md_cell(detail)}{_md_cell(' — ' + notes) if notes else ''} |"
            )
    if result.fuzz:
        out += ["", "## Fuzz phase (Schemathesis)", "", "| Operation | Result | Cases | 2xx |", "|---|---|---|---|"]
        out += [
            f"| `{item.operation_id}` | {_SYMBOL[item.outcome]} {item.outcome} | {item.cases} | {item.successes} |"
            for item in result.fuzz
        ]
    if result.notes:
        out += ["", "## Notes", ""] + [f"- {_md_cell(note)}" for note in result.notes]
    return "\n".join(out) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;vertical-align:top}th{background:#f3f3f3}
.passed{background:#d9f2d9}.failed{background:#f7c6c6;font-weight:bold}.not-covered{background:#fbeec2}
.none{background:#fafafa}td.mark{text-align:center;font-family:monospace}
pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}th.code{writing-mode:vertical-rl;transform:rotate(180deg)}"""


def _cls(outcome: Outcome) -> str:
    return outcome.value.replace(" ", "-")


def _html(result: RunResult) -> str:
    e = html.escape
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Storefront contract conformance report</title>",
        f"<style>{_CSS}</style></head><body><h1>Storefront contract conformance report</h1><table>",
    ]
    out += [f"<tr><th>{e(key)}</th><td>{e(value)}</td></tr>" for key, value in _headline(result)]
    out.append("</table>")
    if result.target_data:
        out.append("<h2>Target data errors</h2><ul>")
        out += [
            f"<li><code>{e(problem.key)}</code>: {e(problem.message)}; blocked: {e(', '.join(problem.blocked))}</li>"
            for problem in result.target_data.values()
        ]
        out.append("</ul>")
    out.append(
        "<h2>Coverage matrix</h2><p>Rows are operations, columns are error codes; a cell is "
        "OK passed, FAIL failed or -- not covered (hover for the reason); grey cells are codes the operation does "
        "not document.</p>"
    )
    codes = sorted(
        {cell.code for cell in result.cells.values()},
        key=lambda code: (min(c.status for c in result.cells.values() if c.code == code), code),
    )
    out.append(
        "<table><tr><th>Operation</th><th>Success path</th>"
        + "".join(f"<th class='code'>{e(code)}</th>" for code in codes)
        + "</tr>"
    )
    for op in result.operations.values():
        row = [
            (
                f"<tr><td><code>{e(op.operation_id)}</code></td>"
                f"<td class='{_cls(op.outcome)}' title='{e(op.reason)}'>{e(op.outcome.value)}</td>"
            )
        ]
        for code in codes:
            cell = result.cells.get((op.operation_id, code))
            if cell is None:
                row.append("<td class='none'></td>")
            else:
                tip = cell.reason if cell.outcome is not Outcome.PASSED else f"by {cell.scenario}"
                row.append(f"<td class='mark {_cls(cell.outcome)}' title='{e(tip or '')}'>{_SYMBOL[cell.outcome]}</td>")
        out.append("".join(row) + "</tr>")
    out.append("</table>")
    gaps = [cell for cell in result.cells.values() if cell.outcome is not Outcome.PASSED]
    if gaps:
        out.append(
            "<h3>Not passed, with the reason</h3><table><tr><th>Operation</th><th>Code</th><th>Result</th>"
            "<th>Reason</th></tr>"
        )
        out += [
            f"<tr><td><code>{e(c.operation_id)}</code></td><td>{c.status} {e(c.code)} ({e(c.origin)})</td>"
            f"<td class='{_cls(c.outcome)}'>{e(c.outcome.value)}</td><td>{e(c.reason)}</td></tr>"
            for c in gaps
        ]
        out.append("</table>")
    out.append(f"<h2>Failures ({len(result.failures)})</h2>")
    for number, failure in enumerate(result.failures, 1):
        where = ", ".join(part for part in (failure.operation_id, failure.code) if part)
        out.append(f"<h3>{number}. <code>{e(failure.rule)}</code> {e(where)}</h3><p>{e(failure.message)}</p>")
        out += [f"<pre>{e(exchange.render())}</pre>" for exchange in failure.exchanges]
    if result.scenarios:
        out.append("<h2>Scenarios</h2><table><tr><th>Scenario</th><th>Result</th><th>Time</th><th>Details</th></tr>")
        for item in result.scenarios:
            detail = item.reason or (item.failures[0].rule if item.failures else "") or item.description
            out.append(
                f"<tr><td><code>{e(item.name)}</code></td><td class='{_cls(item.outcome)}'>"
                f"{e(item.outcome.value)}</td><td>{item.duration:.2f}s</td>"
                f"<td>{e(detail)}{'<br>' + e('; '.join(item.notes)) if item.notes else ''}</td></tr>"
            )
        out.append("</table>")
    if result.fuzz:
        out.append(
            "<h2>Fuzz phase (Schemathesis)</h2><table><tr><th>Operation</th><th>Result</th><th>Cases</th>"
            "<th>2xx</th></tr>"
        )
        out += [
            f"<tr><td><code>{e(i.operation_id)}</code></td><td class='{_cls(i.outcome)}'>{e(i.outcome.value)}"
            f"</td><td>{i.cases}</td><td>{i.successes}</td></tr>"
            for i in result.fuzz
        ]
        out.append("</table>")
    if result.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(note)}</li>" for note in result.notes) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)
