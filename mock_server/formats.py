"""The one format checker of the mock: requests, answers, parameters, settings and fixtures.

`email`, `date`, `date-time` and `uri` are judged by jsonschema-rs, as Schemathesis and the
conformance kit judge them; the pure-Python defaults are lax (an e-mail only needs an `@`) or
silently skipped when an optional package is missing (`uri` without rfc3987), so the mock would
accept and echo values its own contract calls invalid. The other formats are jsonschema's Draft 4 ones.
"""

from __future__ import annotations

import jsonschema_rs
from jsonschema import Draft4Validator, FormatChecker

STRICT_FORMATS = ("email", "date", "date-time", "uri")


def _strict_format_checker() -> FormatChecker:
    """Draft 4's checker with the strict formats taken from jsonschema-rs."""
    checker = FormatChecker(formats=[name for name in Draft4Validator.FORMAT_CHECKER.checkers if name not in STRICT_FORMATS])
    for name in STRICT_FORMATS:
        validator = jsonschema_rs.Draft4Validator({"type": "string", "format": name}, validate_formats=True)
        checker.checks(name)(lambda value, _v=validator: not isinstance(value, str) or bool(_v.is_valid(value)))
    return checker


FORMAT_CHECKER = _strict_format_checker()
