"""Shared pieces of the storefront contract kit: reading the contract, and the command line."""

from storefront_kit.contract import Contract, ErrorCode, Operation, load_contract

__all__ = ["Contract", "ErrorCode", "Operation", "load_contract"]
