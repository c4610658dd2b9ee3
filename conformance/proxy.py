"""A validation proxy: forwards every request to a real backend unchanged, answers its answer unchanged,
and judges both against the contract with the kit's own checks.

Each exchange is recorded in a journal with its verdict (served at `/__mock/requests`); a verdict with
violations adds `X-Contract-Violations` to the answer and a warning to the log. With `strict`, an
answer that breaks the contract becomes a 502 listing the violations, for CI. A backend that cannot
be reached, or does not answer within the timeout, is a 502 saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.checks import Check, Failure, failures_of
from conformance.http import Exchange, error_codes_of, read_answer
from conformance.request_checks import SentRequest, find_operation, request_failures
from storefront_kit import registry
from storefront_kit.contract import Contract
from storefront_kit.dashboard import Dashboard, served
from storefront_kit.journal import BODY_LIMIT, DEFAULT_SIZE, Journal, Masker, Refusal, journal_app
from storefront_kit.journal import Exchange as JournalExchange

logger = logging.getLogger("storefront_kit.proxy")

VIOLATIONS_HEADER = "X-Contract-Violations"
CONTROLS_PATH = "/__mock"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
# Connection-level headers (RFC 9110, 7.6.1): they belong to one hop, never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_HEADER_CHARS = 600
# What the proxy answers itself under /__mock: its journal and the dashboard's page and files.
_OWN_PATHS = re.compile(rf"{CONTROLS_PATH}(/|/requests(/.*)?|/dashboard/.*)?\Z")


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """What `create_proxy` needs: the contract judged by, where the backend is, and how strict to be."""

    contract: str
    upstream: str  # scheme://host[:port][/prefix]; a request's path is appended to it
    host: str = "127.0.0.1"
    port: int = 8090
    strict: bool = False
    upstream_timeout: float = DEFAULT_TIMEOUT  # seconds for the whole upstream exchange
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # largest request or answer body forwarded
    log_level: str = "info"
    controls_token: str | None = None  # required as X-Mock-Token on /__mock when set
    journal_size: int = DEFAULT_SIZE  # exchanges the journal keeps

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the contract says of one exchange: the rules the request and the answer broke."""

    request: tuple[Failure, ...] = ()
    answer: tuple[Failure, ...] = ()
    problem: str | None = None  # why no answer of the backend could be judged (unreachable, too large)

    @property
    def failures(self) -> tuple[Failure, ...]:
        return self.request + self.answer

    @property
    def sentences(self) -> list[str]:
        return [failure.message for failure in self.failures] + ([self.problem] if self.problem else [])

    @property
    def ok(self) -> bool:
        return not self.sentences


class _ProxyError(Exception):
    """The proxy answers itself instead of the backend: `status` and a reason for its JSON body."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(slots=True)
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes  # as it travelled (possibly content-encoded)
    content: bytes  # decoded, for judging
    elapsed: float = 0.0


def _vendor_checks(name: str) -> tuple[Check, ...]:
    """The vendor's own response checks that apply to any answer (those it runs on generated cases)."""
    try:
        profile = registry.kit_profile(name)
    except registry.UnknownContract:
        return ()
    return tuple(check for check in profile.checks if check.__name__ in profile.fuzz_checks)


def violations_header(verdict: Verdict, entry_id: Any) -> str:
    """`N violation(s) (rule, rule), see /__mock/requests/ID`: a count and the broken rules, in ASCII."""
    count = len(verdict.sentences)
    rules = [failure.rule for failure in verdict.failures] + (["upstream"] if verdict.problem else [])
    text = f"{count} violation{'s' if count != 1 else ''} ({', '.join(dict.fromkeys(rules))})"
    if entry_id is not None:
        text += f", see {CONTROLS_PATH}/requests/{entry_id}"
    return text.encode("ascii", "replace").decode()[:_HEADER_CHARS]


class ValidationProxy:
    """The proxy as an ASGI app: `/__mock` serves its journal, every other path goes to the backend."""

    def __init__(
        self, config: ProxyConfig, journal: Journal | None = None, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self.contract = registry.contract(config.contract)
        self.journal = journal if journal is not None else Journal(config.journal_size)
        self.upstream = httpx.URL(config.upstream.rstrip("/"))
        if self.upstream.scheme not in ("http", "https") or not self.upstream.host:
            raise ValueError(
                f"--upstream must be an http(s) URL such as http://127.0.0.1:8080, not {config.upstream!r}"
            )
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._extra_checks = _vendor_checks(config.contract)
        self._masker = Masker.for_contract(self.contract)
        self.controls = _with_dashboard(
            Starlette(
                routes=[Mount(CONTROLS_PATH, app=journal_app(self.journal, config.controls_token))],
                lifespan=self._lifespan,
            ),
            self.contract,
            str(self.upstream),
        )

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if self._client is not None:
                await self._client.aclose()
                self._client = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            # No environment proxies: the proxy talks to exactly the backend it was given.
            # The whole exchange is bounded by `upstream_timeout` (`_call_upstream`); httpx's own 5 s
            # per phase would cut a slow answer short of it.
            self._client = httpx.AsyncClient(
                transport=self._transport,
                trust_env=False,
                follow_redirects=False,
                timeout=self.config.upstream_timeout,
            )
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or _OWN_PATHS.match(path):
            await self.controls(scope, receive, send)
        elif path.startswith(CONTROLS_PATH + "/"):
            await self._pass(scope, receive, send)
        else:
            await self._forward(scope, receive, send)

    async def _pass(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Another `/__mock` call goes to the backend unjudged and unrecorded: a mock's own controls
        (settings, outbox, faults) stay reachable through the proxy."""
        headers = [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in scope["headers"]]
        try:
            answer = await self._call_upstream(scope, headers, await self._read_body(receive))
        except _ProxyError as error:
            answer = self._proxy_answer(error.status, error.reason, error.message)
        await self._send(send, answer, [])

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        method, path, query = scope["method"], scope["path"], scope.get("query_string", b"")
        record = JournalExchange(self.contract.name, method, path, query, list(scope["headers"]), mask=self._masker)
        headers = [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in scope["headers"]]
        found = find_operation(self.contract, method, path)
        operation_id = found[0].operation_id if found else None
        sent = SentRequest(method, path, query.decode("latin-1"), headers, b"")
        request_broken: tuple[Failure, ...] = ()
        preflight = False
        exchange: Exchange | None = None
        try:
            sent = dataclasses.replace(sent, body=await self._read_body(receive))
            # A CORS preflight is the browser's question, not an API call: forwarded, never judged.
            preflight = method == "OPTIONS" and sent.header("access-control-request-method") is not None
            request_broken = () if preflight else tuple(request_failures(self.contract, sent, found))
            answer = await self._call_upstream(scope, headers, sent.body)
        except _ProxyError as error:
            verdict = Verdict(request_broken, problem=error.message)
            answer = self._proxy_answer(error.status, error.reason, error.message)
        else:
            if operation_id is not None and not preflight:
                exchange = self._exchange(sent, answer, operation_id)
            verdict = Verdict(request_broken, *self._judge(exchange))
        entry_id = await self._record(record, sent, answer, verdict, exchange, time.monotonic() - started)
        if not verdict.ok:
            logger.warning("%s %s -> %s: %s", method, path, answer.status, " | ".join(verdict.sentences))
        if self.config.strict and verdict.answer:
            answer = self._strict_answer(answer, verdict, entry_id)
        extra = [(VIOLATIONS_HEADER.lower().encode(), violations_header(verdict, entry_id).encode())]
        await self._send(send, answer, extra if not verdict.ok else [])

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.config.max_body_bytes:
                raise _ProxyError(
                    413,
                    "requestTooLarge",
                    f"The request body is larger than the proxy forwards ({self.config.max_body_bytes} bytes; "
                    "see --max-body-bytes).",
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _upstream_url(self, scope: Scope) -> httpx.URL:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        prefix = self.upstream.raw_path.split(b"?", 1)[0].rstrip(b"/")
        return self.upstream.copy_with(raw_path=prefix + raw_path + (b"?" + query if query else b""))

    async def _call_upstream(self, scope: Scope, headers: Sequence[tuple[str, str]], body: bytes) -> _Answer:
        connection_named = {
            token.strip().lower() for name, value in headers if name == "connection" for token in value.split(",")
        }
        forwarded = [
            (name, value)
            for name, value in headers
            if name not in HOP_BY_HOP and name not in connection_named and name != "host"
        ]
        url = self._upstream_url(scope)
        # A plain Request: the client's default headers (User-Agent, Accept-Encoding) would change it.
        request = httpx.Request(scope["method"], url, headers=forwarded, content=body)
        started = time.monotonic()
        timeout = self.config.upstream_timeout
        try:
            async with asyncio.timeout(timeout):
                response = await self.client.send(request, stream=True)
                try:
                    raw = await self._read_answer(response)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
            raise _ProxyError(
                502,
                "upstreamTimeout",
                f"The backend {self._origin} did not answer {scope['method']} {scope['path']} within {timeout:g} s "
                "(see --upstream-timeout).",
            ) from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _ProxyError(
                502,
                "upstreamUnreachable",
                f"The backend {self._origin} could not be reached for {scope['method']} {scope['path']}: "
                f"{_reason(exc)}.",
            ) from None
        except (httpx.HTTPError, OSError) as exc:
            raise _ProxyError(
                502,
                "upstreamFailed",
                f"The backend {self._origin} broke off {scope['method']} {scope['path']}: {_reason(exc)}.",
            ) from None
        self.client.cookies.clear()  # cookies belong to the proxy's clients, never to the proxy
        return _Answer(
            response.status_code,
            [(name, value) for name, value in response.headers.raw if name.lower().decode("latin-1") not in HOP_BY_HOP],
            raw,
            _decoded(response.headers, raw),
            time.monotonic() - started,
        )

    @property
    def _origin(self) -> str:
        return str(self.upstream)

    async def _read_answer(self, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_raw():
            size += len(chunk)
            if size > self.config.max_body_bytes:
                raise _ProxyError(
                    502,
                    "answerTooLarge",
                    f"The backend's answer is larger than the proxy forwards ({self.config.max_body_bytes} bytes; "
                    "see --max-body-bytes).",
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _exchange(self, sent: SentRequest, answer: _Answer, operation_id: str) -> Exchange:
        """The answer as the kit's checks read it: its body read by its codec, its error code found."""
        content_type = next((v.decode("latin-1") for k, v in answer.headers if k.lower() == b"content-type"), None)
        value, problem = read_answer(self.contract, operation_id, answer.status, content_type, answer.content)
        response_headers: dict[str, str] = {}
        for name, header_value in answer.headers:
            response_headers.setdefault(name.decode("latin-1").lower(), header_value.decode("latin-1"))
        return Exchange(
            method=sent.method,
            url=sent.path + (f"?{sent.query}" if sent.query else ""),
            request_headers={},
            request_body=None,
            status=answer.status,
            response_headers=response_headers,
            response_body=answer.content.decode("utf-8", "replace"),
            elapsed=answer.elapsed,
            operation_id=operation_id,
            error_codes=error_codes_of(self.contract, operation_id, answer.status, value),
            answer=value,
            answer_problem=problem,
        )

    def _judge(self, exchange: Exchange | None) -> tuple[tuple[Failure, ...], str | None]:
        """The rules the answer breaks; none where the request is no operation (no rule says what to answer)."""
        if exchange is None or exchange.operation_id is None:
            return (), None
        try:
            return tuple(failures_of(self.contract, exchange.operation_id, exchange, self._extra_checks)), None
        except Exception as exc:  # a check that trips over an odd answer must not keep the answer from its client
            logger.exception("could not judge the answer to %s %s", exchange.method, exchange.url)
            return (), f"The proxy could not judge the answer ({type(exc).__name__}: {exc})."

    def _proxy_answer(self, status: int, reason: str, message: str, **extra: Any) -> _Answer:
        body = json.dumps({"proxyError": {"reason": reason, "message": message, **extra}}).encode()
        return _Answer(status, [(b"content-type", b"application/json")], body, body)

    def _strict_answer(self, answer: _Answer, verdict: Verdict, entry_id: Any) -> _Answer:
        return self._proxy_answer(
            502,
            "contractViolation",
            f"The backend's answer (HTTP {answer.status}) breaks the contract {self.contract.name}.",
            upstreamStatus=answer.status,
            violations=[failure.message for failure in verdict.answer],
            rules=[failure.rule for failure in verdict.answer],
            journal=f"{CONTROLS_PATH}/requests/{entry_id}" if entry_id is not None else None,
        )

    async def _send(self, send: Send, answer: _Answer, extra: Iterable[tuple[bytes, bytes]]) -> None:
        headers = [*answer.headers, *extra]
        # The backend's own Content-Length stays (it describes a HEAD's entity too); a chunked answer,
        # read whole here, gets one, except where HTTP allows no body.
        if not any(name.lower() == b"content-length" for name, _ in answer.headers) and answer.status not in (204, 304):
            headers.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _record(
        self,
        record: JournalExchange,
        sent: SentRequest,
        answer: _Answer,
        verdict: Verdict,
        exchange: Exchange | None,
        elapsed: float,
    ) -> int | None:
        """Put the exchange into the journal (it masks secrets when an entry is read); its id, None on failure."""
        record.operation_id = exchange.operation_id if exchange is not None else None
        record.status = answer.status
        record.code = exchange.error_code if exchange is not None else None
        record.duration_ms = elapsed * 1000
        record.request_body, record.request_truncated = sent.body[:BODY_LIMIT], len(sent.body) > BODY_LIMIT
        record.response_headers = list(answer.headers)
        # The body as its client reads it (without content coding).
        record.response_body, record.response_truncated = answer.content[:BODY_LIMIT], len(answer.content) > BODY_LIMIT
        record.violations = verdict.sentences
        if exchange is not None and exchange.status >= 400 and verdict.ok:
            # A documented refusal: the backend is the rule that refused, as the mock names its own.
            codes = exchange.named_codes()
            record.refused_by = Refusal(
                "backend", codes, f"The backend answered HTTP {exchange.status}{' ' + codes if codes else ''}."
            )
        try:
            return await self.journal.record(record)
        except Exception:  # a journal in a store may fail; the exchange is still answered
            logger.exception("could not record %s %s in the journal", sent.method, sent.path)
            return None


def _with_dashboard(app: ASGIApp, contract: Contract, upstream: str) -> ASGIApp:
    """`app` with the dashboard's page at `/__mock/`, showing the journal (the proxy has no other controls)."""
    # `/` and the API's Swagger UI are the backend's, not the proxy's.
    return Dashboard(
        app,
        contracts=[served(contract)],
        controls_path=CONTROLS_PATH,
        sections=("journal",),
        redirect_root=False,
        swagger_ui=False,
        title=f"Validation proxy: {contract.name} at {upstream}",
    )


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__} ({exc})" if str(exc) else type(exc).__name__


def _decoded(headers: httpx.Headers, raw: bytes) -> bytes:
    """The answer's bytes without their content coding (gzip, br ...), as its client reads them."""
    if not headers.get("content-encoding"):
        return raw
    try:
        return httpx.Response(200, headers={"content-encoding": headers["content-encoding"]}, content=raw).content
    except httpx.DecodingError:
        return raw


def create_proxy(
    config: ProxyConfig, journal: Journal | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> ValidationProxy:
    """The proxy's ASGI app for `config`; `journal` defaults to a new in-memory one."""
    return ValidationProxy(config, journal, transport)
