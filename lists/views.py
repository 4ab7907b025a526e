"""The public pages of the lists app: the political-prisoner lists, one list
with its editions and their sizes, what changed between two editions, and the
case groups. Every page reads as the public reader (cases.listing.READER)
through lists.reads and lists.reads_groups; cases.pages numbers the footnotes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from cases.listing import READER
from cases.pages import Footnotes
from cases.visibility import visible
from lists.models import CaseGroup, Edition, PrisonerList
from lists.reads import edition_diff, edition_for_key, list_editions, visible_lists
from lists.reads_groups import (
    case_group_citations,
    case_group_members,
    edition_citations,
    edition_group_counts,
    visible_case_groups,
)


def edition_key(edition: Edition) -> str:
    """How an edition is named in the changes page's address: its date as written
    at its precision (2024-03-01, 2024-03, 2024), which `find_edition` reads."""
    return edition.published_on_partial.isoformat()


def _visible_list(slug: str) -> PrisonerList:
    queryset = visible(PrisonerList.objects.select_related("publisher"), READER)
    return get_object_or_404(queryset, slug=slug)


# --- the lists ---------------------------------------------------------------------


@require_safe
def list_index(request: HttpRequest) -> HttpResponse:
    return render(request, "lists/list_index.html", {"lists": visible_lists(reader=READER)})


@require_safe
def list_detail(request: HttpRequest, slug: str) -> HttpResponse:
    prisoner_list = _visible_list(slug)
    editions = list_editions(prisoner_list, reader=READER)
    citations, sources = edition_citations(editions, reader=READER)
    notes = Footnotes(sources)
    rows = []
    previous = None
    for edition in editions:
        rows.append(
            {
                "edition": edition,
                "key": edition_key(edition),
                "previous_key": edition_key(previous) if previous else "",
                "notes": notes.cite(citations.get(edition.pk, [])),
            }
        )
        previous = edition
    latest = editions[-1] if editions else None
    groups = edition_group_counts(latest, reader=READER) if latest else []
    for row in groups:
        row["label"] = row["group"] or _("No group given")
    chart_data = {
        # charts.js draws the series named "months" as a line into #chart-months:
        # the sizes of the editions, oldest first, are that kind of series
        "months": {
            "labels": [str(edition.published_on_partial) for edition in editions],
            "values": [edition.size for edition in editions],
        }
    }
    return render(
        request,
        "lists/list_detail.html",
        {
            "prisoner_list": prisoner_list,
            "editions": rows,
            "latest": latest,
            "groups": groups,
            "chart_data": chart_data,
            "footnotes": notes.notes,
        },
    )


def _chosen_editions(request: HttpRequest, editions: list[Edition]):
    """The two editions the changes page compares, from `from` and `to` (an
    edition's date as written, or its identifier): by default the two latest; a
    missing `to` is the latest edition, a missing `from` the one before `to`.
    Returns (before, after, errors), errors as (parameter, message)."""
    errors = []
    chosen = {}
    for name in ("from", "to"):
        value = request.GET.get(name, "").strip()
        if not value:
            continue
        # what find_edition answers, over the editions already read
        edition = edition_for_key(editions, value)
        if edition is None:
            errors.append(
                (
                    name,
                    _(
                        "No edition of this list is named “%(value)s”. Choose one of its "
                        "editions, by its date as the list shows it (2024-03-01, 2024-03 or "
                        "2024) or by its identifier."
                    )
                    # a long value is the reader's own, cut so the message stays readable
                    % {"value": Truncator(value).chars(60)},
                )
            )
        else:
            chosen[name] = edition
    if errors:
        return None, None, errors
    position = {edition.pk: index for index, edition in enumerate(editions)}
    after = chosen.get("to") or editions[-1]
    before = chosen.get("from")
    if before is None:
        index = position[after.pk]
        if index == 0:
            return None, None, [("to", _("There is no earlier edition to compare it with."))]
        before = editions[index - 1]
    if position[before.pk] >= position[after.pk]:
        return (
            None,
            None,
            [("from", _("Choose an edition older than the one you compare it with."))],
        )
    return before, after, []


def _selects(before: str, after: str) -> list[tuple[str, str, str]]:
    """The changes page's two selects: parameter, label, the edition chosen."""
    return [
        ("from", pgettext("editions compared", "From"), before),
        ("to", pgettext("editions compared", "To"), after),
    ]


@require_safe
def list_changes(request: HttpRequest, slug: str) -> HttpResponse:
    prisoner_list = _visible_list(slug)
    editions = list_editions(prisoner_list, reader=READER)
    context = {
        "prisoner_list": prisoner_list,
        "editions": [(edition_key(edition), edition) for edition in editions],
    }
    if len(editions) < 2:
        return render(request, "lists/list_changes.html", context)
    before, after, errors = _chosen_editions(request, editions)
    if errors:
        # the selects keep what was asked for, so the reader sees which one to change
        context["selects"] = _selects(request.GET.get("from", ""), request.GET.get("to", ""))
        context["errors"] = errors
        return render(request, "lists/list_changes.html", context, status=400)
    context.update(
        before=before,
        after=after,
        selects=_selects(edition_key(before), edition_key(after)),
        diff=edition_diff(before=before, after=after, reader=READER),
    )
    return render(request, "lists/list_changes.html", context)


# --- case groups -------------------------------------------------------------------


@require_safe
def group_index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "lists/group_index.html", {"groups": list(visible_case_groups(reader=READER))}
    )


@require_safe
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(visible(CaseGroup.objects.all(), READER), slug=slug)
    citations, sources = case_group_citations(group, reader=READER)
    notes = Footnotes(sources)
    return render(
        request,
        "lists/group_detail.html",
        {
            "group": group,
            "notes": notes.cite(citations),
            "members": case_group_members(group, reader=READER),
            "footnotes": notes.notes,
        },
    )
