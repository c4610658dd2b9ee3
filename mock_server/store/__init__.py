"""State backends behind one interface, chosen by URL."""

from mock_server.store.base import Store, StoreUnavailable
from mock_server.store.memory import MemoryStore

__all__ = ["MemoryStore", "Store", "StoreUnavailable", "open_store"]


def open_store(url: str = "memory") -> Store:
    """Open the backend a state URL names (`memory` for now)."""
    if url in ("memory", "memory://"):
        return MemoryStore()
    raise ValueError(f"unsupported state URL {url!r}; use 'memory'")
