"""Handlers of the mock's own controls (`controls.yaml`, mounted at `/__mock`), the same for every contract."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from mock_server.clock import ClockRangeError, MockClock
from mock_server.common.settings import Settings
from mock_server.context import current_runtime
from mock_server.errors import ApiError


async def list_outbox(to: str | None = None) -> dict[str, Any]:
    messages = [
        {**message, "contract": name}
        for name, state in current_runtime().states.items()
        if state.outbox is not None
        for message in await state.outbox.messages(to)
    ]
    return {"messages": sorted(messages, key=lambda message: message["sentAt"])}


async def clear_outbox() -> dict[str, Any]:
    states = current_runtime().states.values()
    return {"deleted": sum([await state.outbox.clear() for state in states if state.outbox is not None])}


async def reset_state() -> dict[str, Any]:
    await current_runtime().reset()
    return {"reset": True}


def _settings(contract: str | None) -> Settings:
    states = current_runtime().states
    if contract is None:
        if len(states) > 1:
            raise ApiError.of(
                "badRequest",
                f"The mock serves several contracts; name one with ?contract= ({', '.join(states)}).",
                "contract",
            )
        contract = next(iter(states))
    state = states.get(contract)
    if state is None:
        raise ApiError(
            "unknownContract", f"The mock serves no contract {contract!r}; it serves {', '.join(states)}.", "contract"
        )
    if state.settings is None:
        raise ApiError("unknownContract", f"The contract {contract!r} has no settings.", "contract")
    return state.settings


async def get_settings(contract: str | None = None) -> dict[str, Any]:
    return await _settings(contract).get()


async def replace_settings(body: Any, contract: str | None = None) -> dict[str, Any]:
    return await _settings(contract).replace(body)


# -- the clock ------------------------------------------------------------------------------------


def _clock_state(clock: MockClock) -> dict[str, Any]:
    now = clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"now": now, "offsetSeconds": clock.offset}


async def get_clock() -> dict[str, Any]:
    clock = current_runtime().clock
    return _clock_state(clock)


async def _move_clock(move: Awaitable[float], field: str) -> dict[str, Any]:
    try:
        await move
    except ClockRangeError as exc:
        raise ApiError.of("badRequest", str(exc), field) from None
    return _clock_state(current_runtime().clock)


async def advance_clock(body: dict[str, Any]) -> dict[str, Any]:
    return await _move_clock(current_runtime().clock.advance(float(body["seconds"])), "seconds")


async def set_clock(body: dict[str, Any]) -> dict[str, Any]:
    return await _move_clock(current_runtime().clock.set_offset(float(body["offsetSeconds"])), "offsetSeconds")


async def reset_clock() -> dict[str, Any]:
    return await _move_clock(current_runtime().clock.set_offset(0.0), "offsetSeconds")
