"""Shared pieces of the storefront contract kit: reading contracts, the vendor registry, codecs, the CLI."""

from storefront_kit.contract import (
    Contract,
    ContractError,
    ErrorCode,
    Operation,
    load_contract,
)

__all__ = ["Contract", "ContractError", "ErrorCode", "Operation", "load_contract"]
