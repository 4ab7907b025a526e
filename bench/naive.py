"""The naive baseline: what a plain DRF ModelViewSet with nested
ModelSerializers and DRF's page-number pagination gives for the same list.
Defined here only, never routed in the app (bench.urls adds it for the run)."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer

from cases.models import Charge, Detention, NameVariant, Person


class NaiveNameVariantSerializer(serializers.ModelSerializer):
    class Meta:
        model = NameVariant
        fields = ["name", "language", "kind"]


class NaiveChargeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Charge
        fields = ["article", "description"]


class NaiveDetentionSerializer(serializers.ModelSerializer):
    legal_stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    charges = NaiveChargeSerializer(many=True, read_only=True)

    class Meta:
        model = Detention
        fields = ["uuid", "arrested_on", "arrested_on_precision", "released_on",
                  "released_on_precision", "legal_stage", "facility", "charges"]  # fmt: skip


class NaivePersonSerializer(serializers.ModelSerializer):
    name_variants = NaiveNameVariantSerializer(many=True, read_only=True)
    occupations = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    detentions = NaiveDetentionSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = ["uuid", "slug", "display_name", "name_variants", "gender", "birth_date",
                  "birth_date_precision", "citizenship", "occupations", "summary", "detentions",
                  "updated_at"]  # fmt: skip


class PageOf100(PageNumberPagination):
    page_size = 100


class NaivePersonViewSet(viewsets.ReadOnlyModelViewSet):
    """Public persons by UUID, children through the serializers (N+1 queries)."""

    queryset = Person.objects.filter(visibility="public").order_by("uuid")
    serializer_class = NaivePersonSerializer
    pagination_class = PageOf100
    renderer_classes = [JSONRenderer]
    filter_backends: list = []


class PrefetchingPersonViewSet(NaivePersonViewSet):
    """The same with the usual first fix: prefetch_related."""

    queryset = (
        Person.objects.filter(visibility="public")
        .order_by("uuid")
        .prefetch_related(
            "name_variants", "occupations", "detentions__legal_stage", "detentions__charges"
        )
    )
