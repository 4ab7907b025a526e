"""The shapes of sources' own records in API v1 that cases.api.serializers does
not declare: reported counts. Built from the shared pieces (dates, references,
citations), so a count reads like every other record."""

from rest_framework import serializers

from cases.api.serializers import CitationSerializer, OrganizationRefSerializer, PartialDateField


class ReportedCountSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    publisher = OrganizationRefSerializer(help_text="The organization that published the number.")
    as_of = PartialDateField(allow_null=False, help_text="The date the number holds for, "
                             "ISO 8601 at its precision: 2023, 2023-12 or 2023-12-01.")  # fmt: skip
    number = serializers.IntegerField(min_value=0)
    approximate = serializers.BooleanField(
        help_text='The publisher gave the number as an estimate ("approximately").'
    )
    counted = serializers.CharField(help_text="What was counted, in the publisher's words.")
    notes = serializers.CharField(
        help_text="How the number or its date was established (e.g. an inferred year)."
    )
    citations = CitationSerializer(many=True)
    updated_at = serializers.DateTimeField()
