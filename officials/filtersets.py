"""The FilterSet of officials, shared by the API (`/api/v1/officials/`) and the
official pages: a name in any spelling, an organization they hold or held a
post in, a role they had in a case, a person whose case they were involved in.
Like every FilterSet it sees only what its reader may (a position, an
involvement or a defendant the reader may not see never matches)."""

from __future__ import annotations

from django.db.models import Q

from cases.filtersets import (
    ChoicesField,
    ReaderFilterSet,
    TextFilter,
    identifiers,
    repeatable,
    updated_since,
)
from cases.models import Organization, Person
from officials.choices import InvolvementRole
from officials.models import Involvement, Official, Position
from officials.reads import search_officials
from trials.models import TrialDefendant


class OfficialFilterSet(ReaderFilterSet):
    q = TextFilter(
        method="apply_q",
        help_text="A name or other name in any spelling or script (Əli Əliyev, Ali Aliyev, "
        "Али Алиев).",
    )
    organization = identifiers(
        Organization, "Holds or held a post in this organization (slug or UUID)."
    )
    role = repeatable(
        "Has an involvement in a case in this role.",
        ChoicesField,
        choices=InvolvementRole.choices,
    )
    person = identifiers(Person, "Involved in this person's case (slug or UUID).")
    updated_since = updated_since()

    class Meta:
        model = Official
        fields = []

    def apply_q(self, qs, name, value):
        return search_officials(value, self.reader, qs)

    def apply_organization(self, qs, organizations):
        positions = self.visible(Position.objects.filter(organization__in=organizations))
        return qs.filter(pk__in=positions.values("official_id"))

    def apply_role(self, qs, roles):
        involvements = self.visible(Involvement.objects.filter(role__in=roles))
        return qs.filter(pk__in=involvements.values("official_id"))

    def apply_person(self, qs, persons):
        trials = self.visible(TrialDefendant.objects.filter(person__in=persons)).values("trial_id")
        involvements = self.visible(
            Involvement.objects.filter(
                Q(detention__person__in=persons)
                | Q(case_event__detention__person__in=persons)
                | Q(allegation__person__in=persons)
                | Q(allegation__detention__person__in=persons)
                | Q(trial__in=trials)
            )
        )
        return qs.filter(pk__in=involvements.values("official_id"))
