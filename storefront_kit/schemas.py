"""Values filled in from a schema's defaults, one rule for the mock's settings and fixtures and the kit's targets."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def with_defaults(schema: Mapping[str, Any], value: Any) -> Any:
    """`value` with the schema's defaults filled in, also inside nested objects and array items.

    An omitted object property takes its `default`; an omitted object without one is filled from
    its own properties' defaults when it has any. `value` itself is left unchanged.
    """
    if isinstance(value, Mapping) and schema.get("type") == "object":
        result = dict(value)
        for name, sub in schema.get("properties", {}).items():
            if name in result:
                result[name] = with_defaults(sub, result[name])
            elif "default" in sub:
                result[name] = with_defaults(sub, copy.deepcopy(sub["default"]))
            elif sub.get("type") == "object" and sub.get("properties"):
                filled = with_defaults(sub, {})
                if filled:
                    result[name] = filled
        return result
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [with_defaults(schema["items"], item) for item in value]
    return value
