"""Handlers of the mock's own controls (`controls.yaml`, mounted at `/__mock`), the same for every contract."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from mock_server.clock import ClockRangeError, MockClock
from mock_server.common.settings import Settings
from mock_server.context import current_runtime
from mock_server.errors import ApiError
from mock_server.vendor import LinkNotOpenable


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
    name = _served(contract)
    settings = current_runtime().states[name].settings
    if settings is None:
        raise ApiError("unknownContract", f"The contract {name!r} has no settings.", "contract")
    return settings


async def get_settings(contract: str | None = None) -> dict[str, Any]:
    return await _settings(contract).get()


async def replace_settings(body: Any, contract: str | None = None) -> dict[str, Any]:
    return await _settings(contract).replace(body)


async def patch_settings(body: Any, contract: str | None = None) -> dict[str, Any]:
    """Apply a JSON merge patch (RFC 7386) to the settings; all or nothing."""
    if not isinstance(body, dict):
        raise ApiError.of("badRequest", "A merge patch of the settings is a JSON object.")
    settings = _settings(contract)
    return await settings.replace(merge_patch(await settings.get(), body))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge member by member, `null` removes a member, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = merge_patch(merged.get(name), value)
    return merged


async def list_requests(
    path: str | None = None,
    status: int | None = None,
    session: str | None = None,
    operation: str | None = None,
    contract: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    journal = current_runtime().journal
    entries = await journal.list(
        path=path, status=status, session=session, operation=operation, contract=contract, after=after, limit=limit
    )
    return {"requests": entries}


async def clear_requests() -> dict[str, Any]:
    return {"deleted": await current_runtime().journal.clear()}


async def get_request(id_: str) -> dict[str, Any]:
    entry = await current_runtime().journal.get(int(id_))
    if entry is None:
        raise ApiError("unknownEntry", f"The journal holds no request {id_}; it keeps the newest ones only.", "id")
    return entry


async def list_faults() -> dict[str, Any]:
    return {"faults": await current_runtime().faults.active()}


async def add_fault(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    runtime = current_runtime()
    contract = _served(body.get("contract"), "the body's contract")
    operation_id, error, delay, times = runtime.faults.check(runtime.contracts[contract], body)
    return await runtime.faults.add(contract, operation_id, error, delay, times), 201


async def clear_faults() -> dict[str, Any]:
    return {"deleted": await current_runtime().faults.remove()}


async def remove_fault(id_: str) -> dict[str, Any]:
    removed = await current_runtime().faults.remove(id_)
    if not removed:
        raise ApiError("unknownFault", f"No fault {id_[:64]!r} is set; it may have run out.", "id")
    return {"deleted": removed}


async def list_accounts(contract: str | None = None) -> dict[str, Any]:
    """Each served vendor's accounts (who logs in with what) and live sessions."""
    states = current_runtime().states
    names = [_served(contract)] if contract is not None else list(states)
    accounts: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    for name in names:
        found = await states[name].accounts()
        accounts += [{"contract": name, **account} for account in found.accounts]
        sessions += [{"contract": name, **session} for session in found.sessions]
    return {"accounts": accounts, "sessions": sessions}


def _served(contract: str | None, named_by: str = "?contract=") -> str:
    """A served contract's name: the one given (`named_by` says where), or the only one served."""
    states = current_runtime().states
    if contract is None:
        if len(states) > 1:
            raise ApiError.of(
                "badRequest",
                f"The mock serves several contracts; name one with {named_by} ({', '.join(states)}).",
                "contract",
            )
        return next(iter(states))
    if contract not in states:
        raise ApiError(
            "unknownContract", f"The mock serves no contract {contract!r}; it serves {', '.join(states)}.", "contract"
        )
    return contract


async def open_outbox_link(id_: str, contract: str | None = None) -> dict[str, Any]:
    """Open an e-mail's link as its recipient would: the vendor does what the page behind it does."""
    name = _served(contract)
    state = current_runtime().states[name]
    messages = [] if state.outbox is None else await state.outbox.messages()
    message = next((message for message in messages if message["id"] == id_), None)
    if message is None:
        raise ApiError("unknownMessage", f"The outbox of {name} holds no e-mail {id_[:64]!r}.", "id")
    try:
        outcome = await state.open_link(message)
    except LinkNotOpenable as refusal:
        raise ApiError("linkNotOpenable", str(refusal), "id") from refusal
    return {"id": id_, "contract": name, "kind": message["kind"], "outcome": outcome}


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
