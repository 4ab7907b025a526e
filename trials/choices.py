"""The fixed choices of a trial and of its hearings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrialInstance(models.TextChoices):
    FIRST = "first-instance", _("first instance")
    APPEAL = "appeal", _("appeal")
    CASSATION = "cassation", _("cassation (Supreme Court)")
    OTHER = "other", _("other")


class HearingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    POSTPONED = "postponed", _("postponed")
    CANCELLED = "cancelled", _("cancelled")
