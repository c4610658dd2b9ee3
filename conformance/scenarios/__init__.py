"""Scenarios: deterministic flows that trigger every documented error code by its documented cause.

A module per API area registers its scenarios with `@scenario`; a vendor's profile names the
modules its contract runs (the generic `conformance.scenarios.protocol` first, then its own).
Each scenario declares the cells (operation x error code) it covers, the settings it needs, and
what else it needs from the target (mailbox, forced errors, test data), so that the runner can
report why a cell was not covered instead of running a flow that cannot work.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from storefront_kit.contract import Contract

if TYPE_CHECKING:
    from conformance.scenarios._context import ScenarioContext

Covers = Mapping[str, tuple[str, ...]] | Callable[[Contract], Mapping[str, tuple[str, ...]]]
ContextT = TypeVar("ContextT", bound="ScenarioContext")  # a vendor's scenarios take its profile's context


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    area: str
    description: str
    function: Callable[[ScenarioContext], None]
    covers: Covers
    operations: tuple[str, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)
    tune: Mapping[str, Any] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    module: str = ""
    requires: tuple[str, ...] = ()  # operations it calls to set itself up, beyond those it checks

    def calls(self, contract: Contract) -> list[str]:
        """The operations the scenario cannot run without: those whose success it checks and those it
        declares it calls; known before anything is sent."""
        return [op for op in dict.fromkeys((*self.operations, *self.requires)) if op in contract.operations]

    def cells(self, contract: Contract) -> dict[str, tuple[str, ...]]:
        covers = self.covers(contract) if callable(self.covers) else self.covers
        return {op: tuple(codes) for op, codes in covers.items()}

    def touches(self, contract: Contract) -> set[str]:
        return set(self.cells(contract)) | set(self.operations)


_REGISTRY: list[Scenario] = []


def scenario(
    *,
    covers: Covers,
    operations: tuple[str, ...] = (),
    settings: Mapping[str, Any] | None = None,
    tune: Mapping[str, Any] | None = None,
    needs: tuple[str, ...] = (),
    requires: tuple[str, ...] = (),
) -> Callable[[Callable[[ContextT], None]], Callable[[ContextT], None]]:
    """Register a scenario.

    `covers` maps operation ids to the error codes the scenario triggers; `operations` lists the
    operations whose success path it checks; `settings` are dotted values of the contract's settings it needs;
    `tune` are values it prefers when the target's settings can be switched (shorter waits);
    `needs` names target features: `mailbox`, `forcedErrors`, or `testData.<dotted key>` that the
    target file must fill; `requires` names operations it calls to set itself up (a session opened,
    an account registered). A run whose backend lacks one of `operations` or `requires` (--operation)
    reports the scenario as not covered without sending anything.
    """

    def register(function: Callable[[ContextT], None]) -> Callable[[ContextT], None]:
        area = function.__module__.rsplit(".", 1)[-1]
        _REGISTRY.append(
            Scenario(
                name=f"{area}.{function.__name__}",
                area=area,
                description=(function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else "",
                # The runner calls it with the context class of the profile that names its module.
                function=cast("Callable[[ScenarioContext], None]", function),
                covers=covers,
                operations=operations,
                settings=dict(settings or {}),
                tune=dict(tune or {}),
                needs=needs,
                module=function.__module__,
                requires=requires,
            )
        )
        return function

    return register


def scenarios_of(modules: Sequence[str]) -> list[Scenario]:
    """The scenarios of these modules, module by module, each in the order written."""
    for module in modules:
        importlib.import_module(module)
    order = {module: index for index, module in enumerate(modules)}
    return sorted((item for item in _REGISTRY if item.module in order), key=lambda item: order[item.module])


def scenarios_for(modules: Sequence[str], contract: Contract) -> list[Scenario]:
    """The scenarios of these modules that have something to check in `contract`."""
    return [item for item in scenarios_of(modules) if item.touches(contract)]
