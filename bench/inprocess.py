"""CPU time per request of each operation of the mix, called in-process, fast path on and off.

    .venv/bin/python bench/inprocess.py [--requests 2000] [--repeat 3] [--contract emporix|optimizely|zest] [--journal-cost]

No sockets and no load generator: the mock's ASGI app is called directly, so the figures are the
app's own work (Connexion, validation, the domain, the store), without uvicorn's HTTP parsing.
Both variants are built in this process and measured in interleaved repetitions; the ratio
between them is the figure to read, absolute microseconds drift with the machine.

`--contract emporix` (`optimizely`, `zest`) measures the operations of bench/wrk/emporix.lua
(bench/wrk/optimizely.lua, bench/wrk/zest.lua) against the mock serving that contract instead of
those of bench/wrk/mix.lua. The last column says which share of each operation's requests the fast
path handed on to Connexion: an operation at 100% is not on the fast path at all, and its ratio
stays near 1. `--journal-cost` compares the fast path without and with the request journal instead
(`--no-journal`). The ZEST operations are timed one request at a time in the wrk script's interleaved
order, since its additions and emptying keep the carts the other operations read at their size.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import logging
import re
import statistics
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
# Connexion warns on every request it reads a body of when the operation takes two media types
# (ZEST: application/xml and text/xml); quiet, the table stays readable and Connexion's figure
# leaves out the writing of that line.
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)

from _targets import DEMO_EMAIL, DEMO_PASSWORD  # noqa: E402  (the fixtures' demo account)
from _vendors import (  # noqa: E402  (the Optimizely and ZEST fixtures' credentials and ids, as the mixes send them)
    OPTIMIZELY_CLIENT,
    OPTIMIZELY_CURRENCIES,
    OPTIMIZELY_LANGUAGES,
    OPTIMIZELY_SCOPE,
    OPTIMIZELY_SESSIONS,
    OPTIMIZELY_SHIP_TOS,
    OPTIMIZELY_USER,
    ZEST_BASE_PATH,
    ZEST_CATEGORY,
    ZEST_FIRST_SKU,
    ZEST_KEY,
    ZEST_SESSIONS,
    ZEST_SKUS,
)

from mock_server.app import create_app  # noqa: E402
from mock_server.config import ServerConfig  # noqa: E402
from mock_server.fast_path import FastPath  # noqa: E402

# As in bench/wrk/mix.lua, address creation takes turns over several accounts.
WRITERS = 32
# The mix of bench/wrk/mix.lua: name, weight, method, path, query, body, session role.
ADDRESS = {
    "firstName": "Kim",
    "lastName": "Meier",
    "street": "Hauptstraße",
    "streetNumber": "12",
    "zip": "75172",
    "city": "Pforzheim",
    "country": "DE",
}
MIX: list[tuple[str, int, str, str, bytes, Any, str | None]] = [
    ("getAccount", 8, "GET", "/api/v1/account/get", b"", None, "reader"),
    ("listAddresses", 4, "GET", "/api/v1/account/address/list", b"", None, "reader"),
    ("listOrders", 3, "GET", "/api/v1/account/order/list", b"page=1&size=10", None, "reader"),
    ("createSession", 2, "POST", "/api/v1/session/create", b"", None, None),
    ("createAddress", 2, "POST", "/api/v1/account/address/create", b"", {"address": ADDRESS}, "writer"),
    (
        "login",
        1,
        "POST",
        "/api/v1/account/login",
        b"",
        {"id": "demo@example.com", "password": "Wrong-Password-1"},
        "anonymous",
    ),
]


# The mix of bench/wrk/emporix.lua, on the demo tenant: name, weight, method, path, query, body,
# credential ("own": an anonymous session's token, taking turns; "service": the service token).
TENANT = "demoshop"
OWN = f"/session-context/{TENANT}/me/context"
EMPORIX_SESSIONS = 32
EMPORIX_MIX: list[tuple[str, int, str, str, bytes, Any, str | None]] = [
    ("getOwnSessionContext", 10, "GET", OWN, b"", None, "own"),
    ("getSessionContext", 3, "GET", f"/session-context/{TENANT}/context/{{sessionId}}", b"", None, "service"),
    (
        "addOwnSessionContextAttribute",
        3,
        "POST",
        f"{OWN}/attributes",
        b"",
        {"key": "lastCategory", "value": "outdoor/jackets"},
        "own",
    ),
    ("updateOwnSessionContext", 2, "PATCH", OWN, b"", {"currency": "CHF"}, "own"),
    (
        "anonymousLogin",
        2,
        "GET",
        "/customerlogin/auth/anonymous/login",
        f"tenant={TENANT}&client_id=demo-storefront".encode(),
        None,
        None,
    ),
]


# The mix of bench/wrk/optimizely.lua: name, weight, method, path, bodies (the turns go through them),
# credential ("signed-in": a signed-in session's access token, taking turns; "refresh": the client's
# Basic credentials and a refresh token's form; None: a visitor).
SESSION = "/api/v1/sessions/current"
CONTEXT_BODIES = [
    body
    for language, currency in zip(OPTIMIZELY_LANGUAGES.values(), OPTIMIZELY_CURRENCIES.values(), strict=True)
    for body in ({"language": {"id": language}}, {"currency": {"id": currency}})
]
SHIP_TO_BODIES = [{"shipTo": {"id": ship_to}} for ship_to in OPTIMIZELY_SHIP_TOS]
OPTIMIZELY_MIX: list[tuple[str, int, str, str, list[Any], str | None]] = [
    ("getCurrentSession", 11, "GET", SESSION, [None], "signed-in"),
    ("getCurrentSessionAnonymous", 4, "GET", SESSION, [None], None),
    ("updateLanguageOrCurrency", 3, "PATCH", SESSION, CONTEXT_BODIES, "signed-in"),
    ("updateShipTo", 1, "PATCH", SESSION, SHIP_TO_BODIES, "signed-in"),
    ("refreshToken", 1, "POST", "/identity/connect/token", [None], "refresh"),
]


# The mix of bench/wrk/zest.lua: name, weight, method, path, bodies (the turns go through them),
# sessions ("all", "item": those holding the item whose quantity changes, "cart": those whose carts
# get the additions and the emptying).
ZEST = ZEST_BASE_PATH
ZEST_MIX: list[tuple[str, int, str, str, list[bytes | None], str]] = [
    ("browseCategory", 8, "GET", f"{ZEST}/BrowseCategory/{ZEST_CATEGORY}", [None], "all"),
    ("getCart", 6, "GET", f"{ZEST}/Cart", [None], "all"),
    (
        "addToCart",
        3,
        "POST",
        f"{ZEST}/Cart",
        [f"<ResultSet><CartItem><sku>{sku}</sku></CartItem></ResultSet>".encode() for sku in ZEST_SKUS],
        "cart",
    ),
    (
        "updateCartItem",
        2,
        "POST",
        f"{ZEST}/CartItem/{{item}}",
        [f"<ResultSet><CartItem><quantity>{n}</quantity></CartItem></ResultSet>".encode() for n in (1, 2, 3)],
        "item",
    ),
    ("emptyCart", 1, "DELETE", f"{ZEST}/Cart", [None], "cart"),
]
ZEST_PAGES = 3


async def call(
    app: Any,
    method: str,
    path: str,
    query: bytes = b"",
    body: Any = None,
    session: str | None = None,
    bearer: str | None = None,
    form: bytes | None = None,
    basic: tuple[str, str] | None = None,
    xml: bytes | None = None,
) -> tuple[int, bytes]:
    raw = form if form is not None else xml if xml is not None else b"" if body is None else json.dumps(body).encode()
    headers = [(b"host", b"bench")]
    if session:
        headers.append((b"x-session", session.encode()))
    if bearer:
        headers.append((b"authorization", b"Bearer " + bearer.encode()))
    if basic:
        headers.append((b"authorization", b"Basic " + base64.b64encode(":".join(basic).encode())))
    if raw:
        media_type = (
            b"application/x-www-form-urlencoded"
            if form is not None
            else b"application/xml"
            if xml is not None
            else b"application/json"
        )
        headers += [(b"content-type", media_type), (b"content-length", str(len(raw)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8080),
        "extensions": {},
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
        own.append(
            {"token": token["access_token"], "id": token["sessionId"], "version": context["metadata"]["version"]}
        )
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


async def _started_optimizely(app: Any) -> dict[str, Any]:
    """Signed-in sessions (access tokens) and refresh tokens, as bench/run.py's setup gets them."""
    await app.runtime.ensure_seeded()
    form = urlencode(
        {"grant_type": "password", "username": OPTIMIZELY_USER, "password": DEMO_PASSWORD, "scope": OPTIMIZELY_SCOPE}
    ).encode()
    signed_in, refresh = [], []
    for _ in range(OPTIMIZELY_SESSIONS):
        grant = json.loads((await call(app, "POST", "/identity/connect/token", form=form, basic=OPTIMIZELY_CLIENT))[1])
        body = {"userName": OPTIMIZELY_USER, "password": DEMO_PASSWORD}
        status, _answer = await call(app, "POST", "/api/v1/sessions", body=body, bearer=grant["access_token"])
        if status != 201:
            raise SystemExit(f"sign-in answered {status}")
        signed_in.append(grant["access_token"])
        refresh.append(grant["refresh_token"])
    return {"signed-in": signed_in, "refresh": refresh}


async def _measure_optimizely(app: Any, sessions: dict[str, Any], requests: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    signed_in, refresh = sessions["signed-in"], sessions["refresh"]

    async def send(turn: int, method: str, path: str, bodies: list[Any], role: str | None) -> int:
        if role == "refresh":
            # One-time tokens: each answer's refresh token takes the place of the one spent.
            slot = turn % len(refresh)
            form = urlencode({"grant_type": "refresh_token", "refresh_token": refresh[slot]}).encode()
            status, answer = await call(app, method, path, form=form, basic=OPTIMIZELY_CLIENT)
            if status == 200:
                refresh[slot] = json.loads(answer)["refresh_token"]
            return status
        # As in the wrk mix: each session in turn, and each session through the bodies.
        body = bodies[(turn // len(signed_in)) % len(bodies)]
        bearer = signed_in[turn % len(signed_in)] if role else None
        return (await call(app, method, path, body=body, bearer=bearer))[0]

    for name, _weight, method, path, bodies, role in OPTIMIZELY_MIX:
        for turn in range(20):
            await send(turn, method, path, bodies, role)
        gc.collect()
        handed_on = _handed_on(app)
        start = time.process_time()
        for turn in range(requests):
            status = await send(turn, method, path, bodies, role)
            if status >= 300:
                raise SystemExit(f"{name} answered {status}")
        figures[name] = (time.process_time() - start) / requests * 1e6
        figures[f"{name}:connexion"] = (_handed_on(app) - handed_on) / requests
    total = sum(weight for _n, weight, *_ in OPTIMIZELY_MIX)
    figures["mix"] = sum(figures[name] * weight for name, weight, *_ in OPTIMIZELY_MIX) / total
    figures["mix:connexion"] = sum(figures[f"{name}:connexion"] * weight for name, weight, *_ in OPTIMIZELY_MIX) / total
    return figures


async def _started_zest(app: Any) -> dict[str, Any]:
    """Sessions opened with `_session_token=1`, one item in each cart, as bench/run.py's setup makes them."""
    await app.runtime.ensure_seeded()
    held = []
    for _ in range(ZEST_SESSIONS):
        opened = (await call(app, "GET", f"{ZEST}/Cart", b"_session_token=1", basic=(ZEST_KEY, "")))[1]
        token = _zest_token(opened)
        body = f"<ResultSet><CartItem><sku>{ZEST_FIRST_SKU}</sku></CartItem></ResultSet>".encode()
        query = f"_session_token={token}".encode()
        status, added = await call(app, "POST", f"{ZEST}/Cart", query, xml=body, basic=(ZEST_KEY, ""))
        item = re.search(rb'id="Ecommerce::CartItem::([0-9]+)"', added)
        if status != 200 or item is None:
            raise SystemExit(f"adding an item answered {status}")
        held.append({"token": token, "item": item.group(1).decode()})
    half = ZEST_SESSIONS // 2
    return {"all": held, "item": held[:half], "cart": held[half:]}


def _zest_token(answer: bytes) -> str:
    found = re.search(rb'session="([A-Za-z0-9]+)"', answer[:200])
    if found is None:
        raise SystemExit(f"no session on the answer: {answer[:200]!r}")
    return found.group(1).decode()


def _zest_schedule() -> list[tuple[str, int, str, str, list[bytes | None], str]]:
    """The wrk script's fixed interleaved order (smooth weighted round-robin), 20 requests long."""
    total = sum(weight for _n, weight, *_ in ZEST_MIX)
    current = [0] * len(ZEST_MIX)
    order = []
    for _ in range(total):
        for index, (_name, weight, *_rest) in enumerate(ZEST_MIX):
            current[index] += weight
        best = max(range(len(ZEST_MIX)), key=lambda index: (current[index], -index))
        current[best] -= total
        order.append(ZEST_MIX[best])
    return order


async def _measure_zest(app: Any, sessions: dict[str, Any], requests: int) -> dict[str, float]:
    """Each request of the interleaved mix timed on its own, per operation: the carts stay as small as under wrk."""
    schedule = _zest_schedule()
    turns = {name: 0 for name, *_ in ZEST_MIX}
    spent = {name: 0 for name, *_ in ZEST_MIX}
    handed_on = {name: 0 for name, *_ in ZEST_MIX}
    counts = {name: 0 for name, *_ in ZEST_MIX}

    async def send(entry: tuple[str, int, str, str, list[bytes | None], str], timed: bool) -> None:
        name, _weight, method, path, bodies, role = entry
        turn = turns[name]
        turns[name] += 1
        # As in the wrk mix: each session in turn, and each session through the bodies (pages).
        chosen = sessions[role][turn % len(sessions[role])]
        rotation = turn // len(sessions[role])
        query = f"_session_token={chosen['token']}"
        if name == "browseCategory":
            query += f"&page={rotation % ZEST_PAGES + 1}"
        body = bodies[rotation % len(bodies)]
        before_handed_on = _handed_on(app)
        start = time.process_time_ns()
        status, answer = await call(
            app, method, path.format(item=chosen["item"]), query.encode(), xml=body, basic=(ZEST_KEY, "")
        )
        elapsed = time.process_time_ns() - start
        if status != 200 or _zest_token(answer) != chosen["token"]:
            raise SystemExit(f"{name} answered {status} in another session or with an error: {answer[:300]!r}")
        if timed:
            spent[name] += elapsed
            handed_on[name] += _handed_on(app) - before_handed_on
            counts[name] += 1

    for entry in schedule:
        await send(entry, timed=False)
    gc.collect()
    # `requests` reads of the category (the heaviest weight), the other operations in the mix's proportion.
    heaviest = max(weight for _n, weight, *_ in ZEST_MIX)
    for _ in range(max(1, requests // heaviest)):
        for entry in schedule:
            await send(entry, timed=True)
    figures: dict[str, float] = {}
    for name, *_ in ZEST_MIX:
        figures[name] = spent[name] / counts[name] / 1e3
        figures[f"{name}:connexion"] = handed_on[name] / counts[name]
    total = sum(weight for _n, weight, *_ in ZEST_MIX)
    figures["mix"] = sum(figures[name] * weight for name, weight, *_ in ZEST_MIX) / total
    figures["mix:connexion"] = sum(figures[f"{name}:connexion"] * weight for name, weight, *_ in ZEST_MIX) / total
    return figures


def _count_handed_on(app: Any) -> None:
    """Count the requests the fast path hands on to Connexion's stack (`_handed_on`)."""
    fast = getattr(app.front, "app", None)
    while fast is not None and not isinstance(fast, FastPath):
        fast = getattr(fast, "app", None)  # through the journal and the faults in front of it
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


async def main(requests: int, repeat: int, contract: str = "websale", journal_cost: bool = False) -> None:
    config = replace(ServerConfig(), contracts=(contract,), log_level="warning")
    if journal_cost:
        # Both on the fast path: what recording every exchange in the journal costs.
        variants = {"no journal": replace(config, journal=False), "journal": config}
    else:
        variants = {"Connexion only": replace(config, fast_path=False), "fast path": config}
    apps = {label: create_app(variant) for label, variant in variants.items()}
    mixes: dict[str, tuple[list[Any], Callable[..., Awaitable[Any]], Callable[..., Awaitable[dict[str, float]]]]] = {
        "websale": (MIX, _started, _measure),
        "emporix": (EMPORIX_MIX, _started_emporix, _measure_emporix),
        "optimizely": (OPTIMIZELY_MIX, _started_optimizely, _measure_optimizely),
        "zest": (ZEST_MIX, _started_zest, _measure_zest),
    }
    mix, started, measure = mixes[contract]
    # The vendors' mixes also show the share of each operation the fast path hands on to Connexion.
    vendor = contract != "websale"
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
    per_operation = "the mix's most frequent operation, the others in proportion" if contract == "zest" else "operation"
    print(f"CPU µs per request, in-process, median of {repeat} ({requests} requests per {per_operation})")
    extra = f"{'to Connexion':>14}" if vendor else ""
    print(f"{'operation':<{width}}" + "".join(f"{label:>16}" for label in apps) + f"{'ratio':>8}" + extra)
    base, fast = (medians[label] for label in variants)
    for name in names:
        line = f"{name:<{width}}{base[name]:>16.0f}{fast[name]:>16.0f}{base[name] / fast[name]:>7.2f}x"
        if vendor:
            line += f"{fast[name + ':connexion']:>13.0%}"
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--contract", choices=("websale", "emporix", "optimizely", "zest"), default="websale", help="the mix to measure"
    )
    parser.add_argument(
        "--journal-cost", action="store_true", help="compare the fast path with and without the request journal"
    )
    options = parser.parse_args()
    asyncio.run(main(options.requests, options.repeat, options.contract, options.journal_cost))
