"""What a partner's copy must drop: records withdrawn from the reader's view since a time."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from cases.models import Withdrawal
from cases.visibility import Reader, visible_levels


def withdrawals_since(
    since: datetime.datetime, *, reader: Reader, kind: str | None = None
) -> QuerySet:
    """The withdrawals (kind, uuid, withdrawn_at) at or after `since` of records
    the reader could see and no longer can: deleted, or moved to a level the
    reader does not see. Optionally only those of one `kind`."""
    levels = visible_levels(reader)
    withdrawals = Withdrawal.objects.filter(
        Q(visibility__isnull=True) | ~Q(visibility__in=levels),
        previous_visibility__in=levels,  # never reveal a record the reader never saw
        withdrawn_at__gte=since,
    )
    if kind:
        withdrawals = withdrawals.filter(kind=kind)
    return withdrawals.values("kind", "uuid", "withdrawn_at")
