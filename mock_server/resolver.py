"""Maps an operationId to `<handlers package>.<first tag>.<operation_id>`, all in snake_case."""

from __future__ import annotations

import re
from typing import Any

from connexion.resolver import Resolution, Resolver
from connexion.utils import get_function_from_name

from storefront_kit.contract import Contract


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class TagResolver(Resolver):
    """Keeps the contract's clean operationIds; the function is found by tag and name."""

    def __init__(self, handlers_package: str, contract: Contract) -> None:
        super().__init__()
        self._targets = {
            operation_id: f"{handlers_package}.{snake_case(operation.tag)}.{snake_case(operation_id)}"
            for operation_id, operation in contract.operations.items()
        }

    def function(self, operation_id: str) -> Any:
        return get_function_from_name(self._targets[operation_id])

    def resolve(self, operation: Any) -> Resolution:
        return Resolution(self.function(operation.operation_id), operation.operation_id)
