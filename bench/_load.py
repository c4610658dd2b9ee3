"""Driving wrk with the mix script and reading its figures."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _procs import LOAD_CPU, pinned

MIX_SCRIPT = Path(__file__).resolve().parent / "wrk" / "mix.lua"
WRK_MISSING = "wrk is not installed. On Debian/Ubuntu: `sudo apt-get install -y wrk` (or pass --wrk /path/to/wrk)."


class LoadError(RuntimeError):
    """wrk could not run or printed no figures."""


@dataclass
class Session:
    """The x-session ids the mix sends: reads, address writes (comma-separated), the failed login."""

    reader: str
    writer: str
    anon: str


@dataclass
class LoadResult:
    connections: int
    duration_s: float
    requests: int
    throughput_rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    statuses: dict[str, int]
    sent: dict[str, int]
    socket_errors: dict[str, int]
    # Answers whose status no operation of the mix documents (5xx, 404, ...), plus socket errors.
    errors: int
    # Documented 4xx beyond what the failed logins explain: a lost session or a refused body.
    unexpected_4xx: int
    notes: list[str] = field(default_factory=list)
    # CPU seconds the server spent meanwhile: unlike req/s, barely moved by other processes.
    server_cpu_s: float | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def find_wrk(explicit: str | None) -> str | None:
    if explicit:
        return explicit if Path(explicit).exists() or shutil.which(explicit) else None
    return shutil.which("wrk")


def run_mix(
    wrk: str,
    url: str,
    base_path: str,
    session: Session,
    connections: int,
    duration_s: float,
    documented: frozenset[int],
    only: str | None = None,
    cpu_of_server: Callable[[], float] | None = None,
) -> LoadResult:
    """Run the mix (or one operation of it) against `url` and classify every answer."""
    env = {
        **os.environ,
        "BENCH_BASE": base_path,
        "BENCH_SESSION": session.reader,
        "BENCH_WRITER": session.writer,
        "BENCH_ANON": session.anon,
        "BENCH_ONLY": only or "",
    }
    # One wrk thread is plenty for 32 connections and keeps wrk on its one core.
    argv = pinned(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration_s))}s",
            "--timeout",
            "5s",
            "-s",
            str(MIX_SCRIPT),
            url,
        ],
        LOAD_CPU,
    )
    cpu_before = cpu_of_server() if cpu_of_server else None
    try:
        completed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=duration_s + 30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LoadError(f"wrk failed to run: {exc}") from exc
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if completed.returncode != 0 or line is None:
        raise LoadError(f"wrk exited {completed.returncode}: {completed.stderr.strip() or completed.stdout.strip()}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    result = _classify(raw, connections, documented)
    if cpu_of_server is not None and cpu_before is not None:
        result.server_cpu_s = round(cpu_of_server() - cpu_before, 3)
    return result


def _classify(raw: dict[str, Any], connections: int, documented: frozenset[int]) -> LoadResult:
    statuses = {str(k): int(v) for k, v in dict(raw["statuses"]).items()}
    sent = {str(k): int(v) for k, v in dict(raw["sent"]).items()}
    socket_errors = {str(k): int(v) for k, v in dict(raw["socket_errors"]).items()}
    latency = dict(raw["latency_us"])
    duration_s = float(raw["duration_us"]) / 1e6
    requests = int(raw["requests"])
    undocumented = sum(n for s, n in statuses.items() if not (200 <= int(s) < 300 or int(s) in documented))
    client_errors = sum(n for s, n in statuses.items() if 400 <= int(s) < 500 and int(s) in documented)
    # Only the failed login is meant to answer a 4xx; `sent` counts requests issued, so it is never
    # below the answers they got.
    unexpected = max(0, client_errors - sent.get("login", 0))
    notes = []
    if sum(statuses.values()) < requests - connections:
        notes.append("fewer classified answers than requests")
    return LoadResult(
        connections=connections,
        duration_s=round(duration_s, 3),
        requests=requests,
        throughput_rps=round(requests / duration_s, 1) if duration_s else 0.0,
        p50_ms=round(float(latency["p50"]) / 1000, 3),
        p90_ms=round(float(latency["p90"]) / 1000, 3),
        p99_ms=round(float(latency["p99"]) / 1000, 3),
        statuses=dict(sorted(statuses.items())),
        sent=dict(sorted(sent.items())),
        socket_errors=socket_errors,
        errors=undocumented + sum(socket_errors.values()),
        unexpected_4xx=unexpected,
        notes=notes,
    )


def combine(rounds: list[LoadResult]) -> dict[str, object]:
    """One level's figures from several interleaved rounds: medians of the rates and percentiles.

    The median keeps one round that another process on the machine disturbed from deciding the
    figure; counts (statuses, errors) are summed.
    """
    first = rounds[0]

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    def total(maps: list[dict[str, int]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for mapping in maps:
            for key, value in mapping.items():
                out[key] = out.get(key, 0) + value
        return dict(sorted(out.items()))

    return {
        "connections": first.connections,
        "rounds": len(rounds),
        "duration_s": round(sum(r.duration_s for r in rounds), 3),
        "requests": sum(r.requests for r in rounds),
        "throughput_rps": round(statistics.median(r.throughput_rps for r in rounds), 1),
        "p50_ms": median([r.p50_ms for r in rounds]),
        "p90_ms": median([r.p90_ms for r in rounds]),
        "p99_ms": median([r.p99_ms for r in rounds]),
        "statuses": total([r.statuses for r in rounds]),
        "sent": total([r.sent for r in rounds]),
        "socket_errors": total([r.socket_errors for r in rounds]),
        "errors": sum(r.errors for r in rounds),
        "server_cpu_ms_per_request": _cpu_per_request(rounds),
        "unexpected_4xx": sum(r.unexpected_4xx for r in rounds),
        "per_round": [
            {"throughput_rps": r.throughput_rps, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms, "errors": r.errors}
            for r in rounds
        ],
        "notes": sorted({note for r in rounds for note in r.notes}),
    }


def _cpu_per_request(rounds: list[LoadResult]) -> float | None:
    if any(r.server_cpu_s is None for r in rounds):
        return None
    requests = sum(r.requests for r in rounds)
    return round(1000 * sum(r.server_cpu_s or 0.0 for r in rounds) / requests, 4) if requests else None
