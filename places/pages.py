"""What the public pages of places show, assembled from the reads: the facility
list's rows (kind in the reader's language, region, held now) and one facility's
page (its names, address and rules with when each was last confirmed, who is held
there now and who was, the allegations reported there), footnoted as the person
page is (cases.pages.Footnotes). Visibility is decided by the reads."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import ngettext

from cases.models import Organization
from cases.pages import Footnotes
from cases.reads.citations import citations_of
from cases.reads.facets import table_versions
from cases.reads.rows import SOURCE_FIELDS, source_rows
from cases.visibility import Reader, visible
from places.models import Facility, FacilityKind, FacilityName
from places.reads import held_now_counts
from places.reads_pages import facility_allegations, facility_custody
from sources.models import Source


def kind_label(kind: FacilityKind | None) -> str:
    return FacilityKind.translate(kind.label) if kind else ""


def facility_rows(facilities: QuerySet, *, reader: Reader) -> list[dict]:
    """The facilities of `facilities` (visible ones, filtered) as the list and the
    map show them, by name: the facilities with their kinds (one query) and the
    held-now counts (places.reads.held_now_counts: two queries when cached). Each
    row carries its links and its "held now" labels, made here once rather than
    by tags in the template for every row and point (a URL reversed three times
    and two plural lookups a facility took most of the page's time)."""
    rows = list(facilities.select_related("kind").order_by("name", "pk"))
    counts = held_now_counts(reader=reader, facility_ids=[f.pk for f in rows])
    persons = reverse("person-list")
    result = []
    labels: dict[int, tuple[str, str]] = {}  # the plural forms of each number, looked up once
    for f in rows:
        held = counts.get(f.pk, 0)
        if held not in labels:
            labels[held] = (
                ngettext("%(n)s held now", "%(n)s held now", held) % {"n": held},
                ngettext("%(name)s: %(n)s held now", "%(name)s: %(n)s held now", held),
            )
        held_now_label, point_label = labels[held]
        result.append(
            {
                "slug": f.slug,
                "url": reverse("facility-detail", kwargs={"slug": f.slug}),
                "name": f.name,
                "kind": kind_label(f.kind),
                "region": f.region,
                "locality": f.locality,
                "country": f.country,
                "latitude": f.latitude,
                "longitude": f.longitude,
                "held_now": held,
                # the persons held there now: `?status=held&facility=`
                "held_now_url": f"{persons}?{urlencode({'status': 'held', 'facility': f.slug})}",
                "held_now_label": held_now_label,
                "point_label": point_label % {"name": f.name, "n": held} if held else f.name,
            }
        )
    return result


def kind_choices() -> list[tuple[str, str]]:
    """The kinds of facility as the list's filter offers them: (code, label)."""
    return [(k.code, kind_label(k)) for k in FacilityKind.objects.order_by("sort_order", "label")]


def _sources(uuids, reader: Reader) -> dict:
    rows = Source.objects.filter(uuid__in=uuids).values(*SOURCE_FIELDS)
    return {row["uuid"]: row for row in source_rows(list(rows), reader=reader)}


def facility_page(facility: Facility, *, reader: Reader) -> dict:
    """Everything a facility's page shows, footnoted in reading order (the
    facility, who is held now, who was, the allegations): the first
    places.reads_pages.CUSTODY_SHOWN persons held now and custody periods before,
    with their totals (the rest are on the case list the page links to), and the
    newest places.reads_pages.ALLEGATIONS_SHOWN allegations with theirs. A fixed
    number of queries whatever the number of persons (one less without an operator;
    who is held and the allegations cached under the change markers, read once:
    fewer when cached, one more with over ALLEGATIONS_SHOWN allegations when not)."""
    names = list(
        visible(FacilityName.objects.filter(facility=facility), reader)
        .order_by("language", "name")
        .values("name", "language")
    )
    operator = None
    if facility.operator_id:
        operator = (
            visible(Organization.objects.filter(pk=facility.operator_id), reader)
            .values("slug", "name")
            .first()
        )
    versions = table_versions()  # the change markers both cached parts are keyed by
    custody = facility_custody(facility, reader=reader, versions=versions)
    now, before = custody.held_now, custody.held_before
    allegations, allegations_total = facility_allegations(
        facility, reader=reader, versions=versions
    )
    citations = citations_of(
        reader,
        facility=[facility.pk],
        custody_period=[r["id"] for r in now + before],
        allegation=[a["id"] for a in allegations],
    )
    sources = _sources(citations["source_uuids"], reader) if citations["source_uuids"] else {}
    notes = Footnotes(sources)
    facility_notes = notes.cite(citations["facility"].get(facility.pk, []))
    for row in now + before:
        row["notes"] = notes.cite(citations["custody_period"].get(row["id"], []))
    for a in allegations:
        a["notes"] = notes.cite(citations["allegation"].get(a["id"], []))
    return {
        "facility": facility,
        "kind": kind_label(facility.kind),
        "names": names,
        "operator": operator,
        "notes": facility_notes,
        "held_now": now,
        "held_now_total": custody.held_now_total,
        "held_before": before,
        "held_before_total": custody.held_before_total,
        "allegations": allegations,
        "allegations_total": allegations_total,
        "footnotes": notes.notes,
    }
