"""Customer accounts: storage, login, autologin, registration, logout and deletion."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mock_server.common.outbox import Outbox
from mock_server.common.passwords import (
    hash_password_async,
    verify_password_async,
)
from mock_server.common.settings import Settings
from mock_server.common.values import email_key, iso_at
from mock_server.errors import ApiError
from mock_server.store import Store
from mock_server.vendors.websale.domain.addresses import delete_book
from mock_server.vendors.websale.domain.sessions import Sessions, Visit
from mock_server.vendors.websale.domain.throttle import LoginThrottle
from mock_server.vendors.websale.domain.tokens import AutologinTokens, OptInTokens

ACCOUNT_PREFIX = "websale:account:"
EMAIL_PREFIX = "websale:email:"
ACCOUNT_SEQUENCE = "websale:seq:account"
# Owned data kept under one key per account; the address book has its own layout (`delete_book`).
OWNED_PREFIXES = ("websale:orders:", "websale:orderSummaries:", "websale:backInStock:")


def account_view(record: dict[str, Any]) -> dict[str, Any]:
    """The contract's `Account` for a stored account record."""
    view = {
        "id": record["id"],
        "email": record["email"],
        "displayName": record.get("displayName", ""),
        "emailVerified": bool(record.get("emailVerified", False)),
        "createdAt": record["createdAt"],
    }
    for optional in ("pendingEmail", "firstName", "lastName"):
        if record.get(optional):
            view[optional] = record[optional]
    return view


def not_logged_in() -> ApiError:
    return ApiError("notLoggedIn", "No account is logged in.")


class AccountRecords:
    """Reads and writes account records; the e-mail index keeps addresses unique."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, account_id: str) -> dict[str, Any] | None:
        return await self._store.get(ACCOUNT_PREFIX + account_id)

    async def by_email(self, email: str) -> dict[str, Any] | None:
        account_id = await self._store.get(EMAIL_PREFIX + email_key(email))
        return None if account_id is None else await self.get(account_id)

    async def next_id(self) -> str:
        return str(await self._store.update(ACCOUNT_SEQUENCE, lambda n: ((n or 0) + 1, (n or 0) + 1)))

    async def create(self, record: dict[str, Any]) -> bool:
        """Store a new account; False if its e-mail address is taken."""
        if not await self._store.add(EMAIL_PREFIX + email_key(record["email"]), record["id"]):
            return False
        await self._store.put(ACCOUNT_PREFIX + record["id"], record)
        return True

    async def save(self, record: dict[str, Any]) -> None:
        await self._store.put(ACCOUNT_PREFIX + record["id"], record)

    async def move_email(self, record: dict[str, Any], new_email: str) -> bool:
        """Point the account at `new_email`; False if another account holds it."""
        old_key, new_key = email_key(record["email"]), email_key(new_email)
        if old_key != new_key and not await self._store.add(EMAIL_PREFIX + new_key, record["id"]):
            return False
        if old_key != new_key:
            await self._store.delete(EMAIL_PREFIX + old_key)
        record["email"] = new_email
        await self.save(record)
        return True

    async def delete(self, record: dict[str, Any]) -> None:
        await self._store.delete(ACCOUNT_PREFIX + record["id"])
        if await self._store.get(EMAIL_PREFIX + email_key(record["email"])) == record["id"]:
            await self._store.delete(EMAIL_PREFIX + email_key(record["email"]))
        for prefix in OWNED_PREFIXES:
            await self._store.delete(prefix + record["id"])
        await delete_book(self._store, record["id"])

    async def current(self, visit: Visit) -> dict[str, Any]:
        """The logged-in account of the visit, or `notLoggedIn`."""
        if visit.account is not None:
            return visit.account
        record = None if visit.account_id is None else await self.get(visit.account_id)
        if record is None:
            raise not_logged_in()
        return record


class AccountService:
    def __init__(
        self,
        records: AccountRecords,
        sessions: Sessions,
        settings: Settings,
        throttle: LoginThrottle,
        autologin_tokens: AutologinTokens,
        opt_in_tokens: OptInTokens,
        outbox: Outbox,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._records = records
        self._sessions = sessions
        self._settings = settings
        self._throttle = throttle
        self._autologin = autologin_tokens
        self._opt_in = opt_in_tokens
        self._outbox = outbox

    async def _grant_autologin(self, account_id: str, mode: str) -> dict[str, str]:
        rules = (await self._settings.get())["autologin"]
        if mode == "off" or mode not in rules["modes"]:
            return {}
        ttl = rules["allTokenTtlSeconds"] if mode == "all" else rules["restrictedTokenTtlSeconds"]
        token, expires_at = await self._autologin.issue(account_id, mode, ttl)
        return {"autologinToken": token, "autologinExpiresAt": expires_at}

    async def login(self, visit: Visit, email: str, password: str, autologin: str = "off") -> dict[str, Any]:
        rules = (await self._settings.get())["loginThrottle"]
        attempt = await self._throttle.ensure_allowed(email, visit.client, rules)
        record = await self._records.by_email(email)
        if record is None or not await verify_password_async(record["passwordHash"], password):
            await self._throttle.record_failure(email, visit.client, attempt, rules)
            raise ApiError("invalidCredentials", "E-mail address or password is wrong.")
        await self._throttle.record_success(email)
        await self._sessions.set_account(visit, record["id"])
        return {
            "loggedIn": True,
            "account": account_view(record),
            **await self._grant_autologin(record["id"], autologin),
        }

    async def autologin(self, visit: Visit, token: str) -> dict[str, Any]:
        grant = await self._autologin.redeem(token)
        record = None if grant is None else await self._records.get(grant["accountId"])
        if grant is None or record is None:
            raise ApiError("invalidToken", "The autologin token is invalid or expired.", "token")
        await self._sessions.set_account(visit, record["id"])
        return {
            "loggedIn": True,
            "account": account_view(record),
            **await self._grant_autologin(record["id"], grant["mode"]),
        }

    async def register(self, visit: Visit, email: str, password: str) -> dict[str, Any]:
        await self._throttle.ensure_address_free(visit.client, code="loginBlocked")
        if await self._records.by_email(email) is not None:
            raise ApiError("accountAlreadyExists", "An account with this e-mail address already exists.", "email")
        record: dict[str, Any] = {
            "id": await self._records.next_id(),
            "email": email,
            "passwordHash": await hash_password_async(password),
            "displayName": "",
            "emailVerified": False,
            "createdAt": iso_at(self._clock()),
        }
        if not await self._records.create(record):
            raise ApiError("accountAlreadyExists", "An account with this e-mail address already exists.", "email")
        await self._sessions.set_account(visit, record["id"])
        return {"loggedIn": True, "account": account_view(record)}

    async def get(self, visit: Visit) -> dict[str, Any]:
        record = None if visit.account_id is None else await self._records.get(visit.account_id)
        return {"loggedIn": False} if record is None else {"loggedIn": True, "account": account_view(record)}

    async def logout(self, visit: Visit) -> dict[str, Any]:
        await self._sessions.set_account(visit, None)
        return {"loggedIn": False}

    async def delete(self, visit: Visit, otok: str | None) -> dict[str, Any]:
        """Delete at once, or under double opt-in e-mail a token (or use the one sent as `otok`)."""
        record = await self._records.current(visit)
        settings = await self._settings.get()
        if not settings["doubleOptInDeletion"]:
            return await self._delete_now(visit, record)
        if otok is not None:
            return await self._delete_with_token(visit, record, otok)
        token = await self._opt_in.issue("accountDeletion", record["id"], settings["optInTokenTtlSeconds"])
        link = f"{settings['storefrontBaseUrl'].rstrip('/')}/account-delete?otok={token}"
        await self._outbox.send(to=record["email"], kind="accountDeletion", token=token, link=link)
        return {"deleted": False, "confirmationRequired": True}

    async def confirm_deletion(self, visit: Visit, otok: str) -> dict[str, Any]:
        record = await self._records.current(visit)
        if not (await self._settings.get())["doubleOptInDeletion"]:
            raise ApiError(
                "actionNotAllowed", "Double opt-in is off in this shop: there is no deletion to confirm.", "otok"
            )
        return await self._delete_with_token(visit, record, otok)

    async def _delete_with_token(self, visit: Visit, record: dict[str, Any], otok: str) -> dict[str, Any]:
        grant = await self._opt_in.peek(otok, "accountDeletion")
        if grant is None or grant["accountId"] != record["id"] or not await self._opt_in.spend(otok):
            raise ApiError("actionNotAllowed", "The opt-in token is not valid for this action.", "otok")
        return await self._delete_now(visit, record)

    async def _delete_now(self, visit: Visit, record: dict[str, Any]) -> dict[str, Any]:
        await self._records.delete(record)
        await self._sessions.set_account(visit, None)
        return {"deleted": True, "confirmationRequired": False}
