"""Who may see what. This module is the one place that decides visibility;
every output (public pages, the API, exports, search, counts) asks it rather
than filtering on levels itself.

A record is visible to a reader when its own level and the level of every
record above it allow: a public detention of an internal person is hidden,
and so is a public citation of an internal source. Staff-only fields never
leave the admin; a confidential source is shown to non-staff readers only as
"confidential source on file". Records in the trash are visible to no reader."""

from __future__ import annotations

from enum import Enum

from django.db.models import Model, Q, QuerySet

from cases.choices import Visibility


class Reader(Enum):
    PUBLIC = "public"  # anyone, without signing in
    PARTNER = "partner"  # a partner NGO's API token
    STAFF = "staff"  # researchers and editors in the admin


_LEVELS: dict[Reader, tuple[str, ...]] = {
    Reader.PUBLIC: (Visibility.PUBLIC,),
    Reader.PARTNER: (Visibility.PUBLIC, Visibility.PARTNERS),
    Reader.STAFF: (Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL),
}

# Fields that never leave the admin, whoever reads.
STAFF_ONLY_FIELDS = frozenset({"internal_notes", "archive_file", "photo"})

CONFIDENTIAL_SOURCE_TITLE = "Confidential source on file"

# For each model: the paths to the records above it whose level also counts.
# A path ending in "?" is optional (a null parent does not hide the record).
_PARENTS: dict[str, tuple[str, ...]] = {
    "person": (),
    "organization": (),
    "source": (),
    "namevariant": ("person",),
    "affiliation": ("person", "organization"),
    "detention": ("person",),
    "charge": ("detention", "detention__person"),
    "caseevent": ("detention", "detention__person"),
    "paceassessment": ("detention", "detention__person"),
    "allegation": ("person?", "detention?", "detention__person?"),
    "statement": ("issuer_organization?", "issuer_person?"),
    "citation": ("source",),
    # a count means nothing without who counted: hidden with its publisher
    "reportedcount": ("publisher",),
}


def visible_levels(reader: Reader) -> tuple[str, ...]:
    """The visibility levels a reader may see."""
    return _LEVELS[reader]


def levels_for_children_of_visible(reader: Reader) -> list[str]:
    """The levels to test on child rows (variants, detentions, charges) read
    for parents already passed through `visible`: their parents' levels were
    checked, so the child's own level is all that is left to check (with its
    `deleted_at IS NULL`: a child in the trash is hidden too)."""
    return list(visible_levels(reader))


def own_level_sql(reader: Reader, alias: str = "") -> tuple[str, list]:
    """The record's own level and the trash as a SQL condition, with its
    parameters, for hand-written queries over rows whose parents were already
    passed through `visible` (as `levels_for_children_of_visible`)."""
    column = f"{alias}." if alias else ""
    return (
        f"{column}visibility = ANY(%s) AND {column}deleted_at IS NULL",
        [levels_for_children_of_visible(reader)],
    )


def photo_is_visible(person: Model, reader: Reader) -> bool:
    """A person's photo has its own level: shown only where that level allows
    (the person, already visible, may be public while the photo is not)."""
    return bool(person.photo) and person.photo_visibility in visible_levels(reader)


def visibility_q(model: type[Model], reader: Reader, prefix: str = "") -> Q:
    """The condition under which records of `model` (reached through `prefix`,
    e.g. "detention__") are visible to `reader`. A record in the trash, or under
    a parent in the trash, is visible to nobody (the admin's trash lists it)."""
    levels = visible_levels(reader)
    staff = reader is Reader.STAFF
    condition = Q(**{f"{prefix}deleted_at__isnull": True})
    if not staff:
        condition &= Q(**{f"{prefix}visibility__in": levels})
    for parent in _PARENTS[model._meta.model_name]:
        optional = parent.endswith("?")
        path = f"{prefix}{parent.rstrip('?')}"
        parent_visible = Q(**{f"{path}__deleted_at__isnull": True})
        if not staff:
            parent_visible &= Q(**{f"{path}__visibility__in": levels})
        if optional:
            parent_visible |= Q(**{f"{path}__isnull": True})
        condition &= parent_visible
    return condition


def visible(queryset: QuerySet, reader: Reader) -> QuerySet:
    """The records of `queryset` the reader may see."""
    return queryset.filter(visibility_q(queryset.model, reader))


def source_is_hidden_behind_confidentiality(is_confidential: bool, reader: Reader) -> bool:
    """Confidential sources show only "confidential source on file" outside the admin."""
    return is_confidential and reader is not Reader.STAFF
