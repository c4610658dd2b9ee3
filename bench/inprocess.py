"""CPU time per request of each operation of the mix, called in-process, fast path on and off.

    .venv/bin/python bench/inprocess.py [--requests 2000] [--repeat 3] [--contract emporix]

No sockets and no load generator: the mock's ASGI app is called directly, so the figures are the
app's own work (Connexion, validation, the domain, the store), without uvicorn's HTTP parsing.
Both variants are built in this process and measured in interleaved repetitions; the ratio
between them is the figure to read, absolute microseconds drift with the machine.

`--contract emporix` measures the operations of bench/wrk/emporix.lua against the mock serving the
Emporix contract instead of those of bench/wrk/mix.lua. The last column says which share of each
operation's requests the fast path handed on to Connexion: an operation at 100% is not on the
fast path at all, and its ratio stays near 1.
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

from _targets import DEMO_EMAIL, DEMO_PASSWORD  # noqa: E402  (the fixtures' demo account)

from mock_server.app import create_app  # noqa: E402
from mock_server.config import ServerConfig  # noqa: E402
from mock_server.fast_path import FastPath  # noqa: E402

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


# The mix of bench/wrk/emporix.lua, on the demo tenant: name, weight, method, path, query, body,
# credential ("own": an anonymous session's token, taking turns; "service": the service token).
TENANT = "demoshop"
OWN = f"/session-context/{TENANT}/me/context"
EMPORIX_SESSIONS = 32
EMPORIX_MIX: list[tuple[str, int, str, str, bytes, Any, str | None]] = [
    ("getOwnSessionContext", 10, "GET", OWN, b"", None, "own"),
    ("getSessionContext", 3, "GET", f"/session-context/{TENANT}/context/{{sessionId}}", b"", None, "service"),
    ("addOwnSessionContextAttribute", 3, "POST", f"{OWN}/attributes", b"", {"key": "lastCategory", "value": "outdoor/jackets"}, "own"),
    ("updateOwnSessionContext", 2, "PATCH", OWN, b"", {"currency": "CHF"}, "own"),
    ("anonymousLogin", 2, "GET", "/customerlogin/auth/anonymous/login", f"tenant={TENANT}&client_id=demo-storefront".encode(), None, None),
]


async def call(
    app: Any, method: str, path: str, query: bytes = b"", body: Any = None, session: str | None = None,
    bearer: str | None = None, form: bytes | None = None,
) -> tuple[int, bytes]:
    raw = form if form is not None else b"" if body is None else json.dumps(body).encode()
    headers = [(b"host", b"bench")]
    if session:
        headers.append((b"x-session", session.encode()))
    if bearer:
        headers.append((b"authorization", b"Bearer " + bearer.encode()))
    if raw:
        media_type = b"application/x-www-form-urlencoded" if form is not None else b"application/json"
        headers += [(b"content-type", media_type), (b"content-length", str(len(raw)).encode())]
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

    async def session() -> str:
        return json.loads((await call(app, "POST", "/api/v1/session/create"))[1])["id"]

    reader, anonymous = await session(), await session()
    await call(app, "POST", "/api/v1/account/login", body={"id": DEMO_EMAIL, "password": DEMO_PASSWORD}, session=reader)
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


async def _started_emporix(app: Any) -> dict[str, Any]:
    """Anonymous sessions (token, id, version) and a service token, as bench/run.py's setup gets them."""
    await app.runtime.ensure_seeded()
    _name, _weight, method, path, query, _body, _role = EMPORIX_MIX[-1]
    own: list[dict[str, Any]] = []
    for _ in range(EMPORIX_SESSIONS):
        token = json.loads((await call(app, method, path, query))[1])
        context = json.loads((await call(app, "GET", OWN, bearer=token["access_token"]))[1])
        own.append({"token": token["access_token"], "id": token["sessionId"], "version": context["metadata"]["version"]})
    form = b"grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret"
    service = json.loads((await call(app, "POST", "/oauth/token", form=form))[1])["access_token"]
    return {"own": own, "service": service}


async def _measure_emporix(app: Any, sessions: dict[str, Any], requests: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    own, service = sessions["own"], sessions["service"]

    async def send(turn: int, method: str, path: str, query: bytes, body: Any, role: str | None) -> int:
        session = own[turn % len(own)]
        if role == "service":
            return (await call(app, method, path.format(sessionId=session["id"]), query, body, bearer=service))[0]
        if method == "PATCH":
            body = {**body, "metadata": {"version": session["version"]}}
        status = (await call(app, method, path, query, body, bearer=session["token"] if role else None))[0]
        if method in ("PATCH", "POST") and status < 300:
            session["version"] += 1  # one caller at a time: the version is known without reading it
        return status

    for name, _weight, method, path, query, body, role in EMPORIX_MIX:
        for turn in range(20):
            await send(turn, method, path, query, body, role)
        gc.collect()
        handed_on = _handed_on(app)
        start = time.process_time()
        for turn in range(requests):
            status = await send(turn, method, path, query, body, role)
            if status >= 300:
                raise SystemExit(f"{name} answered {status}")
        figures[name] = (time.process_time() - start) / requests * 1e6
        figures[f"{name}:connexion"] = (_handed_on(app) - handed_on) / requests
    total = sum(weight for _n, weight, *_ in EMPORIX_MIX)
    figures["mix"] = sum(figures[name] * weight for name, weight, *_ in EMPORIX_MIX) / total
    figures["mix:connexion"] = sum(figures[f"{name}:connexion"] * weight for name, weight, *_ in EMPORIX_MIX) / total
    return figures


def _count_handed_on(app: Any) -> None:
    """Count the requests the fast path hands on to Connexion's stack (`_handed_on`)."""
    fast = getattr(app.front, "app", None)
    app.handed_on = 0
    if not isinstance(fast, FastPath):
        return
    stack = fast.app

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        app.handed_on += 1
        await stack(scope, receive, send)

    fast.app = counting


def _handed_on(app: Any) -> int:
    return int(app.handed_on)


async def main(requests: int, repeat: int, contract: str = "websale") -> None:
    variants = {"Connexion only": False, "fast path": True}
    config = replace(ServerConfig(), contracts=(contract,), log_level="warning")
    apps = {label: create_app(replace(config, fast_path=on)) for label, on in variants.items()}
    emporix = contract == "emporix"
    mix = EMPORIX_MIX if emporix else MIX
    started = _started_emporix if emporix else _started
    measure = _measure_emporix if emporix else _measure
    for app in apps.values():
        _count_handed_on(app)
    sessions = {label: await started(app) for label, app in apps.items()}
    results: dict[str, list[dict[str, float]]] = {label: [] for label in apps}
    for _ in range(repeat):
        for label, app in apps.items():
            results[label].append(await measure(app, sessions[label], requests))
    names = [name for name, *_ in mix] + ["mix"]
    medians = {label: {n: statistics.median(r[n] for r in runs) for n in runs[0]} for label, runs in results.items()}
    width = max(15, *(len(name) + 1 for name in names))
    print(f"CPU µs per request, in-process, median of {repeat} ({requests} requests per operation)")
    extra = f"{'to Connexion':>14}" if emporix else ""
    print(f"{'operation':<{width}}" + "".join(f"{label:>16}" for label in apps) + f"{'ratio':>8}" + extra)
    base, fast = medians["Connexion only"], medians["fast path"]
    for name in names:
        line = f"{name:<{width}}{base[name]:>16.0f}{fast[name]:>16.0f}{base[name] / fast[name]:>7.2f}x"
        if emporix:
            line += f"{fast[name + ':connexion']:>13.0%}"
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--contract", choices=("websale", "emporix"), default="websale", help="the mix to measure")
    options = parser.parse_args()
    asyncio.run(main(options.requests, options.repeat, options.contract))
