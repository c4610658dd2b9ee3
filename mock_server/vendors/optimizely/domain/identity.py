"""The token endpoint (`POST /identity/connect/token`) and the bearer-token check of the session operations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.common.settings import Settings
from mock_server.vendors.optimizely.domain.clients import Client, Clients
from mock_server.vendors.optimizely.domain.clock import Clock
from mock_server.vendors.optimizely.domain.errors import (
    invalid_client,
    invalid_grant,
    invalid_request,
    invalid_scope,
    unsupported_grant_type,
)
from mock_server.vendors.optimizely.domain.session_records import (
    SessionRecords,
    SessionState,
)
from mock_server.vendors.optimizely.domain.tokens import RefreshToken, Tokens
from mock_server.vendors.optimizely.domain.users import Users

# In this order in every `scope` the endpoint answers.
SCOPES = ("iscapi", "offline_access")
DEFAULT_SCOPES = ("iscapi",)
OFFLINE_ACCESS = "offline_access"
GRANT_TYPES = ("password", "refresh_token")

WRONG_CREDENTIALS = "The user name or password is incorrect."
INVALID_REFRESH_TOKEN = "The refresh token is not valid."


@dataclass(frozen=True, slots=True)
class Grant:
    """What a live access token grants: its session, as this request found it (idle time restarted)."""

    session_id: str
    expires_at: float
    state: SessionState


def _field(form: Mapping[str, Any], name: str) -> str | None:
    """A form field's value; None when absent or empty. `invalidRequest` for one sent twice or not text."""
    value = form.get(name)
    if isinstance(value, list | tuple):
        raise invalid_request(f"{name} must be sent once.", name)
    if value is not None and not isinstance(value, str):
        raise invalid_request(f"{name} must be text.", name)
    return value or None


def _required(form: Mapping[str, Any], name: str) -> str:
    value = _field(form, name)
    if value is None:
        raise invalid_request(f"{name} is required.", name)
    return value


def _requested_scopes(form: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The scopes asked for, in the endpoint's order; None when `scope` is absent or blank."""
    value = _field(form, "scope")
    names = set(value.split()) if value else set()
    if not names:
        return None
    if not names <= set(SCOPES):
        raise invalid_scope()
    return tuple(scope for scope in SCOPES if scope in names)


class Identity:
    def __init__(
        self,
        settings: Settings,
        clients: Clients,
        tokens: Tokens,
        users: Users,
        records: SessionRecords,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._clients = clients
        self._tokens = tokens
        self._users = users
        self._records = records
        self._clock = clock

    async def client(self, client_id: str | None, secret: str | None) -> Client | None:
        """The HTTP Basic check: the client, or None for missing credentials, an unknown client or a wrong secret."""
        return await self._clients.check(client_id, secret)

    async def authenticate(self, access_token: str | None) -> Grant | None:
        """The bearer check: None for a token unknown, expired or revoked, or whose session ended.

        A request naming the session is activity: its idle time starts again.
        """
        token = await self._tokens.access(access_token)
        if token is None:
            return None
        state = await self._records.touch(token.session_id, await self._settings.get())
        return None if state is None else Grant(token.session_id, token.expires_at, state)

    async def issue(self, client_id: str | None, client_secret: str | None, form: Mapping[str, Any]) -> dict[str, Any]:
        """A TokenResponse for the form's grant.

        Checks, in order: `invalidClient`; `invalidRequest` (no grant_type), `unsupportedGrantType`;
        `invalidRequest` (a field the grant needs), `invalidScope`; then the grant's `invalidGrant`.
        """
        client = await self.client(client_id, client_secret)
        if client is None:
            raise invalid_client()
        return await self.grant(client, form)

    async def grant(self, client: Client, form: Mapping[str, Any]) -> dict[str, Any]:
        """The TokenResponse for a client the Basic check has let through (see `issue`)."""
        grant_type = _required(form, "grant_type")
        if grant_type not in GRANT_TYPES:
            raise unsupported_grant_type()
        if grant_type == "password":
            user_name, password = _required(form, "username"), _required(form, "password")
            return await self._password(client, user_name, password, _requested_scopes(form))
        refresh_token = _required(form, "refresh_token")
        return await self._refresh(client, refresh_token, _requested_scopes(form))

    async def _password(
        self, client: Client, user_name: str, password: str, requested: tuple[str, ...] | None
    ) -> dict[str, Any]:
        """A new session, not signed in, for tokens of a user whose credentials are right and who is not
        locked out. Deactivated users and those who must change their password get one: the sign-in
        refuses them."""
        user = await self._users.verify(user_name, password)
        if user is None or user.locked(self._clock()):
            raise invalid_grant(WRONG_CREDENTIALS)
        settings = await self._settings.get()
        session_id, _ = await self._records.open_for_tokens(settings)
        return await self._answer(settings, client, session_id, requested or DEFAULT_SCOPES)

    async def _refresh(self, client: Client, value: str, requested: tuple[str, ...] | None) -> dict[str, Any]:
        """New tokens for the session of a live refresh token of this client, which is spent."""

        def within_grant(token: RefreshToken) -> None:
            if requested is not None and not set(requested) <= set(token.scopes):
                raise invalid_scope()

        token = await self._tokens.spend_refresh(value, client.id, within_grant)
        if token is None:
            raise invalid_grant(INVALID_REFRESH_TOKEN)
        settings = await self._settings.get()
        state = await self._records.touch(token.session_id, settings)
        if state is None:
            raise invalid_grant(INVALID_REFRESH_TOKEN)
        await self._records.keep_for_tokens(token.session_id, state, settings)
        return await self._answer(settings, client, token.session_id, requested or token.scopes)

    async def _answer(
        self, settings: Mapping[str, Any], client: Client, session_id: str, scopes: tuple[str, ...]
    ) -> dict[str, Any]:
        seconds = settings["accessTokenSeconds"]
        answer: dict[str, Any] = {
            "access_token": await self._tokens.issue_access(session_id, seconds),
            "expires_in": seconds,
            "token_type": "Bearer",
        }
        # Only a client that asked for offline access can come back without the user.
        if OFFLINE_ACCESS in scopes:
            answer["refresh_token"] = await self._tokens.issue_refresh(
                session_id, client.id, scopes, settings["refreshTokenSeconds"]
            )
        answer["scope"] = " ".join(scopes)
        return answer
