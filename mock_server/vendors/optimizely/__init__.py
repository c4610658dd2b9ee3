"""Optimizely Configured Commerce's sessions API and the token endpoint it needs: domain and fixtures."""
