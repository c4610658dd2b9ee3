"""One package per vendor: its security checks, handlers, domain and fixtures."""
