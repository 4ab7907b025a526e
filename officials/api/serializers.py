"""The shape of an official in API v1, built from the shared pieces (dates,
citations) of cases.api.serializers; the rows come from
officials.reads.official_api_rows. No photo, photo provenance or internal notes:
staff-only fields never leave the admin."""

from rest_framework import serializers

from cases.api.serializers import CitationSerializer, OrganizationRefSerializer, PartialDateField
from officials.choices import InvolvementRole


class OfficialNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField(
        help_text="A language code (az, ru, en) or a script (az-Cyrl); may be empty."
    )


class OfficialPositionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    title = serializers.CharField()
    organization = OrganizationRefSerializer()
    started_on = PartialDateField()
    ended_on = PartialDateField(help_text="Null while the post is held (or its end is unknown).")
    citations = CitationSerializer(many=True)


class OfficialInvolvementFactSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["detention", "case_event", "allegation", "trial"],
        help_text="Which fact of a case the involvement is in.",
    )
    uuid = serializers.UUIDField(
        help_text="The fact's UUID: `/detentions/<uuid>/`, `/allegations/<uuid>/`, a case "
        "event in its detention's `events`, or `/trials/<uuid>/`."
    )
    date = PartialDateField(
        help_text="The arrest, the case event, the start of the allegation or the trial's "
        "opening, at its precision; null when unknown."
    )
    person = serializers.CharField(
        allow_null=True,
        help_text="The slug of the person whose case it is (`/persons/<slug>/`); null for a "
        "trial (its defendants are on `/trials/<slug>/`) or an allegation naming no one.",
    )
    trial = serializers.CharField(allow_null=True, help_text="The trial's slug, for a trial.")


class OfficialReplySerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The official's reply or denial, as published.")
    on = PartialDateField()
    source = serializers.UUIDField(
        allow_null=True,
        help_text="The UUID of the source that published the reply (`/sources/<uuid>/`); "
        "null when none is recorded or you may not see it.",
    )


class OfficialInvolvementSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    role = serializers.ChoiceField(choices=InvolvementRole.choices)
    fact = OfficialInvolvementFactSerializer()
    description = serializers.CharField(help_text="What the official did, as the sources say.")
    citations = CitationSerializer(
        many=True,
        help_text="An alleged perpetrator's involvement is public only with citations of "
        "sources from two different publishers.",
    )
    reply = OfficialReplySerializer(allow_null=True)


class OfficialSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()
    names = OfficialNameSerializer(
        many=True, help_text="Other names in any script. `q` finds the official by any of them."
    )
    birth_date = PartialDateField()
    nationality = serializers.CharField()
    identifiers = serializers.CharField(help_text="Published identifiers: a rank, a number.")
    description = serializers.CharField()
    positions = OfficialPositionSerializer(many=True, help_text="The latest first.")
    involvements = OfficialInvolvementSerializer(
        many=True, help_text="Every involvement in a case you may see, the newest fact first."
    )
    citations = CitationSerializer(many=True)
    updated_at = serializers.DateTimeField()
