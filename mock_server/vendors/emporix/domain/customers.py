"""Customers: records with argon2 hashes, and login, refresh and logout on a session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.common.passwords import verify_password_async
from mock_server.common.settings import Settings
from mock_server.common.values import email_key
from mock_server.store import Store
from mock_server.vendors.emporix.domain.clock import Clock
from mock_server.vendors.emporix.domain.contexts import ContextService, Profile
from mock_server.vendors.emporix.domain.errors import (
    invalid_access_token,
    invalid_credentials,
    invalid_refresh_token,
)
from mock_server.vendors.emporix.domain.tokens import (
    Token,
    Tokens,
    check_tenant,
    session_of,
)

CUSTOMER_PREFIX = "emporix:customer:"
EMAIL_PREFIX = "emporix:email:"
SHIPPING, BILLING = "SHIPPING", "BILLING"


@dataclass(frozen=True, slots=True)
class Address:
    country: str
    tags: tuple[str, ...] = ()
    contact_name: str = ""
    street: str = ""
    street_number: str = ""
    zip_code: str = ""
    city: str = ""

    @classmethod
    def from_wire(cls, entry: Mapping[str, Any]) -> Address:
        return cls(
            country=entry["country"],
            tags=tuple(entry.get("tags", ())),
            contact_name=entry.get("contactName", ""),
            street=entry.get("street", ""),
            street_number=entry.get("streetNumber", ""),
            zip_code=entry.get("zipCode", ""),
            city=entry.get("city", ""),
        )

    def wire(self) -> dict[str, Any]:
        return {
            "contactName": self.contact_name,
            "street": self.street,
            "streetNumber": self.street_number,
            "zipCode": self.zip_code,
            "city": self.city,
            "country": self.country,
            "tags": list(self.tags),
        }


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    email: str
    password_hash: str
    first_name: str = ""
    last_name: str = ""
    preferred_currency: str | None = None
    preferred_site: str | None = None
    preferred_language: str | None = None
    addresses: tuple[Address, ...] = ()
    created_at: str = ""

    @classmethod
    def from_fixture(cls, entry: Mapping[str, Any], password_hash: str) -> Customer:
        return cls.from_record({**entry, "passwordHash": password_hash})

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Customer:
        return cls(
            id=record["id"],
            email=record["email"],
            password_hash=record["passwordHash"],
            first_name=record.get("firstName", ""),
            last_name=record.get("lastName", ""),
            preferred_currency=record.get("preferredCurrency"),
            preferred_site=record.get("preferredSite"),
            preferred_language=record.get("preferredLanguage"),
            addresses=tuple(Address.from_wire(entry) for entry in record.get("addresses", ())),
            created_at=record.get("createdAt", ""),
        )

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "passwordHash": self.password_hash,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "preferredCurrency": self.preferred_currency,
            "preferredSite": self.preferred_site,
            "preferredLanguage": self.preferred_language,
            "addresses": [address.wire() for address in self.addresses],
            "createdAt": self.created_at,
        }

    def country(self) -> str | None:
        """The shipping address's country, else the billing address's."""
        for tag in (SHIPPING, BILLING):
            address = next((a for a in self.addresses if tag in a.tags), None)
            if address is not None:
                return address.country
        return None

    def profile(self) -> Profile:
        return Profile(self.id, self.preferred_site, self.preferred_currency, self.preferred_language, self.country())


class CustomerRecords:
    """Customer records; the e-mail index keeps addresses unique."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, customer_id: str) -> Customer | None:
        record = await self._store.get(CUSTOMER_PREFIX + customer_id)
        return None if record is None else Customer.from_record(record)

    async def by_email(self, email: str) -> Customer | None:
        customer_id = await self._store.get(EMAIL_PREFIX + email_key(email))
        return None if customer_id is None else await self.get(customer_id)

    async def create(self, customer: Customer) -> bool:
        """Store a new customer; False if the e-mail address is taken."""
        if not await self._store.add(EMAIL_PREFIX + email_key(customer.email), customer.id):
            return False
        await self.save(customer)
        return True

    async def save(self, customer: Customer) -> None:
        await self._store.put(CUSTOMER_PREFIX + customer.id, customer.record())


class CustomerService:
    def __init__(
        self, settings: Settings, records: CustomerRecords, tokens: Tokens, contexts: ContextService, clock: Clock
    ) -> None:
        self._settings = settings
        self._records = records
        self._tokens = tokens
        self._contexts = contexts
        self._clock = clock

    async def login(self, token: Token, tenant: str, email: str, password: str) -> dict[str, Any]:
        """A CustomerToken body; the session (id, context) stays, the customer's profile applies.

        `tenantMismatch`, `invalidAccessToken` for a token without a session, `invalidCredentials`.
        """
        check_tenant(token, tenant)
        session_id = session_of(token)
        customer = await self._records.by_email(email)
        if customer is None or not await verify_password_async(customer.password_hash, password):
            raise invalid_credentials()
        await self._contexts.sign_in(session_id, customer.profile())
        settings = await self._settings.get()
        grant = Token(
            "customer",
            tenant,
            (),
            token.client_id,
            session_id,
            customer.id,
            self._clock() + settings["refreshTokenSeconds"],
        )
        return await self._answer(settings, grant, await self._tokens.issue("refresh", grant))

    async def refresh(self, tenant: str, refresh_token: str) -> dict[str, Any]:
        """A new CustomerToken for the same session and customer; `invalidRefreshToken`."""
        grant = await self._tokens.find("refresh", refresh_token)
        if grant is None or grant.kind != "customer" or grant.tenant != tenant:
            raise invalid_refresh_token()
        return await self._answer(await self._settings.get(), grant, refresh_token)

    async def logout(self, tenant: str, access_token: str) -> None:
        """Revoke every token of the customer's session and remove its context; `invalidAccessToken`."""
        token = await self._tokens.find("access", access_token)
        if token is None or token.kind != "customer" or token.tenant != tenant:
            raise invalid_access_token()
        session_id = session_of(token)
        await self._tokens.revoke_session(session_id)
        await self._contexts.remove(session_id)

    async def _answer(self, settings: Mapping[str, Any], grant: Token, refresh_token: str) -> dict[str, Any]:
        now = self._clock()
        seconds = settings["customerTokenSeconds"]
        access = Token(
            "customer", grant.tenant, (), grant.client_id, grant.session_id, grant.customer_id, now + seconds
        )
        return {
            "access_token": await self._tokens.issue("access", access),
            "saas_token": await self._tokens.issue("saas", access),
            "expires_in": seconds,
            "refresh_token": refresh_token,
            "refresh_token_expires_in": grant.seconds_left(now),
            "token_type": "Bearer",
            "session_id": grant.session_id,
            "initialPassword": False,
        }
