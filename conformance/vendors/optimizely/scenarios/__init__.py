"""Optimizely's scenarios, one module per area: tokens, sign-in, the session's context, passwords, sign-out, expiry."""
