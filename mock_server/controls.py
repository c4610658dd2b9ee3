"""Handlers of the mock's own controls (`controls.yaml`, mounted at `/__mock`), the same for every contract."""

from __future__ import annotations

from typing import Any

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


def _contract_name(contract: str | None) -> str:
    """The served contract a control call means: the one named, else the only one served."""
    states = current_runtime().states
    if contract is None:
        if len(states) > 1:
            raise ApiError.of(
                "badRequest",
                f"The mock serves several contracts; name one with ?contract= ({', '.join(states)}).",
                "contract",
            )
        contract = next(iter(states))
    if contract not in states:
        raise ApiError(
            "unknownContract", f"The mock serves no contract {contract!r}; it serves {', '.join(states)}.", "contract"
        )
    return contract


def _settings(contract: str | None) -> Settings:
    contract = _contract_name(contract)
    state = current_runtime().states[contract]
    if state.settings is None:
        raise ApiError("unknownContract", f"The contract {contract!r} has no settings.", "contract")
    return state.settings


async def get_settings(contract: str | None = None) -> dict[str, Any]:
    return await _settings(contract).get()


async def replace_settings(body: Any, contract: str | None = None) -> dict[str, Any]:
    return await _settings(contract).replace(body)


async def open_outbox_link(id_: str, contract: str | None = None) -> dict[str, Any]:
    states = current_runtime().states
    name = _contract_name(contract)
    state = states[name]
    messages = [] if state.outbox is None else await state.outbox.messages()
    message = next((message for message in messages if message["id"] == id_), None)
    if message is None:
        raise ApiError("unknownMessage", f"The outbox of {name} holds no e-mail {id_!r}.", "id")
    try:
        outcome = await state.open_link(message)
    except LinkNotOpenable as refusal:
        raise ApiError("linkNotOpenable", str(refusal), "id") from refusal
    return {"id": id_, "contract": name, "kind": message["kind"], "outcome": outcome}
