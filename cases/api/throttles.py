"""Per-token throttling for partners, per-address for anonymous readers."""

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from access.client_ip import client_ip
from access.models import PartnerToken


class PartnerRateThrottle(SimpleRateThrottle):
    scope = "partner"

    def get_cache_key(self, request, view):
        if isinstance(request.user, PartnerToken):
            return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
        return None


class AnonymousRateThrottle(AnonRateThrottle):
    """Readers without a token, by client address: the same address the sign-in
    lockout uses (access.client_ip, settings.NUM_PROXIES)."""

    def get_cache_key(self, request, view):
        if isinstance(request.user, PartnerToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class ExportRateThrottle(SimpleRateThrottle):
    """Whole exports (`/api/v1/export/ftm/`: seconds of database work each) by
    token or client address, on top of the per-request rates:
    settings `API_EXPORT_RATE` (the environment's, 30 an hour by default)."""

    scope = "export"

    def get_cache_key(self, request, view):
        ident = request.user.pk if isinstance(request.user, PartnerToken) else client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
