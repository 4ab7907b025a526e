"""The change feed's storage: what changed (written by database triggers, so no
code path is missed) and the compacted feed each class of reader pulls.

- `Change` rows are written in the writer's own transaction by statement-level
  triggers (sync/migrations/0002) on every table a served record or its
  visibility reads; each names a row, as it was before and after the statement,
  with the keys of the records it belongs to (`refs`). A change is read by the
  compaction once its transaction has committed, however long that took.
- `Entry` is the feed: one row per (reader class, kind, record), holding the
  record as that reader sees it (or a remove), at the `position` of its newest
  change. Positions come from one sequence and only the compaction, one at a
  time, writes entries: a reader who has read up to a position never misses a
  later entry.
- `Epoch` names this feed's generation: tokens of another epoch are refused (410)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

POSITION_SEQUENCE = "sync_position"


class Change(models.Model):
    id = models.BigAutoField(primary_key=True)
    table = models.CharField(max_length=63)
    row_id = models.BigIntegerField()
    refs = models.JSONField(default=dict)  # the row's keys of the records it belongs to

    class Meta:
        db_table = "sync_change"
        verbose_name = _("change waiting for the feed")
        verbose_name_plural = _("changes waiting for the feed")


class ReaderClass(models.TextChoices):
    PUBLIC = "public"
    PARTNER = "partner"


class Op(models.TextChoices):
    UPSERT = "upsert"
    REMOVE = "remove"


class Entry(models.Model):
    id = models.BigAutoField(primary_key=True)
    position = models.BigIntegerField(unique=True)
    reader = models.CharField(max_length=16, choices=ReaderClass.choices)
    kind = models.CharField(max_length=32)
    record_id = models.BigIntegerField()
    uuid = models.UUIDField()
    op = models.CharField(max_length=8, choices=Op.choices)
    record = models.JSONField(null=True)

    class Meta:
        db_table = "sync_entry"
        verbose_name = _("feed entry")
        verbose_name_plural = _("feed entries")
        constraints = [
            models.UniqueConstraint(
                fields=["reader", "kind", "record_id"], name="sync_entry_one_per_record"
            ),
            models.CheckConstraint(
                condition=models.Q(op="upsert", record__isnull=False)
                | models.Q(op="remove", record__isnull=True),
                name="sync_entry_upsert_has_record",
            ),
        ]
        indexes = [models.Index(fields=["reader", "position"], name="sync_entry_reader_pos")]


class Epoch(models.Model):
    """One row: the feed's generation, part of every token."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.CharField(max_length=12)

    class Meta:
        db_table = "sync_epoch"
        verbose_name = _("feed generation")
        verbose_name_plural = _("feed generations")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="sync_epoch_one")]
