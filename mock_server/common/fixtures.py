"""Reading fixture files: strict YAML, checked against a schema, with messages that say how to fix."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import yaml

__all__ = ["FixtureError", "read_fixture_file", "slug", "timestamp", "validate_fixture"]

_ASCII_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})


class FixtureError(Exception):
    """A fixture file is wrong; the message names the file, the key and how to fix it."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
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
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


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


_FORMATS = jsonschema.FormatChecker()


@_FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    # jsonschema checks `uri` only with an optional package installed; a scheme and a host suffice here.
    return not isinstance(value, str) or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*$", value))


_FORMAT_HINTS = {
    "date": "write it as YYYY-MM-DD",
    "email": "write an e-mail address such as name@example.com",
    "uri": "write an absolute URL such as https://shop.example",
}


def validate_fixture(document: Any, schema: Mapping[str, Any], file: Path) -> None:
    # The contract is OpenAPI 3.0, whose schema objects are close to draft 4.
    validator = jsonschema.Draft4Validator(schema, format_checker=_FORMATS)
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


def timestamp(moment: dt.datetime) -> str:
    """A fixture moment as the contracts write timestamps (UTC, whole seconds, `Z`)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(text: str) -> str:
    """`text` as lowercase ASCII words joined by hyphens (`Müller Ärger` -> `mueller-aerger`)."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_ASCII_FOLDS))
    return re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
