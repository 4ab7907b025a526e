"""The shape of an intervention in API v1, built from the shared pieces (dates,
references, citations) of cases.api.serializers; the rows come from
interventions.reads.intervention_rows."""

from rest_framework import serializers

from cases.api.serializers import (
    CitationSerializer,
    OrganizationRefSerializer,
    PartialDateField,
    PersonRefSerializer,
)
from interventions.choices import (
    InterventionKind,
    InterventionOutcome,
    InterventionStatus,
    WgadCategory,
)


class InterventionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=InterventionKind.values)
    body = OrganizationRefSerializer(
        allow_null=True,
        help_text="The body it was brought before (see `/organizations/`); null when none is "
        "recorded.",
    )
    title = serializers.CharField()
    reference = serializers.CharField(help_text="The body's number: AL AZE 1/2024, 12345/20...")
    persons = PersonRefSerializer(
        many=True, help_text="The persons it was brought for, those you may see."
    )
    submitted_on = PartialDateField()
    communicated_on = PartialDateField(help_text="Communicated to the government.")
    government_replied_on = PartialDateField()
    decided_on = PartialDateField()
    status = serializers.ChoiceField(choices=InterventionStatus.values)
    outcome = serializers.ChoiceField(
        choices=InterventionOutcome.values, allow_null=True, help_text="Null while undecided."
    )
    opinion_number = serializers.CharField(help_text="The Working Group's opinion: 23/2024.")
    wgad_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=WgadCategory.values),
        help_text="The categories of arbitrary detention the Working Group found (I to V).",
    )
    articles_violated = serializers.CharField(help_text="ECtHR: the Convention's articles.")
    just_satisfaction = serializers.CharField()
    outcome_summary = serializers.CharField()
    released_after = serializers.BooleanField(
        allow_null=True, help_text="Released after the decision; null when not known."
    )
    follow_up = serializers.CharField()
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)
