"""Emporix's scenarios, one module per area: tokens, management routes, own-session routes, expiry."""
