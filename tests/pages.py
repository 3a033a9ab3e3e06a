"""Helpers for tests that read whole pages."""

SITE = "https://guide.example.org"  # SITE_URL in the tests that use the site_url fixture (conftest.py)
