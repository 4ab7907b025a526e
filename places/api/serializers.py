"""The shape of a facility in API v1, built from the shared pieces (dates,
citations) of cases.api.serializers; the rows come from places.reads.facility_rows."""

from rest_framework import serializers

from cases.api.serializers import CitationSerializer, PartialDateField, VocabularyCode


class FacilityNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField(
        help_text="A language code (az, ru, en) or a script (az-Cyrl); may be empty."
    )


class FacilitySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()
    names = FacilityNameSerializer(
        many=True,
        help_text="Other names in any script (Тюрьма № 13), former or colloquial names. "
        "`q` finds the facility by any of them.",
    )
    kind = VocabularyCode(help_text="A facility kind code: prison, colony-strict...")
    operator = serializers.CharField(
        allow_null=True,
        help_text="The slug of the organization that runs it (see `/organizations/`); null "
        "when none is recorded or you may not see it.",
    )
    country = serializers.CharField()
    region = serializers.CharField()
    locality = serializers.CharField()
    latitude = serializers.FloatField(
        allow_null=True, help_text="Degrees (WGS 84), -90 to 90; null exactly when `longitude` is."
    )
    longitude = serializers.FloatField(allow_null=True, help_text="Degrees (WGS 84), -180 to 180.")
    postal_address = serializers.CharField(help_text="As letters to this facility are addressed.")
    address_confirmed_on = PartialDateField(
        help_text="When the postal address was last confirmed, at its precision; null when never."
    )
    letter_language = serializers.CharField(help_text="The language letters must be written in.")
    letter_rules = serializers.CharField(help_text="What is refused; how letters are read.")
    parcel_rules = serializers.CharField()
    rules_confirmed_on = PartialDateField(
        help_text="When the rules for letters and parcels were last confirmed; null when never."
    )
    description = serializers.CharField()
    held_now = serializers.IntegerField(
        min_value=0,
        help_text="The persons you may see held here now: their status is `held` and their "
        "current place (`current_facility`) is here. Equal to the number of "
        "`/persons/?status=held&facility=<slug>`.",
    )
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)
