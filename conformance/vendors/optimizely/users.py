"""The target's users as the kit leaves them: what its requests did to them, and putting them back.

A password change, or wrong passwords that may have locked a user out, must not outlast the run:
a developer signs in to their mock with the target file's passwords, and a real backend cannot be
reset. `UserLedger` follows the requests made for the target file's users (by a scenario or by
Schemathesis), and `restore` puts each user they may have changed back: the password changed back
from the one the run gave it, else a reset by e-mail (which also ends a lock-out), and a note for
the report where neither is possible.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.controls import MailboxReader
from conformance.errors import NotCovered, TargetError, TargetUnreachable
from conformance.http import ApiClient, Credential, Exchange
from conformance.target import Target

SCOPE = "iscapi offline_access"
SPARE_ROLE = "resettable"  # the user the kit may lock out and give a new password (always set back)
LOCKED_ROLE = "lockedOut"  # locked out on purpose: never reset by e-mail, which would unlock it
# A password change clears the must-change mark of these users, and nothing the API offers sets it again.
MUST_CHANGE_ROLES = frozenset({"mustChangePassword", "deactivatedMustChange"})
RESET_HINT = "set it back on the backend (on the bundled mock, POST /__mock/reset puts every user back)"


def client_credential(target: Target, client_id: str | None = None, secret: str | None = None) -> Credential:
    """HTTP Basic credentials of the target's token client (or of the given id and secret)."""
    client = target.data("client") or {}
    pair = f"{client_id or client.get('id', '')}:{client.get('secret', '') if secret is None else secret}"
    return Credential(headers={"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()})


def token_form(user_name: str, password: str, scope: str = SCOPE) -> dict[str, str]:
    """The form of a password grant."""
    return {"grant_type": "password", "username": user_name, "password": password, "scope": scope}


@dataclass(slots=True)
class TargetUser:
    """One of the target file's users, and what the run did to it as far as the kit can tell."""

    role: str
    name: str
    password: str  # the target file's
    email: str | None
    current: str  # its password now: the target file's, or the last one a change gave it
    changed: bool = False  # a password change went through (it also clears a must-change mark)
    suspect: bool = False  # wrong passwords may count towards a lock-out since its last right one

    @property
    def label(self) -> str:
        return f"{self.name!r} (testData.users.{self.role})"


class UserLedger:
    """The target file's users, and what the requests made for them did."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._by_name: dict[str, TargetUser] = {}
        self._by_role: dict[str, TargetUser] = {}
        for role, entry in (target.data("users") or {}).items():
            user = TargetUser(
                role, str(entry["userName"]), str(entry["password"]), entry.get("email"), str(entry["password"])
            )
            self._by_role[role] = user
            self._by_name.setdefault(user.name.casefold(), user)
        self.strangers: set[str] = set()  # users the target file does not list whose password was changed

    def role(self, role: str | None) -> TargetUser | None:
        return None if role is None else self._by_role.get(role)

    def named(self, name: Any) -> TargetUser | None:
        """The user a request names (user names are compared case-insensitively)."""
        return self._by_name.get(name.casefold()) if isinstance(name, str) else None

    def __iter__(self) -> Iterator[TargetUser]:
        return iter(self._by_role.values())

    # -- what requests did ------------------------------------------------------------------------

    def observe(self, operation_id: str, body: Any, status: int, session_role: str | None = None) -> None:
        """A request was answered `status`; `session_role` is the user signed into the caller's session."""
        if not isinstance(body, Mapping):
            return
        success = 200 <= status < 300
        if operation_id in ("signIn", "requestToken"):
            if operation_id == "requestToken" and body.get("grant_type") != "password":
                return
            user = self.named(body.get("userName" if operation_id == "signIn" else "username"))
            password = body.get("password")
            if user is None or not isinstance(password, str):
                return
            if success:
                user.current, user.suspect = password, False
            elif password != user.current:
                user.suspect = True  # a wrong password counts towards the lock-out
            elif status == 422:
                user.suspect = False  # passwordChangeRequired: the right password, which clears the count
        elif operation_id == "updateCurrentSession" and success:
            new = body.get("newPassword")
            if not isinstance(new, str) or (body.get("password") is None and body.get("resetToken") is None):
                return
            name = body.get("userName")
            if name is None and body.get("resetToken") is not None:
                return  # the token's user, whom the kit cannot tell
            user = self.named(name) if name is not None else self.role(session_role)
            if user is None:
                if isinstance(name, str):
                    self.strangers.add(name)
                return
            user.current, user.changed = new, True
            if body.get("resetToken") is not None:
                user.suspect = False  # a change with a reset token ends a lock-out

    # -- putting them back ------------------------------------------------------------------------

    def restore(self, client: ApiClient, mailbox: MailboxReader, client_address: str | None = None) -> list[str]:
        """Put back every user the run may have changed; answers a note for each it could not."""
        notes = [
            f"the run changed the password of the user {name!r}, which the target file does not list; {RESET_HINT}"
            for name in sorted(self.strangers)
        ]
        restorer = _Restorer(client, mailbox, client_address, self.target)
        unreachable = False
        for user in self:
            problem = None
            if user.current != user.password or user.suspect:
                try:
                    problem = "the target is unreachable" if unreachable else restorer.restore(user)
                except TargetUnreachable:
                    unreachable, problem = True, "the target is unreachable"
                except NotCovered as exc:  # the run does not check an operation the repair needs
                    problem = f"it {exc}"
            if problem is not None:
                notes.append(f"the user {user.label} could not be put back: {problem}; {RESET_HINT}")
            if user.changed and user.role in MUST_CHANGE_ROLES:
                notes.append(
                    f"the run changed the password of the user {user.label}, which clears its "
                    f"must-change-password mark; {RESET_HINT}"
                )
        return notes


class _Restorer:
    """Raw calls that put one user back; no answer is checked against the contract here."""

    def __init__(self, client: ApiClient, mailbox: MailboxReader, client_address: str | None, target: Target) -> None:
        self.client, self.mailbox, self.client_address, self.target = client, mailbox, client_address, target

    def call(self, operation_id: str, **kwargs: Any) -> Exchange:
        return self.client.call(operation_id, client_address=self.client_address, **kwargs)

    def restore(self, user: TargetUser) -> str | None:
        """None once `user` signs in with the target file's password (and is not locked out by the
        run); else what is wrong."""
        if user.current != user.password:
            changed = self.call(
                "updateCurrentSession",
                body={"userName": user.name, "password": user.current, "newPassword": user.password},
            )
            if changed.status == 200:
                user.current = user.password
        problem = self.check(user)
        if problem is None or user.role == LOCKED_ROLE:
            return problem
        reset = self.reset_by_mail(user)
        if reset is not None:
            return f"{problem}, and {reset}"
        user.changed, user.current = True, user.password
        again = self.check(user)
        return None if again is None else f"{again} even after a reset by e-mail"

    def check(self, user: TargetUser) -> str | None:
        """A password grant with the target file's password: a token, then signed out, means right and
        not locked out. The locked-out user is checked by a sign-in, which names the lock-out."""
        if user.role == LOCKED_ROLE:
            answer = self.call("signIn", body={"userName": user.name, "password": user.password})
            if "userLockedOut" in answer.error_codes:
                user.suspect = False
                return None  # the right password, and the lock-out it has on purpose
            if answer.status == 400:
                return (
                    "its password is no longer the target file's, and a reset by e-mail would end the "
                    "lock-out it has on purpose"
                )
            return (
                f"its sign-in with the target file's password answered HTTP {answer.status} "
                f"{answer.named_codes()}, not userLockedOut"
            )
        grant = self.call(
            "requestToken", credential=client_credential(self.target), form=token_form(user.name, user.password)
        )
        token = (grant.json() or {}).get("access_token") if grant.status == 200 else None
        if token:
            if self.client.selected is None or "signOut" in self.client.selected:
                self.call("signOut", credential=str(token))  # else the token is left to expire
            user.suspect = False
            return None
        if grant.status != 400:
            return f"the password grant to check it answered HTTP {grant.status}"
        if user.current == user.password:
            lockout = self.target.setting("lockoutSeconds")
            return (
                "it is locked out by the run's wrong passwords (it unlocks after the website's lockoutSeconds"
                f"{f', {lockout} s' if lockout else ''}), or its password is no longer the target file's"
            )
        return "its password is no longer the target file's"

    def reset_by_mail(self, user: TargetUser) -> str | None:
        """Set the target file's password with the token of a reset e-mail (which ends a lock-out);
        None when done, else why not."""
        if not self.mailbox.available:
            return "the target file declares no mailbox to reset it by e-mail"
        if not user.email:
            return f"testData.users.{user.role} gives no e-mail address to reset it by e-mail"
        try:
            seen = {message.id for message in self.mailbox.messages(user.email)}
            asked = self.call("updateCurrentSession", body={"userName": user.name, "resetPassword": True})
            if asked.status != 200:
                return f"asking for a reset e-mail answered HTTP {asked.status}"
            message = self.mailbox.wait_for(user.email, "resetPassword", seen)
        except TargetError as exc:
            return f"its reset e-mail could not be read: {exc}"
        if message is None or not message.token:
            return f"no reset e-mail with a token arrived for {user.email} within {self.target.mailbox.wait_seconds:g}s"
        reset = self.call(
            "updateCurrentSession",
            body={"userName": user.name, "resetToken": message.token, "newPassword": user.password},
        )
        if reset.status != 200:
            return f"setting its password with the e-mailed reset token answered HTTP {reset.status}"
        return None
