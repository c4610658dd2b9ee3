"""Password change while logged in, and recovery by e-mailed token."""

from __future__ import annotations

import hmac
from typing import Any

from mock_server.common.outbox import Outbox
from mock_server.common.passwords import (
    hash_password_async,
    verify_password_async,
)
from mock_server.common.settings import Settings
from mock_server.common.values import email_key
from mock_server.errors import ApiError
from mock_server.vendors.websale.domain.accounts import AccountRecords
from mock_server.vendors.websale.domain.sessions import Visit
from mock_server.vendors.websale.domain.tokens import OptInTokens


def _same_email(a: str, b: str) -> bool:
    return hmac.compare_digest(email_key(a).encode(), email_key(b).encode())


def _mismatch() -> ApiError:
    return ApiError("emailMismatch", "The e-mail address does not match the account.", "email")


class PasswordService:
    def __init__(self, records: AccountRecords, settings: Settings, opt_in_tokens: OptInTokens, outbox: Outbox) -> None:
        self._records = records
        self._settings = settings
        self._opt_in = opt_in_tokens
        self._outbox = outbox

    async def change(
        self, visit: Visit, new_password: str, email: str | None, password_auth: str | None
    ) -> dict[str, Any]:
        """Checks in the contract's order; the password policy itself is the schema's."""
        record = await self._records.current(visit)
        rules = (await self._settings.get())["passwordChange"]
        if email is None and rules["requireEmail"]:
            raise ApiError("missingEmail", "This shop requires the account's e-mail address as email.", "email")
        if email is not None and not _same_email(email, record["email"]):
            raise _mismatch()
        if password_auth is None and rules["requirePasswordAuth"]:
            raise ApiError(
                "missingPasswordAuth", "This shop requires the current password as passwordAuth.", "passwordAuth"
            )
        if password_auth is not None and not await verify_password_async(record["passwordHash"], password_auth):
            raise ApiError("failedPasswordAuth", "The current password is wrong.", "passwordAuth")
        record["passwordHash"] = await hash_password_async(new_password)
        await self._records.save(record)
        return {"success": True}

    async def request_reset(self, email: str) -> dict[str, Any]:
        record = await self._records.by_email(email)
        if record is None:
            raise ApiError("passwordRecoveryFailed", "No account was found for this e-mail address.", "email")
        settings = await self._settings.get()
        token = await self._opt_in.issue("passwordReset", record["id"], settings["optInTokenTtlSeconds"])
        link = f"{settings['storefrontBaseUrl'].rstrip('/')}/password-reset?otok={token}"
        await self._outbox.send(to=record["email"], kind="passwordReset", token=token, link=link)
        return {"success": True}

    async def reset(self, new_password: str, otok: str, email: str | None) -> dict[str, Any]:
        if email is None and (await self._settings.get())["passwordReset"]["requireEmail"]:
            raise ApiError("missingEmail", "This shop requires the account's e-mail address as email.", "email")
        invalid = ApiError("notLoggedIn", "The opt-in token is invalid or expired.", "otok")
        grant = await self._opt_in.peek(otok, "passwordReset")
        record = None if grant is None else await self._records.get(grant["accountId"])
        if record is None:
            raise invalid
        if email is not None and not _same_email(email, record["email"]):
            raise _mismatch()
        if not await self._opt_in.spend(otok):
            raise invalid
        record["passwordHash"] = await hash_password_async(new_password)
        await self._records.save(record)
        return {"success": True}
