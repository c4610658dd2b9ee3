"""Settings kept between requests are never staler than the store, also across processes."""

from __future__ import annotations

import pytest

from mock_server.common.settings import Settings, validate_settings
from mock_server.store import StoreUnavailable, open_store
from mock_server.vendors.websale.fixtures import load_fixtures
from storefront_kit import registry

pytestmark = pytest.mark.anyio


async def test_a_change_written_elsewhere_is_read_at_once(backend_url: str) -> None:
    schema = registry.contract("websale").settings_schema()
    first = open_store(backend_url)
    # Two stores on one shared backend are two processes; the memory backend has one process.
    second = first if backend_url == "memory" else open_store(backend_url)
    try:
        reader, writer = Settings(first, "websale", schema), Settings(second, "websale", schema)
        await writer.save(validate_settings(schema, load_fixtures().settings))
        before = await reader.get()
        assert await reader.get() is before  # kept while nothing changed
        await writer.replace({**before, "sessionIdleSeconds": before["sessionIdleSeconds"] + 7})
        after = await reader.get()
        assert after["sessionIdleSeconds"] == before["sessionIdleSeconds"] + 7
        await first.clear()
        with pytest.raises(StoreUnavailable):
            await reader.get()
    finally:
        await first.close()
        if second is not first:
            await second.close()
