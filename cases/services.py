"""Writes of the researchers' workflow: the trash, restoring a version from the
history, publishing, and merging duplicate persons (and undoing a merge).
Each is a plain function that checks, writes in one transaction and leaves its
mark in the history (django-pghistory records every row it changes, with the
context given here)."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import evidence
from cases.choices import Confidence, NameVariantKind, Visibility
from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    Charge,
    Detention,
    Merge,
    NameVariant,
    Person,
    Record,
    Statement,
)
from cases.partial_dates import PartialDateField, PrecisionField, precision_field_name
from cases.reads.case_records import CASE_MODELS, case_record_ids
from lists.models import CaseGroupMember, ListEntry
from sources.models import Citation, Source
from trials.models import TrialDefendant

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
    """Take records out of the trash. A partners-level or public fact that has no
    citation its level may see any more comes back internal (cases.evidence):
    refusing would leave it in the trash for good, since nobody can change the
    level of a record there; `evidence.publication_refusals(queryset)` beforehand
    says which."""
    _require(user, RESTORE_PERMISSION)
    with transaction.atomic(), _context(user, "restore from trash"):
        trashed = queryset.filter(deleted_at__isnull=False)
        uncited = [refusal.fact.pk for refusal in evidence.publication_refusals(trashed)]
        if uncited:
            trashed.model.objects.filter(pk__in=uncited).update(visibility=Visibility.INTERNAL)
        return trashed.update(deleted_at=None, updated_at=timezone.now())


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
        stored_visibility = locked.visibility
        for attname, value in values.items():
            setattr(locked, attname, value)
        locked.full_clean()
        problems = evidence.publication_problems(
            locked, locked.visibility, stored_visibility=stored_visibility
        )
        if problems:
            raise ValidationError(problems, code="uncited")
        locked.save()
    return locked


# --- publishing ----------------------------------------------------------------------


def _refuse_unsupported(queryset: models.QuerySet, visibility: str | None) -> None:
    """Raise (so nothing is written) when a fact of `queryset` would be left at
    partners or public level without a citation that level may see (cases.evidence);
    the error lists every such fact."""
    refusals = evidence.publication_refusals(queryset, visibility)
    if refusals:
        raise ValidationError([refusal.message for refusal in refusals], code="uncited")


def records_publish(*, queryset: models.QuerySet, visibility: str, user=None) -> int:
    """Set the visibility of records (editors only): one at a time or in bulk. A
    fact is made partners-level or public only with a citation that level may
    see: if any chosen fact has none, nothing changes and the ValidationError
    names each (cases.evidence). Lowering a level is never refused."""
    _require(user, PUBLISH_PERMISSION)
    if visibility not in Visibility.values:
        raise ValidationError(_("Unknown visibility %r.") % visibility)
    with transaction.atomic(), _context(user, "publish", visibility=visibility):
        # An admin list's queryset may be DISTINCT (a filter across a relation) or
        # outer-join nullable parents (the visibility policy, list_select_related);
        # PostgreSQL locks neither. So: the rows it selects, then those rows alone,
        # locked by primary key in key order (two editors never deadlock).
        chosen = queryset.order_by().values("pk")
        locked = list(
            queryset.model.objects.filter(pk__in=chosen)
            .exclude(visibility=visibility)
            .order_by("pk")
            .select_for_update()
        )
        # the evidence rule, over the locked rows: all of them or none
        _refuse_unsupported(
            queryset.model.objects.filter(pk__in=[record.pk for record in locked]), visibility
        )
        changed = 0
        for record in locked:
            record.visibility = visibility
            record.save(update_fields=["visibility", "updated_at"])
            changed += 1
        return changed


def case_publish(
    *, person: Person, chosen: dict[type[models.Model], list[int]], visibility: str, user=None
) -> dict[type[models.Model], int]:
    """Give the chosen records of one person's case (cases.reads.case_records:
    the person, everything under them, the citations and sources) one level
    together: all of them or none. Sources and citations are set first, so a
    fact chosen with its citation passes the evidence rule; a fact whose every
    citation stays below the level is refused, naming it, and nothing changes.
    A record that is not part of the case is refused. Returns how many records
    of each model changed."""
    _require(user, PUBLISH_PERMISSION)
    with transaction.atomic():
        in_case = case_record_ids(person)
        for model, ids in chosen.items():
            foreign = set(ids) - in_case.get(model, set())
            if foreign:
                raise ValidationError(
                    _("Not part of this case: %(model)s %(ids)s.")
                    % {"model": model._meta.verbose_name, "ids": sorted(foreign)}
                )
        changed = {}
        for model in CASE_MODELS:
            if chosen.get(model):
                changed[model] = records_publish(
                    queryset=model.objects.filter(pk__in=chosen[model]),
                    visibility=visibility,
                    user=user,
                )
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
# Links unique per parent (a person once per edition of a list, once per case
# group): (model, field, parent). Rows of the merged person move unless the kept
# person already has one under the same parent.
MERGED_UNIQUE_LINKS: tuple[tuple[type[models.Model], str, str], ...] = (
    (ListEntry, "person", "edition_id"),
    (CaseGroupMember, "person", "group_id"),
    (TrialDefendant, "person", "trial_id"),  # tried once per trial
)
# Many-to-many links of a person (the statements calling for them, the
# interventions on their behalf): the key of `moved`, and the person's manager.
MERGED_MANY: tuple[tuple[str, str], ...] = (
    ("statement.persons", "statements"),
    ("intervention.persons", "interventions"),
)
# The person's own fields a merge never copies: who the kept record is, its level
# and its bookkeeping. Every other field the kept record leaves empty is filled
# from the merged record, so a field added to Person later is merged too.
MERGE_KEEPS_OWN = frozenset(
    {"id", "uuid", "slug", "display_name", "name_key", "visibility", "created_at",
     "updated_at", "deleted_at"}
)  # fmt: skip
# A field copied with its value: the photo's consent goes with the photo.
MERGE_COMPANIONS = {"photo": ("photo_visibility",)}
# Internal notes are never lost: the merged record's are added after the kept one's.
MERGE_APPENDS = frozenset({"internal_notes"})


def _label(model, field: str) -> str:
    return f"{model._meta.label_lower}.{field}"


def _is_empty(value) -> bool:
    return value is None or value == "" or (isinstance(value, FieldFile) and not value)


def _stored(value):
    """A field value as the Merge record keeps it (JSON)."""
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class MergedField:
    """One of the kept person's fields a merge fills in (or adds to)."""

    field: models.Field
    value: Any  # the value the kept person gets
    copied: Any  # the merged person's value, as shown
    appended: bool = False  # added after the kept value (internal notes)
    companions: tuple[str, ...] = ()  # attnames copied with it

    @property
    def is_file(self) -> bool:
        return isinstance(self.field, models.FileField)


def merged_fields(*, keep: Person, other: Person) -> list[MergedField]:
    """The kept person's fields a merge of `other` into `keep` changes: each one
    `keep` leaves empty and `other` fills, and the internal notes of both."""
    changes = []
    companions = {name for names in MERGE_COMPANIONS.values() for name in names}
    for field in Person._meta.concrete_fields:
        name = field.name
        if name in MERGE_KEEPS_OWN or name in companions or isinstance(field, PrecisionField):
            continue  # a precision or a companion is copied with its field
        mine, theirs = getattr(keep, field.attname), getattr(other, field.attname)
        if _is_empty(theirs):
            continue
        if name in MERGE_APPENDS and not _is_empty(mine):
            if theirs.strip() in mine:
                continue
            value = f"{mine}\n\n{other.display_name} ({other.slug}):\n{theirs}"
            changes.append(MergedField(field, value, theirs, appended=True))
            continue
        if not _is_empty(mine):
            continue
        copied_with = MERGE_COMPANIONS.get(name, ())
        if isinstance(field, PartialDateField):
            copied_with = (precision_field_name(field.attname),)
            shown = field.value_from_object(other)
        elif field.choices:
            shown = getattr(other, f"get_{name}_display")()
        else:
            shown = theirs
        changes.append(MergedField(field, theirs, shown, companions=copied_with))
    return changes


@dataclass
class MergePlan:
    """What merging `other` into `keep` does, for the editor to confirm first."""

    keep: Person
    other: Person
    moving: list[tuple[str, list[models.Model]]]  # (what, the records that move)
    statements_concerning: list[Statement]
    occupations: list[Any]
    new_spelling: str  # the other's name, added as a spelling ("" when known already)
    fields: list[MergedField]

    @property
    def moves_anything(self) -> bool:
        return bool(
            any(rows for _what, rows in self.moving) or self.statements_concerning
            or self.occupations or self.new_spelling or self.fields
        )  # fmt: skip


def _merge_check(keep: Person, other: Person) -> None:
    if keep.pk == other.pk:
        raise ValidationError(_("A person cannot be merged with themselves."))
    if keep.deleted_at or other.deleted_at:
        raise ValidationError(_("A person in the trash cannot be merged: restore them first."))


def _new_spelling(keep: Person, other: Person) -> str:
    known = {v.name.casefold() for v in keep.name_variants.all()} | {keep.display_name.casefold()}
    return "" if other.display_name.casefold() in known else other.display_name


def persons_merge_plan(*, keep: Person, other: Person) -> MergePlan:
    """Everything persons_merge would move and copy, read without writing."""
    _merge_check(keep, other)
    labels = {
        (NameVariant, "person"): _("Spellings"),
        (Affiliation, "person"): _("Affiliations"),
        (Detention, "person"): _("Detentions"),
        (Allegation, "person"): _("Allegations (done to them)"),
        (Allegation, "reported_by"): _("Allegations they reported"),
        (Statement, "issuer_person"): _("Statements they issued"),
        (Citation, "person"): _("Citations of biographical claims"),
    }
    moving = []
    for model, field in MERGED_LINKS:
        rows = model.objects.filter(**{field: other}).order_by("pk")
        related = [f.name for f in model._meta.concrete_fields if f.many_to_one]
        moving.append((labels[(model, field)], list(rows.select_related(*related))))
    already = keep.statements.values("pk")
    return MergePlan(
        keep=keep,
        other=other,
        moving=moving,
        statements_concerning=list(other.statements.exclude(pk__in=already).order_by("pk")),
        occupations=list(other.occupations.exclude(pk__in=keep.occupations.values("pk"))),
        new_spelling=_new_spelling(keep, other),
        fields=merged_fields(keep=keep, other=other),
    )


@transaction.atomic
def persons_merge(*, keep: Person, other: Person, user=None) -> Merge:
    """Merge `other` into `keep`: every detention, allegation, statement link,
    citation, affiliation, occupation and name variant moves to `keep`, whose
    name variants gain `other`'s name; every field `keep` leaves empty takes
    `other`'s value, and `other`'s internal notes are added to `keep`'s; `other`
    goes to the trash. Recorded as a Merge (and in the history), so it can be
    undone."""
    _require(user, MERGE_PERMISSION)
    if keep.pk == other.pk:
        raise ValidationError(_("A person cannot be merged with themselves."))
    locked = {
        person.pk: person
        for person in Person.objects.select_for_update().filter(pk__in=[keep.pk, other.pk])
        .order_by("pk")
    }  # fmt: skip
    keep, other = locked.get(keep.pk), locked.get(other.pk)
    if keep is None or other is None:
        raise ValidationError(_("One of the two persons no longer exists."))
    _merge_check(keep, other)
    moved: dict[str, Any] = {}
    with _context(user, "merge", kept=str(keep.uuid), merged=str(other.uuid)):
        new_spelling = _new_spelling(keep, other)
        fields = merged_fields(keep=keep, other=other)
        for model, field in MERGED_LINKS:
            rows = model.objects.filter(**{field: other})
            moved[_label(model, field)] = list(rows.values_list("pk", flat=True))
            rows.update(**{field: keep})
        for model, field, parent in MERGED_UNIQUE_LINKS:
            # where both were named (one edition, one group), the kept one's row stays
            taken = model.objects.filter(**{field: keep}).values(parent)
            rows = model.objects.filter(**{field: other}).exclude(**{f"{parent}__in": taken})
            moved[_label(model, field)] = list(rows.values_list("pk", flat=True))
            model.objects.filter(pk__in=moved[_label(model, field)]).update(**{field: keep})
        for key, manager in MERGED_MANY:
            already = set(getattr(keep, manager).values_list("pk", flat=True))
            moved[key] = [
                pk for pk in getattr(other, manager).values_list("pk", flat=True)
                if pk not in already
            ]  # fmt: skip
            getattr(keep, manager).add(*moved[key])
        occupations = set(other.occupations.values_list("pk", flat=True)) - set(
            keep.occupations.values_list("pk", flat=True)
        )
        moved["person.occupations"] = sorted(occupations)
        keep.occupations.add(*occupations)
        # the other's name stays findable and visible as written, even when its
        # key is the same as the kept name's (Bəxtiyar Hacıyev / Bakhtiyar Hajiyev)
        added = []
        if new_spelling:
            variant = NameVariant(
                person=keep, name=new_spelling, kind=NameVariantKind.ALIAS,
                visibility=other.visibility,  # as visible as the name was
            )  # fmt: skip
            variant.save()
            added.append(variant.pk)
        moved["added_variants"] = added
        # the kept person's fields before and after, by attname, for the undo
        changed: dict[str, list] = {}
        for merged in fields:
            attnames = [merged.field.attname, *merged.companions]
            before = {a: getattr(keep, a) for a in attnames}
            setattr(keep, merged.field.attname, merged.value)
            for companion in merged.companions:
                setattr(keep, companion, getattr(other, companion))
            for attname in attnames:
                changed[attname] = [_stored(before[attname]), _stored(getattr(keep, attname))]
        if changed:
            keep.save(update_fields=[*changed, "updated_at"])
        moved["kept_fields"] = changed
        other.deleted_at = timezone.now()
        other.save(update_fields=["deleted_at", "updated_at"])
        return Merge.objects.create(kept=keep, merged=other, moved=moved, merged_by=user)


@transaction.atomic
def merge_undo(*, merge: Merge, user=None) -> None:
    """Put everything a merge moved back on the person merged away, remove the
    name variants it added, give the kept person back the field values it had
    (each one nobody has changed since), and take the merged person out of the
    trash."""
    _require(user, MERGE_PERMISSION)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise ValidationError(_("This merge was already undone."))
    keep, other = merge.kept, merge.merged
    with _context(user, "undo merge", merge=merge.pk):
        for model, field in [*MERGED_LINKS, *((m, f) for m, f, _p in MERGED_UNIQUE_LINKS)]:
            model.objects.filter(pk__in=merge.moved.get(_label(model, field), [])).update(
                **{field: other}
            )
        for key, manager in MERGED_MANY:
            links = merge.moved.get(key, [])
            getattr(keep, manager).remove(*links)
            # a statement or intervention deleted for good since has no one to go back to
            model = getattr(keep, manager).model
            getattr(other, manager).add(
                *model.objects.filter(pk__in=links).values_list("pk", flat=True)
            )
        keep.occupations.remove(*merge.moved.get("person.occupations", []))
        NameVariant.objects.filter(pk__in=merge.moved.get("added_variants", [])).delete()
        kept = Person.objects.select_for_update().get(pk=keep.pk)
        fields = {field.attname: field for field in Person._meta.concrete_fields}
        values = merge.moved.get("kept_fields", {})
        # a value changed since the merge stays (compared before restoring any: a
        # date and its precision are put back together)
        restored = [
            attname
            for attname, (_before, after) in values.items()
            if attname in fields and _stored(getattr(kept, attname)) == after
        ]
        for attname in restored:
            setattr(kept, attname, fields[attname].to_python(values[attname][0]))
        if restored:
            kept.save(update_fields=[*restored, "updated_at"])
        Person.objects.filter(pk=other.pk).update(deleted_at=None, updated_at=timezone.now())
        merge.undone_at = timezone.now()
        merge.undone_by = user
        merge.save(update_fields=["undone_at", "undone_by"])


# --- entering a case from its source -------------------------------------------------


@dataclass
class Passage:
    """A passage of the source that supports facts of the case: one citation per
    fact, all with the same excerpt and locator, so the public page shows them as
    one footnote (cases.pages.Footnotes)."""

    excerpt: str
    locator: str = ""
    confidence: str = Confidence.MEDIUM
    claim: str = ""  # what it supports about the person, when the person is one of its facts
    facts: list[Record] = dataclasses.field(default_factory=list)


@dataclass
class CaseEntry:
    """A case as the case-entry page gathered it: every record unsaved, except
    the source and person when the researcher picked stored ones. Links between
    them (the person of a detention, the detention of an event) are set when
    the case is saved."""

    source: Source
    person: Person
    occupations: list = dataclasses.field(default_factory=list)  # a new person's
    variants: list[NameVariant] = dataclasses.field(default_factory=list)
    affiliations: list[Affiliation] = dataclasses.field(default_factory=list)
    detention: Detention | None = None
    charges: list[Charge] = dataclasses.field(default_factory=list)
    events: list[CaseEvent] = dataclasses.field(default_factory=list)
    allegations: list[Allegation] = dataclasses.field(default_factory=list)
    statements: list[Statement] = dataclasses.field(default_factory=list)
    passages: list[Passage] = dataclasses.field(default_factory=list)


def _stored_for_update(record: Record) -> Record:
    """A stored record picked on the page, locked; refused when it went to the
    trash (or was deleted) since the page was opened."""
    model = type(record)
    locked = model.objects.select_for_update().filter(pk=record.pk).first()
    if locked is None or locked.deleted_at is not None:
        raise ValidationError(
            _(
                "The %(model)s “%(record)s” was moved to the trash or deleted after you "
                "opened this page; choose another or restore it from the trash."
            )
            % {"model": model._meta.verbose_name, "record": record},
            code="gone",
        )
    return locked


def _checked(record: Record, **links) -> Record:
    for name, value in links.items():
        setattr(record, name, value)
    # fields the model fills itself on save (a person's slug and name key) are not checked
    record.full_clean(exclude=[f.name for f in record._meta.fields if not f.editable])
    record.save()
    return record


def case_enter(*, entry: CaseEntry, user=None) -> Person:
    """Save a case entered from its source: the source (new or stored), the
    person (new or stored), their name spellings, affiliations, a detention with
    its charges and case events, allegations, statements naming the person, and
    one citation per fact each passage supports. Everything new starts
    internal (an editor publishes the case on its publishing page). All or
    nothing: a record that fails its checks raises ValidationError and nothing
    is written. Returns the person."""
    for permission in ENTRY_PERMISSIONS:
        _require(user, permission)
    stored_files: list = []
    try:
        return _case_enter(entry, user, stored_files)
    except BaseException:
        # the database forgets the case; the storage must forget the source's file too
        for file in stored_files:
            if file._committed and file.name:  # stored before the failure, not the upload
                file.storage.delete(file.name)
        raise


ENTRY_PERMISSIONS = (
    "cases.add_person", "cases.add_namevariant", "cases.add_affiliation",
    "cases.add_detention", "cases.add_charge", "cases.add_caseevent", "cases.add_allegation",
    "cases.add_statement", "sources.add_source", "sources.add_citation",
)  # fmt: skip


def _case_enter(entry: CaseEntry, user, stored_files: list) -> Person:
    with transaction.atomic(), _context(user, "case entry"):
        if entry.source.pk:
            source = _stored_for_update(entry.source)
            if entry.source.archive_text.strip() and not source.archive_text.strip():
                # the text pasted for a stored source that had none is kept with it
                _require(user, "sources.change_source")
                source.archive_text = entry.source.archive_text
                source.save(update_fields=["archive_text", "updated_at"])
        else:
            if entry.source.archive_file:
                stored_files.append(entry.source.archive_file)
            source = _checked(entry.source)
        if entry.person.pk:
            person = _stored_for_update(entry.person)
        else:
            person = _checked(entry.person)
            person.occupations.set(entry.occupations)
        known = set(person.name_variants.filter(deleted_at=None).values_list("name", flat=True))
        trashed = set(person.name_variants.exclude(deleted_at=None).values_list("name", flat=True))
        for variant in entry.variants:
            if variant.name in trashed:
                raise ValidationError(
                    _(
                        "The spelling “%(name)s” of %(person)s is in the trash; restore it "
                        "from the trash, or remove it from this page."
                    )
                    % {"name": variant.name, "person": person},
                    code="spelling_in_trash",
                )
            if variant.name not in known and variant.name != person.display_name:
                _checked(variant, person=person)
                known.add(variant.name)
        for affiliation in entry.affiliations:
            _checked(affiliation, person=person)
        detention = entry.detention
        if detention is not None:
            _checked(detention, person=person)
            for charge in entry.charges:
                _checked(charge, detention=detention)
            for event in entry.events:
                _checked(event, detention=detention)
        for allegation in entry.allegations:
            _checked(allegation, person=person, detention=detention)
        for statement in entry.statements:
            _checked(statement)
            statement.persons.add(person)
        for passage in entry.passages:
            for fact in passage.facts:
                if fact.pk is None:
                    raise ValidationError(
                        _("A passage cites a record that was not saved: %(record)s.")
                        % {"record": fact},
                        code="unsaved_fact",
                    )
                target = (
                    "person" if isinstance(fact, Person) else evidence.citation_field(type(fact))
                )
                _checked(
                    Citation(
                        source=source,
                        locator=passage.locator,
                        excerpt=passage.excerpt,
                        confidence=passage.confidence,
                        claim=passage.claim if target == "person" else "",
                        **{target: fact},
                    )
                )
        return person
