"""Which visible citations support given facts (confidential excerpts masked)."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from cases.reads.compiled import AnyOf, compiled
from cases.visibility import Reader, source_is_hidden_behind_confidentiality, visible
from sources.models import Citation


def citations_of(reader: Reader, **targets: list[int]) -> dict:
    """The visible citations (with visible sources) of the given facts, grouped
    by kind of fact and fact id: one query."""
    grouped: dict = {name: {} for name in targets}
    grouped["source_uuids"] = set()
    if not any(targets.values()):
        return grouped
    # one SQL for these kinds of fact, an empty array matching nothing
    names = tuple(targets)
    rows = compiled(
        ("citations_of", reader, names),
        lambda: visible(
            Citation.objects.filter(
                reduce(or_, (Q(AnyOf(f"{name}_id", name)) for name in names))
            ),
            reader,
        )
        .order_by("id")
        .values(
            *[f"{name}_id" for name in names],
            "source__uuid", "source__is_confidential", "claim", "locator", "excerpt", "confidence",
        ),
    ).rows(**{name: list(ids) for name, ids in targets.items()})  # fmt: skip
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
