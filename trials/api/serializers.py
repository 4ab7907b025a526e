"""The shape of a trial in API v1, built from the shared pieces (dates,
references, citations) of cases.api.serializers; the rows come from
trials.reads.trial_rows."""

from rest_framework import serializers

from cases.api.serializers import (
    CitationSerializer,
    OrganizationRefSerializer,
    PartialDateField,
    PersonRefSerializer,
)
from officials.choices import InvolvementRole
from trials.choices import HearingStatus, TrialInstance


class DefendantSerializer(serializers.Serializer):
    person = PersonRefSerializer()
    charges = serializers.CharField(
        help_text="The articles as the court case lists them: 206.3.2, 193-1.3.1."
    )


class TrialOfficialSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField(help_text="See `/officials/<slug>/`.")
    name = serializers.CharField()


class TrialInvolvementSerializer(serializers.Serializer):
    official = TrialOfficialSerializer()
    role = serializers.ChoiceField(choices=InvolvementRole.values)
    description = serializers.CharField(help_text="What the official did, as the sources say.")
    citations = CitationSerializer(many=True)


class HearingSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    held_on = PartialDateField(
        allow_null=False,
        help_text="ISO 8601 at its precision: 2025, 2025-03 or 2025-03-14 (a hearing known "
        "only to its month or year).",
    )
    starts_at = serializers.TimeField(
        allow_null=True,
        format="%H:%M",
        help_text="The court's local time (the trial's `time_zone`), HH:MM; null when not known "
        "(always null unless `held_on` is a day).",
    )
    court_room = serializers.CharField()
    status = serializers.ChoiceField(choices=HearingStatus.values)
    what_happened = serializers.CharField()
    citations = CitationSerializer(many=True)


class TrialSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    title = serializers.CharField()
    number = serializers.CharField(help_text="The court's case number: 1(101)-123/2024.")
    court = OrganizationRefSerializer(
        allow_null=True, help_text="The court (see `/organizations/`); null when not recorded."
    )
    instance = serializers.ChoiceField(choices=TrialInstance.values)
    opened_on = PartialDateField()
    closed_on = PartialDateField(help_text="The verdict or the closing of the case.")
    time_zone = serializers.CharField(
        help_text="The court's time zone (IANA name, e.g. Asia/Baku): hearing times are local to it."
    )
    summary = serializers.CharField()
    defendants = DefendantSerializer(
        many=True,
        help_text="The defendants you may see. Co-defendants: `/persons/?trial=<slug>`.",
    )
    involvements = TrialInvolvementSerializer(
        many=True, help_text="The judges and prosecutors: officials' involvements in this trial."
    )
    hearings = HearingSerializer(
        many=True,
        help_text="Every hearing you may see, past and to come (cancelled ones too), by date.",
    )
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)
