"""The request journal: recent exchanges with a contract, secrets masked, each with its verdict.

Shared by the mock and the validation proxy. Recording is cheap: `Journal.record` keeps an
`Exchange` (raw, truncated bytes) and the JSON entry of the controls' `JournalEntry` schema is
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
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
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
    r"|session|_key|code_verifier|assertion"
)
_NAMES_FLAGS = re.IGNORECASE


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
        self.session_query = re.compile(
            "(?:^|&)(?:" + "|".join(map(re.escape, session_query)) + ")=([^&]*)" if session_query else r"(?!)"
        )
        self.session_cookies = tuple(session_cookies)
        self.bearer_session = bearer_session

    @classmethod
    def for_contract(cls, contract: Contract) -> Masker:
        """What is secret in `contract`: its credentials, and the values its links carry into them."""
        headers, query, cookies = [], [], []
        answer_fields: dict[str, set[str]] = {}
        bearer = False
        for scheme in contract.security_schemes().values():
            if scheme["type"] == "apiKey":
                {"header": headers, "query": query, "cookie": cookies}[scheme["in"]].append(scheme["name"])
            elif scheme["type"] in ("http", "oauth2", "openIdConnect"):
                bearer = bearer or scheme.get("scheme", "bearer").lower() != "basic"
        session_headers, session_query = list(headers), list(query)
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
                                session_query.append(name)
                            elif where == "header":
                                session_headers.append(name)
        return cls(
            secret_headers=headers,
            secret_query=query,
            answer_fields={operation_id: sorted(names) for operation_id, names in answer_fields.items()},
            session_headers=session_headers,
            session_query=sorted(set(session_query)),
            session_cookies=cookies,
            bearer_session=bearer,
        )

    def session(self, headers: list[tuple[bytes, bytes]], query: bytes) -> str | None:
        """The session (or credential standing for one) a request sends, in clear."""
        for name, value in headers:
            if name in self.session_headers:
                return value.decode("latin-1")
        if self.session_query.pattern != "(?!)":
            found = self.session_query.search(query.decode("latin-1"))
            if found and found.group(1) not in ("", "1"):
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
        if name not in self.secret_headers:
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
        self._json = re.compile(rf'("(?:{names})"\s*:\s*)"(?:[^"\\]|\\.)*"', _NAMES_FLAGS)
        self._xml_element = re.compile(rf"(<((?:\w+:)?(?:{names}))(?:\s[^>]*)?>)([^<]*)(</\2>)", _NAMES_FLAGS)
        self._xml_attribute = re.compile(rf"""(\s(?:{names})=)("[^"]*"|'[^']*')""", _NAMES_FLAGS)

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
    """One request and its answer while it is answered; `Journal.record` keeps it as a `Recorded`.

    A plain slotted class: one is made per request, on the fast path too. Layers that answer the
    request note what they know: `operation_id`, `code` and `refused_by`, `violations`.
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


class Recorded(NamedTuple):
    """An exchange as the journal keeps it until first read.

    Only tuples, strings, bytes and numbers: the garbage collector stops tracking it, so hundreds
    kept cost no collection time in a process whose heap holds whole contracts.
    """

    id: int
    started: float
    duration_ms: float
    contract: str
    operation_id: str | None
    method: str
    path: str
    query: bytes
    status: int
    code: str | None
    request_headers: tuple[tuple[bytes, bytes], ...]
    request_body: bytes
    request_truncated: bool
    response_headers: tuple[tuple[bytes, bytes], ...]
    response_body: bytes
    response_truncated: bool
    refused_by: Refusal | None
    violations: tuple[str, ...]

    def session(self, mask: Masker) -> str | None:
        return mask.session(list(self.request_headers), self.query)

    def render(self, mask: Masker) -> dict[str, Any]:
        """The entry of the controls' `JournalEntry` schema, secrets masked."""
        session = self.session(mask)
        at = datetime.fromtimestamp(self.started, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ok = self.refused_by is None and not self.violations and self.status < 400
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


def recorded(exchange: Exchange, entry_id: int) -> Recorded:
    """What the journal keeps of `exchange`, under `entry_id`."""
    return Recorded(
        entry_id,
        exchange.started,
        exchange.duration_ms,
        exchange.contract,
        exchange.operation_id,
        exchange.method,
        exchange.path,
        exchange.query,
        exchange.status,
        exchange.code,
        tuple(exchange.request_headers),
        exchange.request_body,
        exchange.request_truncated,
        tuple(exchange.response_headers),
        exchange.response_body,
        exchange.response_truncated,
        exchange.refused_by,
        tuple(exchange.violations),
    )


class Journal:
    """The newest exchanges of one process, bounded (`size`), oldest first.

    An entry is rendered (secrets masked) when first read; from then on only the masked entry is
    kept, and the session the request sent only as a keyed fingerprint.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        # By id, oldest first: a `Recorded` until first read, then the rendered entry.
        self._entries: dict[int, Recorded | dict[str, Any]] = {}
        self._index: dict[int, tuple[str, int, str | None, str]] = {}  # path, status, operation, contract
        self._fingerprints: dict[int, str] = {}  # "" where no session was sent
        self._maskers: dict[str, Masker] = {}  # by contract
        self._next_id = 1
        self._key = secrets.token_bytes(16)

    def fingerprint(self, session: str) -> str:
        """A keyed hash of a session value: equal for equal values, telling nothing of them."""
        return hmac.new(self._key, session.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()[:32]

    async def record(self, exchange: Exchange) -> int:
        """Keep `exchange` (the oldest drops out when full); answers its id, also set as `exchange.id`."""
        entry_id = exchange.id = self._next_id
        self._next_id += 1
        if exchange.mask is not None:
            self._maskers[exchange.contract] = exchange.mask
        self._entries[entry_id] = recorded(exchange, entry_id)
        self._index[entry_id] = (exchange.path, exchange.status, exchange.operation_id, exchange.contract)
        # Ids are consecutive: the one that drops out is known without walking the dict, whose
        # iteration from the front slows down with every key deleted there.
        dropped = entry_id - self.size
        if self._entries.pop(dropped, None) is not None:
            del self._index[dropped]
            self._fingerprints.pop(dropped, None)
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
        fingerprint = None if session is None else self.fingerprint(session)
        found: list[int] = []
        for entry_id, (entry_path, entry_status, entry_operation, entry_contract) in reversed(self._index.items()):
            if after is not None and entry_id <= after:
                break
            if (
                (path is None or path in entry_path)
                and (status is None or entry_status == status)
                and (operation is None or entry_operation == operation)
                and (contract is None or entry_contract == contract)
                and (fingerprint is None or self._fingerprint(entry_id) == fingerprint)
            ):
                found.append(entry_id)
                if len(found) >= limit:
                    break
        return [self._entry(entry_id) for entry_id in reversed(found)]

    async def get(self, entry_id: int) -> dict[str, Any] | None:
        return self._entry(entry_id) if entry_id in self._entries else None

    async def clear(self) -> int:
        count = len(self._entries)
        self._entries.clear()
        self._index.clear()
        self._fingerprints.clear()
        return count

    def _mask(self, contract: str) -> Masker:
        return self._maskers.get(contract, _PLAIN)

    def _fingerprint(self, entry_id: int) -> str:
        found = self._fingerprints.get(entry_id)
        if found is None:
            entry = self._entries[entry_id]
            assert isinstance(entry, Recorded)  # rendered ones had theirs taken first
            session = entry.session(self._mask(entry.contract))
            found = self._fingerprints[entry_id] = "" if session is None else self.fingerprint(session)
        return found

    def _entry(self, entry_id: int) -> dict[str, Any]:
        entry = self._entries[entry_id]
        if isinstance(entry, Recorded):
            self._fingerprint(entry_id)  # before the clear value goes
            entry = self._entries[entry_id] = entry.render(self._mask(entry.contract))
        return entry


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
