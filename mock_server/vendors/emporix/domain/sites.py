"""The tenant's sites (settings `sites`): where contexts take their defaults from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    default_currency: str
    default_language: str
    home_base_country: str
    is_default: bool = False

    @classmethod
    def from_settings(cls, entry: Mapping[str, Any]) -> Site:
        return cls(
            code=entry["code"],
            default_currency=entry["defaultCurrency"],
            default_language=entry["defaultLanguage"],
            home_base_country=entry["homeBaseCountry"],
            is_default=bool(entry.get("default", False)),
        )


def all_sites(settings: Mapping[str, Any]) -> list[Site]:
    return [Site.from_settings(entry) for entry in settings["sites"]]


def default_site(settings: Mapping[str, Any]) -> Site:
    """The site marked default; the first one if settings written at run time mark none."""
    sites = all_sites(settings)
    return next((site for site in sites if site.is_default), sites[0])


def find_site(settings: Mapping[str, Any], code: str | None) -> Site | None:
    return next((site for site in all_sites(settings) if site.code == code), None)
