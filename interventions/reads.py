"""The interventions' reads: the API's rows (`intervention_rows`, the shape of
interventions.api.serializers.InterventionSerializer), the outcome filter's
values (an outcome, or a Working Group category found) and the statistics
page's counts (`intervention_counts`), which equal the API list's counts under
the same filters (`?kind=`, `?year=`, `?outcome=`)."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext_lazy as _

from cases.models import Person
from cases.reads.rows import _cited, _grouped, _partial, _ref
from cases.visibility import Reader, visibility_q, visible, visible_levels
from interventions.choices import InterventionKind, InterventionOutcome, WgadCategory
from interventions.models import Intervention

# --- the outcome filter -------------------------------------------------------------


def category_value(category: str) -> str:
    """The outcome filter's value of a Working Group category: "II" -> "category-ii"."""
    return f"category-{category.lower()}"


# `?outcome=` (interventions) and `?intervention_outcome=` (persons): an outcome
# code, or a category of arbitrary detention the Working Group found
OUTCOME_FILTER_CHOICES: list[tuple[str, str]] = [
    *InterventionOutcome.choices,
    *[
        (category_value(value), _("Working Group category %(label)s") % {"label": label})
        for value, label in WgadCategory.choices
    ],
]
_CATEGORIES = {category_value(value): value for value in WgadCategory.values}


def outcome_q(values: list[str]) -> Q:
    """An intervention with any of these outcome filter values: the outcome, or
    the category among the categories found."""
    condition = Q(pk__in=[])
    for value in values:
        if value in _CATEGORIES:
            condition |= Q(wgad_categories__contains=[_CATEGORIES[value]])
        else:
            condition |= Q(outcome=value)
    return condition


def intervention_year():
    """The year of an intervention for the statistics and `?year=`: that of its
    decision, else of its submission; null when neither is known."""
    return ExtractYear(Coalesce("decided_on", "submitted_on"))


# --- the API's rows -----------------------------------------------------------------

INTERVENTION_FIELDS = (
    "id", "uuid", "kind", "body__uuid", "body__slug", "body__name", "body__visibility",
    "body__deleted_at", "title", "reference", "submitted_on", "submitted_on_precision",
    "communicated_on", "communicated_on_precision", "government_replied_on",
    "government_replied_on_precision", "decided_on", "decided_on_precision", "status",
    "outcome", "opinion_number", "wgad_categories", "articles_violated", "just_satisfaction",
    "outcome_summary", "released_after", "follow_up", "updated_at",
)  # fmt: skip


def intervention_rows(rows: list[dict], *, reader: Reader, cite: bool = True) -> list[dict]:
    """Interventions (InterventionSerializer) from `.values(*INTERVENTION_FIELDS)`
    rows of visible interventions, with the persons the reader may see and the
    citations: 2 queries (1 with `cite=False`, for a caller that adds citations
    itself; each row keeps its `_id` for it). The body only when the reader may
    see it (a hidden body hides the intervention already: cases.visibility); the
    internal notes never leave here."""
    ids = [row["id"] for row in rows]
    if not ids:
        return []
    persons = _grouped(
        Intervention.persons.through.objects.filter(intervention_id__in=ids)
        .filter(visibility_q(Person, reader, prefix="person__"))
        .order_by("intervention_id", "person__display_name", "person_id")
        .values(
            "intervention_id",
            uuid=F("person__uuid"),
            slug=F("person__slug"),
            display_name=F("person__display_name"),
        ),
        "intervention_id",
    )
    levels = visible_levels(reader)
    return _cited(
        [
            {
                "uuid": row["uuid"],
                "kind": row["kind"],
                "body": _ref(row, "body", "slug", "name", levels=levels),
                "title": row["title"],
                "reference": row["reference"],
                "persons": persons.get(row["id"], []),
                "submitted_on": _partial(row["submitted_on"], row["submitted_on_precision"]),
                "communicated_on": _partial(
                    row["communicated_on"], row["communicated_on_precision"]
                ),
                "government_replied_on": _partial(
                    row["government_replied_on"], row["government_replied_on_precision"]
                ),
                "decided_on": _partial(row["decided_on"], row["decided_on_precision"]),
                "status": row["status"],
                "outcome": row["outcome"] or None,
                "opinion_number": row["opinion_number"],
                "wgad_categories": sorted(row["wgad_categories"], key=WgadCategory.values.index),
                "articles_violated": row["articles_violated"],
                "just_satisfaction": row["just_satisfaction"],
                "outcome_summary": row["outcome_summary"],
                "released_after": row["released_after"],
                "follow_up": row["follow_up"],
                "updated_at": row["updated_at"],
                "_id": row["id"],
            }
            for row in rows
        ],
        reader,
        "intervention",
        cite,
    )


# --- the statistics -----------------------------------------------------------------


def intervention_counts(*, reader: Reader, queryset: QuerySet | None = None) -> dict:
    """The interventions the reader may see, counted for the statistics page:

    - "by_year": {year: {kind code: n}}, newest year first (the year of the
      decision, else of the submission: `intervention_year`; those with neither
      are not counted here), each equal to the number of
      `/api/v1/interventions/?year=<year>&kind=<kind>`;
    - "by_kind": {kind code: n}, every kind, equal to `?kind=<kind>`;
    - "by_outcome": {outcome filter value: n}, every outcome code and every
      Working Group category (`category-i` .. `category-v`), equal to
      `?outcome=<value>` (an intervention finding two categories counts under each);
    - "undated": how many have neither date; "total": how many in all.

    3 queries."""
    interventions = visible(
        queryset if queryset is not None else Intervention.objects.all(), reader
    ).order_by()
    by_year: dict[int, dict[str, int]] = {}
    by_kind = dict.fromkeys(InterventionKind.values, 0)
    undated = 0
    for year, kind, n in (
        interventions.annotate(year=intervention_year())
        .values_list("year", "kind")
        .annotate(n=Count("pk"))
    ):
        by_kind[kind] = by_kind.get(kind, 0) + n
        if year is None:
            undated += n
        else:
            by_year.setdefault(int(year), {})[kind] = n
    by_outcome = dict.fromkeys([value for value, _label in OUTCOME_FILTER_CHOICES], 0)
    for outcome, n in (
        interventions.exclude(outcome="").values_list("outcome").annotate(n=Count("pk"))
    ):
        by_outcome[outcome] = n
    by_outcome.update(
        interventions.aggregate(
            **{
                value: Count("pk", filter=Q(wgad_categories__contains=[category]))
                for value, category in _CATEGORIES.items()
            }
        )
    )
    return {
        "by_year": {year: by_year[year] for year in sorted(by_year, reverse=True)},
        "by_kind": by_kind,
        "by_outcome": by_outcome,
        "undated": undated,
        "total": sum(by_kind.values()),
    }
