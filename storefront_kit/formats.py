"""The format checkers of the mock (requests, answers, parameters, settings, fixtures) and of the kit
(answers, target files).

`email`, `date`, `date-time` and `uri` are judged by jsonschema-rs, as Schemathesis judges them;
the pure-Python defaults are lax (an e-mail only needs an `@`) or silently skipped when an optional
package is missing (`uri` without rfc3987), so the mock would accept and echo, and the kit pass,
values the contract calls invalid. The other formats are those of the base checker: Draft 4's for
the mock, OpenAPI 3.0's (`int32`, `byte`, ...) for the kit.
"""

from __future__ import annotations

import jsonschema_rs
from jsonschema import Draft4Validator, FormatChecker
from openapi_schema_validator import OAS30Validator

STRICT_FORMATS = ("email", "date", "date-time", "uri")


def strict(base: FormatChecker) -> FormatChecker:
    """`base` with the strict formats taken from jsonschema-rs."""
    checker = FormatChecker(formats=())
    checker.checkers = {name: entry for name, entry in base.checkers.items() if name not in STRICT_FORMATS}
    for name in STRICT_FORMATS:
        validator = jsonschema_rs.Draft4Validator({"type": "string", "format": name}, validate_formats=True)
        checker.checks(name)(lambda value, _v=validator: not isinstance(value, str) or bool(_v.is_valid(value)))
    return checker


FORMAT_CHECKER = strict(Draft4Validator.FORMAT_CHECKER)
OPENAPI_FORMAT_CHECKER = strict(OAS30Validator.FORMAT_CHECKER)
