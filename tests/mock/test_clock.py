"""The mock's clock: `/__mock/clock` moves the time every rule and the store's expiry follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mock_api import DEMO_EMAIL, Api, assert_error

from mock_server.clock import CLOCK_KEY, REFRESH_SECONDS, MockClock
from mock_server.store import MemoryStore, StoreUnavailable

# How far a read of the clock over HTTP may lag behind the test's own reading of real time.
SLACK = timedelta(seconds=5)


def _now(state: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(state["now"])


def _near(moment: datetime, expected: datetime) -> bool:
    return abs(moment - expected) < SLACK


def test_the_clock_is_real_time_until_moved(api: Api) -> None:
    state = api.controls.get("/clock").json()
    assert state["offsetSeconds"] == 0
    assert _near(_now(state), datetime.now(UTC))


def test_post_moves_on_patch_sets_and_delete_returns_to_real_time(api: Api) -> None:
    assert api.advance_clock(3600)["offsetSeconds"] == 3600
    state = api.advance_clock(60.5)
    assert state["offsetSeconds"] == 3660.5
    assert _near(_now(state), datetime.now(UTC) + timedelta(seconds=3660.5))
    assert api.controls.get("/clock").json()["offsetSeconds"] == 3660.5

    past = api.controls.patch("/clock", json={"offsetSeconds": -86400})
    assert past.status_code == 200, past.text
    assert past.json()["offsetSeconds"] == -86400
    assert _near(_now(past.json()), datetime.now(UTC) - timedelta(days=1))

    back = api.controls.delete("/clock")
    assert back.status_code == 200, back.text
    assert back.json()["offsetSeconds"] == 0


def test_reset_returns_the_clock_to_real_time(api: Api) -> None:
    api.advance_clock(86400)
    assert api.controls.post("/reset").status_code == 200
    assert api.controls.get("/clock").json()["offsetSeconds"] == 0


@pytest.mark.parametrize(
    ("method", "body"),
    [
        pytest.param("POST", {"seconds": -1}, id="backwards"),
        pytest.param("POST", {"seconds": "soon"}, id="not-a-number"),
        pytest.param("POST", {}, id="no-seconds"),
        pytest.param("POST", {"seconds": 1, "offsetSeconds": 2}, id="unknown-field"),
        pytest.param("PATCH", {"offsetSeconds": 4e8}, id="offset-too-far"),
        pytest.param("PATCH", {"seconds": 5}, id="patch-without-offset"),
    ],
)
def test_bad_moves_are_refused_and_leave_the_clock(api: Api, method: str, body: dict[str, Any]) -> None:
    api.advance_clock(10)
    assert_error(api.controls.request(method, "/clock", json=body), 400, "invalidRequest")
    assert api.controls.get("/clock").json()["offsetSeconds"] == 10


def test_moves_that_add_up_beyond_ten_years_are_refused(api: Api) -> None:
    api.advance_clock(315_000_000)
    assert_error(api.controls.post("/clock", json={"seconds": 1_000_000}), 400, "invalidRequest", "seconds")
    assert api.controls.get("/clock").json()["offsetSeconds"] == 315_000_000


def test_the_dates_the_backend_writes_follow_the_clock(api: Api) -> None:
    moved = _now(api.advance_clock(30 * 86400))
    api.call("requestPasswordReset", session=api.new_session(), json={"email": DEMO_EMAIL})
    sent = datetime.fromisoformat(api.outbox(to=DEMO_EMAIL)[-1]["sentAt"])
    assert _near(sent, moved)


def test_the_accounts_control_dates_session_expiry_on_the_clock(api: Api) -> None:
    idle = api.settings()["sessionIdleSeconds"]
    moved = _now(api.advance_clock(30 * 86400))
    session = api.login()
    sessions = {entry["session"]: entry for entry in api.controls.get("/accounts").json()["sessions"]}
    assert _near(datetime.fromisoformat(sessions[session]["expiresAt"]), moved + timedelta(seconds=idle))


def test_moving_the_clock_back_brings_nothing_back(api: Api) -> None:
    api.change_settings(sessionIdleSeconds=600)
    session = api.login()
    api.advance_clock(601)
    assert api.controls.delete("/clock").json()["offsetSeconds"] == 0
    assert_error(api.call("getAccount", session=session), 401, "notLoggedIn")


def test_moving_the_clock_back_lengthens_what_is_still_live(api: Api) -> None:
    api.change_settings(sessionIdleSeconds=600)
    api.advance_clock(500)
    session = api.login()  # idle until 1100 s after the start
    api.controls.delete("/clock")  # the session now has 1100 s left
    api.advance_clock(1000)
    assert api.call("getAccount", session=session).json()["loggedIn"] is True


# -- several workers: the offset is kept in the store ----------------------------------------------


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.anyio
async def test_another_worker_sees_a_move_once_its_offset_is_due_for_a_read() -> None:
    store = MemoryStore()
    ticks = Ticks()
    mover = MockClock(store, shared=True, wall=lambda: 0.0, monotonic=ticks)
    other = MockClock(store, shared=True, wall=lambda: 0.0, monotonic=ticks)
    mover.settle = other.settle = _no_wait  # type: ignore[method-assign]
    await other.refresh()
    await mover.advance(120)
    assert (mover(), await store.get(CLOCK_KEY)) == (120.0, 120.0)
    await other.refresh()
    assert other() == 0.0  # read less than REFRESH_SECONDS ago: not read again yet
    ticks.now += REFRESH_SECONDS
    await other.refresh()
    assert other() == 120.0


@pytest.mark.anyio
async def test_a_move_on_a_shared_store_answers_only_after_every_worker_reads_again() -> None:
    store = MemoryStore()
    clock = MockClock(store, shared=True)
    started = datetime.now(UTC)
    await clock.advance(5)
    assert datetime.now(UTC) - started >= timedelta(seconds=REFRESH_SECONDS)


async def _no_wait() -> None:
    return None


class DownStore(MemoryStore):
    async def get(self, key: str) -> Any:
        raise StoreUnavailable("unreachable", "down")


@pytest.mark.anyio
async def test_a_store_outage_keeps_the_offset_in_hand_and_reads_again_at_the_next_request() -> None:
    store = DownStore()
    clock = MockClock(store, shared=True, wall=lambda: 0.0, monotonic=Ticks())
    clock.offset = 60.0
    await clock.refresh()  # no exception: the request itself answers the outage where it needs the store
    assert clock() == 60.0
    store.get = MemoryStore.get.__get__(store)  # type: ignore[method-assign]
    await store.put(CLOCK_KEY, 90.0)
    await clock.refresh()
    assert clock() == 90.0
