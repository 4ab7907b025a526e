"""Partner API tokens: issued by staff, shown once, stored hashed, expiring,
revocable, read-only."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "cbk_"


def hash_token(raw: str) -> str:
    # the token has 256 bits of entropy, so a fast hash is enough (no salt or KDF needed)
    return hashlib.sha256(raw.encode()).hexdigest()


class PartnerTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__gt=now))


class PartnerToken(models.Model):
    name = models.CharField(_("partner"), max_length=200, help_text=_("Who holds this token."))
    contact = models.CharField(_("contact (staff only)"), max_length=200, blank=True)
    prefix = models.CharField(max_length=16, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = PartnerTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partner API token")
        verbose_name_plural = _("partner API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    # DRF's throttles and permissions look at request.user; a token stands in for it
    is_authenticated = True
    is_anonymous = False
