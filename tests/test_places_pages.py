"""The public pages of places: the facility list (filters, held now equal to the
API's `?status=held&facility=`, the map drawn on the server), a facility's page
(names, address and rules with "last confirmed", footnotes, who is held there now
and who was, allegations reported there; hidden = 404), the person page (custody
periods and transfers on the timeline, how to write under its own level), the
statistics' "held by region", three languages, and pinned query counts."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.services import token_issue
from cases.choices import Visibility
from cases.models import Person
from cases.pages import person_page
from cases.partial_dates import PartialDate
from cases.visibility import Reader, visible
from places.models import Facility
from places.pages import facility_page, facility_rows
from places.reads import FEW_FACILITIES
from tests import factories
from tests.facility_records import custody, facility, held

pytestmark = pytest.mark.django_db

READERS = (Reader.PUBLIC, Reader.PARTNER, Reader.STAFF)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the API's throttle counters and the filter counts live in the cache


def html(response) -> str:
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def text(page: str) -> str:
    """The page's words, without tags and with single spaces."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        html(client.get(url))
    return len(captured.captured_queries)


@pytest.fixture
def places():
    """Prison A in Baku (coordinates, address, rules), Colony B in Ganja, an
    internal facility, and the persons held: Rauf transferred from A to B, Sevda
    held at A, Kamal released though his custody period at A is still open."""
    operator = factories.organization("Penitentiary Service", slug="penitentiary-service")
    prison_a = facility(
        "Prison A",
        region="Baku",
        locality="Baku",
        country="Azerbaijan",
        latitude="40.40930",
        longitude="49.86710",
        operator=operator,
        names=(("Тюрьма А", "ru"), ("A həbsxanası", "az")),
        postal_address="AZ1000, Baku, Prison A",
        letter_language="Azerbaijani",
        letter_rules="Letters in Azerbaijani only; no stamps enclosed.",
        parcel_rules="Parcels up to 5 kg, once a month.",
    )
    prison_a.address_confirmed_on = PartialDate.parse("2024-05")
    prison_a.rules_confirmed_on = PartialDate.parse("2024-06-01")
    prison_a.save()
    colony_b = facility(
        "Colony B",
        kind="colony-strict",
        region="Ganja",
        country="Azerbaijan",
        latitude="40.68280",
        longitude="46.36060",
    )
    hidden = facility("Secret Site", visibility=Visibility.INTERNAL, region="Baku")
    rauf, rauf_detention = held("Rauf Mammadov")
    custody(rauf_detention, prison_a, "2024-03", "2024-09")
    custody(rauf_detention, colony_b, "2024-09")
    sevda, sevda_detention = held("Sevda Aliyeva")
    custody(sevda_detention, prison_a, "2024-05", note="In the women's unit.")
    kamal = factories.person("Kamal Huseynov")
    kamal_detention = factories.detention(kamal, arrested="2023-01", released="2023-12")
    custody(kamal_detention, prison_a, "2023-02")
    torture = factories.allegation(sevda, kind="torture", facility=prison_a)
    return {
        "a": prison_a,
        "b": colony_b,
        "hidden": hidden,
        "rauf": rauf,
        "sevda": sevda,
        "kamal": kamal,
        "torture": torture,
    }


# --- the list -------------------------------------------------------------------------


def rows_of(page: str) -> list[str]:
    table = page.split('<table class="facility-table">', 1)[1].split("</table>", 1)[0]
    return [text(row).strip() for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]


def test_the_list_shows_visible_facilities_with_kind_region_and_held_now(client, places):
    page = html(client.get("/facilities/"))
    assert rows_of(page) == [
        "Colony B correctional colony, strict regime Ganja 1",
        "Prison A prison Baku 1",
    ]
    assert "Secret Site" not in page
    assert 'href="/facilities/prison-a/"' in page
    # the count links to the persons it counts
    assert 'href="/persons/?status=held&amp;facility=prison-a"' in page


def names(page: str) -> list[str]:
    """The facilities the list's table names, in order."""
    return re.findall(r'<th scope="row"><a href="/facilities/[^"]+/">([^<]+)</a>', page)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=colony-strict", ["Colony B"]),
        ("region=baku", ["Prison A"]),
        ("q=Тюрьма", ["Prison A"]),
        ("kind=prison&region=Ganja", []),
        ("q=&kind=", ["Colony B", "Prison A"]),  # a form's empty boxes filter nothing
    ],
)
def test_the_list_filters_by_kind_region_and_name(client, places, query, expected):
    page = html(client.get(f"/facilities/?{query}"))
    assert names(page) == expected


def test_an_unknown_kind_is_a_400_that_says_so(client, places):
    response = client.get("/facilities/?kind=dungeon")
    assert response.status_code == 400
    assert "kind" in text(response.content.decode())


def test_the_filters_offer_the_kinds_and_the_visible_regions(client, places):
    page = html(client.get("/facilities/"))
    assert '<option value="colony-strict">correctional colony, strict regime</option>' in page
    regions = re.findall(r'<option value="([^"]*)"', page.split('id="facility-region"')[1])
    assert regions == ["", "Baku", "Ganja"]  # Secret Site's Baku is Prison A's too


def test_held_now_equals_the_api_count_for_every_reader(client, places):
    """The page's count (the public's) equals /api/v1/persons/?status=held&facility=
    for the public; for partners and staff the counts the page is built from
    equal the API's for a partner token and the persons filter for staff."""
    page = html(client.get("/facilities/"))
    for slug in ("prison-a", "colony-b"):
        shown = re.search(
            rf'href="/persons/\?status=held&amp;facility={slug}">(\d+)</a>', page
        ).group(1)
        api = client.get("/api/v1/persons/", {"status": "held", "facility": slug})
        assert api.status_code == 200, api.content
        assert int(shown) == len(api.json()["results"])
    # and the persons page the count links to lists those persons
    persons_page = html(client.get("/persons/?status=held&facility=prison-a"))
    assert "Sevda Aliyeva" in persons_page
    assert "Rauf Mammadov" not in persons_page and "Kamal Huseynov" not in persons_page
    _token, raw = token_issue(name="Partner NGO")
    for reader in READERS:
        rows = facility_rows(visible(Facility.objects.all(), reader), reader=reader)
        for row in rows:
            if reader is Reader.STAFF:
                from django.http import QueryDict

                from cases.filtersets import PersonFilterSet

                data = QueryDict(mutable=True)
                data.update({"status": "held", "facility": row["slug"]})
                expected = PersonFilterSet(
                    data, visible(Person.objects.all(), reader), reader=reader
                ).qs.count()
            else:
                headers = (
                    {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if reader is Reader.PARTNER else {}
                )
                api = client.get(
                    "/api/v1/persons/", {"status": "held", "facility": row["slug"]}, **headers
                )
                expected = len(api.json()["results"])
            assert row["held_now"] == expected, (reader, row["slug"])


def test_the_map_is_drawn_on_the_server_with_points_linking_to_the_facilities(client, places):
    page = html(client.get("/facilities/"))
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert len(page) < 60_000  # the outlines clipped to the view and thinned
    # the points: links to the facilities' pages, named, at their projected places
    points = re.findall(
        r'<a class="point[^"]*" href="(/facilities/[^"]+/)" aria-label="([^"]+)"', svg
    )
    assert points == [
        ("/facilities/colony-b/", "Colony B: 1 held now"),
        ("/facilities/prison-a/", "Prison A: 1 held now"),
    ]
    # Baku lies east of Ganja: a larger x
    xs = dict(re.findall(r'href="/facilities/([^"]+)/".*?<circle cx="([\d.]+)"', svg, re.S))
    assert float(xs["prison-a"]) > float(xs["colony-b"])
    # the country outlines in view, from the vendored data: Azerbaijan and its neighbours
    countries = re.findall(r'<path class="country" d="M[^"]+"><title>([^<]+)</title>', svg)
    assert "Azerbaijan" in countries and "Georgia" in countries
    assert "Brazil" not in countries
    # nothing is loaded for it: no address of another host anywhere in the page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    # a facility without coordinates is in the table only, and said to be
    facility("Police Station 3", kind="police-station", region="Baku")
    page = html(client.get("/facilities/"))
    assert "Police Station 3" in names(page)
    assert "Police Station 3" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "1 more has no coordinates" in text(page)


def test_no_map_when_no_facility_has_coordinates(client, places):
    page = html(client.get("/facilities/?region=Nowhere"))
    assert "<svg" not in page
    assert "No place of detention matches." in text(page)


# --- a facility's page ----------------------------------------------------------------


def test_the_facility_page_shows_names_kind_operator_address_and_rules(client, places):
    page = html(client.get("/facilities/prison-a/"))
    words = text(page)
    assert "<h1" in page and "Prison A" in page.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert '<span lang="ru">Тюрьма А</span>' in page
    assert '<span lang="az">A həbsxanası</span>' in page
    assert "Kind prison" in words
    assert 'href="/organizations/penitentiary-service/">Penitentiary Service</a>' in page
    assert "Region Baku, Azerbaijan" in words
    assert "<address>AZ1000, Baku, Prison A</address>" in page
    assert "Last confirmed: May 2024" in words
    assert "Language of letters Azerbaijani" in words
    assert "Letters in Azerbaijani only; no stamps enclosed." in words
    assert "Parcels up to 5 kg, once a month." in words
    assert "Rules last confirmed 1 June 2024" in words
    # the facility's citation is a footnote, marked on its name, listed under Sources
    assert re.search(r'<h1 id="facility-name">Prison A<sup class="fn"', page)
    assert 'id="fn-1"' in page and "The source the test facts cite" in page


def test_the_facility_page_shows_who_is_held_now_who_was_and_allegations(client, places):
    page = html(client.get("/facilities/prison-a/"))
    now = page.split('id="held-now-title"', 1)[1].split("</section>", 1)[0]
    before = page.split('id="held-before-title"', 1)[1].split("</section>", 1)[0]
    allegations = page.split('id="allegations-title"', 1)[1].split("</section>", 1)[0]
    # held now: status held and current place here (not Kamal, released; not Rauf, moved)
    assert "Held here now: 1 person" in text(now)
    assert re.findall(r'href="/persons/([^"]+)/"', now) == ["sevda-aliyeva"]
    assert "since May 2024" in text(now) and "In the women's unit." in text(now)
    # held before: every other visible custody period here, with its dates
    assert re.findall(r'href="/persons/([^"]+)/"', before) == ["rauf-mammadov", "kamal-huseynov"]
    assert "March 2024–September 2024" in text(before)
    assert "February 2023–" in text(before)  # still open, but Kamal is released
    assert 'class="fn"' in before  # each period footnoted
    assert "Torture" in text(allegations)
    assert 'href="/persons/sevda-aliyeva/"' in allegations


def held_now_names(client) -> list[str]:
    page = html(client.get("/facilities/prison-a/"))
    now = page.split('id="held-now-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="/persons/[^"]+/">([^<]+)<', now)


def test_the_facility_page_cached_follows_a_rename_a_transfer_and_a_release(client, places):
    sevda = places["a"].custody_periods.get(detention__person__display_name="Sevda Aliyeva")
    assert held_now_names(client) == held_now_names(client) == ["Sevda Aliyeva"]
    newcomer, detention = held("Nigar Hajiyeva")
    custody(detention, places["a"], "2024-06")
    assert held_now_names(client) == ["Nigar Hajiyeva", "Sevda Aliyeva"]
    person = Person.objects.get(pk=newcomer.pk)
    person.display_name = "Nigar Hajiyeva-Mammadova"
    person.save()
    assert held_now_names(client) == ["Nigar Hajiyeva-Mammadova", "Sevda Aliyeva"]
    sevda.held_until = PartialDate.parse("2024-10")
    sevda.save()
    assert held_now_names(client) == ["Nigar Hajiyeva-Mammadova"]
    released = detention
    released.released_on = PartialDate.parse("2024-11")
    released.save()
    assert held_now_names(client) == []


def test_a_hidden_or_uncited_facility_is_a_404(client, places):
    assert client.get("/facilities/secret-site/").status_code == 404
    facility("Uncited Prison", cited=False)
    assert client.get("/facilities/uncited-prison/").status_code == 404
    deleted = facility("Deleted Prison")
    from django.utils import timezone

    deleted.deleted_at = timezone.now()
    deleted.save()
    assert client.get("/facilities/deleted-prison/").status_code == 404
    assert client.get("/facilities/no-such-place/").status_code == 404


def test_a_hidden_custody_period_or_person_is_not_on_the_facility_page(client, places):
    hidden_person, detention = held("Hidden Person", visibility=Visibility.INTERNAL)
    custody(detention, places["a"], "2024-01")
    _other, other_detention = held("Uncited Custody")
    custody(other_detention, places["a"], "2024-01", cited=False)
    page = html(client.get("/facilities/prison-a/"))
    assert "Hidden Person" not in page and "Uncited Custody" not in page
    assert "Held here now: 1 person" in text(page)


def test_the_facility_page_lists_the_first_persons_and_links_to_the_case_list_for_all(
    client, places, monkeypatch
):
    """At a busy facility the page lists the first CUSTODY_SHOWN held now (by
    name) and before (newest first), says how many there are in all and links to
    the case list filtered to them; the total held now is the persons filter's."""
    _person, detention = held("Aydin Abbasov")
    custody(detention, places["a"], "2024-06")
    monkeypatch.setattr("places.reads_pages.CUSTODY_SHOWN", 1)
    page = html(client.get("/facilities/prison-a/"))
    now = page.split('id="held-now-title"', 1)[1].split("</section>", 1)[0]
    before = page.split('id="held-before-title"', 1)[1].split("</section>", 1)[0]
    assert "Held here now: 2 persons" in text(now)
    assert re.findall(r'<li><a href="/persons/([^"]+)/"', now) == ["aydin-abbasov"]
    more = re.search(r'<p class="more"><a href="([^"]+)">([^<]+)</a>', now)
    assert unescape(more.group(1)) == "/persons/?status=held&facility=prison-a"
    assert more.group(2) == "The first 1 by name; all 2 persons held here now are on the case list"
    assert re.findall(r'<li><a href="/persons/([^"]+)/"', before) == ["rauf-mammadov"]
    more = re.search(r'<p class="more"><a href="([^"]+)">([^<]+)</a>', before)
    assert more.group(1) == "/persons/?held_at=prison-a"
    assert "The latest 1 of 2 stays here" in more.group(2)
    # the case lists linked to hold the persons counted
    listed = html(client.get("/persons/?status=held&facility=prison-a"))
    assert "Aydin Abbasov" in listed and "Sevda Aliyeva" in listed
    ever = html(client.get("/persons/?held_at=prison-a"))
    assert all(name in ever for name in ("Rauf Mammadov", "Kamal Huseynov", "Sevda Aliyeva"))
    # everyone fits: no link
    monkeypatch.setattr("places.reads_pages.CUSTODY_SHOWN", 50)
    assert 'class="more"' not in html(client.get("/facilities/prison-a/"))


@pytest.mark.parametrize("reader", READERS)
def test_the_facility_pages_held_now_total_is_the_persons_filters_for_every_reader(
    places, reader, monkeypatch
):
    from django.http import QueryDict

    from cases.filtersets import PersonFilterSet

    _p, d = held("Partners Period")
    custody(d, places["a"], "2024-04", visibility=Visibility.PARTNERS)
    _p, d = held("Uncited Period")
    custody(d, places["a"], "2024-04", cited=False)
    monkeypatch.setattr("places.reads_pages.CUSTODY_SHOWN", 1)
    for place in (places["a"], places["b"]):
        page = facility_page(place, reader=reader)
        data = QueryDict(mutable=True)
        data.update({"status": "held", "facility": place.slug})
        filtered = PersonFilterSet(data, visible(Person.objects.all(), reader), reader=reader).qs
        assert page["held_now_total"] == filtered.count(), (reader, place)
        assert len(page["held_now"]) == 1
        first = sorted(filtered.values_list("display_name", flat=True))[0]
        assert page["held_now"][0]["person"]["display_name"] == first
    assert page["held_before_total"] == 0  # Colony B: only Rauf, held there now


# --- the person page ------------------------------------------------------------------


@pytest.fixture
def transferred_twice(places):
    """Nigar: held at Prison A, transferred to Colony B, then to Prison C."""
    prison_c = facility("Prison C", region="Nakhchivan", postal_address="AZ7000, Prison C")
    prison_c.address_confirmed_on = PartialDate.parse("2024-10")
    prison_c.save()
    nigar, detention = held("Nigar Hasanova")
    custody(detention, places["b"], "2024-06", "2024-11")
    custody(detention, places["a"], "2024-03", "2024-06")
    last = custody(detention, prison_c, "2024-11")
    return nigar, last


def timeline(page: str) -> list[str]:
    ol = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    return [text(h3).strip() for h3 in re.findall(r"<h3>(.*?)</h3>", ol, re.S)]


def test_a_person_transferred_twice_shows_three_custody_periods_in_order(client, transferred_twice):
    nigar, _last = transferred_twice
    page = html(client.get(f"/persons/{nigar.slug}/"))
    headings = [re.sub(r"( \[\d+\])+$", "", h) for h in timeline(page)]
    assert headings == [
        "Arrested",
        "Held at Prison A",
        "Transferred from Prison A to Colony B",
        "Transferred from Colony B to Prison C",
    ]
    ol = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    links = re.findall(r'href="/facilities/([^"]+)/"', ol)
    assert links == ["prison-a", "prison-a", "colony-b", "colony-b", "prison-c"]
    assert len(re.findall(r'<h3>(?:Held at|Transferred).*?<sup class="fn"', ol)) == 3
    assert "Until: June 2024" in text(ol)


def test_how_to_write_shows_the_letter_only_where_its_level_allows(client, transferred_twice):
    nigar, last = transferred_twice
    last.recipient_line = "Nigar Hasanova, born 1990, unit 4"
    last.letter_note = "Write in Azerbaijani; letters are read."
    last.letter_confirmed_on = PartialDate.parse("2024-12")
    last.save()
    url = f"/persons/{nigar.slug}/"

    # internal (the default): the place and its address show, the letter does not
    page = html(client.get(url))
    section = page.split('id="how-to-write-title"', 1)[1].split("</section>", 1)[0]
    assert 'Held now at <a href="/facilities/prison-c/">Prison C</a>, since November 2024.' in (
        section
    )
    assert "<address>AZ7000, Prison C</address>" in section
    assert "Last confirmed: October 2024" in text(section)
    assert "unit 4" not in page and "letters are read" not in page

    for level, shown in (
        (Visibility.PARTNERS, {Reader.PUBLIC: False, Reader.PARTNER: True, Reader.STAFF: True}),
        (Visibility.PUBLIC, {Reader.PUBLIC: True, Reader.PARTNER: True, Reader.STAFF: True}),
        (Visibility.INTERNAL, {Reader.PUBLIC: False, Reader.PARTNER: False, Reader.STAFF: True}),
    ):
        last.letter_visibility = level
        last.save()
        person = Person.objects.get(pk=nigar.pk)
        for reader in READERS:
            writing = person_page(person, reader=reader)["how_to_write"]
            assert writing.facility_slug == "prison-c"
            assert writing.letter is shown[reader], (level, reader)
            assert (writing.recipient_line == "Nigar Hasanova, born 1990, unit 4") is shown[reader]
            assert (writing.letter_confirmed_on is not None) is shown[reader]
        page = html(client.get(url))
        assert ("unit 4" in page) is shown[Reader.PUBLIC]
        assert ("letters are read" in page) is shown[Reader.PUBLIC]
        words = text(page)
        assert ("How to write to this person last confirmed December 2024" in words) is shown[
            Reader.PUBLIC
        ]
        assert "Last confirmed: October 2024" in words  # the address's, with the place


def test_no_how_to_write_for_a_released_person_or_one_held_nowhere_known(client, places):
    assert 'id="how-to-write-title"' not in html(client.get("/persons/kamal-huseynov/"))
    nobody, _detention = held("Nowhere Known")
    assert 'id="how-to-write-title"' not in html(client.get(f"/persons/{nobody.slug}/"))
    assert 'id="how-to-write-title"' in html(client.get("/persons/sevda-aliyeva/"))


def test_a_hidden_facility_hides_its_custody_periods_from_the_person_page(client, places):
    person, detention = held("Held Secretly")
    custody(detention, places["hidden"], "2024-01")
    page = html(client.get(f"/persons/{person.slug}/"))
    assert "Secret Site" not in page
    assert 'id="how-to-write-title"' not in page


# --- statistics -----------------------------------------------------------------------


def test_statistics_count_persons_held_now_by_region_in_a_table(client, places):
    _person, detention = held("Another In Baku")
    custody(detention, places["a"], "2024-02")
    page = html(client.get("/statistics/"))
    assert page.count('id="held-by-region-title"') == 1
    assert "<title>Statistics · Casebook</title>" in page
    section = page.split('id="held-by-region-title"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', section)
    assert rows == [("Baku", "2"), ("Ganja", "1")]


# --- languages ------------------------------------------------------------------------


@pytest.mark.parametrize("prefix, language", [("", "en"), ("/az", "az"), ("/ru", "ru")])
def test_the_pages_render_in_three_languages(client, transferred_twice, prefix, language):
    nigar, _last = transferred_twice
    for url in ("/facilities/", "/facilities/prison-a/", f"/persons/{nigar.slug}/", "/statistics/"):
        page = html(client.get(prefix + url))
        assert f'<html lang="{language}"' in page
        assert f'href="{prefix}/facilities/"' in page  # the nav link, in the same language


# --- query counts ---------------------------------------------------------------------


def test_the_facility_list_query_count_is_pinned(client, places):
    before = queries(client, "/facilities/")
    assert queries(client, "/facilities/") == LIST_QUERIES_CACHED  # nothing changed
    for i in range(6):
        place = facility(f"Extra Prison {i}", region=f"Region {i}", latitude="41", longitude="48")
        _person, detention = held(f"Extra Person {i}")
        custody(detention, place, "2024-01")
    assert queries(client, "/facilities/") == before == LIST_QUERIES
    assert queries(client, "/facilities/") == LIST_QUERIES_CACHED
    # more facilities than are counted alone: every facility's counts, cached for any list
    for i in range(6, 6 + FEW_FACILITIES):
        facility(f"Extra Prison {i}", region=f"Region {i}")
    assert queries(client, "/facilities/") == LIST_QUERIES_EVERYWHERE
    assert queries(client, "/facilities/?region=Baku") == LIST_QUERIES_CACHED


def test_the_facility_page_query_count_is_pinned(client, places):
    before = queries(client, "/facilities/prison-a/")
    for i in range(6):
        person, detention = held(f"Extra Person {i}")
        custody(detention, places["a"], "2023-01", "2023-06")
        custody(detention, places["a"], "2024-01")
        factories.allegation(person, kind="torture", facility=places["a"])
    assert queries(client, "/facilities/prison-a/") == before == PAGE_QUERIES
    assert queries(client, "/facilities/prison-a/") == PAGE_QUERIES_CACHED  # nothing changed


def test_the_person_page_query_count_does_not_grow_with_custody_periods(client, places):
    person, detention = held("Moved Often")
    custody(detention, places["a"], "2020-01", "2020-02")
    url = f"/persons/{person.slug}/"
    before = queries(client, url)
    for month in range(2, 12):
        custody(detention, places["b"], f"2020-{month:02d}", f"2020-{month + 1:02d}")
    custody(detention, places["a"], "2021-01")  # and now a current place: How to write
    after = queries(client, url)
    assert after == before + HOW_TO_WRITE_QUERIES
    custody(detention, places["b"], "2019-01", "2019-06")
    assert queries(client, url) == after


# with a current place (read for every person held), its custody period and facility,
# and the facility's citations
HOW_TO_WRITE_QUERIES = 2
# the kinds, the regions, the facilities, the held-now counts (places.reads.held_now_counts:
# the change markers and the cache's read; when not cached, the counts of the few
# facilities listed or of every facility (one statement each: the stored places and
# statuses), and the cache's write)
LIST_QUERIES_CACHED = 3 + 2
LIST_QUERIES = LIST_QUERIES_CACHED + 1 + 1
LIST_QUERIES_EVERYWHERE = LIST_QUERIES_CACHED + 1 + 1
# the facility, its names, its operator, the change markers, who is held there and
# who was (the cache's read; when not cached, those held there now by name from the
# stored places and statuses, the first custody periods before, and the cache's
# write), its allegations (the cache's read; when not cached, the newest and their
# persons, and the cache's write), the citations, their sources
PAGE_QUERIES_CACHED = 8
PAGE_QUERIES = PAGE_QUERIES_CACHED + (2 + 1) + (2 + 1)


@pytest.mark.parametrize(
    "coordinates",
    [
        [(40.4093, 49.8671)],  # one facility: its surroundings
        [(40.4093, 49.8671), (40.6828, 46.3606)],  # wide
        [(38.0, 46.0), (42.0, 46.2)],  # tall: widened, not drawn narrower
        [(55.75, 37.62), (43.1, 131.9)],  # Moscow to Vladivostok
    ],
)
def test_the_map_fills_its_frame_and_keeps_every_point_inside(coordinates):
    from places.map import MAX_HEIGHT, WIDTH, facility_map

    drawn = facility_map(
        [
            {"slug": f"f{i}", "name": f"F{i}", "latitude": lat, "longitude": lon, "held_now": 0}
            for i, (lat, lon) in enumerate(coordinates)
        ]
    )
    assert drawn.width == WIDTH and 0 < drawn.height <= MAX_HEIGHT
    for point in drawn.points:
        assert 0 < point.x < drawn.width and 0 < point.y < drawn.height
    assert drawn.countries  # every view here is over land
    xs = [p.x for p in drawn.points]
    if len(xs) > 1:  # the points spread over most of the frame
        assert max(xs) - min(xs) > drawn.width / 3 or drawn.height == MAX_HEIGHT


def test_the_facility_page_lists_the_newest_allegations_and_says_how_many(
    client, places, monkeypatch
):
    from places import reads_pages

    monkeypatch.setattr(reads_pages, "ALLEGATIONS_SHOWN", 2)
    for year in (2019, 2020, 2021):
        person, _ = held(f"Alleging {year}")
        allegation = factories.allegation(person, kind="torture", facility=places["a"])
        allegation.started_on = PartialDate.parse(str(year))
        allegation.save()
    page = client.get("/facilities/prison-a/").content.decode()
    section = page.split('id="allegations-title"', 1)[1].split("</section>", 1)[0]
    assert "Alleging 2021" in section and "Alleging 2020" in section
    assert "Alleging 2019" not in section
    # the fixture's own allegation at the prison, undated, comes last: not shown either
    assert "The newest 2 of 4 allegations reported here" in text(section)
