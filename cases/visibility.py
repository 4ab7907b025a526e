"""Who may see what. This module is the one place that decides visibility;
every output (public pages, the API, exports, search, counts) asks it rather
than filtering on levels itself.

The policy, for a partner or the public (staff see every record not in the trash):

1. Levels. A record is visible when its own level and the level of every
   record above it allow (`_PARENTS`): a public detention of an internal person
   is hidden, and so is a public citation of an internal source.
2. The trash. A record in the trash, or under a parent in the trash, is visible
   to no reader (the admin's trash lists it).
3. Evidence. A fact (`CITED_FACTS`: affiliations, detentions, case events,
   allegations, statements, reported counts: whatever a citation may support
   but a person) is visible only with at least one citation the same
   reader may see: the citation visible by rules 1 and 2, and so its source. A
   confidential source counts (it stays masked); a citation or source that is
   restricted or in the trash does not. Records under a fact (charges, events
   and PACE criteria of a detention; an allegation about a detention) are hidden
   with an uncited fact, as with a fact in the trash. An official's involvement
   as alleged perpetrator (`TWO_PUBLISHER_FACTS`) is public only with visible
   citations of sources from two different publishers (partners: one).
4. Fields. Staff-only fields (`STAFF_ONLY_FIELDS`) never leave the admin; a
   confidential source is shown outside the admin only as "confidential source
   on file".

`visibility_q` and `visible` state rules 1 to 3 for the ORM; hand-written SQL
over rows whose parents were already passed through `visible` uses
`own_level_sql` (rules 1 and 2 for the row itself) and, for a fact, `cited_sql`
(rule 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import Enum
from functools import cache

from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import GreaterThanOrEqual

from cases.choices import Visibility
from officials.choices import TWO_PUBLISHER_ROLES, TWO_PUBLISHERS
from sources.models import CITATION_TARGETS, Citation, Source


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
    # the lists app (lists.models): a list, its editions (cited facts), their entries
    "prisonerlist": ("publisher?",),
    "edition": ("prisoner_list", "prisoner_list__publisher?"),
    "listentry": (
        "edition",
        "edition__prisoner_list",
        "edition__prisoner_list__publisher?",
        "person",
    ),
    "casegroup": (),
    "casegroupmember": ("group", "person"),
    # the places app (places.models): facilities and custody periods are cited facts
    "facility": (),
    "facilityname": ("facility",),
    "custodyperiod": ("detention", "detention__person", "facility"),
    # the interventions app: an intervention is a cited fact; its body, when hidden,
    # is left out of what is shown, as a statement's issuer is not (the proceeding stands)
    "intervention": ("body?",),
    # the trials app: a trial and its hearings are cited facts; a defendant is the
    # trial's (its citations cover who is tried), shown with the trial and the person
    "trial": ("court?",),
    "trialdefendant": ("trial", "trial__court?", "person", "detention?"),
    "hearing": ("trial", "trial__court?"),
    # the officials app: an official, a position and an involvement are cited facts;
    # an involvement is hidden with the fact of a case it is in, and so with its person
    "official": (),
    "officialname": ("official",),
    "position": ("official", "organization"),
    "involvement": (
        "official",
        "detention?",
        "detention__person?",
        "case_event?",
        "case_event__detention?",
        "case_event__detention__person?",
        "allegation?",
        "allegation__person?",
        "allegation__detention?",
        "allegation__detention__person?",
        "trial?",
        "trial__court?",
    ),
}

# The facts, by model name, each with the Citation field that points at one:
# whatever a citation can support except a person (its claims are cited, the
# record is not a fact), so a fact added later as a citation target is held to
# rule 3 of the module's docstring without being named here.
# Facts whose alleged-perpetrator roles (officials.choices.TWO_PUBLISHER_ROLES) the
# public sees only on sources from two different publishers: naming a person as a
# perpetrator of torture rests on more than one publisher's word.
TWO_PUBLISHER_FACTS = frozenset({"involvement"})

CITED_FACTS: dict[str, str] = {
    Citation._meta.get_field(target).related_model._meta.model_name: target
    for target in CITATION_TARGETS
    if target != "person"
}


# the readers whose visibility the conditions built inside `readers_applied()` apply
_APPLIED: ContextVar[set[Reader] | None] = ContextVar("readers_applied", default=None)


@contextmanager
def readers_applied() -> Iterator[set[Reader]]:
    """The readers whose visibility the conditions built inside the block apply,
    gathered as they are built: for code that keeps a query built once to run it
    again (cases.reads.compiled), which must keep one per reader."""
    applied: set[Reader] = set()
    token = _APPLIED.set(applied)
    try:
        yield applied
    finally:
        _APPLIED.reset(token)


def _applying(reader: Reader) -> None:
    applied = _APPLIED.get()
    if applied is not None:
        applied.add(reader)


def visible_levels(reader: Reader) -> tuple[str, ...]:
    """The visibility levels a reader may see."""
    _applying(reader)
    return _LEVELS[reader]


def levels_for_children_of_visible(reader: Reader) -> list[str]:
    """The levels to test on child rows (variants, detentions, charges) read
    for parents already passed through `visible`: their parents' levels were
    checked, so the child's own level is all that is left to check (with its
    `deleted_at IS NULL`: a child in the trash is hidden too)."""
    return list(visible_levels(reader))


def own_level_q(reader: Reader, prefix: str = "") -> Q:
    """The record's own level and the trash (rules 1 and 2 for the row itself) as
    a condition, for rows whose parents and evidence are known to be visible
    otherwise (as `own_level_sql`)."""
    _applying(reader)
    condition = Q(**{f"{prefix}deleted_at__isnull": True})
    if reader is not Reader.STAFF:
        condition &= Q(**{f"{prefix}visibility__in": visible_levels(reader)})
    return condition


def own_level_sql(reader: Reader, alias: str = "") -> tuple[str, list]:
    """The record's own level and the trash as a SQL condition, with its
    parameters, for hand-written queries over rows whose parents were already
    passed through `visible` (as `levels_for_children_of_visible`)."""
    column = f"{alias}." if alias else ""
    return (
        f"{column}visibility = ANY(%s) AND {column}deleted_at IS NULL",
        [levels_for_children_of_visible(reader)],
    )


def cited_sql(model: type[Model], reader: Reader, alias: str = "") -> tuple[str, list]:
    """Rule 3 (a fact needs a citation the reader may see) as a SQL condition on
    the rows of `model` named `alias`, with its parameters, for hand-written
    queries: TRUE for staff and for records that are not facts."""
    _applying(reader)
    name = model._meta.model_name
    if reader is Reader.STAFF or name not in CITED_FACTS:
        return "TRUE", []
    column = Citation._meta.get_field(CITED_FACTS[name]).column
    citation_level, citation_params = own_level_sql(reader, "cited_citation")
    source_level, source_params = own_level_sql(reader, "cited_source")
    table = alias or model._meta.db_table
    sql = (
        f"EXISTS (SELECT 1 FROM {Citation._meta.db_table} cited_citation"
        f" JOIN {Source._meta.db_table} cited_source ON cited_source.id = cited_citation.source_id"
        f" WHERE cited_citation.{column} = {table}.id"
        f" AND {citation_level} AND {source_level})"
    )
    params = [*citation_params, *source_params]
    if name in TWO_PUBLISHER_FACTS and reader is Reader.PUBLIC:
        sql += (
            f" AND ({table}.role <> ALL(%s) OR (SELECT count(DISTINCT cited_source.publisher_id)"
            f" FROM {Citation._meta.db_table} cited_citation"
            f" JOIN {Source._meta.db_table} cited_source ON cited_source.id = cited_citation.source_id"
            f" WHERE cited_citation.{column} = {table}.id"
            f" AND {citation_level} AND {source_level}) >= %s)"
        )
        params += [list(TWO_PUBLISHER_ROLES), *citation_params, *source_params, TWO_PUBLISHERS]
    return sql, params


def photo_is_visible(person: Model, reader: Reader) -> bool:
    """A person's photo has its own level: shown only where that level allows
    (the person, already visible, may be public while the photo is not)."""
    return bool(person.photo) and person.photo_visibility in visible_levels(reader)


def letter_is_visible(custody_period: Model, reader: Reader) -> bool:
    """How to write to a person at a facility (a custody period's recipient line
    and note) has its own level, `letter_visibility`: shown only where it allows,
    and only with the custody period (already visible) and the facility's address."""
    return bool(
        custody_period.recipient_line or custody_period.letter_note
    ) and custody_period.letter_visibility in visible_levels(reader)


def visibility_q(model: type[Model], reader: Reader, prefix: str = "") -> Q:
    """The condition under which records of `model` (reached through `prefix`,
    e.g. "detention__") are visible to `reader`: rules 1 to 3 of the module's
    docstring, for the record and every record above it."""
    levels = visible_levels(reader)
    staff = reader is Reader.STAFF
    condition = Q(**{f"{prefix}deleted_at__isnull": True})
    if not staff:
        condition &= Q(**{f"{prefix}visibility__in": levels}) & _cited_q(model, reader, prefix)
    for parent in _PARENTS[model._meta.model_name]:
        optional = parent.endswith("?")
        path = f"{prefix}{parent.rstrip('?')}"
        parent_visible = Q(**{f"{path}__deleted_at__isnull": True})
        if not staff:
            parent_visible &= Q(**{f"{path}__visibility__in": levels}) & _cited_q(
                _model_at(model, parent.rstrip("?")), reader, f"{path}__"
            )
        if optional:
            parent_visible |= Q(**{f"{path}__isnull": True})
        condition &= parent_visible
    return condition


def _cited_q(model: type[Model], reader: Reader, prefix: str) -> Q:
    """Rule 3 for records of `model` reached through `prefix`: for a fact, a
    citation of it that the reader may see exists; nothing for other records.
    For the public, a fact of `TWO_PUBLISHER_FACTS` in one of its roles needs
    citations of sources from two different publishers."""
    name = model._meta.model_name
    field = CITED_FACTS.get(name)
    if field is None:
        return Q()
    citations = Citation.objects.filter(
        visibility_q(Citation, reader), **{field: OuterRef(f"{prefix}pk")}
    )
    condition = Q(Exists(citations))
    if name in TWO_PUBLISHER_FACTS and reader is Reader.PUBLIC:
        publishers = (
            citations.filter(source__publisher__isnull=False)
            .order_by()
            .values(field)
            .annotate(n=Count("source__publisher", distinct=True))
            .values("n")
        )
        condition &= ~Q(**{f"{prefix}role__in": TWO_PUBLISHER_ROLES}) | Q(
            GreaterThanOrEqual(Subquery(publishers), TWO_PUBLISHERS)
        )
    return condition


@cache
def _model_at(model: type[Model], path: str) -> type[Model]:
    """The model a `_PARENTS` path ("detention__person") of `model` leads to."""
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def visible(queryset: QuerySet, reader: Reader) -> QuerySet:
    """The records of `queryset` the reader may see."""
    return queryset.filter(visibility_q(queryset.model, reader))


def source_is_hidden_behind_confidentiality(is_confidential: bool, reader: Reader) -> bool:
    """Confidential sources show only "confidential source on file" outside the admin."""
    return is_confidential and reader is not Reader.STAFF
