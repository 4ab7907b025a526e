"""Public pages a reverse proxy or CDN may cache (issue 20, item 6).

Scaffolding, filled in by that work: PublicCacheMiddleware passes responses
through unchanged for now."""

from __future__ import annotations


class PublicCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
