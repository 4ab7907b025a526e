"""How the public pages name a source: `{{ row|source_title }}`, its title or,
for a source without one, what stands for it (sources.models.source_title),
from a source row of cases.reads.rows (whose publisher is already None when the
reader may not see it)."""

from django import template

from sources.models import source_title as _source_title

register = template.Library()


@register.filter
def source_title(source: dict) -> str:
    publisher = source.get("publisher")
    return _source_title(
        source.get("title") or "",
        publisher=publisher["name"] if publisher else None,
        published_on=source.get("published_on"),
        url=source.get("url") or "",
    )
