"""Schemathesis alone against the mock's ASGI app, in-process: no subprocess, no port.

tests/mock/test_schemathesis.py runs it on the WEBSALE mock, with its own logged-in sessions and
Schemathesis' checks only, next to the kit's fuzz phase that fuzzes every contract
(tests/security/test_fuzz_backends.py and its deep run, `make fuzz`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.engine import events, from_schema
from schemathesis.python import asgi

from storefront_kit.contract import Contract

# Double opt-in keeps a fuzzed DELETE /account/delete from deleting the demo account the auth hook
# logs into, and a high failure limit keeps thousands of random logins from blocking it. Both only
# widen what the fuzzer reaches; every status stays documented.
FUZZ_SETTINGS: dict[str, Any] = {
    "doubleOptInDeletion": True,
    "loginThrottle": {"accountMaxFailures": 100000, "ipMaxFailures": 100000},
}


PHASES = ("examples", "coverage", "fuzzing", "stateful")
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "Demo-Password-1"
FALLBACK_PASSWORD = "Fuzz-Password-1"


def expected_statuses(contract: Contract) -> list[dict[str, Any]]:
    """Per-operation settings: where a settings-dependent code is a 400, 400 is expected too.

    A code marked `settingsDependent` in the catalog can answer a schema-VALID body (a field the
    schema calls optional that the backend's settings require); positive_data_acceptance flags
    such a 400. WEBSALE answers its two (`missingEmail`, `missingPasswordAuth`) with 403, so a
    default run needs nothing here; a contract that answers one with 400 gets 400 accepted for
    the operations that document it. Every other check keeps Schemathesis' defaults.
    """
    dependent = {code for code, entry in contract.catalog.items() if entry.settings_dependent}
    accepted = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
    return [
        {
            "include-operation-id": operation.operation_id,
            "checks": {"positive_data_acceptance": {"expected-statuses": accepted}},
        }
        for operation in contract.operations.values()
        if operation.codes_by_status.get(400, frozenset()) & dependent
    ]


@dataclass
class InProcessRun:
    """What an in-process run found: requests sent, operations reached, failed checks, errors."""

    requests: int = 0
    operations: set[str] = field(default_factory=set)
    phases: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def prepare_app(app: Any) -> None:
    """Apply `FUZZ_SETTINGS` to a mock app in-process, through its controls.

    Sent on Schemathesis' own event loop, which the run uses too: a store's connections belong to
    the loop that opened them.
    """
    controls = f"http://{asgi.HOST}/__mock"
    with asgi.get_client(app) as client:
        settings = client.get(f"{controls}/settings").json()
        for key, value in FUZZ_SETTINGS.items():
            settings[key] = {**settings[key], **value} if isinstance(value, dict) else value
        response = client.put(f"{controls}/settings", json=settings)
        assert response.status_code == 200, response.text


def run_in_process(contract: Contract, app: Any, *, max_examples: int, seed: int) -> InProcessRun:
    """Every check and every phase against the ASGI `app`, in this process, reproducibly.

    Each generated request gets a live logged-in `x-session`; Schemathesis still sends a share
    without it, which must answer the documented 401.
    """
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "workers": 1,
            "color": False,
            "warnings": False,
            "base-url": f"http://{asgi.HOST}{contract.base_path}",
            "generation": {"database": "none", "max-examples": max_examples},
            "phases": {phase: {"enabled": True} for phase in PHASES},
            "operations": expected_statuses(contract),
        }
    )
    config.projects.override.checks.update(included_check_names=["all"])
    schema: Any = schemathesis.openapi.from_path(str(contract.path), config=config)
    schema.app = app
    api = f"http://{asgi.HOST}{contract.base_path}"

    @schema.auth(refresh_interval=5)
    class AccountSession:
        def __init__(self) -> None:
            self.fallback_email: str | None = None

        def get(self, case: Any, context: Any) -> str:
            with asgi.get_client(app) as client:
                session_id = str(client.post(f"{api}/session/create").json()["id"])
                headers = {"x-session": session_id}
                for email, password in ((DEMO_EMAIL, DEMO_PASSWORD), (self.fallback_email, FALLBACK_PASSWORD)):
                    login = {"id": email, "password": password}
                    if email and client.post(f"{api}/account/login", json=login, headers=headers).status_code == 200:
                        return session_id
                # The fuzzer may have changed the demo password: carry on with an account of our own.
                self.fallback_email = f"fuzz-{secrets.token_hex(6)}@example.com"
                body = {"email": self.fallback_email, "password": FALLBACK_PASSWORD}
                client.post(f"{api}/account/register", json=body, headers=headers)
            return session_id

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "x-session": data}

    found = InProcessRun()
    labels = {f"{op.method.upper()} {op.path}": op.operation_id for op in contract.operations.values()}
    for event in from_schema(schema).execute():
        if isinstance(event, events.NonFatalError):
            found.errors.append(f"{event.label}: {type(event.value).__name__}: {event.value}")
        elif isinstance(event, events.FatalError):
            found.errors.append(f"fatal: {event.exception}")
        elif isinstance(event, events.ScenarioFinished):
            found.phases.add(event.phase.name.lower().removesuffix("_testing"))
            recorder = event.recorder
            found.requests += sum(1 for item in recorder.interactions.values() if item.response is not None)
            for node in recorder.cases.values():
                found.operations.add(labels.get(node.value.operation.label, node.value.operation.label))
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status.name == "FAILURE" and check.failure_info is not None:
                        failure = check.failure_info.failure
                        found.failures.append(
                            f"{recorder.label}: {check.name}: {failure.title} {failure.message or ''}".strip()
                            + f"\n  reproduce: {check.failure_info.code_sample}"
                        )
    return found
