"""Writes of the researchers' workflow: the trash, restoring a version from the
history, publishing, and merging duplicate persons (and undoing a merge).
Each is a plain function that checks, writes in one transaction and leaves its
mark in the history (django-pghistory records every row it changes, with the
context given here)."""

from __future__ import annotations

from typing import Any

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import NameVariantKind, Visibility
from cases.models import (
    Affiliation,
    Allegation,
    Detention,
    Merge,
    NameVariant,
    Person,
    Record,
    Statement,
)
from sources.models import Citation

PUBLISH_PERMISSION = "cases.publish"
RESTORE_PERMISSION = "cases.restore"
MERGE_PERMISSION = "cases.merge_persons"


def _require(user, permission: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise PermissionDenied(_("You do not have the right to do this (%s).") % permission)


def _context(user, action: str, **extra):
    return pghistory.context(user=getattr(user, "pk", None), action=action, **extra)


# --- the trash -----------------------------------------------------------------------


def records_trash(*, queryset: models.QuerySet, user=None) -> int:
    """Move records to the trash: hidden from every reader and list, withdrawn
    from partners, restorable by an editor. Nothing is deleted."""
    with transaction.atomic(), _context(user, "trash"):
        return queryset.filter(deleted_at__isnull=True).update(
            deleted_at=timezone.now(), updated_at=timezone.now()
        )


def records_restore_from_trash(*, queryset: models.QuerySet, user=None) -> int:
    _require(user, RESTORE_PERMISSION)
    with transaction.atomic(), _context(user, "restore from trash"):
        return queryset.filter(deleted_at__isnull=False).update(
            deleted_at=None, updated_at=timezone.now()
        )


# --- history -------------------------------------------------------------------------


def _event_values(obj: Record, event) -> dict[str, Any]:
    """The editable field values a history event recorded, by attribute name."""
    values = {}
    for field in type(obj)._meta.concrete_fields:
        if field.primary_key or field.name in ("uuid", "created_at", "updated_at"):
            continue
        if hasattr(event, field.attname):
            values[field.attname] = getattr(event, field.attname)
    return values


def record_restore_version(*, obj: Record, event, user=None) -> Record:
    """Put back the values `obj` had in a history event (an insert or update
    snapshot). The restore itself is a new change in the history."""
    _require(user, RESTORE_PERMISSION)
    if event.pgh_obj_id != obj.pk:
        raise ValidationError(_("This version belongs to another record."))
    values = _event_values(obj, event)
    with transaction.atomic(), _context(user, "restore version", version=event.pk):
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        for attname, value in values.items():
            setattr(locked, attname, value)
        locked.full_clean()
        locked.save()
    return locked


# --- publishing ----------------------------------------------------------------------


def records_publish(*, queryset: models.QuerySet, visibility: str, user=None) -> int:
    """Set the visibility of records (editors only): one at a time or in bulk."""
    _require(user, PUBLISH_PERMISSION)
    if visibility not in Visibility.values:
        raise ValidationError(_("Unknown visibility %r.") % visibility)
    with transaction.atomic(), _context(user, "publish", visibility=visibility):
        # An admin list's queryset may be DISTINCT (a filter across a relation) or
        # outer-join nullable parents (the visibility policy, list_select_related);
        # PostgreSQL locks neither. So: the rows it selects, then those rows alone,
        # locked by primary key in key order (two editors never deadlock).
        chosen = queryset.order_by().values("pk")
        locked = (
            queryset.model.objects.filter(pk__in=chosen)
            .exclude(visibility=visibility)
            .order_by("pk")
            .select_for_update()
        )
        changed = 0
        for record in locked:
            record.visibility = visibility
            record.save(update_fields=["visibility", "updated_at"])
            changed += 1
        return changed


# --- merging duplicates --------------------------------------------------------------

# What a merge moves from the person merged away to the person kept: (model, field).
MERGED_LINKS: tuple[tuple[type[models.Model], str], ...] = (
    (NameVariant, "person"),
    (Affiliation, "person"),
    (Detention, "person"),
    (Allegation, "person"),
    (Allegation, "reported_by"),
    (Statement, "issuer_person"),
    (Citation, "person"),
)


def _label(model, field: str) -> str:
    return f"{model._meta.label_lower}.{field}"


@transaction.atomic
def persons_merge(*, keep: Person, other: Person, user=None) -> Merge:
    """Merge `other` into `keep`: every detention, allegation, statement link,
    citation, affiliation, occupation and name variant moves to `keep`, whose
    name variants gain `other`'s name; `other` goes to the trash. Recorded as a
    Merge (and in the history), so it can be undone."""
    _require(user, MERGE_PERMISSION)
    if keep.pk == other.pk:
        raise ValidationError(_("A person cannot be merged with themselves."))
    keep = Person.objects.select_for_update().get(pk=keep.pk, deleted_at__isnull=True)
    other = Person.objects.select_for_update().get(pk=other.pk, deleted_at__isnull=True)
    moved: dict[str, list[int]] = {}
    with _context(user, "merge", kept=str(keep.uuid), merged=str(other.uuid)):
        for model, field in MERGED_LINKS:
            rows = model.objects.filter(**{field: other})
            moved[_label(model, field)] = list(rows.values_list("pk", flat=True))
            rows.update(**{field: keep})
        statements = Statement.persons.through.objects.filter(person=other)
        already = set(
            Statement.persons.through.objects.filter(person=keep).values_list(
                "statement_id", flat=True
            )
        )
        moved["statement.persons"] = [
            s for s in statements.values_list("statement_id", flat=True) if s not in already
        ]
        keep.statements.add(*moved["statement.persons"])
        occupations = set(other.occupations.values_list("pk", flat=True)) - set(
            keep.occupations.values_list("pk", flat=True)
        )
        moved["person.occupations"] = sorted(occupations)
        keep.occupations.add(*occupations)
        # the other's name stays findable and visible as written, even when its
        # key is the same as the kept name's (Bəxtiyar Hacıyev / Bakhtiyar Hajiyev)
        known = {v.name.casefold() for v in keep.name_variants.all()} | {
            keep.display_name.casefold()
        }
        added = []
        if other.display_name.casefold() not in known:
            variant = NameVariant(
                person=keep, name=other.display_name, kind=NameVariantKind.ALIAS,
                visibility=other.visibility,  # as visible as the name was
            )  # fmt: skip
            variant.save()
            added.append(variant.pk)
        moved["added_variants"] = added
        other.deleted_at = timezone.now()
        other.save(update_fields=["deleted_at", "updated_at"])
        return Merge.objects.create(kept=keep, merged=other, moved=moved, merged_by=user)


@transaction.atomic
def merge_undo(*, merge: Merge, user=None) -> None:
    """Put everything a merge moved back on the person merged away, remove the
    name variants it added, and take that person out of the trash."""
    _require(user, MERGE_PERMISSION)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise ValidationError(_("This merge was already undone."))
    keep, other = merge.kept, merge.merged
    with _context(user, "undo merge", merge=merge.pk):
        for model, field in MERGED_LINKS:
            model.objects.filter(pk__in=merge.moved.get(_label(model, field), [])).update(
                **{field: other}
            )
        keep.statements.remove(*merge.moved.get("statement.persons", []))
        other.statements.add(*merge.moved.get("statement.persons", []))
        keep.occupations.remove(*merge.moved.get("person.occupations", []))
        NameVariant.objects.filter(pk__in=merge.moved.get("added_variants", [])).delete()
        Person.objects.filter(pk=other.pk).update(deleted_at=None, updated_at=timezone.now())
        merge.undone_at = timezone.now()
        merge.undone_by = user
        merge.save(update_fields=["undone_at", "undone_by"])
