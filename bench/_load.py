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
from typing import Any, Protocol

from _procs import LOAD_CPU, pinned

WRK_DIR = Path(__file__).resolve().parent / "wrk"
MIX_SCRIPT = WRK_DIR / "mix.lua"
EMPORIX_SCRIPT = WRK_DIR / "emporix.lua"
OPTIMIZELY_SCRIPT = WRK_DIR / "optimizely.lua"
ZEST_SCRIPT = WRK_DIR / "zest.lua"
WRK_MISSING = "wrk is not installed. On Debian/Ubuntu: `sudo apt-get install -y wrk` (or pass --wrk /path/to/wrk)."


class LoadError(RuntimeError):
    """wrk could not run or printed no figures."""


@dataclass(frozen=True)
class Mix:
    """A request mix: its wrk script, and the contract operations it sends."""

    name: str
    script: Path
    contract: Path  # the contract file whose responses say which statuses are documented answers
    operations: tuple[str, ...]
    # Names of the script's operations (as counted in its `sent`) whose documented 4xx answers
    # are part of the mix; documented 4xx beyond the number of these requests are "unexpected".
    answers_4xx: tuple[str, ...]


ROOT = WRK_DIR.parent.parent
# The storefront mix of the WEBSALE contract (bench/wrk/mix.lua); its failed login answers 401/429.
WEBSALE_MIX = Mix(
    name="websale",
    script=MIX_SCRIPT,
    contract=ROOT / "openapi.yaml",
    operations=("createSession", "getAccount", "listAddresses", "createAddress", "listOrders", "login"),
    answers_4xx=("login",),
)
# The storefront mix of the Emporix contract (bench/wrk/emporix.lua).
EMPORIX_MIX = Mix(
    name="emporix",
    script=EMPORIX_SCRIPT,
    contract=ROOT / "contracts" / "emporix.yaml",
    operations=(
        "getOwnSessionContext",
        "getSessionContext",
        "addOwnSessionContextAttribute",
        "updateOwnSessionContext",
        "anonymousLogin",
    ),
    answers_4xx=("updateOwnSessionContext",),
)
# The storefront mix of the Optimizely contract (bench/wrk/optimizely.lua): every request of it is
# answered 2xx by a server that keeps its sessions and tokens, so any 4xx is unexpected.
OPTIMIZELY_MIX = Mix(
    name="optimizely",
    script=OPTIMIZELY_SCRIPT,
    contract=ROOT / "contracts" / "optimizely.yaml",
    operations=("getCurrentSession", "updateCurrentSession", "requestToken"),
    answers_4xx=(),
)
# The storefront mix of the ZEST contract (bench/wrk/zest.lua): a server that keeps its sessions
# and carts answers every request of it 200, so any 4xx is unexpected (Prism's refusals of the
# XML bodies included: bench/README.md, "The ZEST comparison").
ZEST_MIX = Mix(
    name="zest",
    script=ZEST_SCRIPT,
    contract=ROOT / "contracts" / "zest.yaml",
    operations=("browseCategory", "getCart", "addToCart", "updateCartItem", "emptyCart"),
    answers_4xx=(),
)


class MixSession(Protocol):
    """What a mix script is handed for one wrk run (environment variables), and what to record of it."""

    def env(self) -> dict[str, str]: ...

    def describe(self) -> dict[str, object]: ...


@dataclass
class Session:
    """The x-session ids the mix sends: reads, address writes (comma-separated), the failed login."""

    reader: str
    writer: str
    anon: str

    def env(self) -> dict[str, str]:
        return {"BENCH_SESSION": self.reader, "BENCH_WRITER": self.writer, "BENCH_ANON": self.anon}

    def describe(self) -> dict[str, object]:
        return {"writer_accounts": len(self.writer.split(","))}


@dataclass
class EmporixSession:
    """What the Emporix mix sends: anonymous sessions (token, id, version) and a service token."""

    tokens: list[str]
    session_ids: list[str]
    versions: list[int]
    service_token: str
    tenant: str
    client_id: str

    def env(self) -> dict[str, str]:
        # Tokens are URL-safe base64 and session ids UUIDs: neither holds ":" or ",".
        sessions = ",".join(
            f"{token}:{sid}:{version}"
            for token, sid, version in zip(self.tokens, self.session_ids, self.versions, strict=True)
        )
        return {
            "BENCH_SESSIONS": sessions,
            "BENCH_SERVICE_TOKEN": self.service_token,
            "BENCH_TENANT": self.tenant,
            "BENCH_CLIENT": self.client_id,
        }

    def describe(self) -> dict[str, object]:
        return {"anonymous_sessions": len(self.tokens)}


@dataclass
class OptimizelySession:
    """What the Optimizely mix sends: signed-in sessions' access tokens, refresh tokens, the client, ids."""

    access_tokens: list[str]
    # A new pool of unspent refresh tokens for each wrk run: they are one-time, and each run keeps
    # the ones it got back. It may raise LoadError.
    refresh_pool: Callable[[], list[str]]
    basic: str  # the token endpoint's `Authorization` value, `Basic base64(client:secret)`
    languages: list[str]
    currencies: list[str]
    ship_tos: list[str]

    def env(self) -> dict[str, str]:
        # Tokens are URL-safe base64 and the ids UUIDs: none holds ",".
        return {
            "BENCH_TOKENS": ",".join(self.access_tokens),
            "BENCH_REFRESH": ",".join(self.refresh_pool()),
            "BENCH_BASIC": self.basic,
            "BENCH_LANGUAGES": ",".join(self.languages),
            "BENCH_CURRENCIES": ",".join(self.currencies),
            "BENCH_SHIPTOS": ",".join(self.ship_tos),
        }

    def describe(self) -> dict[str, object]:
        return {"signed_in_sessions": len(self.access_tokens)}


@dataclass
class ZestSession:
    """What the ZEST mix sends: session tokens, the item each holds, the application key, skus."""

    # Sessions whose one item (its id) gets the quantity changes; their carts are never emptied.
    item_sessions: list[tuple[str, str]]
    # Sessions whose default cart gets the additions and the emptying.
    cart_sessions: list[str]
    basic: str  # the whole `Authorization` value, `Basic base64(<key>:)`
    category: str
    pages: int  # of the category at the default page size, which the reads go through
    skus: list[str]  # the products the additions take turns over

    def env(self) -> dict[str, str]:
        # Tokens are letters and digits, item ids and skus digits: none holds ":" or ",".
        return {
            "BENCH_ITEM_SESSIONS": ",".join(f"{token}:{item}" for token, item in self.item_sessions),
            "BENCH_CART_SESSIONS": ",".join(self.cart_sessions),
            "BENCH_BASIC": self.basic,
            "BENCH_CATEGORY": self.category,
            "BENCH_PAGES": str(self.pages),
            "BENCH_SKUS": ",".join(self.skus),
        }

    def describe(self) -> dict[str, object]:
        return {"item_sessions": len(self.item_sessions), "cart_sessions": len(self.cart_sessions)}


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
    session: MixSession,
    connections: int,
    duration_s: float,
    documented: frozenset[int],
    only: str | None = None,
    cpu_of_server: Callable[[], float] | None = None,
    mix: Mix = WEBSALE_MIX,
) -> LoadResult:
    """Run the mix (or one operation of it) against `url` and classify every answer."""
    env = {**os.environ, "BENCH_BASE": base_path, "BENCH_ONLY": only or "", **session.env()}
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
            str(mix.script),
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
    result = _classify(raw, connections, documented, mix.answers_4xx)
    if cpu_of_server is not None and cpu_before is not None:
        result.server_cpu_s = round(cpu_of_server() - cpu_before, 3)
    return result


def _classify(
    raw: dict[str, Any], connections: int, documented: frozenset[int], answers_4xx: tuple[str, ...] = ("login",)
) -> LoadResult:
    statuses = {str(k): int(v) for k, v in dict(raw["statuses"]).items()}
    sent = {str(k): int(v) for k, v in dict(raw["sent"]).items()}
    socket_errors = {str(k): int(v) for k, v in dict(raw["socket_errors"]).items()}
    latency = dict(raw["latency_us"])
    duration_s = float(raw["duration_us"]) / 1e6
    requests = int(raw["requests"])
    undocumented = sum(n for s, n in statuses.items() if not (200 <= int(s) < 300 or int(s) in documented))
    client_errors = sum(n for s, n in statuses.items() if 400 <= int(s) < 500 and int(s) in documented)
    # Only some operations of a mix may answer a 4xx (WEBSALE: the failed login; Emporix: the
    # PATCH, whose 409 answers a version another request changed meanwhile; Optimizely, ZEST: none);
    # `sent` counts requests issued, so it is never below the answers they got.
    unexpected = max(0, client_errors - sum(sent.get(name, 0) for name in answers_4xx))
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
