"""The vendors this installation knows, found through entry points.

A vendor registers its mock package in the entry-point group `storefront_kit.mock` and its
conformance package in `storefront_kit.kit`, under the vendor's name (the `--contract` value):

    [project.entry-points."storefront_kit.mock"]
    acme = "mock_server.vendors.acme:VENDOR"

Its contract is `contracts/<name>.yaml` (shipped as `storefront_kit/contracts/<name>.yaml`).
Nothing here imports a vendor until it is asked for by name.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from storefront_kit.contract import Contract, load_contract
from storefront_kit.data import contract_file

MOCK_GROUP = "storefront_kit.mock"
KIT_GROUP = "storefront_kit.kit"
# The contract `serve`, `check` and `running_mock()` take when none is named is the one entry of
# this group (its name counts, not its value); without one, the first name in order.
DEFAULT_GROUP = "storefront_kit.default"


class UnknownContract(LookupError):
    """No vendor of this name is installed; the message lists those that are."""


@dataclass(frozen=True, slots=True)
class ContractInfo:
    """What `storefront-kit contracts` shows of one contract."""

    name: str
    title: str
    operations: int
    path_prefixes: tuple[str, ...]
    mock: bool
    kit: bool


@functools.cache
def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {point.name: point for point in entry_points(group=group)}


def contract_names() -> list[str]:
    """Every vendor name with a mock or a kit package, the default one first."""
    names = set(_entry_points(MOCK_GROUP)) | set(_entry_points(KIT_GROUP))
    default = next(iter(_entry_points(DEFAULT_GROUP)), None)
    return sorted(names, key=lambda name: (name != default, name))


def default_contract() -> str:
    """The contract taken when none is named."""
    names = contract_names()
    if not names:
        raise UnknownContract("no contract is installed")
    return names[0]


def _load(group: str, name: str) -> Any:
    points = _entry_points(group)
    if name not in points:
        known = ", ".join(contract_names()) or "none"
        side = "mock" if group == MOCK_GROUP else "conformance kit"
        raise UnknownContract(f"no {side} for the contract {name!r}; installed: {known}")
    return points[name].load()


def mock_vendor(name: str) -> Any:
    """The mock package's registered object of vendor `name` (a `mock_server.vendor.MockVendor`)."""
    return _load(MOCK_GROUP, name)


def kit_profile(name: str) -> Any:
    """The conformance package's registered object of vendor `name` (a `conformance.profile.KitProfile`)."""
    return _load(KIT_GROUP, name)


def contract_path(name: str) -> Path:
    if name not in contract_names():
        raise UnknownContract(f"no contract named {name!r}; installed: {', '.join(contract_names()) or 'none'}")
    return contract_file(name)


def contract(name: str) -> Contract:
    """The contract of vendor `name`, read once per process."""
    return load_contract(contract_path(name), name)


def describe(name: str) -> ContractInfo:
    found = contract(name)
    return ContractInfo(
        name,
        found.title,
        len(found.operations),
        found.path_prefixes,
        name in _entry_points(MOCK_GROUP),
        name in _entry_points(KIT_GROUP),
    )
