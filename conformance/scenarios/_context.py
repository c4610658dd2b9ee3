"""What a scenario works with: calls that check as they go, accounts it cleans up, e-mails."""

from __future__ import annotations

import hashlib
import random
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.checks import Failure, check_response
from conformance.controls import MailboxReader
from conformance.http import ApiClient, Exchange
from conformance.results import Outcome, RunResult
from conformance.target import Target
from storefront_kit.contract import Contract, Operation

DEFAULT_RULE = "documented_cause_answers_code"


class NotCovered(Exception):
    """The scenario cannot go on against this target; the message says why."""


@dataclass(slots=True)
class Account:
    email: str
    password: str
    session: str
    id: str = ""
    deleted: bool = False


class ScenarioContext:
    """Helpers for one scenario run; every call is checked against the contract."""

    def __init__(
        self,
        *,
        name: str,
        contract: Contract,
        target: Target,
        client: ApiClient,
        mailbox: MailboxReader,
        settings: Mapping[str, Any],
        result: RunResult,
        seed: int,
        client_address: str | None,
        run_id: str = "0000",
        selected: frozenset[str] | None = None,
    ) -> None:
        self.name = name
        self.selected = selected if selected is not None else frozenset(contract.operations)
        self.contract = contract
        self.target = target
        self.client = client
        self.mailbox = mailbox
        self.settings = settings
        self.result = result
        self.client_address = client_address
        digest = hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()
        self.rng = random.Random(digest)
        self._tag = f"{seed}-{run_id}"
        self._counter = 0
        self.accounts: list[Account] = []
        self.notes: list[str] = []
        self._seen_messages: set[str] = set()
        # The latest calls, shown with a state rule's failure as the requests that reveal it.
        self.recent: deque[Exchange] = deque(maxlen=2)

    # -- values ---------------------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        """The contract's operations this run checks (all, or those given with --operation)."""
        return [op for op in self.contract.operations.values() if op.operation_id in self.selected]

    def setting(self, dotted: str) -> Any:
        node: Any = self.settings
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        return node

    def email(self) -> str:
        """A new e-mail address, unique to this seed and scenario."""
        self._counter += 1
        area = self.name.split(".")[-1].replace("_", "-")[:20]
        return f"sfk-{self._tag}-{area}-{self._counter}@{self.target.email_domain}"

    def password(self) -> str:
        """A new password that meets the policy."""
        return f"Pw-{self.rng.getrandbits(40):010x}-9"

    def hex_token(self, length: int = 64) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def other_address(self, number: int = 1) -> str | None:
        """Another client address of this scenario (when the target isolates clients by header)."""
        if self.client_address is None:
            return None
        _, _, third, fourth = self.client_address.split(".")
        return f"198.19.{(int(third) + 64 * number) % 256}.{fourth}"

    def note(self, text: str) -> None:
        self.notes.append(text)

    # -- calls ----------------------------------------------------------------------------------

    def call(self, operation_id: str, **kwargs: Any) -> Exchange:
        kwargs.setdefault("client_address", self.client_address)
        exchange = self.client.call(operation_id, **kwargs)
        self.recent.append(exchange)
        return exchange

    def ok(self, operation_id: str, cause: str, **kwargs: Any) -> Any:
        """Call, require a documented success, and return its JSON body."""
        exchange = self.call(operation_id, **kwargs)
        return self.check_ok(operation_id, cause, exchange)

    def check_ok(self, operation_id: str, cause: str, exchange: Exchange) -> Any:
        if not 200 <= exchange.status < 300:
            code = f" {exchange.error_code}" if exchange.error_code else ""
            failure = Failure(
                "documented_success",
                f"{operation_id}: {cause} must succeed; it answered HTTP {exchange.status}{code}",
                operation_id=operation_id, code=exchange.error_code, exchanges=[exchange],
            )
            self.result.record_operation(operation_id, Outcome.FAILED, failure.message)
            raise failure
        try:
            check_response(self.contract, operation_id, exchange)
        except Failure as failure:
            self.result.record_operation(operation_id, Outcome.FAILED, failure.message)
            raise
        self.result.record_operation(operation_id, Outcome.PASSED)
        return exchange.json()

    def error(self, operation_id: str, code: str, cause: str, *, rule: str = DEFAULT_RULE, **kwargs: Any) -> Exchange:
        """Call with a documented cause of `code`; require exactly that error, checked in full."""
        exchange = self.call(operation_id, **kwargs)
        self.check_error(operation_id, code, cause, exchange, rule=rule)
        return exchange

    def check_error(self, operation_id: str, code: str, cause: str, exchange: Exchange, *,
                    rule: str = DEFAULT_RULE) -> None:
        expected = self.contract.catalog[code].status
        try:
            if exchange.status < 400:
                raise Failure(
                    rule,
                    f"{operation_id}: {cause} must answer HTTP {expected} {code}; it answered HTTP {exchange.status}",
                    operation_id=operation_id, code=code, exchanges=[exchange],
                )
            check_response(self.contract, operation_id, exchange)
            if exchange.error_code != code:
                raise Failure(
                    rule,
                    f"{operation_id}: {cause} must answer HTTP {expected} {code}; it answered "
                    f"HTTP {exchange.status} {exchange.error_code}",
                    operation_id=operation_id, code=code, exchanges=[exchange],
                )
        except Failure as failure:
            self.result.record_cell(operation_id, code, Outcome.FAILED, self.name, failure.message)
            raise
        self.result.record_cell(operation_id, code, Outcome.PASSED, self.name)

    def invalid(self, operation_id: str, body: Any, cause: str, **kwargs: Any) -> Exchange:
        """Send a body that breaks one schema rule; require the code the contract maps that rule to."""
        code = schema_code(self.contract, operation_id, body)
        return self.error(operation_id, code, cause, body=body, **kwargs)

    def expect(self, condition: bool, rule: str, message: str, *exchanges: Exchange,
               operation_id: str | None = None) -> None:
        """A state rule: raise a `Failure` naming `rule` when `condition` is false."""
        if not condition:
            shown = exchanges or tuple(self.recent)
            op = operation_id or (shown[-1].operation_id if shown else None)
            if op:
                self.result.record_operation(op, Outcome.FAILED, message)
            raise Failure(rule, message, operation_id=op, exchanges=shown)

    # -- sessions and accounts ------------------------------------------------------------------

    def session(self) -> str:
        body = self.ok("createSession", "creating a session")
        return str(body["id"])

    def new_account(self) -> Account:
        """Register a fresh account; its session is logged in. It is deleted after the scenario."""
        session = self.session()
        email, password = self.email(), self.password()
        body = self.ok("register", "registering a new e-mail address", session=session,
                       body={"email": email, "password": password})
        account = Account(email, password, session, str(body.get("account", {}).get("id", "")))
        self.accounts.append(account)
        self.expect(body.get("loggedIn") is True, "register_logs_in",
                    "register answered loggedIn other than true; registration logs the session in",
                    operation_id="register")
        return account

    def login(self, account: Account, session: str | None = None, **extra: Any) -> dict[str, Any]:
        session = session or self.session()
        body = self.ok("login", "logging in with the right password", session=session,
                       body={"id": account.email, "password": account.password, **extra})
        account.session = session
        return dict(body)

    def logged_in(self, session: str) -> bool:
        body = self.ok("getAccount", "reading the session's login state", session=session)
        return bool(body.get("loggedIn"))

    # -- e-mails --------------------------------------------------------------------------------

    def require_mailbox(self) -> None:
        if not self.mailbox.available:
            raise NotCovered("the target file declares no mailbox (mailbox.type: none), so opt-in tokens "
                             "cannot be read")

    def mail_token(self, to: str, kind: str, *, cause: str) -> str:
        """The token of the next e-mail of `kind` to `to`; a missing e-mail is a failure."""
        self.require_mailbox()
        message = self.mailbox.wait_for(to, kind, self._seen_messages)
        if message is None:
            raise Failure("opt_in_email_sent", f"{cause}, but no {kind} e-mail to {to} arrived within "
                          f"{self.target.mailbox.wait_seconds:g}s", exchanges=tuple(self.recent))
        self._seen_messages.add(message.id)
        if not message.token:
            raise Failure("opt_in_email_sent", f"the {kind} e-mail to {to} carries no token")
        return message.token

    def wait(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    # -- cleanup --------------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Delete every account the scenario created (best effort, noted when impossible)."""
        for account in self.accounts:
            if account.deleted:
                continue
            try:
                self._delete(account)
            except Failure as failure:
                self.note(f"cleanup: could not delete {account.email}: {failure.message}")
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.note(f"cleanup: could not delete {account.email}: {type(exc).__name__}: {exc}")

    def _delete(self, account: Account) -> None:
        session = str((self.client.call("createSession", client_address=self.client_address).json() or {})["id"])
        login = self.client.call("login", session=session, client_address=self.client_address,
                                 body={"id": account.email, "password": account.password})
        if login.status != 200:
            if login.error_code == "invalidCredentials":
                return  # gone already (deleted by the scenario's own flow)
            raise Failure("cleanup", f"login answered HTTP {login.status} {login.error_code}", exchanges=[login])
        deleted = self.client.call("deleteAccount", session=session, body={}, client_address=self.client_address)
        body = deleted.json() or {}
        if deleted.status == 200 and body.get("confirmationRequired"):
            if not self.mailbox.available:
                raise Failure("cleanup", "double opt-in deletion needs a mailbox")
            token = self.mail_token(account.email, "accountDeletion", cause="deleting the account")
            deleted = self.client.call("confirmAccountDeletion", session=session, body={"otok": token},
                                       client_address=self.client_address)
        if deleted.status != 200:
            raise Failure("cleanup", f"deletion answered HTTP {deleted.status}", exchanges=[deleted])
        account.deleted = True


def schema_code(contract: Contract, operation_id: str, body: Any) -> str:
    """The code the contract assigns to `body`, whose broken schema rules must all map to one code."""
    from openapi_schema_validator import OAS30Validator

    from storefront_kit.contract import error_code_for_failure

    schema = contract.request_body_schema(operation_id)
    assert schema is not None, f"{operation_id} takes no body"
    errors = list(OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER).iter_errors(body))
    codes = set()
    for error in errors:
        missing = None
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = next((name for name in error.validator_value if name not in error.instance), None)
        codes.add(error_code_for_failure(schema, list(error.absolute_schema_path), str(error.validator), missing))
    if len(codes) != 1:
        raise ValueError(f"{operation_id}: body {body!r} does not break exactly one kind of schema rule")
    return codes.pop()


def example_request(contract: Contract, operation_id: str) -> tuple[Any, dict[str, Any]]:
    """A schema-valid body and query for the operation, from the contract's own examples."""
    spec = contract.operation_spec(operation_id)
    body: Any = None
    content = spec.get("requestBody", {}).get("content", {}).get("application/json")
    if content is not None:
        if "example" in content:
            body = content["example"]
        elif content.get("examples"):
            body = next(iter(content["examples"].values()))["value"]
        else:
            body = {}
    query = {}
    for parameter in spec.get("parameters", ()):
        if parameter["in"] == "query" and parameter.get("required"):
            schema = parameter["schema"]
            query[parameter["name"]] = parameter.get("example", schema.get("example", schema.get("default", "1")))
    return body, query

