"""What a scenario works with: calls that check as they go, e-mails, and the vendor's flows.

`ScenarioContext` is the same for every contract; each vendor's profile names a subclass that adds
its flows (sessions, logins, tokens) and cleans up what the scenario created.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import time
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from conformance.checks import Check, Failure, check_response
from conformance.controls import ClockControl, MailboxReader
from conformance.errors import NotCovered, NotSelected, TargetDataError
from conformance.http import ApiClient, Exchange
from conformance.results import Outcome, RunResult
from conformance.target import Target
from storefront_kit.codecs import JSON, codec_for
from storefront_kit.contract import Contract, Operation
from storefront_kit.formats import OPENAPI_FORMAT_CHECKER

DEFAULT_RULE = "documented_cause_answers_code"

__all__ = ["NotCovered", "NotSelected", "ScenarioContext"]


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
        available: frozenset[str] | None = None,
        checks: tuple[Check, ...] = (),
        checks_off: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.checks = checks  # the vendor's own response checks, after the generic ones
        self.checks_off = checks_off  # response checks this run does not make (--exclude-checks)
        self.selected = selected if selected is not None else frozenset(contract.operations)  # checked
        # The operations the backend has (--operation): a call to another is never sent.
        self.available = available if available is not None else frozenset(contract.operations) | self.selected
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
        self.notes: list[str] = []
        self._seen_messages: set[str] = set()
        # The latest calls, shown with a state rule's failure as the requests that reveal it.
        self.recent: deque[Exchange] = deque(maxlen=2)
        self._target_data: str | None = None  # the target file's key the calls in progress use
        # Operations a generic scenario left out: their valid request needs one the backend does not have.
        self.unavailable: dict[str, str] = {}

    @contextlib.contextmanager
    def using_target_data(self, key: str) -> Iterator[None]:
        """Calls made with the target file's fixed `key` (`testData.accountWithOrders`): a documented refusal
        of one (a wrong password, a locked or unknown account) is a `TargetDataError`, the target file's
        problem and not the contract's."""
        outer, self._target_data = self._target_data, self._target_data or key
        try:
            yield
        finally:
            self._target_data = outer

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
        """Call one operation; one the backend does not have (left out of --operation) stops the scenario
        as not covered ("needs X (not selected)") without sending anything."""
        if operation_id not in self.available:
            raise NotSelected(operation_id)
        kwargs.setdefault("client_address", self.client_address)
        exchange = self.client.call(operation_id, **kwargs)
        self.recent.append(exchange)
        return exchange

    def ok(self, operation_id: str, cause: str, **kwargs: Any) -> Any:
        """Call, require a documented success, and return its body as a value."""
        exchange = self.call(operation_id, **kwargs)
        return self.check_ok(operation_id, cause, exchange)

    def check_ok(self, operation_id: str, cause: str, exchange: Exchange) -> Any:
        if not 200 <= exchange.status < 300 and self._target_data and self._refused(operation_id, exchange):
            raise TargetDataError(
                self._target_data,
                f"{operation_id} answered HTTP {exchange.status} {exchange.named_codes()} ({cause}); "
                "fix the target file or the backend's test data",
            )
        if not 200 <= exchange.status < 300:
            code = f" {exchange.named_codes()}" if exchange.error_codes else ""
            failure = Failure(
                "documented_success",
                f"{operation_id}: {cause} must succeed; it answered HTTP {exchange.status}{code}",
                operation_id=operation_id,
                code=exchange.error_code,
                exchanges=[exchange],
            )
            self.result.record_operation(operation_id, Outcome.FAILED, failure.message)
            raise failure
        try:
            check_response(self.contract, operation_id, exchange, self.checks, self.checks_off)
        except Failure as failure:
            self.result.record_operation(operation_id, Outcome.FAILED, failure.message)
            raise
        self.result.record_operation(operation_id, Outcome.PASSED)
        return exchange.value()

    def _refused(self, operation_id: str, exchange: Exchange) -> bool:
        """A client error the operation documents: the backend read the request and refused its data."""
        documented = self.contract.operation(operation_id).error_codes
        return 400 <= exchange.status < 500 and bool(exchange.error_codes) and exchange.error_codes <= documented

    def error(self, operation_id: str, code: str, cause: str, *, rule: str = DEFAULT_RULE, **kwargs: Any) -> Exchange:
        """Call with a documented cause of `code`; require exactly that error, checked in full."""
        exchange = self.call(operation_id, **kwargs)
        self.check_error(operation_id, code, cause, exchange, rule=rule)
        return exchange

    def check_error(
        self, operation_id: str, code: str, cause: str, exchange: Exchange, *, rule: str = DEFAULT_RULE
    ) -> None:
        expected = self.contract.catalog[code].status
        try:
            if exchange.status < 400:
                raise Failure(
                    rule,
                    f"{operation_id}: {cause} must answer HTTP {expected} {code}; it answered HTTP {exchange.status}",
                    operation_id=operation_id,
                    code=code,
                    exchanges=[exchange],
                )
            try:
                check_response(self.contract, operation_id, exchange, self.checks, self.checks_off)
            except Failure as broken:
                # A generic rule broke; the scenario knows what the cause should have answered.
                raise Failure(
                    broken.rule,
                    with_expectation(broken.message, f"expected HTTP {expected} {code} ({cause})"),
                    operation_id=operation_id,
                    code=code,
                    exchanges=broken.exchanges,
                ) from None
            if code not in exchange.error_codes:
                raise Failure(
                    rule,
                    f"{operation_id}: {cause} must answer HTTP {expected} {code}; it answered "
                    f"HTTP {exchange.status} {exchange.named_codes() or 'with no documented code'}",
                    operation_id=operation_id,
                    code=code,
                    exchanges=[exchange],
                )
        except Failure as failure:
            self.result.record_cell(operation_id, code, Outcome.FAILED, self.name, failure.message)
            raise
        self.result.record_cell(operation_id, code, Outcome.PASSED, self.name)

    def invalid(self, operation_id: str, body: Any, cause: str, **kwargs: Any) -> Exchange:
        """Send a body that breaks one schema rule; require the code the contract maps that rule to."""
        code = schema_code(self.contract, operation_id, body)
        return self.error(operation_id, code, cause, body=body, **kwargs)

    def expect(
        self, condition: bool, rule: str, message: str, *exchanges: Exchange, operation_id: str | None = None
    ) -> None:
        """A state rule: raise a `Failure` naming `rule` when `condition` is false."""
        if not condition:
            shown = exchanges or tuple(self.recent)
            op = operation_id or (shown[-1].operation_id if shown else None)
            if op:
                self.result.record_operation(op, Outcome.FAILED, message)
            raise Failure(rule, message, operation_id=op, exchanges=shown)

    # -- e-mails --------------------------------------------------------------------------------

    def require_mailbox(self) -> None:
        if not self.mailbox.available:
            raise NotCovered(
                "the target file declares no mailbox (mailbox.type: none), so opt-in tokens cannot be read"
            )

    def mail_token(self, to: str, kind: str, *, cause: str) -> str:
        """The token of the next e-mail of `kind` to `to`; a missing e-mail is a failure."""
        self.require_mailbox()
        message = self.mailbox.wait_for(to, kind, self._seen_messages)
        if message is None:
            raise Failure(
                "opt_in_email_sent",
                f"{cause}, but no {kind} e-mail to {to} arrived within {self.target.mailbox.wait_seconds:g}s",
                exchanges=tuple(self.recent),
            )
        self._seen_messages.add(message.id)
        if not message.token:
            raise Failure("opt_in_email_sent", f"the {kind} e-mail to {to} carries no token")
        return message.token

    def can_wait(self, seconds: float) -> bool:
        """Whether a rule that needs `seconds` to pass can be checked: the target's clock can be moved
        on (`clockControl`), or the wait fits `expiry.maxWaitSeconds`."""
        return self.target.clock_control or seconds <= self.target.max_wait_seconds

    def wait(self, seconds: float) -> None:
        """Let `seconds` pass on the target: its clock is moved on where it has a clock control, else real time passes."""
        if self.target.clock_control:
            ClockControl(self.client, self.target).advance(seconds)
        else:
            time.sleep(max(0.0, seconds))

    # -- the vendor's part --------------------------------------------------------------------

    def valid_request(self, operation_id: str) -> dict[str, Any]:
        """Keyword arguments for `call` that make a request the operation accepts (a live credential,
        the path parameters, the contract's example body and query); the vendor's context knows how."""
        raise NotImplementedError(f"{type(self).__name__} cannot make a valid {operation_id} request")

    def request_for(self, operation_id: str) -> dict[str, Any] | None:
        """`valid_request`, or None when making it needs an operation the backend does not have (left out
        of --operation): a generic scenario then leaves this operation out, its cells not covered for
        that reason (`unavailable`), and goes on with the next."""
        if operation_id in self.unavailable:
            return None
        try:
            return self.valid_request(operation_id)
        except NotSelected as exc:
            self.unavailable[operation_id] = str(exc)
            return None

    def cleanup(self) -> None:
        """Remove what the scenario created on the target (best effort); the vendor's context knows how."""


def with_expectation(message: str, expectation: str) -> str:
    """`message` with `expectation` after its first clause: `X answered ...; expected ...; the rest`."""
    first, newline, rest = message.partition("\n")
    head, sep, tail = first.partition("; ")
    return f"{head}; {expectation}{sep}{tail}{newline}{rest}"


def as_received(contract: Contract, operation_id: str, body: Any) -> Any:
    """`body` as a server reads it once written in the operation's media type (XML keeps no types:
    `12345` arrives as the text "12345")."""
    media_type = next(iter(contract.operation_spec(operation_id)["requestBody"]["content"]))
    codec = codec_for(media_type)
    if codec is JSON:
        return body
    schema = contract.request_body_schema(operation_id, media_type)
    return codec.decode(codec.encode(body, schema), schema)


def schema_code(contract: Contract, operation_id: str, body: Any) -> str:
    """The code the contract assigns to `body`, whose broken schema rules must all map to one code."""
    from openapi_schema_validator import OAS30Validator

    schema = contract.request_body_schema(operation_id)
    assert schema is not None, f"{operation_id} takes no body"
    body = as_received(contract, operation_id, body)
    errors = list(OAS30Validator(schema, format_checker=OPENAPI_FORMAT_CHECKER).iter_errors(body))
    codes = set()
    for error in errors:
        missing = None
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = next((name for name in error.validator_value if name not in error.instance), None)
        codes.add(
            contract.code_for_schema_failure(
                schema,
                list(error.absolute_schema_path),
                str(error.validator),
                missing,
                contract.operation(operation_id),
            )
        )
    if len(codes) != 1:
        raise ValueError(f"{operation_id}: body {body!r} does not break exactly one kind of schema rule")
    return codes.pop()


def example_request(contract: Contract, operation_id: str) -> tuple[Any, dict[str, Any]]:
    """A schema-valid body and query for the operation, from the contract's own examples."""
    spec = contract.operation_spec(operation_id)
    body: Any = None
    content = next(iter(spec.get("requestBody", {}).get("content", {}).values()), None)
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
