"""The statistics page's section of counts others published, each beside
Casebook's own count for its date: an inclusion tag, so the page adds it with
one line and its view stays as it is."""

from django import template

from cases.listing import READER
from sources.reads import reported_counts_beside_own

register = template.Library()


@register.inclusion_tag("cases/_reported_counts.html")
def reported_counts() -> dict:
    """The public site's reported counts (4 queries, whatever their number)."""
    return {"reported_counts": reported_counts_beside_own(reader=READER)}
