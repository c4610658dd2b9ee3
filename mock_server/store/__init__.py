"""State backends behind one interface, chosen by URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

from mock_server.store.base import Store, StoreUnavailable
from mock_server.store.memory import MemoryStore

__all__ = ["MemoryStore", "Store", "StoreConfigError", "StoreUnavailable", "is_shared", "open_store"]

STATE_URL_FORMS = (
    "'memory' (one worker), 'sqlite:///relative/path.db' or 'sqlite:////absolute/path.db' "
    "(one machine), 'redis://host:port/db[?prefix=name:]' (any number of workers and machines)"
)


class StoreConfigError(ValueError):
    """A state URL that names no usable backend; the message says how to write it."""


def is_shared(url: str) -> bool:
    """True if several worker processes can share the backend `url` names."""
    return urlsplit(url).scheme in ("sqlite", "redis", "rediss")


def open_store(url: str = "memory") -> Store:
    """Open the backend a state URL names: `memory`, `sqlite:///path` or `redis://host:port/db`."""
    if url in ("memory", "memory://"):
        return MemoryStore()
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return _open_sqlite(url)
    if parts.scheme in ("redis", "rediss"):
        return _open_redis(url)
    raise StoreConfigError(f"unsupported state URL {url!r}; use {STATE_URL_FORMS}")


def _open_sqlite(url: str) -> Store:
    from mock_server.store.sqlite import SqliteStore

    parts = urlsplit(url)
    # sqlite:///a.db is relative to the working directory, sqlite:////srv/a.db absolute (the
    # convention of SQLAlchemy and dj-database-url).
    if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
        raise StoreConfigError(
            f"bad SQLite state URL {url!r}: write 'sqlite:///relative/path.db' or "
            "'sqlite:////absolute/path.db' (three slashes, then the file path)"
        )
    path = Path(parts.path[1:])
    options = parse_qs(parts.query, keep_blank_values=True)
    synchronous = options.pop("synchronous", ["normal"])[-1].lower()
    if options or synchronous not in ("normal", "full"):
        raise StoreConfigError(
            f"bad SQLite state URL {url!r}: the only option is '?synchronous=normal' (default) or '?synchronous=full'"
        )
    if path.is_dir():
        raise StoreConfigError(f"SQLite state URL {url!r} names the directory {path}; name a file inside it")
    if not path.parent.is_dir():
        hint = (
            ""
            if path.is_absolute()
            else f" in {Path.cwd()} (for an absolute path write four slashes: sqlite:////dir/file.db)"
        )
        raise StoreConfigError(
            f"SQLite state URL {url!r}: there is no directory {str(path.parent)!r}{hint}; create it first"
        )
    return SqliteStore(path, synchronous="full" if synchronous == "full" else "normal")


def _open_redis(url: str) -> Store:
    from mock_server.store.redis import DEFAULT_PREFIX, RedisStore

    parts = urlsplit(url)
    form = "'redis://host:port/db' (db a number, e.g. redis://127.0.0.1:6379/0), optionally '?prefix=name:'"
    try:
        port = parts.port
    except ValueError:
        raise StoreConfigError(f"bad Redis state URL {url!r}: the port is not a number; write {form}") from None
    if not parts.hostname:
        raise StoreConfigError(f"bad Redis state URL {url!r}: no host; write {form}")
    db = parts.path.strip("/") or "0"
    if not db.isdigit():
        raise StoreConfigError(f"bad Redis state URL {url!r}: database {db!r} is not a number; write {form}")
    if port is not None and not 0 < port < 65536:
        raise StoreConfigError(f"bad Redis state URL {url!r}: port {port} is out of range; write {form}")
    options = parse_qs(parts.query, keep_blank_values=True)
    prefix = options.pop("prefix", [DEFAULT_PREFIX])[-1]
    if options:
        raise StoreConfigError(
            f"bad Redis state URL {url!r}: unknown option(s) {sorted(options)}; the only option is 'prefix'"
        )
    if not prefix:
        raise StoreConfigError(f"bad Redis state URL {url!r}: an empty prefix would make clear() touch other keys")
    return RedisStore(urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", "")), prefix=prefix)
