"""How the public pages name a source: `{{ row|source_title }}`, its title or,
for a source without one, what stands for it (sources.models.source_title),
from a source row of cases.reads.rows (whose publisher is already None when the
reader may not see it)."""

import html

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from sources.models import source_title as _source_title

register = template.Library()
_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


@register.filter
def source_title(source: dict) -> str:
    publisher = source.get("publisher")
    return _source_title(
        source.get("title") or "",
        publisher=publisher["name"] if publisher else None,
        published_on=source.get("published_on"),
        url=source.get("url") or "",
    )


@register.simple_tag
def footnote_items(footnotes: list[dict]) -> str:
    """The list items of a page's footnotes (templates/includes/footnotes.html):
    each its source (linked; a confidential one by what stands for it), the
    publisher and date of a titled source, the locator, the excerpt, how
    confident the source is when not highly, and a back link to each mark.
    Built here, every value escaped, rather than by the template's tags: a
    facility's page has 149 footnotes and 300 back links, and rendering them
    was 12 of its 30 ms."""
    confidential = gettext("Confidential source on file")
    confidence = {
        "low": gettext("The source supports this with low confidence."),
        "medium": gettext("The source supports this with medium confidence."),
    }
    # one reverse() for every source: the UUID put in its place
    address = reverse("source-detail", kwargs={"uuid": _PLACEHOLDER})
    items = []
    for note in footnotes:
        source, number = note["source"], note["number"]
        title = confidential if source.get("confidential") else source_title(source)
        details = []
        if source.get("title"):
            if source.get("publisher"):
                details.append(source["publisher"]["name"])
            if source.get("published_on"):
                details.append(str(source["published_on"]))
        if note.get("locator"):
            details.append(note["locator"])
        url = address.replace(_PLACEHOLDER, str(source["uuid"]))
        excerpt = f"<q>{_e(note['excerpt'])}</q>" if note.get("excerpt") else ""
        sure = confidence.get(note.get("confidence"))
        sure = f'<span class="confidence">{_e(sure)}</span>' if sure else ""
        items.append(
            f'<li id="fn-{number}" value="{number}">\n'
            f'      <a href="{_e(url)}">{_e(title)}</a>'
            f"{''.join(', ' + _e(detail) for detail in details)}.\n"
            f"      {excerpt}\n      {sure}\n      {_back_links(note)}\n    </li>"
        )
    return mark_safe("\n    ".join(items))  # noqa: S308 (every value escaped above)


def _e(value) -> str:
    """`value` escaped for HTML text or an attribute (as Django's escape)."""
    return html.escape(str(value), quote=True)


def _back_links(note: dict) -> str:
    """A footnote's back links, one to each mark of it, numbered when there are several."""
    refs, number = note["refs"], note["number"]
    label = _e(gettext("Back to the text of note %(n)s") % {"n": number})
    several = len(refs) > 1
    return "".join(
        f'<a class="back" href="#{_e(ref)}" aria-label="{label}">↩'
        f"{f'<sup>{i}</sup>' if several else ''}</a>"
        for i, ref in enumerate(refs, 1)
    )
