"""Benchmark the mock against Prism 5 and bare Starlette in one run, and judge the goals.

    .venv/bin/python bench/run.py [--write-readme]     (what `make bench` runs)

The WEBSALE contract is loaded with bench/wrk/mix.lua against the mock, Prism and bare Starlette;
each other vendor's contract (bench/_vendors.py: Emporix, Optimizely, ZEST) with its own mix
(bench/wrk/emporix.lua, bench/wrk/optimizely.lua, bench/wrk/zest.lua) against the mock and Prism
mocking the same file.

Needs wrk (Debian: `apt-get install -y wrk`) and, for Prism, Node.js with npm; Prism itself is
installed into bench/.tools/ on first use. Results go to bench/results/<timestamp>.json,
bench/results/latest.json and bench/results/latest.png. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # the contract reader, when the project is not installed

import _report
from _load import (
    WEBSALE_MIX,
    WRK_MISSING,
    LoadError,
    LoadResult,
    Mix,
    MixSession,
    combine,
    find_wrk,
    run_mix,
)
from _procs import (
    SERVER_CPU,
    Server,
    free_port,
    group_cpu_seconds,
    machine_cpu_ticks,
    pinning_available,
    rss_bytes,
    stolen_share,
    wait_ready,
)
from _scale import measure_sessions
from _targets import (
    KIT,
    PRISM_BIN,
    Target,
    Unavailable,
    bare_target,
    install_prism,
    kit_help,
    mock_target,
    prism_target,
    prism_version,
)
from _vendors import VENDOR_COMPARISONS

RESULTS = BENCH / "results"
README = BENCH / "README.md"
READY_TIMEOUT_S = 60.0


@functools.cache
def documented_statuses(mix: Mix = WEBSALE_MIX) -> frozenset[int]:
    """Every 4xx the contract documents for an operation of the mix (answers, not errors)."""
    from storefront_kit.contract import load_contract

    contract = load_contract(mix.contract)
    statuses: set[int] = set()
    for operation_id in mix.operations:
        responses = contract.operation_spec(operation_id)["responses"]
        statuses.update(int(s) for s in responses if str(s).isdigit() and 400 <= int(s) < 500)
    return frozenset(statuses)


@contextlib.contextmanager
def running(target: Target) -> Iterator[Target]:
    """Start a target, wait for its first good answer, and always stop it."""
    target.server.start()
    try:
        if not wait_ready(target.server, target.base_url, READY_TIMEOUT_S, target.probe):
            raise Unavailable(
                f"did not answer {' '.join(target.probe)} within {READY_TIMEOUT_S:g} s:\n{target.server.log_tail()}"
            )
        yield target
    finally:
        target.server.stop()


def load_all(plan: list[tuple[Target, list[int]]], args: argparse.Namespace, wrk: str) -> dict[str, dict[str, Any]]:
    """Load every target at each of its connection levels with its mix, in interleaved rounds.

    All targets run at once (an idle server costs nothing) and take turns, round after round, so
    a burst of load from elsewhere on the machine falls on all of them instead of on one.
    """
    records: dict[str, dict[str, Any]] = {
        t.key: {"label": t.label, "setup": t.setup, "available": False, "levels": {}} for t, _ in plan
    }
    with contextlib.ExitStack() as stack:
        live: list[tuple[Target, list[int], MixSession]] = []
        for target, levels in plan:
            print(f"start: {target.label} ...", flush=True)
            try:
                stack.enter_context(running(target))
                session = target.session()
            except (Unavailable, OSError, httpx.HTTPError) as exc:
                records[target.key]["reason"] = str(exc).splitlines()[0]
                records[target.key]["detail"] = str(exc)
                print(f"       not available: {exc}", flush=True)
                continue
            records[target.key].update(available=True, mix=target.mix.name, **session.describe())
            live.append((target, levels, session))
        slice_s = args.duration / args.rounds
        for connections in sorted({c for _, levels, _ in live for c in levels}, reverse=True):
            active = [(t, s) for t, levels, s in live if connections in levels]
            print(f"load: {connections} connections, {args.rounds} rounds of {slice_s:g} s per target ...", flush=True)
            for target, session in active:
                # The warm-up pays for JIT, caches and first-request imports outside the figures.
                with contextlib.suppress(LoadError):
                    run_mix(
                        wrk,
                        target.url,
                        target.base_path,
                        session,
                        connections,
                        args.warmup,
                        documented_statuses(target.mix),
                        mix=target.mix,
                    )
            rounds: dict[str, list[LoadResult]] = {t.key: [] for t, _ in active}
            failures: dict[str, str] = {}
            for _ in range(args.rounds):
                for target, session in active:
                    try:
                        rounds[target.key].append(
                            run_mix(
                                wrk,
                                target.url,
                                target.base_path,
                                session,
                                connections,
                                slice_s,
                                documented_statuses(target.mix),
                                cpu_of_server=functools.partial(group_cpu_seconds, target.server.pid),
                                mix=target.mix,
                            )
                        )
                    except LoadError as exc:
                        failures[target.key] = str(exc)
            for target, _ in active:
                if not rounds[target.key]:
                    records[target.key]["levels"][str(connections)] = {
                        "error": failures.get(target.key, "no round ran")
                    }
                    print(f"  {target.label:<45} failed: {failures.get(target.key)}", flush=True)
                    continue
                level = combine(rounds[target.key])
                records[target.key]["levels"][str(connections)] = level
                print(
                    f"  {target.label[:45]:<45} {level['throughput_rps']:8.0f} req/s  p50 {level['p50_ms']:7.2f} ms  "
                    f"p99 {level['p99_ms']:7.2f} ms  errors {level['errors']}  statuses {level['statuses']}",
                    flush=True,
                )
                if level["unexpected_4xx"]:
                    expected = " and ".join(target.mix.answers_4xx)
                    beyond = f"beyond those of {expected}" if expected else "to a mix that expects none"
                    print(f"  warning: {level['unexpected_4xx']} 4xx answers {beyond}", flush=True)
        for target, _, _ in live:
            if target.server.running():
                records[target.key]["rss_mib_after"] = round(rss_bytes(target.server.pid) / 2**20, 1)
    return records


def multi_worker_targets(log_dir: Path, stack: contextlib.ExitStack) -> tuple[list[Target], str | None]:
    """The mock's shared-store setups with one worker per core, or why there are none yet."""
    help_text = kit_help("serve")
    if "--workers" not in help_text or "--state" not in help_text:
        return [], "`storefront-kit serve` has no --workers/--state option yet"
    workers = os.cpu_count() or 2
    targets = []
    redis = shutil.which("redis-server")
    if redis:
        port = free_port()
        server = Server(
            "redis",
            [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            log_dir / "redis.log",
            ROOT,
        )
        server.start()
        stack.callback(server.stop)
        # Several workers only help when they can use every core, so these are not pinned.
        targets.append(mock_target(log_dir, f"redis://127.0.0.1:{port}/0", workers, cpus=None))
    targets.append(mock_target(log_dir, f"sqlite:///{log_dir / 'bench.sqlite3'}", workers, cpus=None))
    return targets, None


def measure_startup(args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    """Seconds from spawning each server to its first 200 on session/create, several times."""
    # Unpinned: nothing else runs meanwhile, and start-up may use every core, as it would for users.
    factories: dict[str, Callable[[], Target]] = {
        "mock": lambda: mock_target(log_dir, cpus=None),
        "prism": lambda: prism_target(log_dir, cpus=None),
    }
    if not PRISM_BIN.exists():
        del factories["prism"]
    runs: dict[str, list[float]] = {key: [] for key in factories}
    failed: dict[str, str] = {}
    # Alternating mock and Prism spreads disturbances from elsewhere over both.
    for _ in range(args.startup_runs):
        for key, factory in factories.items():
            if key in failed:
                continue
            target = factory()
            started = time.perf_counter()
            target.server.start()
            try:
                ok = wait_ready(target.server, target.base_url, READY_TIMEOUT_S)
                elapsed = time.perf_counter() - started
            finally:
                target.server.stop()
            if ok:
                runs[key].append(elapsed)
            else:
                failed[key] = f"no good answer within {READY_TIMEOUT_S:g} s: {target.server.log_tail(3)}"
    out: dict[str, Any] = {} if PRISM_BIN.exists() else {"prism": {"reason": "Prism is not installed"}}
    for key, times in runs.items():
        if key in failed or not times:
            out[key] = {"reason": failed.get(key, "no runs")}
        else:
            out[key] = {"runs_s": [round(t, 3) for t in times], "median_s": round(statistics.median(times), 3)}
        print(f"startup: {key}: {out[key]}", flush=True)
    if "median_s" in out.get("mock", {}) and "median_s" in out.get("prism", {}):
        out["mock_vs_prism"] = round(out["mock"]["median_s"] / out["prism"]["median_s"], 3)
    return out


def measure_check(args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    """Wall time of a full `storefront-kit check` against a fresh mock."""
    try:
        kit_help("check")
    except Unavailable as exc:
        return {"available": False, "reason": str(exc)}
    target = mock_target(log_dir)
    print("check: storefront-kit check against the mock ...", flush=True)
    try:
        with running(target):
            argv = [str(KIT), "check", "--base-url", target.base_url]
            started = time.perf_counter()
            try:
                completed = subprocess.run(
                    argv, cwd=log_dir, capture_output=True, text=True, timeout=args.check_timeout, check=False
                )
            except subprocess.TimeoutExpired:
                return {
                    "available": True,
                    "command": shlex.join(argv),
                    "wall_s": round(time.perf_counter() - started, 1),
                    "exit_code": None,
                    "reason": f"stopped after {args.check_timeout:g} s",
                }
            wall = time.perf_counter() - started
            (log_dir / "check.log").write_text(completed.stdout + completed.stderr)
            return {
                "available": True,
                "command": shlex.join(argv),
                "wall_s": round(wall, 1),
                "exit_code": completed.returncode,
                "tail": (completed.stdout + completed.stderr).strip().splitlines()[-5:],
            }
    except Unavailable as exc:
        return {"available": False, "reason": str(exc).splitlines()[0]}


def machine_info() -> dict[str, Any]:
    def version(argv: list[str]) -> str:
        try:
            completed = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=ROOT, check=False)
            return (completed.stdout or completed.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    return {
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "node": version(["node", "--version"]),
        "prism": prism_version() if PRISM_BIN.exists() else "not installed",
        "git": version(["git", "rev-parse", "--short", "HEAD"]),
        "git_dirty": bool(
            version(["git", "status", "--porcelain", "--", "mock_server", "storefront_kit"]) not in ("", "unknown")
        ),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the mock against Prism 5 and bare Starlette.")
    parser.add_argument(
        "--duration", type=float, default=12.0, help="measured seconds per target and level (default 12)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds the duration is split into (default 3)"
    )
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds of unrecorded load before each level (default 2)"
    )
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 8], help="connection levels (default 32 8)")
    for comparison in VENDOR_COMPARISONS:
        parser.add_argument(
            f"--{comparison.name}-connections",
            dest=comparison.levels_option,
            type=int,
            nargs="+",
            help=f"connection levels of the {comparison.title} comparison "
            "(default: those of --connections; its goal is judged at 32)",
        )
    parser.add_argument("--startup-runs", type=int, default=5, help="start-up repetitions per server (default 5)")
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[1_000, 100_000, 1_000_000], help="live-session counts"
    )
    parser.add_argument("--check-timeout", type=float, default=240.0, help="limit for storefront-kit check (s)")
    vendors = ", ".join(comparison.name for comparison in VENDOR_COMPARISONS)
    parser.add_argument(
        "--skip",
        default="",
        help=f"comma-separated parts to leave out: bare, prism, multi, {vendors}, startup, sessions, check",
    )
    parser.add_argument("--wrk", help="path to the wrk binary (default: wrk on PATH)")
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: redraw the chart and tables (and README) from a results file"
    )
    parser.add_argument(
        "--write-readme", action="store_true", help="rewrite the 'Latest figures' block of bench/README.md"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder (default bench/results)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        # Re-render only: the figures stay those of the recorded run.
        recorded: dict[str, Any] = json.loads(args.from_json.read_text())
        recorded["ratios"] = _report.ratios(recorded)
        recorded["goals"] = _report.goals(recorded)
        return report(recorded, args)
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    wrk = find_wrk(args.wrk)
    if wrk is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    started_at = dt.datetime.now(dt.UTC)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    clock = time.perf_counter()
    # Each vendor comparison's levels: its own option, else those of --connections; none when skipped.
    vendor_levels = {
        c.name: [] if c.name in skip else (getattr(args, c.levels_option) or args.connections)
        for c in VENDOR_COMPARISONS
    }
    prism_reason = None
    if "prism" not in skip:
        try:
            install_prism()
        except Unavailable as exc:
            prism_reason = str(exc)
            print(f"setup: {exc}", flush=True)
    results: dict[str, Any] = {
        "started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine_info(),
        "settings": {
            "duration_s": args.duration,
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "connections": args.connections,
            **{c.levels_option: vendor_levels[c.name] for c in VENDOR_COMPARISONS},
            "generator": f"wrk -t1, {BENCH.name}/wrk/{WEBSALE_MIX.script.name}",
            **{f"generator_{c.name}": f"wrk -t1, {BENCH.name}/wrk/{c.mix.script.name}" for c in VENDOR_COMPARISONS},
            "pinning": f"wrk on CPU 0, single-process servers on CPU {SERVER_CPU}"
            if pinning_available()
            else "no CPU pinning (taskset missing or one core)",
        },
        "targets": {},
    }
    documented = documented_statuses(WEBSALE_MIX)
    results["settings"]["documented_4xx"] = sorted(documented)
    for comparison in VENDOR_COMPARISONS:
        if comparison.name not in skip:
            results["settings"][f"documented_4xx_{comparison.name}"] = sorted(documented_statuses(comparison.mix))
    with tempfile.TemporaryDirectory(prefix="storefront-bench-") as tmp, contextlib.ExitStack() as stack:
        log_dir = Path(tmp)
        plan: list[tuple[Target, list[int]]] = []
        unavailable: dict[str, dict[str, Any]] = {}
        if "bare" in skip:
            unavailable["bare"] = {"label": "bare Starlette", "available": False, "reason": "skipped"}
        else:
            plan.append((bare_target(log_dir), args.connections))
        if "prism" in skip or prism_reason:
            unavailable["prism"] = {"label": "Prism 5", "available": False, "reason": prism_reason or "skipped"}
        else:
            plan.append((prism_target(log_dir), args.connections))
        try:
            kit_help("serve")
            plan.append((mock_target(log_dir), args.connections))
        except Unavailable as exc:
            unavailable["mock"] = {"label": "mock, 1 worker, memory store", "available": False, "reason": str(exc)}
        if "multi" not in skip:
            try:
                multi, reason = multi_worker_targets(log_dir, stack)
            except Unavailable as exc:
                multi, reason = [], str(exc)
            if reason:
                unavailable["mock_multi"] = {"label": "mock, several workers", "available": False, "reason": reason}
            # Several workers are judged at the goals' level only, to keep the run short.
            plan += [(target, [_report.GOAL_CONNECTIONS]) for target in multi]
        for comparison in VENDOR_COMPARISONS:
            # The same contract file for both, the vendor's mix, the same levels and rounds.
            if comparison.name in skip:
                unavailable[comparison.name] = {"label": comparison.mock_label, "available": False, "reason": "skipped"}
                continue
            if "prism" in skip or prism_reason:
                unavailable[comparison.prism_key] = {
                    "label": comparison.prism_label,
                    "available": False,
                    "reason": prism_reason or "skipped",
                }
            else:
                plan.append((comparison.prism_target(log_dir), vendor_levels[comparison.name]))
            if "mock" not in unavailable:
                plan.append((comparison.mock_target(log_dir), vendor_levels[comparison.name]))
            else:
                unavailable[comparison.name] = {**unavailable["mock"], "label": comparison.mock_label}
        ticks_before = machine_cpu_ticks()
        records = load_all(plan, args, wrk)
        results["machine"]["stolen_during_loads"] = stolen_share(ticks_before, machine_cpu_ticks())
        for key in ("bare", "prism", "mock"):
            results["targets"][key] = records.get(key) or unavailable[key]
        results["targets"].update({k: v for k, v in records.items() if k not in results["targets"]})
        if "mock_multi" in unavailable:
            results["targets"]["mock_multi"] = unavailable["mock_multi"]
        for comparison in VENDOR_COMPARISONS:
            for key in (comparison.prism_key, comparison.name):
                if key in unavailable:
                    results["targets"][key] = unavailable[key]
        if "startup" not in skip:
            results["startup"] = measure_startup(args, log_dir)
        if "sessions" not in skip:
            results["sessions"] = measure_sessions(args.sessions, wrk, documented, log_dir)
        if "check" not in skip:
            results["check"] = measure_check(args, log_dir)
            print(f"check: {results['check']}", flush=True)
    results["ratios"] = _report.ratios(results)
    results["goals"] = _report.goals(results)
    results["wall_s"] = round(time.perf_counter() - clock, 1)
    paths = _report.write_json(results, args.out, stamp)
    print()
    print(f"results: {', '.join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in paths)}")
    return report(results, args)


def report(results: dict[str, Any], args: argparse.Namespace) -> int:
    """Print the figures and goals, draw the chart, and rewrite the README block if asked."""
    chart_path = args.out / "latest.png"
    chart_problem = _report.chart(results, chart_path)
    print()
    print(_report.markdown(results))
    print()
    print(f"chart: {chart_problem}" if chart_problem else f"chart: {chart_path}")
    if args.write_readme:
        block = _report.markdown(results)
        if chart_problem is None:
            block += "\n\n![Ratios of the mock to Prism and to bare Starlette](results/latest.png)"
        if _report.rewrite_readme(README, block):
            print(f"readme: rewrote the latest-figures block of {README.relative_to(ROOT)}")
        else:
            print(f"readme: no {_report.README_START} block in {README}", file=sys.stderr)
    not_met = [g["goal"] for g in results["goals"] if g["status"] != _report.MET]
    print(
        f"goals: {len(results['goals']) - len(not_met)} of {len(results['goals'])} met"
        + (f"; not met or not measured: {'; '.join(not_met)}" if not_met else "")
    )
    print(f"wall time: {results['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
