"""Users: their customers, passwords, lock-out after failed attempts, and password reset tokens."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.common.passwords import verify_password_async
from mock_server.common.settings import Settings
from mock_server.common.values import email_key, token_key
from mock_server.store import Store
from mock_server.vendors.optimizely.domain.clock import (
    CLEANUP_GRACE_SECONDS,
    Clock,
    iso_at,
)

USER_PREFIX = "optimizely:user:"
USER_NAME_PREFIX = "optimizely:username:"
EMAIL_PREFIX = "optimizely:email:"
RESET_PREFIX = "optimizely:reset:"
# 9999-12-31T23:59:59Z: a fixture user locked out "until further notice".
FAR_FUTURE = 253402300799.0

Customer = Mapping[str, Any]  # the contract's wire-shaped `Customer`


@dataclass(frozen=True, slots=True)
class BillTo:
    customer: Customer
    ship_tos: tuple[Customer, ...]

    @property
    def id(self) -> str:
        return str(self.customer["id"])

    @property
    def is_default(self) -> bool:
        return bool(self.customer["isDefault"])

    def default_ship_to(self) -> Customer:
        """The ship-to marked default, else the first; a bill-to without ship-tos ships to itself."""
        return next((s for s in self.ship_tos if s["isDefault"]), self.ship_tos[0] if self.ship_tos else self.customer)

    def ship_to(self, ship_to_id: str | None) -> Customer | None:
        """One of this bill-to's ship-tos (the bill-to itself when it has none), by id."""
        if ship_to_id is None:
            return None
        wanted = ship_to_id.casefold()
        candidates = self.ship_tos or (self.customer,)
        return next((s for s in candidates if str(s["id"]).casefold() == wanted), None)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> BillTo:
        return cls(record["customer"], tuple(record["shipTos"]))


@dataclass(frozen=True, slots=True)
class User:
    id: str
    user_name: str
    email: str | None
    first_name: str
    last_name: str
    password_hash: str
    roles: tuple[str, ...]
    websites: tuple[str, ...]
    personas: tuple[str, ...]  # persona ids; the first is the user's default
    bill_tos: tuple[BillTo, ...]
    deactivated: bool = False
    must_change_password: bool = False
    punchout: bool = False
    locked_until: float | None = None
    failed_attempts: int = 0
    dashboard_is_homepage: bool = False
    last_login_at: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> User:
        return cls(
            id=record["id"],
            user_name=record["userName"],
            email=record.get("email"),
            first_name=record.get("firstName") or "",
            last_name=record.get("lastName") or "",
            password_hash=record["passwordHash"],
            roles=tuple(record.get("roles", ())),
            websites=tuple(record.get("websites", ())),
            personas=tuple(record.get("personas", ())),
            bill_tos=tuple(BillTo.from_record(entry) for entry in record.get("billTos", ())),
            deactivated=bool(record.get("deactivated")),
            must_change_password=bool(record.get("mustChangePassword")),
            punchout=bool(record.get("punchout")),
            locked_until=record.get("lockedUntil"),
            failed_attempts=int(record.get("failedAttempts") or 0),
            dashboard_is_homepage=bool(record.get("dashboardIsHomepage")),
            last_login_at=record.get("lastLoginAt"),
        )

    def locked(self, now: float) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def allowed_on(self, website: str) -> bool:
        return website.casefold() in (name.casefold() for name in self.websites)

    def default_bill_to(self) -> BillTo | None:
        """The bill-to marked default, else the first; None for a user without customers."""
        return next((b for b in self.bill_tos if b.is_default), self.bill_tos[0] if self.bill_tos else None)

    def bill_to(self, bill_to_id: str | None) -> BillTo | None:
        if bill_to_id is None:
            return None
        wanted = bill_to_id.casefold()
        return next((b for b in self.bill_tos if b.id.casefold() == wanted), None)

    @property
    def has_default_bill_to(self) -> bool:
        return any(b.is_default for b in self.bill_tos)

    @property
    def label(self) -> str:
        """Optimizely's `userLabel`: the full name, else the user name."""
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.user_name


def password_problem(rules: Mapping[str, Any], password: str) -> str | None:
    """What the website's `passwordRules` find wrong with a new password; None if nothing."""
    if len(password) < rules["minLength"]:
        return f"The password must be at least {rules['minLength']} characters long."
    checks = (
        ("requireDigit", str.isdigit, "a digit"),
        ("requireUppercase", str.isupper, "an uppercase letter"),
        ("requireLowercase", str.islower, "a lowercase letter"),
        ("requireSpecialCharacter", lambda c: not c.isalnum(), "a character that is neither a letter nor a digit"),
    )
    for rule, test, what in checks:
        if rules.get(rule) and not any(test(character) for character in password):
            return f"The password must contain {what}."
    return None


class Users:
    def __init__(self, store: Store, settings: Settings, clock: Clock) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock

    async def seed(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Write fixture users (records as `User.from_record` reads them) and their name and e-mail indexes."""
        for record in records:
            await self._store.put(USER_PREFIX + record["id"], dict(record))
            await self._store.put(USER_NAME_PREFIX + email_key(record["userName"]), record["id"])
            if record.get("email"):
                await self._store.put(EMAIL_PREFIX + email_key(record["email"]), record["id"])

    async def get(self, user_id: str | None) -> User | None:
        if user_id is None:
            return None
        record = await self._store.get(USER_PREFIX + user_id)
        return None if record is None else User.from_record(record)

    async def _by_index(self, prefix: str, name: str | None) -> User | None:
        if not name:
            return None
        user_id = await self._store.get(prefix + email_key(name))
        return None if user_id is None else await self.get(user_id)

    async def find(self, user_name: str | None) -> User | None:
        """A user by name, compared case-insensitively."""
        return await self._by_index(USER_NAME_PREFIX, user_name)

    async def find_by_email(self, email: str | None) -> User | None:
        return await self._by_index(EMAIL_PREFIX, email)

    async def change(self, user_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> User | None:
        """Apply `change` to the user's record atomically; None if the user is gone."""

        def apply(record: Any) -> tuple[Any, User | None]:
            if record is None:
                return None, None
            changed = change(record)
            return changed, User.from_record(changed)

        return await self._store.update(USER_PREFIX + user_id, apply)

    async def verify(self, user_name: str | None, password: str) -> User | None:
        """The user if the password is right; None for an unknown user or a wrong password.

        Wrong passwords of a known user count; `maxFailedAttempts` of them in a row lock the user
        out for `lockoutSeconds` (those made while locked out do not count), and a right one
        clears the count.
        """
        user = await self.find(user_name)
        if user is None:
            return None
        if await verify_password_async(user.password_hash, password):
            if user.failed_attempts:
                user = await self.change(user.id, lambda r: {**r, "failedAttempts": 0}) or user
            return user
        settings = await self._settings.get()
        now = self._clock()
        limit, lockout = settings["maxFailedAttempts"], settings["lockoutSeconds"]

        def count(record: dict[str, Any]) -> dict[str, Any]:
            if User.from_record(record).locked(now):
                return record
            failures = int(record.get("failedAttempts") or 0) + 1
            if failures >= limit:
                return {**record, "failedAttempts": 0, "lockedUntil": now + lockout}
            return {**record, "failedAttempts": failures}

        await self.change(user.id, count)
        return None

    async def record_sign_in(self, user_id: str) -> None:
        moment = iso_at(self._clock())
        await self.change(user_id, lambda r: {**r, "lastLoginAt": moment})


@dataclass(frozen=True, slots=True)
class ResetGrant:
    user_id: str
    expires_at: float


class ResetTokens:
    """One-time tokens e-mailed for a password reset or an account activation."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def issue(self, user_id: str, seconds: float) -> str:
        value = secrets.token_urlsafe(32)
        grant = {"u": user_id, "e": self._clock() + seconds}
        await self._store.put(RESET_PREFIX + token_key(value), grant, seconds + CLEANUP_GRACE_SECONDS)
        return value

    async def peek(self, value: str) -> ResetGrant | None:
        """The live token's grant, left unspent; None for one unknown, spent or expired."""
        record = await self._store.get(RESET_PREFIX + token_key(value))
        if record is None or self._clock() >= record["e"]:
            return None
        return ResetGrant(record["u"], record["e"])

    async def spend(self, value: str, user_id: str) -> bool:
        """Spend a live token of `user_id`; False (and nothing spent) otherwise."""
        now = self._clock()

        def spend(record: Any) -> tuple[Any, bool]:
            if record is None or now >= record["e"] or record["u"] != user_id:
                return record, False
            return None, True

        return await self._store.update(RESET_PREFIX + token_key(value), spend)
