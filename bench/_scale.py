"""Memory and account/get latency of the mock with many live sessions."""

from __future__ import annotations

import contextlib
import re
import statistics
import sys
from pathlib import Path
from typing import Any

import httpx
from _load import LoadError, LoadResult, Session, run_mix
from _procs import SERVER_CPU, Server, free_port, pinned, rss_bytes, wait_ready
from _targets import API_BASE, ROOT, Unavailable, mock_session

SEEDED_MOCK = Path(__file__).resolve().parent / "seeded_mock.py"
# Seeding a million sessions takes a while in one Python process; the limit only catches hangs.
SEED_TIMEOUT_S = 300.0
LATENCY_CONNECTIONS = 8
ROUNDS = 5
ROUND_S = 3.0
WARMUP_S = 1.0


def measure_sessions(counts: list[int], wrk: str, documented: frozenset[int], log_dir: Path) -> dict[str, Any]:
    """Run one mock per count of idle sessions; RSS of each, and account/get p50 in interleaved rounds."""
    print(f"sessions: seeding mocks with {', '.join(f'{c:,}' for c in sorted(counts))} idle sessions ...", flush=True)
    servers: dict[int, tuple[Server, int]] = {}
    with contextlib.ExitStack() as stack:
        for count in sorted(counts):
            port = free_port()
            argv = pinned([sys.executable, str(SEEDED_MOCK), "--sessions", str(count), "--port", str(port)], SERVER_CPU)
            server = Server(f"seeded-{count}", argv, log_dir / f"seeded-{count}.log", ROOT)
            server.start()
            stack.callback(server.stop)
            servers[count] = (server, port)
        levels: dict[str, Any] = {}
        sessions: dict[int, Session] = {}
        for server, port in servers.values():
            if not wait_ready(server, f"http://127.0.0.1:{port}{API_BASE}", SEED_TIMEOUT_S):
                tail = server.log_tail(5)
                return {"reason": (tail.splitlines() or ["no output"])[-1], "detail": tail, "levels": {}}
        for count, (server, port) in servers.items():
            # Idle sessions only: taken before the benchmark's own sessions and load.
            rss = rss_bytes(server.pid)
            match = re.search(r"seeded (\d+) sessions in ([0-9.]+) s", server.log_path.read_text(errors="replace"))
            levels[str(count)] = {
                "rss_bytes": rss,
                "rss_mib": round(rss / 2**20, 1),
                "seed_s": float(match.group(2)) if match else None,
            }
            try:
                sessions[count] = mock_session(f"http://127.0.0.1:{port}{API_BASE}", writer_accounts=0)
            except (Unavailable, httpx.HTTPError) as exc:
                return {"reason": str(exc), "levels": {}}
        rounds: dict[int, list[LoadResult]] = {count: [] for count in servers}

        def account_reads(count: int, port: int, seconds: float) -> LoadResult:
            return run_mix(
                wrk,
                f"http://127.0.0.1:{port}",
                API_BASE,
                sessions[count],
                LATENCY_CONNECTIONS,
                seconds,
                documented,
                only="getAccount",
            )

        try:
            for count, (_, port) in servers.items():
                account_reads(count, port, WARMUP_S)
            # Interleaved, so that load from elsewhere on the machine falls on every count alike.
            for _ in range(ROUNDS):
                for count, (_, port) in servers.items():
                    rounds[count].append(account_reads(count, port, ROUND_S))
        except LoadError as exc:
            return {"reason": str(exc), "levels": {}}
    for count, results in rounds.items():
        levels[str(count)].update(
            p50_ms=round(statistics.median(r.p50_ms for r in results), 3),
            p99_ms=round(statistics.median(r.p99_ms for r in results), 3),
            throughput_rps=round(statistics.median(r.throughput_rps for r in results), 1),
            errors=sum(r.errors for r in results),
        )
        level = levels[str(count)]
        print(
            f"          {count:>9,} sessions: RSS {level['rss_mib']} MiB, account/get p50 {level['p50_ms']} ms",
            flush=True,
        )
    return {"connections": LATENCY_CONNECTIONS, "levels": levels, **_summary(levels)}


def _summary(levels: dict[str, Any]) -> dict[str, Any]:
    counts = sorted(int(c) for c in levels)
    if len(counts) < 2:
        return {}
    low, high = levels[str(counts[0])], levels[str(counts[-1])]
    per_session = (high["rss_bytes"] - low["rss_bytes"]) / (counts[-1] - counts[0])
    out: dict[str, Any] = {"bytes_per_idle_session": round(per_session)}
    if counts[0] == 1_000 and counts[-1] == 1_000_000 and low["p50_ms"]:
        out["p50_1m_vs_1k"] = round(high["p50_ms"] / low["p50_ms"], 3)
    return out
