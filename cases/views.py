"""The public pages: home, the case list, person pages, statements,
organizations and statistics. Every page reads as the public reader: the
FilterSets filter (the same classes as the API), cases.visibility decides what
is shown, cases.reads and cases.pages assemble it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F, Max, OuterRef, QuerySet, Subquery
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_safe

from cases import pages
from cases.choices import PersonStatus
from cases.filtersets import OrganizationFilterSet, PersonFilterSet, StatementFilterSet
from cases.listing import READER, page_filterset
from cases.models import Detention, Organization, Person, Statement
from cases.partial_dates import PartialDate, Precision
from cases.reads.citations import citations_of
from cases.reads.facets import person_facets
from cases.reads.organizations import organization_relations
from cases.reads.rows import (
    PERSON_FIELDS,
    SOURCE_FIELDS,
    STATEMENT_FIELDS,
    latest_persons,
    person_rows,
    source_rows,
    statement_rows,
)
from cases.reads.search import search_persons
from cases.reads.statistics import case_statistics, first_arrest_month, headline_counts
from cases.reads.status import current_since
from cases.search import SearchQueryError, check_search_query
from cases.visibility import photo_is_visible, visible
from interventions.choices import InterventionKind
from interventions.reads import OUTCOME_FILTER_CHOICES, intervention_counts
from places.reads import held_by_region
from sources.models import Source

PERSONS_PER_PAGE = 25
STATEMENTS_PER_PAGE = 20
ORGANIZATIONS_PER_PAGE = 50
SUGGESTIONS = 8
SORTS = ("relevance", "name", "arrested", "updated")


def _page(request: HttpRequest, queryset, per_page: int):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# --- home --------------------------------------------------------------------------


def _month_before(month: PartialDate) -> PartialDate:
    """The month before a month: the last one whose reports are not current."""
    day = month.start - datetime.timedelta(days=1)
    return PartialDate(day.replace(day=1), Precision.MONTH)


def _currency(today: datetime.date) -> dict:
    """What the home page and the statistics say of how current their numbers
    are: the day they are counted on, the first month whose reports count as
    current, the month before it, and STATUS_STALE_MONTHS."""
    since = current_since(today)
    return {
        "today": today,
        "since": since,
        "before": _month_before(since),
        "stale_months": settings.STATUS_STALE_MONTHS,
    }


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    labels = pages.term_labels()
    currency = _currency(timezone.localdate())
    return render(
        request,
        "cases/home.html",
        {
            "counts": headline_counts(reader=READER, since=currency["since"]),
            "latest": pages.labelled_persons(
                latest_persons(reader=READER), labels, currency["today"]
            ),
            **currency,
        },
    )


# --- persons -----------------------------------------------------------------------


def _sorted_persons(queryset: QuerySet, sort: str, searching: bool) -> QuerySet:
    if sort == "relevance" and searching:
        return queryset  # search_persons ranks by similarity
    if sort == "arrested":
        latest_arrest = Subquery(
            visible(Detention.objects.filter(person=OuterRef("pk")), READER)
            .values("person")
            .annotate(latest=Max("arrested_on"))
            .values("latest")
        )
        return queryset.annotate(latest_arrest=latest_arrest).order_by(
            F("latest_arrest").desc(nulls_last=True), "display_name", "pk"
        )
    if sort == "updated":
        return queryset.order_by("-updated_at", "pk")
    return queryset.order_by("display_name", "pk")


@require_safe
def person_list(request: HttpRequest) -> HttpResponse:
    data, filterset, errors = page_filterset(request, PersonFilterSet)
    searching = bool(data.get("q"))
    sort = request.GET.get("sort", "")
    if sort not in SORTS or (sort == "relevance" and not searching):
        sort = "relevance" if searching else "name"
    labels = pages.term_labels()
    context = {
        "filterset": filterset,
        "data": data,
        "sort": sort,
        "sorts": _sort_choices(searching),
        "q": (data.get("q") or [""])[0],
        "labels": labels,
        "stale_months": settings.STATUS_STALE_MONTHS,
    }
    if errors:
        return render(request, "cases/person_list.html", {**context, "errors": errors}, status=400)
    queryset = _sorted_persons(filterset.qs, sort, searching)
    facets = person_facets(filterset)
    paginator = Paginator(queryset.values(*PERSON_FIELDS), PERSONS_PER_PAGE)
    # counted and cached with the filter counts, a search's persons too (counting
    # the 2,607 persons "Xədi" finds again cost a query of its own)
    paginator.count = facets["total"]
    page = paginator.get_page(request.GET.get("page"))
    rows = person_rows(list(page.object_list), reader=READER)
    context.update(
        page=page,
        persons=pages.labelled_persons(rows, labels, timezone.localdate()),
        facets=_facet_options(facets, data, labels),
        status_dates=_status_date_chips(filterset),
    )
    return render(request, "cases/person_list.html", context)


def _sort_choices(searching: bool) -> list[tuple[str, str]]:
    choices = [
        ("name", _("Name")),
        ("arrested", _("Latest arrest")),
        ("updated", _("Recently updated")),
    ]
    if searching:
        choices.insert(0, ("relevance", _("Best match")))
    return choices


def _status_date_chips(filterset) -> list[dict]:
    """The filters given in the address only, not as boxes to tick (the home
    page's status dates; a list, an edition or a case group, linked from their
    pages), each with its wording and the value its chip removes. The form
    carries them as hidden fields, so ticking a box keeps them."""
    wording = {
        "status_as_of_after": _("status reported since %(date)s"),
        "status_as_of_before": _("status last reported by %(date)s"),
    }
    chips = []
    for name, text in wording.items():
        value = filterset.form.cleaned_data.get(name)
        if value:
            raw = filterset.data.get(name)
            chips.append({"name": name, "value": raw, "label": text % {"date": value}})
    named = {
        "list": _("on the list %(value)s"),
        "list_edition": _("in the edition %(value)s"),
        "group": _("in the case group %(value)s"),
    }
    for name, text in named.items():
        given = filterset.data.get(name)
        for raw in given if isinstance(given, list | tuple) else [given]:
            if raw:
                chips.append({"name": name, "value": raw, "label": text % {"value": raw}})
    return chips


# The status filter's values as the list shows them: "held" is held when last
# reported, however long ago (the home page's "in detention now" adds a date).
# lazy: the options are read in the reader's language, not the one at import time
STATUS_FILTER_LABELS = {
    PersonStatus.HELD: gettext_lazy("in detention when last reported"),
    PersonStatus.RELEASED: pgettext_lazy("persons", "released"),
    PersonStatus.UNKNOWN: gettext_lazy("current status not recorded"),
}


def _facet_options(facets: dict, data: dict, labels: dict) -> list[dict]:
    """The filter groups of the case list: each value with its count and whether
    it is chosen; values with no case are left out unless chosen."""
    groups = []
    for name, title, vocabulary in (
        ("status", _("Status"), None),
        ("legal_stage", _("Legal stage"), "legal_stage"),
        ("occupation", _("Occupation"), "occupation"),
        ("allegation", _("Allegation"), "allegation"),
        ("organization", _("Organization"), None),
        ("arrest_year", _("Year of arrest"), None),
    ):
        chosen = set(data.get(name, []))
        counts = facets[name]
        if vocabulary:
            options = [
                (code, label, counts.get(code, 0)) for code, label in labels[vocabulary].items()
            ]
        elif name == "status":
            options = [
                (code, STATUS_FILTER_LABELS[code], counts.get(code, 0))
                for code in PersonStatus.values
            ]
        elif name == "organization":
            options = [(slug, org_name, n) for slug, (org_name, n) in counts.items()]
        else:
            options = [(year, year, n) for year, n in counts.items()]
        options = [
            {"value": value, "label": label, "count": n, "checked": value in chosen}
            for value, label, n in options
            if n or value in chosen
        ]
        groups.append({"name": name, "title": title, "options": options, "chosen": bool(chosen)})
    return groups


def _visible_person(slug: str) -> Person:
    return get_object_or_404(visible(Person.objects.only("pk", "slug"), READER), slug=slug)


@require_safe
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(
        visible(Person.objects.only("pk", "slug", "photo", "photo_visibility"), READER), slug=slug
    )
    context = pages.person_page(person, reader=READER, today=timezone.localdate())
    context["stale_months"] = settings.STATUS_STALE_MONTHS
    context["photo"] = photo_is_visible(person, READER)
    context["page_url"] = request.build_absolute_uri(
        reverse("person-detail", kwargs={"slug": slug})
    )
    context["accessed"] = timezone.localdate()
    return render(request, "cases/person_detail.html", context)


@require_safe
def person_photo(request: HttpRequest, slug: str) -> FileResponse:
    """A photo only where its own level allows: served through this view, never
    from a public media folder where an internal photo's address would work."""
    person = _visible_person(slug)
    person = Person.objects.only("photo", "photo_visibility").get(pk=person.pk)
    if not photo_is_visible(person, READER):
        raise Http404
    return FileResponse(person.photo.open("rb"))


@require_safe
def person_suggestions(request: HttpRequest) -> JsonResponse:
    """Live-search suggestions: the best visible matches for `q` in any spelling.
    A query beyond the bounds every search shares is a 400 saying which."""
    query = request.GET.get("q", "").strip()
    try:
        check_search_query(query)
    except SearchQueryError as error:
        return JsonResponse({"error": str(error), "results": []}, status=400)
    matches = []
    if len(query) >= 2:
        persons = search_persons(visible(Person.objects.all(), READER), query, reader=READER)
        matches = [
            {"name": name, "url": reverse("person-detail", kwargs={"slug": slug})}
            for slug, name in persons.values_list("slug", "display_name")[:SUGGESTIONS]
        ]
    response = JsonResponse({"query": query, "results": matches})
    response["Cache-Control"] = "no-cache"  # a withdrawn name must not linger in a cache
    return response


# --- statements and organizations --------------------------------------------------


def _cited_sources(citations_by_fact: dict) -> dict:
    uuids = citations_by_fact["source_uuids"]
    rows = Source.objects.filter(uuid__in=uuids).values(*SOURCE_FIELDS)
    return {row["uuid"]: row for row in source_rows(list(rows), reader=READER)}


@require_safe
def statement_list(request: HttpRequest) -> HttpResponse:
    data, filterset, errors = page_filterset(request, StatementFilterSet)
    labels = pages.term_labels()
    issuers = (
        visible(Organization.objects.all(), READER)
        .filter(statements__in=visible(Statement.objects.all(), READER))
        .distinct()
        .order_by("name")
        .values_list("slug", "name")
    )
    context = {"data": data, "labels": labels, "issuers": list(issuers)}
    if errors:
        return render(
            request, "cases/statement_list.html", {**context, "errors": errors}, status=400
        )
    queryset = filterset.qs.order_by(F("issued_on").desc(nulls_last=True), "pk")
    page = _page(request, queryset.values(*STATEMENT_FIELDS), STATEMENTS_PER_PAGE)
    statements = statement_rows(list(page.object_list), reader=READER, cite=False)
    citations = citations_of(READER, statement=[s["_id"] for s in statements])
    notes = pages.Footnotes(_cited_sources(citations))
    for statement in statements:
        statement["kind_label"] = labels["statement_kind"].get(statement["kind"] or "", "")
        statement["notes"] = notes.cite(citations["statement"].get(statement["_id"], []))
    context.update(page=page, statements=statements, footnotes=notes.notes)
    return render(request, "cases/statement_list.html", context)


@require_safe
def organization_list(request: HttpRequest) -> HttpResponse:
    data, filterset, errors = page_filterset(request, OrganizationFilterSet)
    context = {"data": data, "kinds": Organization._meta.get_field("kind").choices}
    if errors:
        return render(
            request, "cases/organization_list.html", {**context, "errors": errors}, status=400
        )
    page = _page(request, filterset.qs.order_by("name", "pk"), ORGANIZATIONS_PER_PAGE)
    context["page"] = page
    return render(request, "cases/organization_list.html", context)


@require_safe
def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_object_or_404(visible(Organization.objects.all(), READER), slug=slug)
    labels = pages.term_labels()
    relations = organization_relations(organization, reader=READER)
    for statement in relations["statements"]:
        statement["kind_label"] = labels["statement_kind"].get(statement["kind"] or "", "")
    for source in relations["sources"]:
        source["kind_label"] = labels["source_kind"].get(source["kind"] or "", "")
    return render(
        request,
        "cases/organization_detail.html",
        {"organization": organization, **relations},
    )


# --- statistics --------------------------------------------------------------------


def _intervention_tables(counts: dict) -> dict:
    """The statistics page's interventions (interventions.reads.intervention_counts)
    as tables: one row a year (the year of the decision, else of the submission),
    one column a kind that has any, and a total; the outcomes and the Working
    Group's categories found that have any, in the order of their choices."""
    kinds = [(code, label) for code, label in InterventionKind.choices if counts["by_kind"][code]]
    return {
        "total": counts["total"],
        "undated": counts["undated"],
        "kinds": [{"code": code, "label": label} for code, label in kinds],
        "by_year": [
            {
                "year": year,
                "counts": [by_kind.get(code, 0) for code, _label in kinds],
                "total": sum(by_kind.values()),
            }
            for year, by_kind in counts["by_year"].items()
        ],
        "by_outcome": [
            {"code": value, "label": label, "n": counts["by_outcome"][value]}
            for value, label in OUTCOME_FILTER_CHOICES
            if counts["by_outcome"].get(value)
        ],
    }


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    currency = _currency(today)
    first_arrest = first_arrest_month(reader=READER)
    first = first_arrest or today.replace(day=1)
    stats = case_statistics(
        reader=READER,
        first_month=first,
        last_month=today.replace(day=1),
        since=currency["since"],
    )
    labels = pages.term_labels()
    for group, vocabulary in (
        ("by_legal_stage", "legal_stage"),
        ("by_occupation", "occupation"),
        ("by_allegation_kind", "allegation"),
    ):
        for row in stats[group]:
            row["label"] = labels[vocabulary].get(row["code"], row["label"])
        stats[group].sort(key=lambda row: -row["persons"])
    months = stats["in_detention_by_month"]
    for row in months:
        row["date"] = datetime.date(int(row["month"][:4]), int(row["month"][5:]), 1)
    chart_data = {
        "months": {
            "labels": [row["month"] for row in months],
            "values": [row["in_detention"] for row in months],
        },
        **{
            group: {
                "labels": [row["label"] for row in stats[group]],
                "values": [row["persons"] for row in stats[group]],
            }
            for group in ("by_occupation", "by_allegation_kind", "by_legal_stage")
        },
    }
    return render(
        request,
        "cases/statistics.html",
        {
            "stats": stats,
            "chart_data": chart_data,
            # no detention with a known arrest date: no series to draw (an empty
            # chart of one month read as "nobody was ever held")
            "months": months if first_arrest else [],
            "held_by_region": [
                {"label": region or _("Region not recorded"), "persons": n}
                for region, n in held_by_region(reader=READER)
            ],
            "interventions": _intervention_tables(intervention_counts(reader=READER)),
            **currency,
        },
    )
