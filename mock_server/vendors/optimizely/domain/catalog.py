"""The website's languages, currencies and personas: fixture data, read on every session answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mock_server.store import Store, StoreUnavailable

CATALOG_KEY = "optimizely:catalog"


def _by(entries: Iterable[Mapping[str, Any]], field: str) -> dict[str, Mapping[str, Any]]:
    # Codes and ids are compared case-insensitively (`EUR` and `eur`, `en-us` and `en-US`).
    return {str(entry[field]).casefold(): entry for entry in entries}


class WebsiteCatalog:
    """The wire-shaped `Language`, `Currency` and `Persona` objects, with their lookups."""

    __slots__ = (
        "_currencies",
        "_currency_codes",
        "_language_codes",
        "_languages",
        "_personas",
        "currencies",
        "default_currency",
        "default_language",
        "default_persona",
        "languages",
        "personas",
    )

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.languages: tuple[Mapping[str, Any], ...] = tuple(record["languages"])
        self.currencies: tuple[Mapping[str, Any], ...] = tuple(record["currencies"])
        self.personas: tuple[Mapping[str, Any], ...] = tuple(record["personas"])
        live = [language for language in self.languages if language["isLive"]]
        self._languages = _by(live, "id")
        self._language_codes = _by(live, "languageCode")
        self._currencies = _by(self.currencies, "id")
        self._currency_codes = _by(self.currencies, "currencyCode")
        self._personas = _by(self.personas, "id")
        # The fixtures mark exactly one of each default; the first stands in should a record not.
        self.default_language = next((entry for entry in live if entry["isDefault"]), live[0])
        self.default_currency = next((entry for entry in self.currencies if entry["isDefault"]), self.currencies[0])
        self.default_persona = next((entry for entry in self.personas if entry["isDefault"]), self.personas[0])

    @staticmethod
    def record_of(
        languages: Iterable[Mapping[str, Any]],
        currencies: Iterable[Mapping[str, Any]],
        personas: Iterable[Mapping[str, Any]],
    ) -> dict[str, Any]:
        return {"languages": list(languages), "currencies": list(currencies), "personas": list(personas)}

    def language_by_code(self, code: str | None) -> Mapping[str, Any] | None:
        """A live language by its code (`en-us`); None for an unknown or not live one."""
        return None if code is None else self._language_codes.get(code.casefold())

    def language_by_id(self, language_id: str) -> Mapping[str, Any] | None:
        return self._languages.get(language_id.casefold())

    def language(self, code: str | None) -> Mapping[str, Any]:
        """The session's language: the one stored, else (none, or no longer live) the default."""
        return self.language_by_code(code) or self.default_language

    def currency_by_code(self, code: str | None) -> Mapping[str, Any] | None:
        return None if code is None else self._currency_codes.get(code.casefold())

    def currency_by_id(self, currency_id: str) -> Mapping[str, Any] | None:
        return self._currencies.get(currency_id.casefold())

    def currency(self, code: str | None) -> Mapping[str, Any]:
        return self.currency_by_code(code) or self.default_currency

    def persona(self, persona_id: str) -> Mapping[str, Any] | None:
        return self._personas.get(persona_id.casefold())


class Catalog:
    """Reads the catalog once per settings version: it changes only when the fixtures are written
    again, and seeding writes the settings last, so a new settings value is the sign to re-read."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._read_with: object = None
        self._catalog: WebsiteCatalog | None = None

    async def get(self, settings: Mapping[str, Any]) -> WebsiteCatalog:
        """The catalog; `settings` is the value `Settings.get` answered for this request."""
        if self._catalog is not None and settings is self._read_with:
            return self._catalog
        record = await self._store.get(CATALOG_KEY)
        if record is None:
            raise StoreUnavailable("unreachable", "the website's catalog is missing from the store")
        self._catalog, self._read_with = WebsiteCatalog(record), settings
        return self._catalog

    async def seed(
        self,
        languages: Iterable[Mapping[str, Any]],
        currencies: Iterable[Mapping[str, Any]],
        personas: Iterable[Mapping[str, Any]],
    ) -> None:
        await self._store.put(CATALOG_KEY, WebsiteCatalog.record_of(languages, currencies, personas))
        self._catalog = None
