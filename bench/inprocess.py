"""CPU time per request of each operation of the mix, called in-process, fast path on and off.

    .venv/bin/python bench/inprocess.py [--requests 2000] [--repeat 3]

No sockets and no load generator: the mock's ASGI app is called directly, so the figures are the
app's own work (Connexion, validation, the domain, the store), without uvicorn's HTTP parsing.
Both variants are built in this process and measured in interleaved repetitions; the ratio
between them is the figure to read, absolute microseconds drift with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", message=".*starlette.testclient.*")

from mock_server.app import create_app  # noqa: E402
from mock_server.config import ServerConfig  # noqa: E402

# As in bench/wrk/mix.lua, address creation takes turns over several accounts.
WRITERS = 32
# The mix of bench/wrk/mix.lua: name, weight, method, path, query, body, session role.
ADDRESS = {
    "firstName": "Kim", "lastName": "Meier", "street": "Hauptstraße", "streetNumber": "12",
    "zip": "75172", "city": "Pforzheim", "country": "DE",
}
MIX: list[tuple[str, int, str, str, bytes, Any, str | None]] = [
    ("getAccount", 8, "GET", "/api/v1/account/get", b"", None, "reader"),
    ("listAddresses", 4, "GET", "/api/v1/account/address/list", b"", None, "reader"),
    ("listOrders", 3, "GET", "/api/v1/account/order/list", b"page=1&size=10", None, "reader"),
    ("createSession", 2, "POST", "/api/v1/session/create", b"", None, None),
    ("createAddress", 2, "POST", "/api/v1/account/address/create", b"", {"address": ADDRESS}, "writer"),
    ("login", 1, "POST", "/api/v1/account/login", b"", {"id": "demo@example.com", "password": "Wrong-Password-1"}, "anonymous"),
]


async def call(app: Any, method: str, path: str, query: bytes = b"", body: Any = None, session: str | None = None) -> tuple[int, bytes]:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = [(b"host", b"bench")]
    if session:
        headers.append((b"x-session", session.encode()))
    if raw:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query, "headers": headers,
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8080), "extensions": {},
    }
    sent = False
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["body"]


async def _started(app: Any) -> dict[str, list[str]]:
    await app.runtime.ensure_seeded()
    demo = app.runtime.demo_login

    async def session() -> str:
        return json.loads((await call(app, "POST", "/api/v1/session/create"))[1])["id"]

    reader, anonymous = await session(), await session()
    await call(app, "POST", "/api/v1/account/login", body={"id": demo.email, "password": demo.password}, session=reader)
    writers = []
    for number in range(WRITERS):
        writers.append(await session())
        account = {"email": f"bench-writer-{number}@example.com", "password": "Bench-Password-1"}
        await call(app, "POST", "/api/v1/account/register", body=account, session=writers[-1])
    return {"reader": [reader], "writer": writers, "anonymous": [anonymous]}


async def _measure(app: Any, sessions: dict[str, list[str]], requests: int) -> dict[str, float]:
    figures = {}
    for name, _weight, method, path, query, body, role in MIX:
        count = requests // 4 if name == "createAddress" else requests
        turns = sessions.get(role or "", [None])
        for turn in range(20):
            await call(app, method, path, query, body, turns[turn % len(turns)])
        gc.collect()
        start = time.process_time()
        for turn in range(count):
            status, _answer = await call(app, method, path, query, body, turns[turn % len(turns)])
        figures[name] = (time.process_time() - start) / count * 1e6
        if status >= 500:
            raise SystemExit(f"{name} answered {status}")
    total = sum(weight for _n, weight, *_ in MIX)
    figures["mix"] = sum(figures[name] * weight for name, weight, *_ in MIX) / total
    return figures


async def main(requests: int, repeat: int) -> None:
    variants = {"Connexion only": False, "fast path": True}
    apps = {label: create_app(replace(ServerConfig(), fast_path=on, log_level="warning")) for label, on in variants.items()}
    sessions = {label: await _started(app) for label, app in apps.items()}
    results: dict[str, list[dict[str, float]]] = {label: [] for label in apps}
    for _ in range(repeat):
        for label, app in apps.items():
            results[label].append(await _measure(app, sessions[label], requests))
    names = [name for name, *_ in MIX] + ["mix"]
    medians = {label: {n: statistics.median(r[n] for r in runs) for n in names} for label, runs in results.items()}
    print(f"CPU µs per request, in-process, median of {repeat} ({requests} requests per operation)")
    print(f"{'operation':<15}" + "".join(f"{label:>16}" for label in apps) + f"{'ratio':>8}")
    base, fast = medians["Connexion only"], medians["fast path"]
    for name in names:
        print(f"{name:<15}{base[name]:>16.0f}{fast[name]:>16.0f}{base[name] / fast[name]:>7.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.requests, options.repeat))
