"""Template helpers of the public pages: dates at their precision, links that
keep the page's state (filters, sort, page) in the URL, the language switcher
and footnote marks."""

from __future__ import annotations

import functools
import html

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse, translate_url
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext

from cases.pages import Mark
from cases.partial_dates import PartialDate
from cases.web_addresses import is_web_address

register = template.Library()
_SLUG = "slug-placeholder-0"


@register.filter
def partial_date(value: PartialDate | None) -> str:
    """A date at its precision in the reader's language: "2023", "November 2023",
    "21 November 2023"."""
    if not value:
        return ""
    return str(value)


@register.simple_tag
def external_link(address: str, text: str = "") -> str:
    """A link to another site, only for an http(s) address; anything else (an
    address written before the check, say `javascript:...`) is plain text."""
    if not address:
        return ""
    if not is_web_address(address):
        return format_html("<span>{}</span>", text or address)
    return format_html(
        '<a href="{}" rel="noreferrer noopener external">{}</a>', address, text or address
    )


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with `changes` applied (None removes a
    parameter); changing anything but the page goes back to page 1."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def without(context, name: str, value: str) -> str:
    """The current query string without one chosen filter value."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    params.setlist(name, [v for v in params.getlist(name) if v != value])
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """This page in each language of the interface (the same filters and page)."""
    request = context["request"]
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "url": translate_url(request.get_full_path(), code),
                "current": code == current,
            }
        )
    return links


@register.simple_tag
def footnote_marks(marks: list[Mark]) -> str:
    """Footnote marks (cases.pages.Footnotes), each with the id its back link
    returns to. Built here, every value escaped, rather than by an included
    template: a facility's page marks 150 facts, and a template per mark cost
    more than the page's queries."""
    label = gettext("Source %(n)s")
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f'<sup class="fn"><a href="#fn-{_e(mark.number)}" id="{_e(mark.ref)}"'
            f' aria-label="{_e(label % {"n": mark.number})}">[{_e(mark.number)}]</a></sup>'
            for mark in marks or ()
        )
    )


def _e(value) -> str:
    """`value` escaped for HTML text or an attribute (as Django's escape)."""
    return html.escape(str(value), quote=True)


@register.filter
def person_url(slug: str) -> str:
    """The address of a person's page (`{% url 'person-detail' slug=... %}`):
    reversed once per language, the slug put in its place; a page listing 100
    persons reversed it 100 times."""
    if not slug:  # no address: reverse() says so, as the tag did
        return reverse("person-detail", kwargs={"slug": slug})
    return _person_address(get_language() or "", get_script_prefix()).replace(_SLUG, str(slug), 1)


@functools.lru_cache(maxsize=64)
def _person_address(_language: str, _prefix: str) -> str:
    return reverse("person-detail", kwargs={"slug": _SLUG})


@receiver(setting_changed)
def _urls_changed(**_kwargs) -> None:
    """A test's changed settings (URLs, languages) reverse anew."""
    _person_address.cache_clear()
