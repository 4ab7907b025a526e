"""Which visible persons a source informs, for the source's public page."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from cases.models import Affiliation, Allegation, CaseEvent, Detention, Person, Statement
from cases.visibility import Reader, source_is_hidden_behind_confidentiality, visible
from sources.models import Citation, Source


def persons_citing_source(source: Source, *, reader: Reader) -> list[dict]:
    """The visible persons with a visible fact citing `source`, for its page: one
    query. Empty for a confidential source outside the admin: which case an
    interview informs can point to the person interviewed."""
    if source_is_hidden_behind_confidentiality(source.is_confidential, reader):
        return []
    citations = visible(Citation.objects.filter(source=source), reader)
    through_fact = Q(Exists(citations.filter(person=OuterRef("pk"))))
    # each kind of fact a citation can support, and the path from it to its person
    for target, model, to_person in (
        ("detention", Detention, "person"),
        ("case_event", CaseEvent, "detention__person"),
        ("affiliation", Affiliation, "person"),
        ("allegation", Allegation, "person"),
        ("statement", Statement, "persons"),
    ):
        facts = visible(model.objects.filter(**{to_person: OuterRef(OuterRef("pk"))}), reader)
        through_fact |= Q(Exists(citations.filter(**{f"{target}__in": facts})))
    return list(
        visible(Person.objects.all(), reader)
        .filter(through_fact)
        .order_by("display_name")
        .values("uuid", "slug", "display_name")
    )
