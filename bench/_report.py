"""Ratios, goals, the JSON record, the chart and the README block."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from _vendors import VENDOR_COMPARISONS, VendorComparison

MET, NOT_MET, NOT_MEASURED = "MET", "NOT MET", "NOT MEASURED"
README_START = "<!-- latest-figures:start -->"
README_END = "<!-- latest-figures:end -->"
GOAL_CONNECTIONS = 32
REFERENCES = ("prism", "bare")
METRICS = ("throughput_rps", "p50_ms", "p99_ms", "server_cpu_ms_per_request")
METRIC_LABELS = {
    "throughput_rps": "throughput",
    "p50_ms": "p50 latency",
    "p99_ms": "p99 latency",
    "server_cpu_ms_per_request": "CPU per request",
}


def _ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return round(value / reference, 3)


def _level(results: dict[str, Any], key: str, connections: int) -> dict[str, Any] | None:
    target = results["targets"].get(key)
    if not target or not target.get("available"):
        return None
    level = target.get("levels", {}).get(str(connections))
    return level if level and "throughput_rps" in level else None


def mock_keys(results: dict[str, Any]) -> list[str]:
    """The WEBSALE mock's targets (one worker, several workers)."""
    return [key for key in results["targets"] if key.startswith("mock")]


def vendor_comparisons(results: dict[str, Any]) -> list[VendorComparison]:
    """The vendor comparisons whose mock this run recorded (bench/_vendors.py), in the table's order.

    Each vendor's mock and Prism mocking the same contract file are compared with each other only.
    """
    return [comparison for comparison in VENDOR_COMPARISONS if comparison.name in results["targets"]]


def comparisons(results: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each mock target and its references: {mock key: {"vs_prism" | "vs_bare": reference key}}."""
    out = {key: {f"vs_{reference}": reference for reference in REFERENCES} for key in mock_keys(results)}
    for comparison in vendor_comparisons(results):
        out[comparison.name] = {"vs_prism": comparison.prism_key}
    return out


def levels(settings: dict[str, Any]) -> list[int]:
    """Every connection level of the run, WEBSALE's first, then any only a vendor comparison had."""
    found = list(settings["connections"])
    for comparison in VENDOR_COMPARISONS:
        found += [c for c in settings.get(comparison.levels_option, []) if c not in found]
    return found


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Every mock figure divided by the same figure of its references, per level.

    WEBSALE's mock by Prism and by bare Starlette; each vendor's mock by Prism on that vendor's contract.
    """
    out: dict[str, Any] = {}
    pairs = comparisons(results)
    for connections in levels(results["settings"]):
        per_level: dict[str, Any] = {}
        for key, references in pairs.items():
            mine = _level(results, key, connections)
            if mine is None:
                continue
            entry: dict[str, Any] = {}
            for name, reference in references.items():
                theirs = _level(results, reference, connections)
                if theirs is None:
                    continue
                entry[name] = {
                    **{METRIC_LABELS[m]: _ratio(mine.get(m), theirs.get(m)) for m in METRICS},
                    # An error-free reference leaves the error ratio undefined; the rates say it.
                    "error rate": _ratio(_error_rate(mine), _error_rate(theirs)),
                }
            if entry:
                per_level[key] = entry
        out[str(connections)] = per_level
    return out


def _error_rate(level: dict[str, Any]) -> float:
    answered: int = level["requests"] + sum(level["socket_errors"].values())
    return float(level["errors"]) / max(1, answered)


def _goal(name: str, target: str, value: Any, met: bool | None, unit: str = "") -> dict[str, Any]:
    status = NOT_MEASURED if met is None else (MET if met else NOT_MET)
    if value is None:
        shown = "n/a"
    elif isinstance(value, float):
        shown = f"{value:.2f}{unit}"
    else:
        shown = f"{value}{unit}"
    return {"goal": name, "target": target, "value": shown, "status": status}


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's goals, each judged from this run's figures only."""
    ratio_32 = results["ratios"].get(str(GOAL_CONNECTIONS), {}).get("mock", {})
    vs_prism = ratio_32.get("vs_prism", {}).get("throughput")
    vs_bare = ratio_32.get("vs_bare", {}).get("throughput")
    mock_32 = _level(results, "mock", GOAL_CONNECTIONS)
    p99 = mock_32["p99_ms"] if mock_32 else None
    startup = results.get("startup", {}).get("mock", {}).get("median_s")
    sessions = results.get("sessions", {})
    drift = sessions.get("p50_1m_vs_1k")
    per_session = sessions.get("bytes_per_idle_session")
    vendor_goals = []
    for comparison in VENDOR_COMPARISONS:
        vendor_32 = results["ratios"].get(str(GOAL_CONNECTIONS), {}).get(comparison.name, {})
        vendor_vs_prism = vendor_32.get("vs_prism", {}).get("throughput")
        vendor_goals.append(
            _goal(
                comparison.goal,
                ">= 2.0x",
                vendor_vs_prism,
                None if vendor_vs_prism is None else vendor_vs_prism >= 2.0,
                "x",
            )
        )
    return [
        _goal(
            "throughput vs Prism, one process each, validation on",
            ">= 2.0x",
            vs_prism,
            None if vs_prism is None else vs_prism >= 2.0,
            "x",
        ),
        _goal(
            f"p99 latency at {GOAL_CONNECTIONS} connections",
            "<= 10 ms",
            p99,
            None if p99 is None else p99 <= 10.0,
            " ms",
        ),
        _goal("throughput vs bare Starlette", ">= 0.35x", vs_bare, None if vs_bare is None else vs_bare >= 0.35, "x"),
        _goal(
            "start-up to first good answer (median)",
            "<= 1 s",
            startup,
            None if startup is None else startup <= 1.0,
            " s",
        ),
        _goal(
            "p50 of account/get, 1M vs 1k live sessions", "<= 1.2x", drift, None if drift is None else drift <= 1.2, "x"
        ),
        _goal(
            "memory per idle session (memory store)",
            "< 1024 B",
            per_session,
            None if per_session is None else per_session < 1024,
            " B",
        ),
        *vendor_goals,
    ]


# --- text -------------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(results: dict[str, Any]) -> str:
    """The figures as Markdown tables: loads, ratios, goals, and the other measurements."""
    settings, machine = results["settings"], results["machine"]
    stolen = machine.get("stolen_during_loads")
    steal = "" if stolen is None else f", CPU time stolen by the hypervisor during the loads: {stolen:.1%}"
    header = (
        f"Run {results['started_at']} on {machine['cpus']} cores (load average before: {machine['loadavg_before']}{steal}); "
        f"wrk {settings['duration_s']:g} s per target and level in {settings.get('rounds', 1)} interleaved rounds "
        f"(medians), after {settings['warmup_s']:g} s warm-up; {settings['pinning']}."
    )
    lines = [
        header,
        f"Command: `{results['command']}`",
        "",
        "| target | conns | req/s | p50 ms | p99 ms | server CPU ms/req | errors | statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for target in results["targets"].values():
        if not target.get("available"):
            lines.append(f"| {target['label']} | – | not available: {target.get('reason', '')} | | | | | |")
            continue
        for connections, level in target["levels"].items():
            if "throughput_rps" not in level:
                lines.append(f"| {target['label']} | {connections} | failed: {level.get('error', '')} | | | | | |")
                continue
            statuses = " ".join(f"{s}:{n}" for s, n in level["statuses"].items())
            lines.append(
                f"| {target['label']} | {connections} | {level['throughput_rps']:.0f} | {level['p50_ms']:.2f} "
                f"| {level['p99_ms']:.2f} | {_fmt(level.get('server_cpu_ms_per_request'), 3)} | {level['errors']} "
                f"| {statuses} |"
            )
    compared = [
        comparison.title
        for comparison in vendor_comparisons(results)
        if any(comparison.name in per_level for per_level in results["ratios"].values())
    ]
    if len(compared) == 1:
        vendors = (
            f"; the {compared[0]} mock ÷ Prism mocking the same contract file, both loaded with the {compared[0]} mix"
        )
    elif compared:
        vendors = (
            f"; the {', '.join(compared[:-1])} and {compared[-1]} mocks each ÷ Prism mocking the same contract "
            "file, both loaded with that contract's mix"
        )
    else:
        vendors = ""
    lines += [
        "",
        (
            f"Ratios, mock ÷ reference, same level, same run{vendors} (req/s: higher is better; the rest: lower "
            "is better; error rate: – while the reference had no errors):"
        ),
        "",
        "| mock | conns | reference | req/s | p50 | p99 | server CPU/req | error rate |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for connections, per_level in results["ratios"].items():
        for key, entry in per_level.items():
            for reference, figures in entry.items():
                name = "Prism 5" if reference == "vs_prism" else "bare Starlette"
                lines.append(
                    f"| {results['targets'][key]['label']} | {connections} | {name} "
                    + "".join(f"| {_fmt(figures.get(m))} " for m in (*METRIC_LABELS.values(), "error rate"))
                    + "|"
                )
    lines += ["", "| goal | target | this run | status |", "|---|---|---|---|"]
    for goal in results["goals"]:
        lines.append(f"| {goal['goal']} | {goal['target']} | {goal['value']} | **{goal['status']}** |")
    lines += ["", *_other_lines(results)]
    return "\n".join(lines)


def _other_lines(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    startup = results.get("startup", {})
    for key in ("mock", "prism"):
        entry = startup.get(key, {})
        if "median_s" in entry:
            runs = ", ".join(f"{t:.2f}" for t in entry["runs_s"])
            lines.append(f"* start-up, {key}: median {entry['median_s']:.2f} s (runs: {runs})")
        elif entry:
            lines.append(f"* start-up, {key}: not available ({entry.get('reason', '')})")
    sessions = results.get("sessions", {})
    if sessions.get("levels"):
        for count, level in sessions["levels"].items():
            lines.append(
                f"* {int(count):,} live sessions: RSS {level['rss_mib']:.1f} MiB, account/get p50 {level['p50_ms']:.3f} ms "
                f"(seeded in {_fmt(level['seed_s'], 1)} s)"
            )
        lines.append(
            f"* memory per idle session: {_fmt(sessions.get('bytes_per_idle_session'), 0)} B; "
            f"p50 1M/1k: {_fmt(sessions.get('p50_1m_vs_1k'))}{'x' if sessions.get('p50_1m_vs_1k') else ''}"
        )
    elif sessions:
        lines.append(f"* live sessions: not available ({sessions.get('reason', '')})")
    check = results.get("check", {})
    if check.get("available"):
        lines.append(
            f"* `storefront-kit check` against the mock: {check['wall_s']:.1f} s, exit code {check['exit_code']}"
        )
    elif check:
        lines.append(f"* `storefront-kit check`: not available ({check.get('reason', '')})")
    return lines


# --- files ------------------------------------------------------------------------------------


def write_json(results: dict[str, Any], out_dir: Path, stamp: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, sort_keys=False) + "\n"
    paths = [out_dir / f"{stamp}.json", out_dir / "latest.json"]
    for path in paths:
        path.write_text(text)
    return paths


def chart(results: dict[str, Any], path: Path) -> str | None:
    """Draw the ratios as grouped bars; returns why not when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'); skipping the chart"

    panels = [("vs_prism", "mock ÷ Prism (each on its contract)", 2.0), ("vs_bare", "mock ÷ bare Starlette", 0.35)]
    # One colour per mock target and level, the same in both panels; the vendor comparisons' mocks
    # are in the Prism panel only (they have no bare reference).
    series = [
        (key, connections)
        for connections in levels(results["settings"])
        for key in comparisons(results)
        if results["ratios"].get(str(connections), {}).get(key)
    ]
    if not series:
        return "no mock figures to chart"
    names = ["throughput", "p50 latency", "p99 latency", "CPU per request"]
    fig, axes = plt.subplots(1, 2, figsize=(14, 6.2))
    for ax, (ref, title, goal) in zip(axes, panels, strict=True):
        shown = [(i, key, c) for i, (key, c) in enumerate(series) if ref in results["ratios"][str(c)][key]]
        width = 0.8 / max(1, len(shown))
        for index, (colour, key, connections) in enumerate(shown):
            values = [results["ratios"][str(connections)][key][ref].get(n) or 0.0 for n in names]
            positions = [i + (index - (len(shown) - 1) / 2) * width for i in range(len(names))]
            label = f"{results['targets'][key]['label']}, {connections} connections"
            bars = ax.bar(positions, values, width, label=label, color=f"C{colour}")
            ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7)
        ax.axhline(1.0, color="grey", linewidth=0.8)
        # The goal is on throughput only, so its line spans that group alone.
        ax.hlines(goal, -0.45, 0.45, color="tab:red", linestyle="--", linewidth=1.2, label="throughput goal")
        ax.set_xticks(
            range(len(names)),
            [
                "throughput\n(higher is better)",
                "p50 latency\n(lower is better)",
                "p99 latency\n(lower is better)",
                "server CPU per request\n(lower is better)",
            ],
        )
        ax.set_yscale("log")
        # Plain numbers read better than powers of ten for ratios around 1.
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(
            FuncFormatter(lambda value, _: f"{value:g}" if f"{value:g}".lstrip("0.")[:1] in "25" else "")
        )
        ax.set_title(f"{title} (goal: throughput >= {goal:g}x)")
    handles, labels = axes[0].get_legend_handles_labels()
    # Three columns keep the legend within the bottom margin with every vendor comparison in the run.
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"Mock vs Prism 5 and bare Starlette, same run ({results['started_at']})", fontsize=10)
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def rewrite_readme(readme: Path, block: str) -> bool:
    """Replace the marked block of bench/README.md; False when the markers are missing."""
    text = readme.read_text()
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(text):
        return False
    replacement = f"{README_START}\n{block}\n{README_END}"
    readme.write_text(pattern.sub(lambda _: replacement, text))
    return True
