"""Maps an operationId to `<handlers package>.<first tag>.<operation_id>`, all in snake_case.

Handlers take and answer plain values. For an operation whose bodies are not JSON (XML), the
function Connexion calls is wrapped: the body Connexion hands over as bytes is read by the
shared codec, and the answer is written by it, each with its schema from the contract.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from connexion.resolver import Resolution, Resolver
from connexion.utils import get_function_from_name
from starlette.responses import Response

from mock_server.context import request_header
from storefront_kit.codecs import JSON, codec_for, find_codec
from storefront_kit.contract import Contract


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class TagResolver(Resolver):
    """Keeps the contract's clean operationIds; the function is found by tag and name."""

    def __init__(self, handlers_package: str, contract: Contract) -> None:
        super().__init__()
        self.contract = contract
        self._targets = {
            operation_id: f"{handlers_package}.{snake_case(operation.tag)}.{snake_case(operation_id)}"
            for operation_id, operation in contract.operations.items()
        }

    def function(self, operation_id: str) -> Any:
        """The handler itself: plain values in and out."""
        return get_function_from_name(self._targets[operation_id])

    def resolve(self, operation: Any) -> Resolution:
        function = self.function(operation.operation_id)
        return Resolution(with_codecs(self.contract, operation.operation_id, function), operation.operation_id)


def answer_parts(result: Any) -> tuple[Any, int, Mapping[str, str]]:
    """A handler's result as Connexion reads it: a body, `(body, status)` or `(body, status, headers)`."""
    if isinstance(result, tuple):
        body, status, *rest = result
        return body, int(status), rest[0] if rest else {}
    return result, 200, {}


def with_codecs(contract: Contract, operation_id: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` as Connexion calls it: unchanged where every body is JSON, else reading and
    writing its bodies with their codecs."""
    spec = contract.operation_spec(operation_id)
    requests = dict(spec.get("requestBody", {}).get("content", {}))
    answers = {
        int(status): next(iter(response["content"].items()))
        for status, response in spec["responses"].items()
        if str(status).isdigit() and response.get("content")
    }
    media_types = [*requests, *(media_type for media_type, _ in answers.values())]
    # Connexion reads JSON and form bodies itself and hands others (XML) over as bytes.
    if all(find_codec(media_type) in (JSON, None) for media_type in media_types):
        return function

    @functools.wraps(function)
    async def codec_handler(*args: Any, **kwargs: Any) -> Any:
        raw = kwargs.get("body")
        if isinstance(raw, bytes):
            media_type = (request_header("content-type") or "").split(";", 1)[0].strip().lower()
            if media_type not in requests:  # sent without one: the operation's first, as validated
                media_type = next(iter(requests))
            kwargs["body"] = codec_for(media_type).decode(raw, requests[media_type]["schema"])
        body, status, headers = answer_parts(await function(*args, **kwargs))
        if status not in answers:
            return Response(None, status, dict(headers))
        media_type, content = answers[status]
        codec = codec_for(media_type)
        return Response(codec.encode(body, content["schema"]), status, dict(headers), media_type=codec.content_type)

    return codec_handler
