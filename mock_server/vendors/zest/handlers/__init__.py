"""ZEST's handlers, one module per contract tag: thin, the domain does the work."""
