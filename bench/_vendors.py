"""The vendor comparisons: the mock serving another vendor's contract against Prism mocking that same file.

Each entry of VENDOR_COMPARISONS names a contract (its `--contract` value), the request mix that
loads it, how to take real credentials from the mock before the load, how to make the same shape
of credentials for Prism, which keeps no state, and the mock's base path where the contract's
paths are relative to one. bench/run.py starts both targets of every
entry at the entry's levels (`--NAME-connections`, leaving it out with `--skip NAME`) and
bench/_report.py divides the mock's figures by Prism's and judges the entry's throughput goal.
A further contract adds an entry here.
"""

from __future__ import annotations

import base64
import functools
import math
import secrets
import string
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _load import (
    EMPORIX_MIX,
    OPTIMIZELY_MIX,
    ZEST_MIX,
    EmporixSession,
    LoadError,
    Mix,
    MixSession,
    OptimizelySession,
    ZestSession,
)
from _procs import SERVER_CPU, Server, free_port, pinned
from _targets import (
    DEMO_PASSWORD,
    ROOT,
    Target,
    Unavailable,
    mock_serve_argv,
    prism_argv,
)


@dataclass(frozen=True)
class VendorComparison:
    """One contract the mock serves, compared with Prism mocking the same file under the same mix."""

    name: str  # the `--contract` value; the mock target's key, `--skip NAME`, `--NAME-connections`
    title: str  # how labels and goals name the contract
    mix: Mix  # the wrk script, and the contract file both targets serve
    prepare: Callable[[str], MixSession]  # credentials taken from the mock (its base URL) before the load
    prepare_stateless: Callable[[str], MixSession]  # the same shape for Prism, which keeps no state
    probe: tuple[str, str]  # (method, path): the first good answer (200) that says a target is up
    # The mock's base path, which the mix's paths follow; Prism serves a contract's paths without
    # its servers' base path. Empty where the contract's paths are absolute.
    base_path: str = ""

    @property
    def prism_key(self) -> str:
        return f"{self.name}_prism"

    @property
    def mock_label(self) -> str:
        return f"{self.title}: mock, 1 worker, memory store"

    @property
    def prism_label(self) -> str:
        return f"{self.title}: Prism 5 (prism mock)"

    @property
    def levels_option(self) -> str:
        """The argparse destination of `--NAME-connections` (and the key of its levels in the results)."""
        return f"{self.name}_connections"

    @property
    def goal(self) -> str:
        return f"{self.title} throughput vs Prism on the same contract, one process each, validation on"

    def mock_target(self, log_dir: Path, cpus: str | None = SERVER_CPU) -> Target:
        """The mock serving the contract, memory store, request and response validation on."""
        port = free_port()
        argv = pinned(mock_serve_argv(port, contract=self.name), cpus)
        return Target(
            key=self.name,
            label=self.mock_label,
            server=Server(self.name, argv, log_dir / f"{self.name}.log", ROOT),
            port=port,
            base_path=self.base_path,
            prepare=self.prepare,
            setup=" ".join(argv),
            mix=self.mix,
            probe=self.probe,
        )

    def prism_target(self, log_dir: Path, cpus: str | None = SERVER_CPU) -> Target:
        """Prism mocking the same contract file the mock serves."""
        port = free_port()
        argv = pinned(prism_argv(self.mix.contract, port), cpus)
        return Target(
            key=self.prism_key,
            label=self.prism_label,
            server=Server(self.prism_key, argv, log_dir / f"{self.prism_key}.log", ROOT),
            port=port,
            base_path="",  # Prism serves the paths without the servers' base path
            prepare=self.prepare_stateless,
            setup=" ".join(argv),
            mix=self.mix,
            probe=self.probe,
        )


# --- Emporix (fixtures/emporix.yaml) ----------------------------------------------------------

EMPORIX_TENANT = "demoshop"
EMPORIX_STOREFRONT = "demo-storefront"
EMPORIX_SERVICE_CLIENT = ("demo-client", "demo-secret")
EMPORIX_SCOPE = "sessioncontext.context_manage"
# Anonymous sessions the Emporix mix takes turns over: half change their currency, half take
# attributes (bench/wrk/emporix.lua); as many as WEBSALE's writing accounts.
EMPORIX_SESSIONS = 32
# The Emporix targets' first good answer: an anonymous login (no session/create in that contract).
EMPORIX_PROBE = ("GET", f"/customerlogin/auth/anonymous/login?tenant={EMPORIX_TENANT}&client_id={EMPORIX_STOREFRONT}")


def emporix_session(base_url: str, sessions: int = EMPORIX_SESSIONS) -> EmporixSession:
    """Anonymous sessions with their tokens and context versions, and a service token, from the mock."""
    with httpx.Client(timeout=10.0) as client:
        method, path = EMPORIX_PROBE
        tokens, ids, versions = [], [], []
        for _ in range(sessions):
            login = client.request(method, base_url + path)
            login.raise_for_status()
            token = str(login.json()["access_token"])
            context = client.get(
                f"{base_url}/session-context/{EMPORIX_TENANT}/me/context", headers={"Authorization": f"Bearer {token}"}
            )
            context.raise_for_status()
            tokens.append(token)
            ids.append(str(login.json()["sessionId"]))
            versions.append(int(context.json()["metadata"]["version"]))
        client_id, secret = EMPORIX_SERVICE_CLIENT
        issued = client.post(
            f"{base_url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "scope": EMPORIX_SCOPE,
            },
        )
        if issued.status_code != 200:
            raise Unavailable(f"service token refused: {issued.status_code} {issued.text[:200]}")
        service_token = str(issued.json()["access_token"])
        managed = client.get(
            f"{base_url}/session-context/{EMPORIX_TENANT}/context/{ids[0]}",
            headers={"Authorization": f"Bearer {service_token}"},
        )
        if managed.status_code != 200:
            raise Unavailable(f"the service token cannot read a context: {managed.status_code} {managed.text[:200]}")
    return EmporixSession(tokens, ids, versions, service_token, EMPORIX_TENANT, EMPORIX_STOREFRONT)


def emporix_stateless_session(_base_url: str, sessions: int = EMPORIX_SESSIONS) -> EmporixSession:
    """Prism keeps no state: token-shaped values and UUIDs do, as many as the mock gets."""
    return EmporixSession(
        tokens=[secrets.token_urlsafe(32) for _ in range(sessions)],
        session_ids=[str(uuid.uuid4()) for _ in range(sessions)],
        versions=[1] * sessions,
        service_token=secrets.token_urlsafe(32),
        tenant=EMPORIX_TENANT,
        client_id=EMPORIX_STOREFRONT,
    )


# --- Optimizely (fixtures/optimizely.yaml; conformance/targets/optimizely.yaml lists the ids) ---

# The storefront client takes any secret; sent as HTTP Basic at the token endpoint.
OPTIMIZELY_CLIENT = ("isc", "bench-secret")
OPTIMIZELY_USER = "demo"
OPTIMIZELY_SCOPE = "iscapi offline_access"
# Sessions signed in to the demo user that the mix's reads and PATCHes take turns over, as many as
# the other mixes' sessions.
OPTIMIZELY_SESSIONS = 32
# Unspent refresh tokens each wrk run starts with (bench/wrk/optimizely.lua keeps them in a queue
# and puts each answer's new one back): at least one per connection at the goals' level, so the
# queue cannot run dry at 32 connections even if every connection waited on a refresh at once.
OPTIMIZELY_REFRESH_POOL = 32
# Switched between in this order (the website's defaults en-us and USD last), by id.
OPTIMIZELY_LANGUAGES = {
    "de-de": "0e71cba2-8a53-5b78-8abe-d0b53631cfeb",
    "fr-fr": "972ab84f-88cb-5622-9211-38e3152e632a",
    "en-us": "61145b0f-9cf7-547b-9775-559b4fcc5f8b",
}
OPTIMIZELY_CURRENCIES = {
    "EUR": "d4d087dc-6659-5b2b-b20e-80d49676d1d7",
    "CAD": "40b8902e-24a4-5a0f-9432-59c0364558ee",
    "USD": "8d732f5b-880b-578d-a36c-a2fb9e0836f2",
}
# The demo user's default bill-to, which the sign-in chooses, and its three ship-tos.
OPTIMIZELY_BILL_TO = "42302634-a8c1-5a6a-a8f1-fd2e362a7b88"
OPTIMIZELY_SHIP_TOS = (
    "49d1d1b5-b809-517d-bf98-bf4ad2fd28a0",
    "b73008d1-2754-5721-94a1-40d191f5d9bd",
    "9b4d6437-24ed-5686-834c-992b2401f314",
)
# A visitor's read: answered 200 with the website's defaults, and nothing stored.
OPTIMIZELY_PROBE = ("GET", "/api/v1/sessions/current")


def _basic(client: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(":".join(client).encode()).decode()


def _optimizely_session(access_tokens: list[str], refresh_pool: Callable[[], list[str]]) -> OptimizelySession:
    return OptimizelySession(
        access_tokens=access_tokens,
        refresh_pool=refresh_pool,
        basic=_basic(OPTIMIZELY_CLIENT),
        languages=list(OPTIMIZELY_LANGUAGES.values()),
        currencies=list(OPTIMIZELY_CURRENCIES.values()),
        ship_tos=list(OPTIMIZELY_SHIP_TOS),
    )


def _password_grant(client: httpx.Client, base_url: str) -> dict[str, Any]:
    """The demo user's tokens, with a refresh token: a new session, not signed in yet."""
    issued = client.post(
        f"{base_url}/identity/connect/token",
        auth=OPTIMIZELY_CLIENT,
        data={
            "grant_type": "password",
            "username": OPTIMIZELY_USER,
            "password": DEMO_PASSWORD,
            "scope": OPTIMIZELY_SCOPE,
        },
    )
    if issued.status_code != 200 or "refresh_token" not in issued.json():
        raise Unavailable(f"password grant refused: {issued.status_code} {issued.text[:200]}")
    return dict(issued.json())


def optimizely_refresh_pool(base_url: str, size: int = OPTIMIZELY_REFRESH_POOL) -> list[str]:
    """Unspent refresh tokens for one wrk run, each of its own session (a password grant each).

    Refresh tokens are one-time, and each wrk run ends with the ones it got back: every run needs
    new ones. What a refresh costs the mock does not depend on whether its session is signed in.
    """
    try:
        with httpx.Client(timeout=10.0) as client:
            return [str(_password_grant(client, base_url)["refresh_token"]) for _ in range(size)]
    except (httpx.HTTPError, Unavailable) as exc:
        raise LoadError(f"no refresh tokens for the Optimizely mix: {exc}") from exc


def optimizely_session(base_url: str, sessions: int = OPTIMIZELY_SESSIONS) -> OptimizelySession:
    """Sessions signed in to the demo user as a storefront signs in: the password grant, then the sign-in."""
    tokens = []
    with httpx.Client(timeout=10.0) as client:
        for _ in range(sessions):
            token = str(_password_grant(client, base_url)["access_token"])
            signed = client.post(
                f"{base_url}/api/v1/sessions",
                headers={"Authorization": f"Bearer {token}"},
                json={"userName": OPTIMIZELY_USER, "password": DEMO_PASSWORD},
            )
            if signed.status_code != 201 or not signed.json().get("isAuthenticated"):
                raise Unavailable(f"sign-in failed: {signed.status_code} {signed.text[:200]}")
            # The mix's ship-tos belong to the default bill-to, which a sign-in chooses.
            bill_to = (signed.json().get("billTo") or {}).get("id")
            if bill_to != OPTIMIZELY_BILL_TO:
                raise Unavailable(f"the sign-in chose the bill-to {bill_to}, not the fixtures' {OPTIMIZELY_BILL_TO}")
            tokens.append(token)
    return _optimizely_session(tokens, functools.partial(optimizely_refresh_pool, base_url))


def optimizely_stateless_session(_base_url: str, sessions: int = OPTIMIZELY_SESSIONS) -> OptimizelySession:
    """Prism keeps no state: token-shaped values do, as many as the mock gets, and a new pool per run."""

    def pool() -> list[str]:
        return [secrets.token_urlsafe(32) for _ in range(OPTIMIZELY_REFRESH_POOL)]

    return _optimizely_session([secrets.token_urlsafe(32) for _ in range(sessions)], pool)


# --- ZEST (fixtures/zest.yaml) --------------------------------------------------------------------
#
# The mock serves the contract under its base path /API/V3, Prism without it: both get the same
# requests (bench/wrk/zest.lua) on their own prefix. What each answers (bench/README.md, "The ZEST
# comparison"): the mock answers every request of the mix 200 in the session it names. Prism
# answers the reads (BrowseCategory, Cart) and the emptying (DELETE Cart) 200 with its generated
# example, written under a root <xml> (one product, where the mock answers a page of 20), and
# refuses both XML POSTs (adding to the cart, changing a quantity) with 400 and the contract's 400
# example: it reads an XML body as text, which the body's schema (an object) refuses. Those 400s are
# documented statuses, so they are not counted as errors; the mix expects no 4xx, so the run
# reports them as unexpected, and the status distribution shows them.

ZEST_BASE_PATH = "/API/V3"
ZEST_KEY = "demo-key"  # every resource
ZEST_NAMESPACE = "{http://www.zeald.com}"
ZEST_CATEGORY = "00411"  # 42 products: three pages at the default page size
ZEST_PAGE_SIZE = 20  # the contract's default per_page, which the mix's reads use
# The demo category's skus (4012, 4013 written out, 4014 to 4053 generated): for Prism and bench/inprocess.py.
ZEST_SKUS = tuple(str(sku) for sku in range(4012, 4054))
# The item every session holds when the load starts; its line's id is what the quantity changes name.
ZEST_FIRST_SKU = "4012"
# Sessions the mix takes turns over, as many as the other mixes': the first half hold the item
# whose quantity changes, the second half get the additions and the emptying (bench/wrk/zest.lua).
ZEST_SESSIONS = 32
# The first good answer: the demo category without its products, the key in the query.
ZEST_PROBE = ("GET", f"/BrowseCategory/{ZEST_CATEGORY}?_with_products=0&_key={ZEST_KEY}")
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def _zest_session(
    item_sessions: list[tuple[str, str]], cart_sessions: list[str], pages: int, skus: list[str]
) -> ZestSession:
    return ZestSession(
        item_sessions=item_sessions,
        cart_sessions=cart_sessions,
        basic=_basic((ZEST_KEY, "")),
        category=ZEST_CATEGORY,
        pages=pages,
        skus=skus,
    )


def _zest_root(answer: httpx.Response, what: str) -> ET.Element:
    if answer.status_code != 200:
        raise Unavailable(f"{what}: {answer.status_code} {answer.text[:200]}")
    return ET.fromstring(answer.content)  # the mock's own answer: no DTD, no entities


def zest_session(base_url: str, sessions: int = ZEST_SESSIONS) -> ZestSession:
    """Sessions opened with `_session_token=1`, one item in each cart, and the category's skus, from the mock."""
    ns = ZEST_NAMESPACE
    with httpx.Client(timeout=10.0, auth=(ZEST_KEY, "")) as client:
        category = _zest_root(
            client.get(f"{base_url}/BrowseCategory/{ZEST_CATEGORY}", params={"per_page": 100}), "the demo category"
        )
        skus = [str(product.findtext(f"{ns}sku")) for product in category.iter(f"{ns}Product")]
        pages = math.ceil(int(category.get("totalResults", "0")) / ZEST_PAGE_SIZE)
        if ZEST_FIRST_SKU not in skus or pages < 1:
            raise Unavailable(f"the demo category {ZEST_CATEGORY} holds no product {ZEST_FIRST_SKU}")
        held = []
        for _ in range(sessions):
            opened = _zest_root(client.get(f"{base_url}/Cart", params={"_session_token": "1"}), "opening a session")
            token = opened.get("session")
            added = _zest_root(
                client.post(
                    f"{base_url}/Cart",
                    params={"_session_token": str(token)},
                    headers={"Content-Type": "application/xml"},
                    content=f"<ResultSet><CartItem><sku>{ZEST_FIRST_SKU}</sku></CartItem></ResultSet>",
                ),
                "adding an item",
            )
            item = added.find(f"{ns}Cart/{ns}CartItem")
            # An answer in another session than the one just opened would leave the mix without its carts.
            if not token or added.get("session") != token or item is None:
                raise Unavailable(f"the session {token} did not keep its cart")
            held.append((str(token), str(item.get("id")).rsplit("::", 1)[-1]))
    half = max(1, sessions // 2)
    return _zest_session(held[:half], [token for token, _ in held[half:]] or [held[0][0]], pages, skus)


def zest_stateless_session(_base_url: str, sessions: int = ZEST_SESSIONS) -> ZestSession:
    """Prism keeps no state: tokens of the mock's shape (15 letters and digits), item 1, the fixtures' skus."""
    tokens = ["".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(15)) for _ in range(sessions)]
    half = max(1, sessions // 2)
    pages = math.ceil(len(ZEST_SKUS) / ZEST_PAGE_SIZE)
    return _zest_session([(token, "1") for token in tokens[:half]], tokens[half:] or tokens[:1], pages, list(ZEST_SKUS))


# --- the table ------------------------------------------------------------------------------------

EMPORIX = VendorComparison(
    name="emporix",
    title="Emporix",
    mix=EMPORIX_MIX,
    prepare=emporix_session,
    prepare_stateless=emporix_stateless_session,
    probe=EMPORIX_PROBE,
)
OPTIMIZELY = VendorComparison(
    name="optimizely",
    title="Optimizely",
    mix=OPTIMIZELY_MIX,
    prepare=optimizely_session,
    prepare_stateless=optimizely_stateless_session,
    probe=OPTIMIZELY_PROBE,
)
ZEST = VendorComparison(
    name="zest",
    title="ZEST",
    mix=ZEST_MIX,
    prepare=zest_session,
    prepare_stateless=zest_stateless_session,
    probe=ZEST_PROBE,
    base_path=ZEST_BASE_PATH,
)
# In the order of the run, the results, the tables and the goals.
VENDOR_COMPARISONS: tuple[VendorComparison, ...] = (EMPORIX, OPTIMIZELY, ZEST)
