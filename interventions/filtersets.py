"""The FilterSet of interventions (`/api/v1/interventions/`): kind, outcome (an
outcome or a Working Group category found), status, body, person and year. Like
every FilterSet it sees only what its reader may (cases.filtersets.ReaderFilterSet)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from cases.filtersets import (
    ChoicesField,
    ReaderFilterSet,
    YearField,
    identifiers,
    repeatable,
    updated_since,
)
from cases.models import Organization, Person
from interventions.choices import InterventionKind, InterventionStatus
from interventions.models import Intervention
from interventions.reads import OUTCOME_FILTER_CHOICES, intervention_year, outcome_q


class InterventionFilterSet(ReaderFilterSet):
    kind = repeatable(
        "Kind of proceeding: wgad, special-procedures, ecthr, treaty-body...",
        ChoicesField,
        choices=InterventionKind.choices,
    )
    outcome = repeatable(
        "An outcome (arbitrary, violation, concern-expressed...) or a category of arbitrary "
        "detention the Working Group found (category-i to category-v).",
        ChoicesField,
        choices=OUTCOME_FILTER_CHOICES,
    )
    status = repeatable("Status.", ChoicesField, choices=InterventionStatus.choices)
    body = identifiers(Organization, "Brought before this organization (slug or UUID).")
    person = identifiers(Person, "On behalf of this person (slug or UUID).")
    year = repeatable(
        "Decided in this year, or submitted in it when not decided (2024); repeat for several.",
        YearField,
    )
    updated_since = updated_since()

    class Meta:
        model = Intervention
        fields = []

    def apply_kind(self, qs, kinds):
        return qs.filter(kind__in=kinds)

    def apply_outcome(self, qs, values):
        return qs.filter(outcome_q(values))

    def apply_status(self, qs, statuses):
        return qs.filter(status__in=statuses)

    def apply_body(self, qs, organizations):
        return qs.filter(body__in=organizations)

    def apply_person(self, qs, persons):
        through = Intervention.persons.through.objects.filter(
            intervention=OuterRef("pk"), person__in=persons
        )
        return qs.filter(Exists(through))

    def apply_year(self, qs, years):
        return qs.annotate(_year=intervention_year()).filter(Q(_year__in=years))
