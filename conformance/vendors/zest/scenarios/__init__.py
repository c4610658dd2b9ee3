"""ZEST's scenarios, one module per area: keys, sessions, carts, the catalogue."""
