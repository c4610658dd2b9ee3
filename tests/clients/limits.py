"""What a client generator cannot do with a contract, in one place: (tool, contract) -> reason.

The suite runs every tool on every contract in contracts/*.yaml; a pair listed here is skipped with
its reason. Tools: openapi-typescript, orval-fetch, orval-axios, orval-zod, openapi-python-client.
"""

from __future__ import annotations

UNSUPPORTED: dict[tuple[str, str], str] = {}


def unsupported(tool: str, contract: str) -> str | None:
    """The reason `tool` cannot serve `contract`, None when it can."""
    return UNSUPPORTED.get((tool, contract))
