"""The shapes of the lists' records in API v1: a list with its editions, and
what changed between two editions. Built from the shared pieces (dates,
references, citations) of cases.api.serializers, so they read like every other
record; the rows themselves come from lists.reads."""

from rest_framework import serializers

from cases.api.serializers import (
    CitationSerializer,
    OrganizationRefSerializer,
    PartialDateField,
    PersonRefSerializer,
)


class EditionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    published_on = PartialDateField(
        allow_null=False,
        help_text="When the edition was published, ISO 8601 at its precision: 2024, 2024-03 "
        "or 2024-03-01. Name the edition by it (or by its UUID) in `diff/`.",
    )
    title = serializers.CharField()
    size = serializers.IntegerField(
        min_value=0,
        help_text="The persons the edition names that you may see (not the number the list "
        "printed: a person Casebook does not publish is not counted).",
    )
    citations = CitationSerializer(many=True, help_text="Where the edition was published.")


class PrisonerListSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    title = serializers.CharField()
    publisher = OrganizationRefSerializer(
        allow_null=True, help_text="The organization that publishes the list; null when none."
    )
    criteria = serializers.CharField(
        help_text="The definition the list applies, e.g. PACE Resolution 1900 (2012)."
    )
    description = serializers.CharField()
    editions = EditionSerializer(many=True, help_text="Oldest first.")


class ListChangeSerializer(serializers.Serializer):
    person = PersonRefSerializer()
    group = serializers.CharField(
        help_text='The group the edition lists the person in ("Journalists"); may be empty.'
    )
    listed_name = serializers.CharField(help_text="The name as that edition spells it.")


class ListRemovalSerializer(ListChangeSerializer):
    reason = serializers.CharField(
        help_text="Why the person may have left the list, as Casebook has it on record now "
        '(from their newest detention you may see): "released on 12 March 2024 (sentence '
        'served)", "pardoned on ...", "moved to house arrest in ...", "died", or "no reason '
        'on record".'
    )


class EditionDiffSerializer(serializers.Serializer):
    """What changed from one edition of a list to another, as you may count it."""

    # `from` is a Python keyword: declared as `from_`, renamed in get_fields
    from_ = EditionSerializer(help_text="The edition compared from.")
    to = EditionSerializer(help_text="The edition compared to.")
    added = ListChangeSerializer(
        many=True, help_text="Persons `to` names and `from` does not, as `to` lists them."
    )
    removed = ListRemovalSerializer(
        many=True, help_text="Persons `from` names and `to` does not, as `from` lists them."
    )
    unchanged = serializers.IntegerField(
        min_value=0,
        help_text="Persons both editions name, however each spells the name.",
    )

    def get_fields(self):
        fields = super().get_fields()
        return {("from" if name == "from_" else name): field for name, field in fields.items()}


class ListChangeRowSerializer(serializers.Serializer):
    """One change per row: the CSV form of a diff."""

    change = serializers.ChoiceField(choices=["added", "removed"])
    person = PersonRefSerializer()
    group = serializers.CharField()
    listed_name = serializers.CharField()
    reason = serializers.CharField(help_text="Empty for an addition.")
