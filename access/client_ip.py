"""The client's address, for the sign-in lockout and the API throttle alike.

Behind NUM_PROXIES reverse proxies, each appends the address it received the
request from to X-Forwarded-For, so the client is the NUM_PROXIES-th entry from
the end; anything before it was written by the client and is not believed.
Without proxies the header is ignored altogether."""

from django.conf import settings


def client_ip(request) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded.strip():
        return remote_addr
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote_addr
