"""Reads shared by the admin, the public pages and the API."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Exists, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from cases.models import NameVariant, Person
from cases.search import name_key
from cases.visibility import Reader, visible_levels


def search_persons(queryset: QuerySet[Person], query: str, *, reader: Reader) -> QuerySet[Person]:
    """Persons of `queryset` whose name or any name variant the reader may see
    matches `query` in any spelling, annotated with `score` (0 to 1), best first.

    A hidden variant never matches: it would tell a public reader which person
    bears an alias the researchers keep internal."""
    key = name_key(query)
    if not key:
        return queryset.none()
    variants = NameVariant.objects.filter(
        person=OuterRef("pk"), visibility__in=visible_levels(reader)
    )
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
