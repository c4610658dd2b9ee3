"""WEBSALE's scenarios, one module per API area."""
