"""Emporix's session-context service and the customer tokens it relies on."""
