"""The FilterSet of trials, shared by the API (`/api/v1/trials/`) and the
`/trials/` page: free text over the title, the case number and the defendants'
names, the court, the instance, a defendant. Like every FilterSet it sees only
what its reader may (cases.filtersets.ReaderFilterSet): a hidden defendant never
finds a trial."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from cases.filtersets import (
    ChoicesField,
    ReaderFilterSet,
    TextFilter,
    identifiers,
    repeatable,
    updated_since,
)
from cases.models import Organization, Person
from cases.reads.search import search_persons
from trials.choices import TrialInstance
from trials.models import Trial, TrialDefendant


class TrialFilterSet(ReaderFilterSet):
    q = TextFilter(
        method="apply_q",
        help_text="Words of the title or the case number, or a defendant's name in any "
        "spelling (Azerbaijani, English, Russian).",
    )
    court = identifiers(Organization, "Tried by this court (slug or UUID).")
    instance = repeatable(
        "Instance: first-instance, appeal, cassation, other.",
        ChoicesField,
        choices=TrialInstance.choices,
    )
    person = identifiers(Person, "This person is a defendant (slug or UUID).")
    updated_since = updated_since()

    class Meta:
        model = Trial
        fields = []

    def apply_q(self, qs, name, value):
        persons = search_persons(self.visible(Person.objects), value, reader=self.reader)
        defendants = self.visible(TrialDefendant.objects).filter(
            trial=OuterRef("pk"), person__in=persons.values("pk")
        )
        return qs.filter(
            Q(title__icontains=value) | Q(number__icontains=value) | Q(Exists(defendants))
        )

    def apply_court(self, qs, courts):
        return qs.filter(court__in=courts)

    def apply_instance(self, qs, instances):
        return qs.filter(instance__in=instances)

    def apply_person(self, qs, persons):
        defendants = self.visible(TrialDefendant.objects).filter(
            trial=OuterRef("pk"), person__in=persons
        )
        return qs.filter(Exists(defendants))
