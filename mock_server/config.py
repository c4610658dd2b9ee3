"""The mock's configuration: one frozen value, built from the command line or by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storefront_kit import registry
from storefront_kit.journal import DEFAULT_SIZE


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything `create_app` needs; defaults serve the default contract with its bundled fixtures on 127.0.0.1:8080."""

    # The vendors served, by name (`storefront-kit contracts`).
    contracts: tuple[str, ...] = field(default_factory=lambda: (registry.default_contract(),))
    host: str = "127.0.0.1"
    port: int = 8080
    fixtures: Path | None = None
    seed: int | None = None
    locale: str | None = None
    cors_origins: tuple[str, ...] = ("*",)
    validate_responses: bool = True
    fast_path: bool = True  # False: every request goes through Connexion's whole stack
    state: str = "memory"
    controls: bool = True
    controls_token: str | None = None
    journal: bool = True  # record every exchange for `/__mock/requests` (off without the controls)
    journal_size: int = DEFAULT_SIZE  # the newest exchanges kept, per process
    journal_in_store: bool = False  # True: in the state store, one journal for every worker sharing it
    max_body_bytes: int | None = None  # None: each contract's `info.x-limits.maxBodyBytes`
    log_level: str = "info"

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
