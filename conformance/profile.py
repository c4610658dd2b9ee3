"""What a vendor's conformance package gives the generic kit.

A vendor package exposes one `KitProfile` and registers it under the entry-point group
`storefront_kit.kit` (see `storefront_kit.registry`). The engine (runner, checks, fuzzing,
reporting, target files) asks it for nothing else, and never imports the mock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from conformance.checks import Check
    from conformance.http import ApiClient, Credential, Exchange
    from conformance.scenarios._context import ScenarioContext
    from conformance.target import Target


class FuzzAuth(Protocol):
    """Credentials for generated requests, made against the target during a fuzz run."""

    def for_operation(self, operation_id: str) -> Credential | None:
        """The credential a generated case of this operation is sent with (None: none)."""
        ...

    def body_for(self, operation_id: str, body: Any) -> Any:
        """The body a generated case is sent with: `body`, or a copy that spares the target's own data
        (e.g. its users' passwords) where the answer stays the same."""
        ...

    def generated(self, operation_id: str, body: Any, status: int) -> None:
        """A generated case was answered (whatever the status); e.g. remember an account it registered,
        to remove it later, or a password it changed, to set it back."""
        ...

    def cleanup(self) -> list[str]:
        """Remove what the fuzz run created on the target and undo what it changed (best effort);
        answers notes for the report on what it could not."""
        ...


@dataclass(frozen=True, slots=True)
class KitProfile:
    """A vendor's conformance package, as the generic engine runs it."""

    name: str
    scenarios: tuple[str, ...]  # modules whose `@scenario` functions run, in this order
    context: type[ScenarioContext]  # the scenarios' context, with the vendor's flows (sessions, logins)
    fuzz_auth: Callable[[ApiClient, Target, int, str], FuzzAuth]  # (client, target, seed, run id)
    probe: Callable[[ApiClient, Target], Exchange]  # a first call telling a wrong base URL apart
    test_data_schema: Mapping[str, Any] = field(default_factory=dict)  # the target file's `testData`
    checks: tuple[Check, ...] = ()  # response checks only this vendor's answers need
    fuzz_checks: tuple[str, ...] = ()  # which of `checks` also run on generated cases
