"""Small helpers shared by the domain services."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_at(moment: float) -> str:
    """An epoch second (what a domain's clock answers) as an ISO 8601 UTC timestamp."""
    return iso(datetime.fromtimestamp(moment, UTC))


def email_key(email: str) -> str:
    """E-mail addresses are compared case-insensitively everywhere."""
    return email.strip().casefold()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_hex(nbytes)


def token_key(token: str) -> str:
    """Tokens are stored under their digest, so the store never holds a usable token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
