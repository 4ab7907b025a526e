"""Which visible citations support given facts (confidential excerpts masked)."""

from __future__ import annotations

from django.db.models import Q

from cases.visibility import Reader, source_is_hidden_behind_confidentiality, visible
from sources.models import Citation


def citations_of(reader: Reader, **targets: list[int]) -> dict:
    """The visible citations (with visible sources) of the given facts, grouped
    by kind of fact and fact id: one query."""
    condition = Q()
    for name, ids in targets.items():
        if ids:
            condition |= Q(**{f"{name}_id__in": ids})
    grouped: dict = {name: {} for name in targets}
    grouped["source_uuids"] = set()
    if not condition:
        return grouped
    rows = (
        visible(Citation.objects.filter(condition), reader)
        .order_by("id")
        .values(
            *[f"{name}_id" for name in targets],
            "source__uuid", "source__is_confidential", "claim", "locator", "excerpt", "confidence",
        )
    )  # fmt: skip
    for row in rows:
        for name in targets:
            fact_id = row[f"{name}_id"]
            if fact_id is not None:
                # an excerpt or locator of a confidential interview can identify its speaker
                masked = source_is_hidden_behind_confidentiality(
                    row["source__is_confidential"], reader
                )
                grouped[name].setdefault(fact_id, []).append(
                    {
                        "source": row["source__uuid"],
                        "claim": row["claim"],
                        "locator": "" if masked else row["locator"],
                        "excerpt": "" if masked else row["excerpt"],
                        "confidence": row["confidence"],
                    }
                )
                grouped["source_uuids"].add(row["source__uuid"])
    return grouped
