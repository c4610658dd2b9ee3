"""Reading fixture files: strict YAML, checked against a schema, with messages that say how to fix."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import jsonschema
import yaml
from faker import Faker

from storefront_kit.formats import FORMAT_CHECKER
from storefront_kit.schemas import with_defaults

__all__ = [
    "ExpandableFixtures",
    "FixtureError",
    "Problem",
    "read_expandable_fixtures",
    "read_fixture_file",
    "seeded_faker",
    "slug",
    "timestamp",
    "unique",
    "validate_fixture",
]

_ASCII_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})


class FixtureError(Exception):
    """A fixture file is wrong; the message names the file, the key and how to fix it."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml's, where built in
    """Safe YAML that refuses duplicate keys and keeps dates as the strings the contract wants."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = self.construct_scalar(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}; keep only one", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]  # the base is picked at import


def read_fixture_file(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(f"{file}: cannot read the fixture file: {exc}") from exc
    try:
        document = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else str(file)
        raise FixtureError(f"{where}: invalid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise FixtureError(f"{file}: invalid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise FixtureError(f"{file}: expected a mapping of sections (such as 'settings') at the top")
    return document


_FORMAT_HINTS = {
    "date": "write it as YYYY-MM-DD",
    "email": "write an e-mail address such as name@example.com",
    "uri": "write an absolute URL such as https://shop.example",
}


def validate_fixture(document: Any, schema: Mapping[str, Any], file: Path) -> None:
    # The contract is OpenAPI 3.0, whose schema objects are close to draft 4.
    validator = jsonschema.Draft4Validator(schema, format_checker=FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    lines = [f"{_key_path(error.absolute_path)}: {_describe(error)}" for error in errors]
    if len(lines) == 1:
        raise FixtureError(f"{file}: {lines[0]}")
    raise FixtureError(f"{file}: {len(lines)} problems:\n" + "\n".join(f"  - {line}" for line in lines))


def _key_path(parts: Sequence[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    message: str = error.message
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and "properties" in schema:
        message += f"; allowed keys: {', '.join(schema['properties'])}"
    elif error.validator == "format" and error.validator_value in _FORMAT_HINTS:
        message += f"; {_FORMAT_HINTS[error.validator_value]}"
    return message


# Raises a `FixtureError` naming a key of the file and what to do about it.
Problem = Callable[[str, str], NoReturn]


@dataclass(frozen=True, slots=True)
class ExpandableFixtures:
    """A checked fixture file whose `seed` and `locale` say how Faker expands it."""

    file: Path
    document: dict[str, Any]  # with the schema's defaults, and the seed and locale in effect
    locale_key: str  # how messages name the locale: the file's key, or the one given instead

    def fail(self, key: str, message: str) -> NoReturn:
        raise FixtureError(f"{self.file}: {key}: {message}")


def read_expandable_fixtures(
    path: str | Path | None, default: Path, schema: Mapping[str, Any], *, seed: int | None, locale: str | None
) -> ExpandableFixtures:
    """Read and check a fixture file (`default` without `path`); `seed`/`locale` override the file's."""
    file = Path(path) if path is not None else default
    document = read_fixture_file(file)
    validate_fixture(document, schema, file)
    document = with_defaults(schema, document)
    if seed is not None:
        document["seed"] = seed
    if locale is not None:
        document["locale"] = locale
    return ExpandableFixtures(file, document, "locale" if locale is None else "locale (given instead of the file's)")


def seeded_faker(fixtures: ExpandableFixtures, example: str) -> Faker:
    """One Faker instance for the file's locale, seeded with its seed; `example` is a locale to suggest."""
    locale = fixtures.document["locale"]
    try:
        fake = Faker(locale)
    except AttributeError as exc:
        raise FixtureError(
            f"{fixtures.file}: {fixtures.locale_key}: Faker has no locale {locale!r}; use one like {example}"
        ) from exc
    fake.seed_instance(fixtures.document["seed"])
    return fake


def unique(fail: Problem, key: str, name: str, values: Sequence[str]) -> None:
    """Refuse the first value of `values` that appears twice."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            fail(key, f"the {name} {value!r} appears twice; each {name} must be unique")
        seen.add(value)


def timestamp(moment: dt.datetime) -> str:
    """A fixture moment as the contracts write timestamps (UTC, whole seconds, `Z`)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(text: str) -> str:
    """`text` as lowercase ASCII words joined by hyphens (`Müller Ärger` -> `mueller-aerger`)."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_ASCII_FOLDS))
    return re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
