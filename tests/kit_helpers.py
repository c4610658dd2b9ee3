"""Helpers for the conformance kit's tests: serve the mock (plain or mutated) on a free loopback port.

Shared by the kit's tests of every contract; the base path defaults to WEBSALE's `/api/v1` (an
Emporix server has none: its paths are absolute)."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml

from conformance.bundled_mock import listening_socket
from conformance.cli import main as check
from conformance.target import bundled_mock_target
from mock_server.app import create_app
from mock_server.config import ServerConfig
from storefront_kit import registry

API = "/api/v1"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Answer:
    """A response the mutant may rewrite."""

    status: int
    headers: dict[str, str]
    body: Any
    request: Any
    query: str


def _path_pattern(path: str) -> re.Pattern[str]:
    """A contract path as a pattern: each `{name}` stands for one path segment."""
    parts = re.split(r"(\{[^/{}]+\})", path)
    return re.compile("".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts))


class Rewrite:
    """ASGI wrapper that lets a mutant change requests and answers of one operation.

    `path` is the operation's path in the contract (`{name}` matches any one segment) below
    `base_path`. `on_request(query, body)` returns the (query, body) to pass on;
    `on_answer(answer)` changes the answer in place. Both see JSON bodies as Python values.
    """

    def __init__(
        self,
        app: Any,
        method: str,
        path: str,
        on_request: Callable[[str, Any], tuple[str, Any]] | None = None,
        on_answer: Callable[[Answer], None] | None = None,
        *,
        base_path: str = API,
    ) -> None:
        self.app, self.method, self.path = app, method, base_path + path
        self.pattern = _path_pattern(self.path)
        self.on_request, self.on_answer = on_request, on_answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != self.method or not self.pattern.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        query = scope["query_string"].decode()
        if self.on_request is not None and isinstance(body, (dict, type(None))):
            query, body = self.on_request(query, body)
            raw = b"" if body is None else json.dumps(body).encode()
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
            scope = {
                **scope,
                "query_string": query.encode(),
                "headers": headers + [(b"content-length", str(len(raw)).encode())],
            }
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, replay, capture)
        content = b"".join(chunks)
        headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
        try:
            answer_body: Any = json.loads(content) if content else None
        except ValueError:
            answer_body = content
        answer = Answer(start["status"], headers, answer_body, body, query)
        if self.on_answer is not None:
            self.on_answer(answer)
        if answer.body is None:
            out = b""  # no body (a 204), or one the mutant took away
        else:
            out = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        answer.headers["content-length"] = str(len(out))
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(k.encode(), v.encode()) for k, v in answer.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": out})


@contextlib.contextmanager
def serve(app: Any, *, base_path: str = API) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port in a thread; yields the API's base URL (with `base_path`)."""
    with listening_socket() as sock:
        port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False, lifespan="on")
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the mock did not start")
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}{base_path}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def mock_app(contract: str | None = None) -> Any:
    """The mock of one contract (the default contract when none is named)."""
    if contract is None:
        return create_app(ServerConfig(port=0, log_level="error"))
    return create_app(ServerConfig(port=0, contracts=(contract,), log_level="error"))


@dataclass
class CheckRun:
    exit_code: int
    rules: set[str]
    junit: ET.Element
    output: str
    errors: str


def run_check(base_url: str, *args: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> CheckRun:
    """`storefront-kit check` in-process; the failed rules are read back from its JUnit file."""
    junit = tmp_path / f"junit-{time.monotonic_ns()}.xml"
    code = check(["--base-url", base_url, "--junit", str(junit), "--no-progress", *args])
    captured = capsys.readouterr()
    output = captured.out
    root = ET.parse(junit).getroot() if junit.exists() else ET.Element("testsuites")
    rules = {failure.get("type", "") for failure in root.iter("failure")}
    text = "\n".join(failure.text or "" for failure in root.iter("failure"))
    rules |= {line.split("]", 1)[0][1:] for line in text.splitlines() if line.startswith("[")}
    return CheckRun(code, rules, root, output, captured.err)


# A mutant of the mock: (the app, pytest's monkeypatch) -> the app to check (it or a wrapper of it).
Mutant = Callable[[Any, pytest.MonkeyPatch], Any]
FULL_COVERAGE = re.compile(
    r"Coverage: operations (\d+)/(\d+) \(100\.0%\), documented error codes (\d+)/(\d+) \(100\.0%\)"
)


def answer_mutant(contract: str, operation_id: str, change: Callable[[Answer], None]) -> Mutant:
    """A mutant that changes the answers of one operation of `contract`."""
    found = registry.contract(contract)
    operation = found.operation(operation_id)
    return lambda app, _: Rewrite(
        app, operation.method.upper(), operation.path, on_answer=change, base_path=found.base_path
    )


def check_mutant(
    app: Any,
    contract: str,
    operations: tuple[str, ...],
    *,
    wait_for_expiry: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> CheckRun:
    """The scenarios of `operations` (`--focus`) against a mutated mock of `contract`, with the bundled target file.

    Without `wait_for_expiry` the kit waits for no lifetime (its expiry scenarios are then reported
    as not covered), so that a bug elsewhere costs no waiting.
    """
    target = bundled_mock_target(registry.contract(contract))
    if not wait_for_expiry:
        raw = yaml.safe_load(target.read_text(encoding="utf-8"))
        target = tmp_path / "no-expiry-wait.yaml"
        target.write_text(
            yaml.safe_dump({**raw, "expiry": {"maxWaitSeconds": 0}, "clockControl": "none"}), encoding="utf-8"
        )
    with serve(app, base_path=registry.contract(contract).base_path) as url:
        return run_check(
            url,
            "--contract",
            contract,
            "--target",
            str(target),
            "--phase",
            "scenarios",
            "--focus",
            *operations,
            tmp_path=tmp_path,
            capsys=capsys,
        )


def assert_conforms_fully(
    contract: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], *, then: Callable[[str], None] | None = None
) -> None:
    """The unmutated mock of `contract` breaks no rule and covers every operation and documented code;
    `then(url)` looks at the mock the run checked, before it stops."""
    found = registry.contract(contract)
    with serve(mock_app(contract), base_path=found.base_path) as url:
        run = run_check(url, "--contract", contract, "--max-examples", "10", tmp_path=tmp_path, capsys=capsys)
        if then is not None:
            then(url)
    assert run.exit_code == 0, run.output
    assert not run.rules, run.output
    match = FULL_COVERAGE.search(run.output)
    assert match, run.output
    codes = sum(len(operation.error_codes) for operation in found.operations.values())
    assert match.groups() == (str(len(found.operations)),) * 2 + (str(codes),) * 2, run.output
