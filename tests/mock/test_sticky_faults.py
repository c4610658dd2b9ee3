"""Sticky faults at /__mock/faults: the next N calls of an operation answer an error or wait."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mock_api import assert_error

from mock_server.clock import REFRESH_SECONDS
from mock_server.config import ServerConfig
from mock_server.faults import FAULTS_KEY, Faults
from mock_server.store.memory import MemoryStore
from mock_server.testing import RunningMock, running_mock
from storefront_kit import registry
from storefront_kit.contract import Contract, Operation

CONTRACTS = ("websale", "emporix", "optimizely", "zest")


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with running_mock(ServerConfig(port=0, contracts=CONTRACTS)) as running:
        yield running


@pytest.fixture
def controls(mock: RunningMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.controls_url, timeout=15) as client:
        assert client.post("/reset").status_code == 200
        yield client


def _url(mock: RunningMock, contract: Contract, operation: Operation) -> str:
    # Any value fills a path parameter: the fault answers before the request is validated.
    path = re.sub(r"\{[^}/]+\}", "demoshop", contract.base_path + operation.path)
    return mock.config.base_url + path


def _read_operation(contract: Contract) -> Operation:
    return next(op for op in contract.operations.values() if op.method == "get" and op.error_codes)


def _call(mock: RunningMock, contract: Contract, operation: Operation) -> httpx.Response:
    return httpx.request(operation.method.upper(), _url(mock, contract, operation), timeout=15)


def _code(contract: Contract, response: httpx.Response) -> str | None:
    if contract.error_format.code_at is None or "json" not in response.headers.get("content-type", ""):
        return None
    value: Any = response.json()
    for part in contract.error_format.code_at:
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


@pytest.mark.parametrize("name", CONTRACTS)
def test_a_fault_answers_the_next_calls_then_runs_out(mock: RunningMock, controls: httpx.Client, name: str) -> None:
    contract = registry.contract(name)
    operation = _read_operation(contract)
    usual = _call(mock, contract, operation).status_code
    error = next(code for code in sorted(operation.error_codes) if contract.catalog[code].status != usual)
    forced_status = contract.catalog[error].status
    created = controls.post(
        "/faults", json={"contract": name, "operationId": operation.operation_id, "error": error, "times": 2}
    )
    assert created.status_code == 201, created.text
    fault = created.json()
    assert fault == {
        "id": fault["id"],
        "contract": name,
        "operationId": operation.operation_id,
        "error": error,
        "delayMs": 0,
        "times": 2,
        "remaining": 2,
    }
    first = _call(mock, contract, operation)
    assert first.status_code == forced_status
    if _code(contract, first) is not None:
        assert _code(contract, first) == error
    if forced_status == 429:
        assert int(first.headers["Retry-After"]) >= 1
    assert [f["remaining"] for f in controls.get("/faults").json()["faults"]] == [1]
    assert _call(mock, contract, operation).status_code == forced_status
    assert controls.get("/faults").json() == {"faults": []}
    assert _call(mock, contract, operation).status_code == usual


def test_a_fault_is_recorded_in_the_journal_as_a_fault(mock: RunningMock, controls: httpx.Client) -> None:
    controls.delete("/requests")
    controls.post(
        "/faults", json={"contract": "websale", "operationId": "createSession", "error": "redisServiceNotFound"}
    )
    assert_error(httpx.post(f"{mock.api_url}/session/create"), 503, "redisServiceNotFound")
    (entry,) = controls.get("/requests").json()["requests"]
    refusal = entry["verdict"]["refusedBy"]
    assert refusal["rule"] == "fault" and refusal["code"] == "redisServiceNotFound"
    assert "/__mock/faults" in refusal["reason"]


def test_a_call_steered_by_headers_leaves_the_fault_for_the_next(mock: RunningMock, controls: httpx.Client) -> None:
    controls.post(
        "/faults", json={"contract": "websale", "operationId": "createSession", "error": "redisServiceNotFound"}
    )
    steered = httpx.post(f"{mock.api_url}/session/create", headers={"X-Mock-Delay": "0"})
    assert steered.status_code == 200
    assert_error(httpx.post(f"{mock.api_url}/session/create"), 503, "redisServiceNotFound")


def test_a_delay_fault_holds_the_answer_and_then_runs_the_operation(mock: RunningMock, controls: httpx.Client) -> None:
    controls.post("/faults", json={"contract": "websale", "operationId": "createSession", "delayMs": 300})
    started = time.monotonic()
    response = httpx.post(f"{mock.api_url}/session/create")
    assert response.status_code == 200 and len(response.json()["id"]) == 64
    assert time.monotonic() - started >= 0.3


def test_faults_are_listed_oldest_first_and_removed_one_by_one_or_all(
    mock: RunningMock, controls: httpx.Client
) -> None:
    body = {"contract": "websale", "operationId": "createSession", "error": "redisServiceNotFound"}
    first = controls.post("/faults", json=body).json()
    second = controls.post("/faults", json={**body, "times": 5}).json()
    assert [f["id"] for f in controls.get("/faults").json()["faults"]] == [first["id"], second["id"]]
    assert controls.delete(f"/faults/{first['id']}").json() == {"deleted": 1}
    assert_error(controls.delete(f"/faults/{first['id']}"), 404, "unknownFault", "id")
    assert controls.delete("/faults").json() == {"deleted": 1}
    assert httpx.post(f"{mock.api_url}/session/create").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        pytest.param(
            {"contract": "websale", "operationId": "nope", "error": "x"},
            400,
            "invalidRequest",
            "operationId",
            id="unknown-operation",
        ),
        pytest.param(
            {"contract": "websale", "operationId": "getAccount", "error": "entryExists"},
            400,
            "invalidRequest",
            "error",
            id="undocumented-error",
        ),
        pytest.param(
            {"contract": "websale", "operationId": "getAccount"}, 400, "invalidRequest", "error", id="nothing-to-do"
        ),
        pytest.param(
            {"contract": "websale", "operationId": "getAccount", "delayMs": 30001},
            400,
            "invalidRequest",
            "delayMs",
            id="delay-too-long",
        ),
        pytest.param(
            {"contract": "websale", "operationId": "getAccount", "delayMs": 1, "times": 0},
            400,
            "invalidRequest",
            "times",
            id="no-times",
        ),
        pytest.param(
            {"contract": "websale", "operationId": "getAccount", "delayMs": 1, "colour": 1},
            400,
            "invalidRequest",
            None,
            id="unknown-field",
        ),
        pytest.param(
            {"operationId": "getAccount", "delayMs": 1}, 400, "invalidRequest", "contract", id="contract-needed"
        ),
        pytest.param(
            {"contract": "nope", "operationId": "getAccount", "delayMs": 1},
            404,
            "unknownContract",
            "contract",
            id="unknown-contract",
        ),
        pytest.param([], 400, "invalidRequest", None, id="not-an-object"),
    ],
)
def test_a_bad_fault_answers_the_controls_envelope(
    controls: httpx.Client, body: Any, status: int, code: str, field: str | None
) -> None:
    assert_error(controls.post("/faults", json=body), status, code, field)
    assert controls.get("/faults").json() == {"faults": []}


def test_a_fault_body_that_is_not_json_is_refused(controls: httpx.Client) -> None:
    assert_error(
        controls.post("/faults", content=b"{not json", headers={"content-type": "application/json"}),
        400,
        "invalidRequest",
    )
    assert_error(
        controls.post("/faults", content=b"x", headers={"content-type": "text/plain"}), 415, "unsupportedMediaType"
    )


def test_workers_sharing_a_store_share_the_faults(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.db'}"
    with running_mock(ServerConfig(port=0, state=state)) as one, running_mock(ServerConfig(port=0, state=state)) as two:
        body = {"operationId": "createSession", "error": "redisServiceNotFound", "times": 2}
        assert httpx.post(f"{one.controls_url}/faults", json=body).status_code == 201
        assert_error(httpx.post(f"{two.api_url}/session/create"), 503, "redisServiceNotFound")
        assert_error(httpx.post(f"{one.api_url}/session/create"), 503, "redisServiceNotFound")
        assert httpx.post(f"{two.api_url}/session/create").status_code == 200


class _CountingStore(MemoryStore):
    """A memory store that counts its reads of one key."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key, self.reads = key, 0

    async def get(self, key: str) -> Any:
        self.reads += key == self.key
        return await super().get(key)


@pytest.mark.anyio
async def test_without_faults_a_lone_worker_reads_the_store_once() -> None:
    store = _CountingStore(FAULTS_KEY)
    faults = Faults(store, shared=False)
    assert [await faults.pending() for _ in range(50)] == [None] * 50
    assert store.reads == 1
    await faults.add("websale", "login", "invalidCredentials", None, 1)
    assert [fault["operationId"] for fault in await faults.pending() or []] == ["login"]


@pytest.mark.anyio
async def test_workers_sharing_a_store_look_again_after_the_refresh_time() -> None:
    store = _CountingStore(FAULTS_KEY)
    now = [0.0]
    mine, other = Faults(store, shared=True, monotonic=lambda: now[0]), Faults(store, shared=True)
    assert await mine.pending() is None and await mine.pending() is None
    assert store.reads == 1
    await other.add("websale", "login", None, 5, 1)  # answers after REFRESH_SECONDS
    assert await mine.pending() is None  # within the refresh time of its last look
    now[0] += REFRESH_SECONDS
    assert [fault["delayMs"] for fault in await mine.pending() or []] == [5]
