"""The admin's evidence pages: *Needs sources* (every fact the evidence rule
blocks, each linked to its change page) and the researchers' guide to citing
(docs/citing.md, shown inside the admin). Served under the persons' admin, as
the trash and the duplicates are (cases.admin.PersonAdmin.get_urls)."""

from __future__ import annotations

from pathlib import Path

import markdown
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cases import evidence

CITING_GUIDE = Path(settings.BASE_DIR) / "docs" / "citing.md"
LISTED = 100  # facts listed per kind and section; the page says how many there are


def _fact_admins(request):
    """The fact kinds this staff member may view, with their admins."""
    registry = admin.site._registry
    return [
        (model, registry[model])
        for model in evidence.fact_models()
        if model in registry and registry[model].has_view_permission(request)
    ]


def _rows(facts, model) -> list[dict]:
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
    return [
        {
            "fact": fact,
            "url": reverse(name, args=[fact.pk]),
            "citations": fact.citation_count or 0,
            "partners": fact.cited_for_partners,
            "public": fact.cited_for_public,
        }
        for fact in facts
    ]


def needs_sources_view(model_admin, request):
    """Every fact blocked by the evidence rule, by kind: partners-level and
    public facts without a citation their level may see (written around the
    rule), then internal facts that could not be made public (with whether they
    could be shared with partners)."""
    kinds = _fact_admins(request)
    if not kinds:
        raise PermissionDenied
    groups = []
    for model, _fact_admin in kinds:
        blocked = evidence.blocked_facts(model, limit=LISTED)
        groups.append(
            {
                "opts": model._meta,
                "published": _rows(blocked.published, model),
                "published_count": blocked.published_count,
                "internal": _rows(blocked.internal, model),
                "internal_count": blocked.internal_count,
            }
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Needs sources"),
        "groups": groups,
        "listed": LISTED,
        "published_total": sum(group["published_count"] for group in groups),
    }
    return TemplateResponse(request, "admin/casebook/needs_sources.html", context)


def citing_guide_html() -> str:
    """docs/citing.md as HTML. The file is the project's own (reviewed like its
    code), so its HTML is trusted; empty when the guide is missing."""
    try:
        text = CITING_GUIDE.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    return markdown.markdown(text, extensions=["tables", "fenced_code", "toc"])


def citing_guide_view(model_admin, request):
    """How to cite, for researchers: any staff member may read it."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("How to cite"),
        "guide": mark_safe(citing_guide_html()),  # noqa: S308 (the project's own file)
    }
    return TemplateResponse(request, "admin/casebook/citing_guide.html", context)
