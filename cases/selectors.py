"""Reads shared by the admin, the public pages and the API."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Exists, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from cases.models import NameVariant, Person
from cases.search import name_key


def search_persons(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Persons whose name or any name variant matches `query` in any spelling,
    annotated with `score` (0 to 1) and ordered best first."""
    key = name_key(query)
    if not key:
        return queryset.none()
    variants = NameVariant.objects.filter(person=OuterRef("pk"))
    best_variant = (
        variants.annotate(score=TrigramWordSimilarity(Value(key), "name_key"))
        .order_by("-score")
        .values("score")[:1]
    )
    matches = (
        Q(name_key__trigram_word_similar=key)
        | Q(name_key__contains=key)
        | Exists(variants.filter(Q(name_key__trigram_word_similar=key) | Q(name_key__contains=key)))
    )
    return (
        queryset.filter(matches)
        .annotate(
            score=Greatest(
                TrigramWordSimilarity(Value(key), "name_key"),
                Coalesce(Subquery(best_variant, output_field=FloatField()), Value(0.0)),
                output_field=FloatField(),
            )
        )
        .order_by("-score", "display_name", "pk")
    )
