"""HTTP calls to the target, each kept as an `Exchange` that failures can show."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from conformance.errors import NotSelected, TargetUnreachable
from storefront_kit.codecs import (
    JSON,
    BodyError,
    codec_for,
    find_codec,
    matches_template,
)
from storefront_kit.contract import Contract

if TYPE_CHECKING:
    from conformance.cassette import Cassette

_SHOWN_BODY_CHARS = 2000
MASK = "***"
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and the answer to it."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: str | None
    status: int
    response_headers: Mapping[str, str]
    response_body: str
    elapsed: float = 0.0
    operation_id: str | None = None
    error_codes: frozenset[str] = frozenset()  # the contract's codes this error answer can be
    cookies: Mapping[str, str] = field(default_factory=dict)  # what the answer's Set-Cookie headers set
    answer: Any = None  # the body read by its codec (an XML one by its documented schema); None if unread
    answer_problem: str | None = None  # why a body in a known format could not be read as its schema's document

    def json(self) -> Any:
        """The answer's JSON body, or `None` when it is not JSON."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    def value(self) -> Any:
        """The answer's body as a value, whatever its format (JSON, XML); `None` when it cannot be read."""
        return self.answer

    @property
    def error_code(self) -> str | None:
        """The error code of the answer when it names exactly one."""
        return next(iter(self.error_codes)) if len(self.error_codes) == 1 else None

    def named_codes(self) -> str:
        """The answer's code(s) for messages: one code, `codeA or codeB`, or `''`."""
        return " or ".join(sorted(self.error_codes))

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.response_headers.items():
            if key.lower() == lowered:
                return value
        return None

    def render(self) -> str:
        """The exchange as text, bodies shortened, for reports."""
        lines = [f"{self.method} {self.url}"]
        lines += [f"{key}: {value}" for key, value in self.request_headers.items()]
        if self.request_body:
            lines += ["", _shorten(self.request_body)]
        lines += ["", f"HTTP {self.status}"]
        lines += [f"{key}: {value}" for key, value in self.response_headers.items()]
        if self.response_body:
            lines += ["", _shorten(self.response_body)]
        return "\n".join(lines)


_BASIC = re.compile(r"(Basic\s+)([A-Za-z0-9+/]+=*)")


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value in it replaced by `***`, also inside HTTP Basic credentials."""
    secrets = [secret for secret in secrets if secret]
    if not secrets:
        return text

    def basic(match: re.Match[str]) -> str:
        try:
            decoded = base64.b64decode(match.group(2), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return match.group(0)
        return match.group(1) + MASK if any(secret in decoded for secret in secrets) else match.group(0)

    text = _BASIC.sub(basic, text)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def with_headers(sent: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """`sent` with the configured `extra` headers it does not set itself (names compared case-blind)."""
    merged = dict(sent)
    names = {name.lower() for name in merged}
    merged.update({name: value for name, value in extra.items() if name.lower() not in names})
    return merged


def _shorten(text: str) -> str:
    if len(text) <= _SHOWN_BODY_CHARS:
        return text
    return f"{text[:_SHOWN_BODY_CHARS]}... ({len(text)} characters in all)"


def answer_schema(contract: Contract, operation_id: str | None, status: int, media_type: str) -> Any:
    """The schema the contract documents for an answer, the error body's for an undocumented error."""
    operation = contract.operations.get(operation_id or "")
    if operation is not None:
        responses = contract.operation_spec(operation.operation_id)["responses"]
        response = responses.get(str(status)) or responses.get("default")
        if response is not None:
            content = response.get("content", {})
            entry = content.get(media_type) or next(iter(content.values()), None)
            if entry is not None:
                return entry.get("schema")
    return contract.schema(contract.error_format.schema) if status >= 400 else None


def read_answer(
    contract: Contract, operation_id: str | None, status: int, content_type: str | None, content: bytes
) -> tuple[Any, str | None]:
    """An answer's body as a value (JSON, or XML read by its documented schema), and why it could not be
    read when its format is known; `(None, None)` for an empty body or a format no codec reads."""
    if not content:
        return None, None
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    codec = find_codec(media_type)
    if codec is None:
        return None, None
    if codec is JSON:
        try:
            return json.loads(content), None
        except ValueError as exc:
            return None, f"not JSON ({exc})"
    try:
        return codec.decode(content, answer_schema(contract, operation_id, status, media_type)), None
    except BodyError as exc:
        return None, str(exc)


def error_codes_of(contract: Contract, operation_id: str | None, status: int, body: Any) -> frozenset[str]:
    """Which of the contract's error codes an answer carries.

    A contract whose bodies carry their code (`x-errors.codeAt`) names it; otherwise the codes the
    operation documents for the status whose body template the answer fits are the candidates,
    a code of its own template (e.g. a gateway's fault body) before those of the default one.
    """
    if status < 400:
        return frozenset()
    form = contract.error_format
    if form.code_at is not None:
        node = body
        for step in form.code_at:
            node = node.get(step) if isinstance(node, Mapping) else None
        return frozenset({node}) if isinstance(node, str) else frozenset()
    operation = contract.operations.get(operation_id or "")
    documented = operation.codes_by_status.get(status) if operation else None
    candidates = documented or {code for code, entry in contract.catalog.items() if entry.status == status}
    own = {
        code
        for code in candidates
        if contract.catalog[code].body is not None and matches_template(contract.catalog[code].body, body)
    }
    if own:
        return frozenset(own)
    return frozenset(
        code for code in candidates if contract.catalog[code].body is None and matches_template(form.body, body)
    )


@dataclass(frozen=True, slots=True)
class Credential:
    """What proves who sends a request: headers (and query parameters) added to it."""

    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)


def credential_for(contract: Contract, operation_id: str, value: str) -> Credential:
    """`value` sent the way the operation's (else the contract's) first security scheme expects it."""
    operation = contract.operation(operation_id)
    requirements = operation.security or tuple(
        {scheme: tuple(scopes) for scheme, scopes in requirement.items()}
        for requirement in contract.resolved.get("security", ())
    )
    names = [name for requirement in requirements for name in requirement] or list(contract.security_schemes())
    if not names:
        raise ValueError(f"{contract.name} has no security scheme to send a credential with")
    scheme = contract.security_schemes()[names[0]]
    if scheme["type"] == "apiKey":
        if scheme["in"] == "query":
            return Credential(query={scheme["name"]: value})
        return Credential(headers={scheme["name"]: value})
    if scheme["type"] == "http" and scheme.get("scheme", "").lower() == "basic":
        return Credential(headers={"Authorization": f"Basic {value}"})
    return Credential(headers={"Authorization": f"Bearer {value}"})


def shown_headers(contract: Contract, extra: Iterable[str] = ()) -> frozenset[str]:
    """The request headers an exchange shows: media type, credentials, header parameters, controls."""
    names = {"content-type", "authorization", *(name.lower() for name in extra)}
    for scheme in contract.security_schemes().values():
        if scheme["type"] == "apiKey" and scheme["in"] == "header":
            names.add(scheme["name"].lower())
    for operation in contract.operations.values():
        for parameter in contract.operation_spec(operation.operation_id).get("parameters", ()):
            if parameter["in"] == "header":
                names.add(parameter["name"].lower())
    return frozenset(names)


@dataclass(slots=True)
class ApiClient:
    """Calls operations by id; turns transport trouble into `TargetUnreachable`."""

    base_url: str
    contract: Contract
    timeout: float = 10.0
    client_address_header: str | None = None
    forced_error_header: str | None = None
    connect_retries: int = 2
    transport: httpx.BaseTransport | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # the target's own, sent on every request to it
    secrets: tuple[str, ...] = ()  # values shown masked
    requests_sent: int = 0
    # The operations this run checks (--operation); a call to another raises `NotSelected`, unsent.
    selected: frozenset[str] | None = None
    cassette: Cassette | None = None  # records every request and answer (--cassette)
    _client: httpx.Client | None = None
    _shown: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._client = httpx.Client(timeout=self.timeout, transport=self.transport, follow_redirects=False)
        self._shown = shown_headers(
            self.contract, [h for h in (self.client_address_header, self.forced_error_header, *self.headers) if h]
        )

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def resolve(self, url: str) -> str:
        """An absolute URL as is; a path relative to the base URL's origin."""
        if "://" in url:
            return url
        return self.origin + "/" + url.lstrip("/")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def call(
        self,
        operation_id: str,
        *,
        credential: str | Credential | None = None,
        path: Mapping[str, str] | None = None,
        body: Any = _MISSING,
        form: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        raw_body: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        client_address: str | None = None,
    ) -> Exchange:
        """Call one operation of the contract.

        `credential` is a `Credential`, or a value sent the way the operation's security scheme
        expects it (an API-key header, a bearer token, ...). `path` fills the path's
        parameters. `body` is sent as JSON, `form` as a form; `raw_body` with `content_type` sends
        bytes as they are.
        """
        if self.selected is not None and operation_id not in self.selected:
            raise NotSelected(operation_id)
        op = self.contract.operation(operation_id)
        sent: dict[str, str] = dict(headers or {})
        params: dict[str, Any] = dict(query or {})
        if isinstance(credential, str):
            credential = credential_for(self.contract, operation_id, credential)
        if credential is not None:
            sent.update(credential.headers)
            params.update(credential.query)
        if client_address and self.client_address_header:
            sent[self.client_address_header] = client_address
        content: bytes | None = None
        if raw_body is not None:
            content = raw_body
            sent.setdefault("content-type", content_type or self.contract.error_format.media_type)
        elif form is not None:
            content = urlencode(form).encode()
            sent.setdefault("content-type", "application/x-www-form-urlencoded")
        elif body is not _MISSING:
            media_type = next(
                iter(self.contract.operation_spec(operation_id).get("requestBody", {}).get("content", {})),
                "application/json",
            )
            content = codec_for(media_type).encode(body, self.contract.request_body_schema(operation_id, media_type))
            sent.setdefault("content-type", media_type)
        url = self.base_url + fill_path(op.path, path or {})
        return self.request(
            op.method.upper(), url, headers=sent, content=content, params=params or None, operation_id=operation_id
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        json_body: Any = _MISSING,
        params: Mapping[str, Any] | None = None,
        operation_id: str | None = None,
    ) -> Exchange:
        """Send one request; connection failures are retried, then raise `TargetUnreachable`."""
        assert self._client is not None
        sent = dict(headers or {})
        if json_body is not _MISSING:
            content = json.dumps(json_body).encode()
            sent.setdefault("content-type", "application/json")
        if self.headers and urlsplit(self.resolve(url)).netloc == urlsplit(self.base_url).netloc:
            sent = with_headers(sent, self.headers)
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = self._client.request(method, url, headers=sent, content=content, params=params)
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing reached the server, so a retry cannot repeat a side effect.
                attempt += 1
                if attempt > self.connect_retries:
                    raise TargetUnreachable(f"{method} {url}: cannot connect ({exc})") from exc
                time.sleep(0.3 * attempt)
            except httpx.TransportError as exc:
                raise TargetUnreachable(f"{method} {url}: {type(exc).__name__} ({exc})") from exc
        shown = {k: mask(v, self.secrets) for k, v in sent.items() if k.lower() in self._shown}
        request_text: str | None = None
        if content:
            request_text = content[: _SHOWN_BODY_CHARS * 2].decode("utf-8", "replace")
            if len(content) > _SHOWN_BODY_CHARS * 2:
                request_text = f"{request_text[:_SHOWN_BODY_CHARS]}... ({len(content)} bytes in all)"
            request_text = mask(request_text, self.secrets)
        answer, problem = read_answer(
            self.contract, operation_id, response.status_code, response.headers.get("content-type"), response.content
        )
        exchange = Exchange(
            method=method,
            url=mask(str(response.request.url), self.secrets),
            request_headers=shown,
            request_body=request_text,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.text,
            elapsed=time.monotonic() - started,
            operation_id=operation_id,
            error_codes=error_codes_of(self.contract, operation_id, response.status_code, answer),
            cookies=dict(response.cookies),
            answer=answer,
            answer_problem=problem,
        )
        if self.cassette is not None:
            self.cassette.record(
                method=method,
                uri=str(response.request.url),
                request_headers=response.request.headers.multi_items(),
                request_body=content,
                status=response.status_code,
                response_headers=response.headers.multi_items(),
                response_body=response.content,
                elapsed=exchange.elapsed,
                operation_id=operation_id,
            )
        # Cookies belong to the visitor a scenario plays (`Visitor`), never to the whole run.
        self._client.cookies.clear()
        self.requests_sent += 1
        return exchange


@dataclass(slots=True)
class Visitor:
    """One browser's cookies: sent with its requests, updated from the answers, as a browser does."""

    cookies: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())} if self.cookies else {}

    def remember(self, exchange: Exchange) -> Exchange:
        self.cookies.update(exchange.cookies)
        return exchange


def fill_path(template: str, values: Mapping[str, str]) -> str:
    """A path template with each `{name}` replaced by its value, escaped as one path segment."""
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    if "{" in path:
        raise ValueError(f"{template}: no value for the path parameter(s) in {path}")
    return path
