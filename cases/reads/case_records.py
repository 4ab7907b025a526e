"""Everything under one person, for publishing a case together (issue 15, item 3):
the person, their name variants, affiliations, detentions with charges, case
events, custody periods and PACE criteria, allegations, the statements naming
them, the officials' involvements in the detentions, events and allegations and
in the trials the person is a defendant in, and the citations of all of these with their sources, each with its level.
Staff read it: records in the trash are left out.

A facility, an official and a trial are not part of one person's case (many persons are held there): it is
published on its own page. A custody period is shown only with its facility
(cases.visibility), so the record names the facility's level when it is not
public."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q
from django.utils.translation import gettext as _

from cases.choices import Visibility
from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    Charge,
    Detention,
    NameVariant,
    PaceAssessment,
    Person,
    Statement,
)
from officials.models import Involvement
from places.models import CustodyPeriod
from sources.models import Citation, Source
from trials.models import TrialDefendant

# The order a case is published in: sources and citations first, so that each
# fact finds its citations already at the level it is given (cases.evidence).
CASE_MODELS: tuple[type[Model], ...] = (
    Source, Citation, Person, NameVariant, Affiliation, Detention, Charge, CaseEvent,
    CustodyPeriod, PaceAssessment, Allegation, Involvement, Statement,
)  # fmt: skip


@dataclass(frozen=True)
class CaseRecord:
    model: type[Model]
    pk: int
    label: str  # the record as the admin names it
    visibility: str


def case_record_ids(person: Person) -> dict[type[Model], set[int]]:
    """The ids of every record of the case, by model (records in the trash left
    out): one query per model."""
    alive = Q(deleted_at__isnull=True)
    detentions = set(Detention.objects.filter(alive, person=person).values_list("pk", flat=True))
    ids: dict[type[Model], set[int]] = {
        Person: {person.pk},
        NameVariant: _ids(NameVariant, alive & Q(person=person)),
        Affiliation: _ids(Affiliation, alive & Q(person=person)),
        Detention: detentions,
        Charge: _ids(Charge, alive & Q(detention__in=detentions)),
        CaseEvent: _ids(CaseEvent, alive & Q(detention__in=detentions)),
        CustodyPeriod: _ids(CustodyPeriod, alive & Q(detention__in=detentions)),
        PaceAssessment: _ids(PaceAssessment, alive & Q(detention__in=detentions)),
        Allegation: _ids(Allegation, alive & (Q(person=person) | Q(detention__in=detentions))),
        Statement: _ids(Statement, alive & Q(persons=person)),
    }
    trials = TrialDefendant.objects.filter(alive, person=person).values("trial_id")
    ids[Involvement] = _ids(
        Involvement,
        alive
        & (
            Q(detention__in=detentions)
            | Q(case_event__in=ids[CaseEvent])
            | Q(allegation__in=ids[Allegation])
            | Q(trial__in=trials)
        ),
    )
    cited = Q(person=person)
    for model, field in (
        (Affiliation, "affiliation"), (Detention, "detention"), (CaseEvent, "case_event"),
        (Allegation, "allegation"), (Statement, "statement"), (CustodyPeriod, "custody_period"),
        (Involvement, "involvement"),
    ):  # fmt: skip
        cited |= Q(**{f"{field}__in": ids[model]})
    citations = Citation.objects.filter(alive & cited)
    ids[Citation] = set(citations.values_list("pk", flat=True))
    ids[Source] = _ids(Source, alive & Q(pk__in=citations.values("source_id")))
    return ids


def _ids(model: type[Model], condition: Q) -> set[int]:
    return set(model.objects.filter(condition).values_list("pk", flat=True))


def case_records(person: Person) -> list[CaseRecord]:
    """Every record of the case with its level, in publishing order."""
    result = []
    for model, ids in sorted(
        case_record_ids(person).items(), key=lambda item: CASE_MODELS.index(item[0])
    ):
        records = model.objects.filter(pk__in=ids).order_by("pk")
        if model is CustodyPeriod:
            records = records.select_related("detention__person", "facility")
        if model is Involvement:
            records = records.select_related("official")
        for record in records:
            result.append(CaseRecord(model, record.pk, _label(record), record.visibility))
    return result


def _label(record: Model) -> str:
    if not isinstance(record, CustodyPeriod):
        return str(record)
    facility = record.facility
    if facility.deleted_at is not None:
        return _("%(record)s (the facility is in the trash: it stays hidden)") % {"record": record}
    if facility.visibility != Visibility.PUBLIC:
        return _(
            "%(record)s (the facility is %(level)s: shown only where its level allows; "
            "publish it on its own page)"
        ) % {"record": record, "level": Visibility(facility.visibility).label}
    return str(record)
