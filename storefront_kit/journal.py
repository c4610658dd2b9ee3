"""The request journal: recent exchanges with a contract, secrets masked, each with its verdict.

Shared by the mock and the validation proxy. Recording is cheap: `Journal.record` keeps the
`Exchange` as it is (raw, truncated bytes) and the JSON entry of the controls' `JournalEntry` schema is
rendered, secrets masked, the first time it is read. From then on only the masked entry is kept,
and the session the request sent only as a keyed fingerprint (and a masked prefix): filtering by
session compares fingerprints.

Serving it: `journal_app(journal)` is an ASGI app answering `GET/DELETE /requests` and
`GET /requests/{id}` (mount it at `/__mock`); the mock serves the same calls through its controls
contract, whose handlers call `Journal.list`/`get`/`clear` as the app does (`list_arguments` reads
a query the way the contract's parameters say).

    journal = Journal()
    masker = Masker.for_contract(contract)
    exchange = Exchange(contract.name, "GET", "/account", query, request_headers)
    exchange.status, exchange.response_headers, exchange.response_body = 200, [...], b"..."
    exchange.mask = masker                  # what is secret in this contract
    await journal.record(exchange)          # -> its id
    await journal.list(status=400)          # -> [entry, ...] (dicts), oldest first
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple

from starlette.types import Receive, Scope, Send

from storefront_kit.contract import Contract

DEFAULT_SIZE = 500
BODY_LIMIT = 4096  # bytes of each body kept
MAX_LIST = 1000
MASK = "***"
# Names whose values are secrets wherever they appear: JSON members, XML elements and attributes,
# form and query fields.
SECRET_NAMES = (
    r"[A-Za-z_]*(?:password|passwd|secret|token|apikey|api_key|sessionid|session_id|sessionkey)[A-Za-z_]*"
    r"|[A-Za-z_]*tok|session|_key|code_verifier|assertion"
)
_NAMES_FLAGS = re.IGNORECASE
# Header names that carry credentials whatever the contract calls them (`saas-token`, `x-api-key`).
_SECRET_HEADER = re.compile(r"[a-z0-9_-]*(?:password|secret|token|api-?key|session)[a-z0-9_-]*")


class Refusal(NamedTuple):
    """The rule that refused a request: which kind (`schema`, `security`, `domain`, ...), the code, why."""

    rule: str
    code: str
    reason: str


class Masker:
    """Masks the secrets of one contract's exchanges: credentials, session values, password fields."""

    def __init__(
        self,
        *,
        secret_headers: Iterable[str] = (),
        secret_query: Iterable[str] = (),
        secret_fields: Iterable[str] = (),
        answer_fields: Mapping[str, Iterable[str]] = {},  # noqa: B006  (read only)
        session_headers: Iterable[str] = (),
        session_query: Iterable[str] = (),
        session_cookies: Iterable[str] = (),
        bearer_session: bool = False,
    ) -> None:
        self.secret_headers = {"authorization", "cookie", "set-cookie", "x-mock-token", "proxy-authorization"}
        self.secret_headers |= {name.lower() for name in secret_headers}
        self._fields = _FieldMask("|".join([SECRET_NAMES, *map(re.escape, secret_fields)]))
        # Fields secret in one operation's answers only (a session id that a link carries on).
        self._answer_fields = {
            operation_id: _FieldMask("|".join(map(re.escape, names))) for operation_id, names in answer_fields.items()
        }
        query_names = "|".join([SECRET_NAMES, *map(re.escape, secret_query)])
        self._form = re.compile(rf"((?:^|&)(?:{query_names})=)[^&]*", _NAMES_FLAGS)
        self.session_headers = tuple(name.lower().encode("latin-1") for name in session_headers)
        # In order of preference: a session parameter before an application's key.
        self.session_query = [re.compile(rf"(?:^|&){re.escape(name)}=([^&]*)") for name in session_query]
        self.session_cookies = tuple(session_cookies)
        self.bearer_session = bearer_session

    @classmethod
    def for_contract(cls, contract: Contract) -> Masker:
        """What is secret in `contract`: its credentials, and the values its links carry into them."""
        headers: list[str] = []
        query: list[str] = []
        cookies: list[str] = []
        answer_fields: dict[str, set[str]] = {}
        bearer = False
        for scheme in contract.security_schemes().values():
            if scheme["type"] == "apiKey":
                {"header": headers, "query": query, "cookie": cookies}[scheme["in"]].append(scheme["name"])
            elif scheme["type"] in ("http", "oauth2", "openIdConnect"):
                bearer = bearer or scheme.get("scheme", "bearer").lower() != "basic"
        linked_headers: list[str] = []
        linked_query: list[str] = []
        for operation in contract.operations.values():
            spec = contract.operation_spec(operation.operation_id)
            for response in spec.get("responses", {}).values():
                for link in response.get("links", {}).values():
                    for target, source in link.get("parameters", {}).items():
                        where, _, name = str(target).partition(".")
                        if not str(source).startswith("$response.body#/"):
                            continue
                        # A value a link carries into a credential or a session parameter is a secret.
                        if name in headers or name in query or "session" in name.lower() or "token" in name.lower():
                            answer_fields.setdefault(operation.operation_id, set()).add(str(source).rsplit("/", 1)[-1])
                            if where == "query":
                                linked_query.append(name)
                            elif where == "header":
                                linked_headers.append(name)
        return cls(
            secret_headers=headers,
            secret_query=query,
            answer_fields={operation_id: sorted(names) for operation_id, names in answer_fields.items()},
            session_headers=list(dict.fromkeys(linked_headers + headers)),
            session_query=list(dict.fromkeys(linked_query + query)),
            session_cookies=cookies,
            bearer_session=bearer,
        )

    def session(self, headers: list[tuple[bytes, bytes]], query: bytes) -> str | None:
        """The session (or credential standing for one) a request sends, in clear."""
        for name, value in headers:
            if name in self.session_headers:
                return value.decode("latin-1")
        if self.session_query and query:
            text = query.decode("latin-1")
            for pattern in self.session_query:
                found = pattern.search(text)
                if found and found.group(1) not in ("", "1"):  # `1` asks for a new session
                    return found.group(1)
        for name, value in headers:
            if name == b"authorization" and self.bearer_session:
                scheme, _, credential = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and credential:
                    return credential.strip()
            elif name == b"cookie" and self.session_cookies:
                for part in value.decode("latin-1").split(";"):
                    key, _, cookie = part.strip().partition("=")
                    if key in self.session_cookies:
                        return cookie
        return None

    def header(self, name: str, value: str) -> str:
        if name not in self.secret_headers and not _SECRET_HEADER.fullmatch(name):
            return value
        if name in ("authorization", "proxy-authorization"):
            scheme, _, credential = value.partition(" ")
            return f"{scheme} {MASK}" if credential else MASK
        if name in ("cookie", "set-cookie"):
            cookie, _, attributes = value.partition(";") if name == "set-cookie" else (value, "", "")
            masked = "; ".join(f"{part.strip().partition('=')[0]}={MASK}" for part in cookie.split(";") if part.strip())
            return masked + (";" + attributes if attributes else "")
        return masked_value(value)

    def query(self, query: str) -> str:
        return self._form.sub(lambda match: match.group(1) + MASK, query)

    def body(self, text: str, session: str | None, answer_of: str | None = None) -> str:
        """`text` with the values of secret fields and the request's session masked.

        `answer_of`: the operation whose answer `text` is, which may have secret fields of its own.
        """
        if session and len(session) >= 4:
            text = text.replace(session, MASK)
        if "=" in text and "{" not in text and "<" not in text:
            return self.query(text)
        text = self._fields.mask(text)
        extra = self._answer_fields.get(answer_of) if answer_of is not None else None
        return text if extra is None else extra.mask(text)


class _FieldMask:
    """Masks the values of the named fields: JSON members, XML elements and attributes."""

    def __init__(self, names: str) -> None:
        # A value cut off by the truncation (no closing quote or tag) is masked up to the end.
        self._json = re.compile(rf'("(?:{names})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?\Z)', _NAMES_FLAGS)
        self._xml_element = re.compile(rf"(<((?:\w+:)?(?:{names}))(?:\s[^>]*)?>)([^<]*)(</\2>|\Z)", _NAMES_FLAGS)
        self._xml_attribute = re.compile(rf"""(\s(?:{names})=)("[^"]*(?:"|\Z)|'[^']*(?:'|\Z))""", _NAMES_FLAGS)

    def mask(self, text: str) -> str:
        text = self._json.sub(lambda match: f'{match.group(1)}"{MASK}"', text)
        if "<" in text:
            text = self._xml_element.sub(lambda match: match.group(1) + MASK + match.group(4), text)
            text = self._xml_attribute.sub(lambda match: f'{match.group(1)}"{MASK}"', text)
        return text


_PLAIN = Masker()


def masked_value(value: str) -> str:
    """A secret shown by its first characters only, so that entries of one session can be told apart."""
    return value[:4] + MASK if len(value) >= 16 else MASK


class Exchange:
    """One request and its answer, as the journal keeps it until first read.

    A plain slotted class: one is made per request, on the fast path too, and kept as it is.
    Layers that answer the request note what they know: `operation_id`, `code` and `refused_by`,
    `violations`. When first read it is rendered, secrets masked, and its raw parts dropped.
    """

    __slots__ = (
        "contract",
        "method",
        "path",
        "query",
        "operation_id",
        "status",
        "code",
        "started",
        "duration_ms",
        "request_headers",
        "request_body",
        "request_truncated",
        "response_headers",
        "response_body",
        "response_truncated",
        "refused_by",
        "violations",
        "mask",
        "id",
    )

    def __init__(
        self,
        contract: str,
        method: str,
        path: str,
        query: bytes = b"",
        request_headers: list[tuple[bytes, bytes]] | None = None,
        *,
        started: float | None = None,
        mask: Masker | None = None,
    ) -> None:
        self.contract = contract
        self.method = method
        self.path = path
        self.query = query
        self.operation_id: str | None = None
        self.status = 0
        self.code: str | None = None  # the error code answered
        self.started = time.time() if started is None else started
        self.duration_ms = 0.0
        self.request_headers: list[tuple[bytes, bytes]] = request_headers if request_headers is not None else []
        self.request_body = b""
        self.request_truncated = False
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.response_body = b""
        self.response_truncated = False
        self.refused_by: Refusal | None = None
        self.violations: list[str] = []
        self.mask = mask  # what is secret in the contract; None: only the usual credentials
        self.id = 0  # set when recorded

    def session(self) -> str | None:
        """The session the request sent, in clear (None once rendered)."""
        return (self.mask or _PLAIN).session(self.request_headers, self.query)

    def render(self) -> dict[str, Any]:
        """The entry of the controls' `JournalEntry` schema, secrets masked."""
        mask = self.mask or _PLAIN
        session = self.session()
        at = datetime.fromtimestamp(self.started, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ok = self.refused_by is None and not self.violations and 100 <= self.status < 400
        return {
            "id": self.id,
            "at": at,
            "contract": self.contract,
            "operationId": self.operation_id,
            "method": self.method,
            "path": self.path,
            "query": mask.query(self.query.decode("latin-1")),
            "status": self.status,
            "code": self.code,
            "durationMs": round(self.duration_ms, 3),
            "session": None if session is None else masked_value(session),
            "request": _message(mask, self.request_headers, self.request_body, self.request_truncated, session, None),
            "response": _message(
                mask, self.response_headers, self.response_body, self.response_truncated, session, self.operation_id
            ),
            "verdict": {
                "ok": ok,
                "refusedBy": None if self.refused_by is None else self.refused_by._asdict(),
                "violations": list(self.violations),
            },
        }

    def forget_clear_values(self) -> None:
        """Drop the raw parts, which hold secrets in clear; the rendered entry stays."""
        self.request_headers, self.response_headers = [], []
        self.request_body = self.response_body = self.query = b""


def _message(
    mask: Masker,
    headers: Iterable[tuple[bytes, bytes]],
    body: bytes,
    truncated: bool,
    session: str | None,
    answer_of: str | None,
) -> dict[str, Any]:
    named: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        value = mask.header(name, raw_value.decode("latin-1"))
        named[name] = f"{named[name]}, {value}" if name in named else value
    text = body.decode("utf-8", "replace") if body else None
    body_text = None if text is None else mask.body(text, session, answer_of)
    return {"headers": named, "body": body_text, "truncated": truncated}


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """What `GET /__mock/requests` asks for; None: anything. `fingerprint` is the session's."""

    path: str | None
    status: int | None
    operation: str | None
    contract: str | None
    fingerprint: str | None

    def admits(
        self, path: str, status: int, operation: str | None, contract: str, fingerprint: Callable[[], str]
    ) -> bool:
        """Whether an entry with these fields passes; `fingerprint` is computed only when asked for."""
        return (
            (self.path is None or self.path in path)
            and (self.status is None or status == self.status)
            and (self.operation is None or operation == self.operation)
            and (self.contract is None or contract == self.contract)
            and (self.fingerprint is None or fingerprint() == self.fingerprint)
        )


class Journal:
    """The newest exchanges of one process, bounded (`size`), oldest first.

    Recording appends the exchange as it is (a bounded deque: the oldest drops out). An entry is
    rendered when first read; from then on only the masked entry is kept, and the session the
    request sent only as a keyed fingerprint.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._exchanges: deque[Exchange] = deque(maxlen=size)
        self._rendered: dict[int, dict[str, Any]] = {}
        self._fingerprints: dict[int, str] = {}  # "" where no session was sent
        self._next_id = 1
        self._key = secrets.token_bytes(16)

    def fingerprint(self, session: str) -> str:
        """A keyed hash of a session value: equal for equal values, telling nothing of them."""
        return hmac.new(self._key, session.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()[:32]

    async def record(self, exchange: Exchange) -> int:
        """Keep `exchange` (the oldest drops out when full); answers its id, also set as `exchange.id`."""
        entry_id = exchange.id = self._next_id
        self._next_id += 1
        self._exchanges.append(exchange)
        return entry_id

    async def list(
        self,
        *,
        path: str | None = None,
        status: int | None = None,
        session: str | None = None,
        operation: str | None = None,
        contract: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The entries that match every filter given, the newest `limit` of them, oldest first."""
        wanted = EntryFilter(path, status, operation, contract, None if session is None else self.fingerprint(session))
        found: list[Exchange] = []
        for exchange in reversed(self._exchanges):
            if after is not None and exchange.id <= after:
                break
            if wanted.admits(
                exchange.path,
                exchange.status,
                exchange.operation_id,
                exchange.contract,
                partial(self._fingerprint, exchange),
            ):
                found.append(exchange)
                if len(found) >= limit:
                    break
        entries = [self._entry(exchange) for exchange in reversed(found)]
        self._prune()
        return entries

    async def get(self, entry_id: int) -> dict[str, Any] | None:
        oldest = self._exchanges[0].id if self._exchanges else entry_id + 1
        index = entry_id - oldest  # ids are consecutive in the deque
        if 0 <= index < len(self._exchanges) and self._exchanges[index].id == entry_id:
            return self._entry(self._exchanges[index])
        return None

    async def clear(self) -> int:
        count = len(self._exchanges)
        self._exchanges.clear()
        self._rendered.clear()
        self._fingerprints.clear()
        return count

    def _fingerprint(self, exchange: Exchange) -> str:
        found = self._fingerprints.get(exchange.id)
        if found is None:
            session = exchange.session()
            found = self._fingerprints[exchange.id] = "" if session is None else self.fingerprint(session)
        return found

    def _entry(self, exchange: Exchange) -> dict[str, Any]:
        entry = self._rendered.get(exchange.id)
        if entry is None:
            self._fingerprint(exchange)  # before the clear value goes
            entry = self._rendered[exchange.id] = exchange.render()
            exchange.forget_clear_values()
        return entry

    def _prune(self) -> None:
        """Forget what is kept for exchanges that dropped out."""
        if len(self._rendered) + len(self._fingerprints) > 2 * self.size and self._exchanges:
            oldest = self._exchanges[0].id
            self._rendered = {key: value for key, value in self._rendered.items() if key >= oldest}
            self._fingerprints = {key: value for key, value in self._fingerprints.items() if key >= oldest}


# --- the journal API as a plain ASGI app (for the proxy; the mock serves it through its controls) ---

_ID_PATH = re.compile(r"/requests/([0-9]{1,15})\Z")
_INTEGER = re.compile(r"-?[0-9]{1,15}\Z")


class JournalApiError(Exception):
    """A bad call to the journal API: answered in the controls' error envelope."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def body(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


def list_arguments(query: Mapping[str, str]) -> dict[str, Any]:
    """The keyword arguments of `Journal.list` from a request's query, checked as the controls contract says."""
    arguments: dict[str, Any] = {}
    for name in ("path", "session", "operation", "contract"):
        if name in query:
            arguments[name] = query[name]
    for name, lowest, highest in (("status", 100, 599), ("after", 0, None), ("limit", 1, MAX_LIST)):
        if name not in query:
            continue
        text = query[name]
        if not _INTEGER.match(text) or int(text) < lowest or (highest is not None and int(text) > highest):
            bounds = f"from {lowest} to {highest}" if highest is not None else f"of at least {lowest}"
            raise JournalApiError(400, "invalidRequest", f"{name} must be a whole number {bounds}.", name)
        arguments[name] = int(text)
    return arguments


def journal_app(journal: Journal, token: str | None = None) -> Any:
    """An ASGI app serving the journal API of `journal` (`/requests`, `/requests/{id}`), for mounting at `/__mock`.

    With `token`, every call must send it as `X-Mock-Token`. Paths are read relative to the mount
    (Starlette's `Mount` sets `root_path`); answers use the controls' error envelope.
    """
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        # Starlette's `Mount` keeps the whole path and extends `root_path`; other routers strip it.
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        try:
            if token is not None and not hmac.compare_digest(
                request.headers.get("x-mock-token", "").encode("utf-8", "surrogateescape"), token.encode()
            ):
                raise JournalApiError(401, "controlsTokenRequired", "Send the control token as X-Mock-Token.")
            if path == "/requests":
                if request.method == "GET":
                    entries = await journal.list(**list_arguments(request.query_params))
                    response = JSONResponse({"requests": entries})
                elif request.method == "DELETE":
                    response = JSONResponse({"deleted": await journal.clear()})
                else:
                    raise JournalApiError(405, "methodNotAllowed", "Use GET or DELETE here.")
            elif (match := _ID_PATH.match(path)) is not None:
                if request.method != "GET":
                    raise JournalApiError(405, "methodNotAllowed", "Use GET here.")
                entry = await journal.get(int(match.group(1)))
                if entry is None:
                    raise JournalApiError(404, "unknownEntry", f"The journal holds no request {match.group(1)}.", "id")
                response = JSONResponse(entry)
            else:
                raise JournalApiError(404, "notFound", f"No control exists at {path[:200]}.")
        except JournalApiError as error:
            response = JSONResponse(error.body(), status_code=error.status)
        await response(scope, receive, send)

    return app
