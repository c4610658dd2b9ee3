"""Registers the conformance pytest plugin when pytest collects this package (`--pyargs conformance`),
unless it was loaded already with `-p conformance.pytest_plugin`."""

import sys

if "conformance.pytest_plugin" not in sys.modules:
    from conformance.pytest_plugin import conformance_result, pytest_addoption

    __all__ = ["conformance_result", "pytest_addoption"]
