"""Issuing and revoking partner tokens."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from access.models import TOKEN_PREFIX, PartnerToken, hash_token

DEFAULT_LIFETIME = datetime.timedelta(days=365)


@transaction.atomic
def token_issue(
    *, name: str, issued_by=None, expires_at: datetime.datetime | None = None, contact: str = ""
) -> tuple[PartnerToken, str]:
    """Create a token; return it with the raw key, which is never stored and
    must be shown to the issuer once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PartnerToken.objects.create(
        name=name,
        contact=contact,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(raw),
        created_by=issued_by,
        expires_at=expires_at or timezone.now() + DEFAULT_LIFETIME,
    )
    return token, raw


def token_revoke(*, token: PartnerToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_authenticate(raw: str) -> PartnerToken | None:
    """The active token with this key, its last use recorded; None otherwise."""
    token = PartnerToken.objects.active().filter(key_hash=hash_token(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    # record use at most once a minute: one write per request would be waste
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        PartnerToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
