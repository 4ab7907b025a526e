"""Reads shared by the admin, the pages and the API: one module per question."""
