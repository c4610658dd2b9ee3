"""Display name and e-mail address of the logged-in account."""

from __future__ import annotations

from typing import Any

from mock_server.common.outbox import Outbox
from mock_server.common.settings import Settings
from mock_server.common.values import email_key
from mock_server.errors import ApiError
from mock_server.vendors.websale.domain.accounts import AccountRecords, account_view
from mock_server.vendors.websale.domain.sessions import Visit
from mock_server.vendors.websale.domain.tokens import OptInTokens


def _taken() -> ApiError:
    return ApiError("accountAlreadyExists", "An account with this e-mail address already exists.", "email")


class ProfileService:
    def __init__(self, records: AccountRecords, settings: Settings, opt_in_tokens: OptInTokens, outbox: Outbox) -> None:
        self._records = records
        self._settings = settings
        self._opt_in = opt_in_tokens
        self._outbox = outbox

    async def update_display_name(self, visit: Visit, display_name: str) -> dict[str, Any]:
        record = await self._records.current(visit)
        record["displayName"] = display_name
        await self._records.save(record)
        return {"loggedIn": True, "account": account_view(record)}

    async def update_email(self, visit: Visit, email: str) -> dict[str, Any]:
        record = await self._records.current(visit)
        holder = await self._records.by_email(email)
        if holder is not None and holder["id"] != record["id"]:
            raise _taken()
        settings = await self._settings.get()
        if email_key(email) == email_key(record["email"]) or not settings["emailChangeVerification"]:
            changed = email_key(email) != email_key(record["email"])
            record.pop("pendingEmail", None)
            if not await self._records.move_email(record, email):
                raise _taken()
            if changed:
                record["emailVerified"] = False
                await self._records.save(record)
            return {"verificationRequired": False, "account": account_view(record)}
        token = await self._opt_in.issue(
            "emailVerification", record["id"], settings["optInTokenTtlSeconds"], email=email
        )
        link = f"{settings['storefrontBaseUrl'].rstrip('/')}/email-verify?otok={token}"
        await self._outbox.send(to=email, kind="emailVerification", token=token, link=link)
        record["pendingEmail"] = email
        await self._records.save(record)
        return {"verificationRequired": True, "account": account_view(record)}

    async def verify_email(self, visit: Visit, otok: str | None) -> dict[str, Any]:
        """Confirm a pending change; the token names the account, so any live session may call it."""
        refused = ApiError("actionNotAllowed", "The opt-in token is not valid for this action.", "otok")
        grant = await self._opt_in.peek(otok, "emailVerification")
        record = None if grant is None else await self._records.get(grant["accountId"])
        if (
            grant is None
            or record is None
            or record.get("pendingEmail") is None
            or email_key(record["pendingEmail"]) != email_key(grant["email"])
        ):
            raise refused
        holder = await self._records.by_email(grant["email"])
        if holder is not None and holder["id"] != record["id"]:
            raise ApiError("accountAlreadyExists", "An account with this e-mail address already exists.")
        if not await self._opt_in.spend(otok or ""):
            raise refused
        record.pop("pendingEmail", None)
        if not await self._records.move_email(record, grant["email"]):
            raise ApiError("accountAlreadyExists", "An account with this e-mail address already exists.")
        record["emailVerified"] = True
        await self._records.save(record)
        return {"loggedIn": visit.account_id == record["id"], "account": account_view(record)}
