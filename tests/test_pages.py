"""The public pages: every page in three languages, the case list's search,
filters with counts, sorting and pagination, the person page's timeline and
footnotes, statistics, live-search suggestions, visibility everywhere and
query counts that do not grow with the data."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Charge, NameVariant, Occupation, PaceAssessment, Person
from cases.partial_dates import PartialDate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the case list's filter counts are cached


def html(response) -> str:
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


@pytest.fixture
def world():
    """Three public cases with every kind of fact, each fact cited."""
    journalist = Occupation.objects.get(code="journalist")
    academic = Occupation.objects.get(code="academic")
    abzas = factories.organization("Abzas Media", slug="abzas-media")
    hrw = factories.organization("Human Rights Watch", slug="human-rights-watch", kind="ngo")
    article = factories.source("Journalists detained in Baku", publisher=abzas)
    report = factories.source("HRW report on torture", publisher=hrw, kind="ngo-report")

    sevinj = factories.person(
        "Sevinj Vagifgizi",
        variants=["Sevinc Vaqifqızı", "Севиндж Вагифгызы"],
        summary="Chief editor of Abzas Media.",
    )
    sevinj.occupations.add(journalist)
    factories.citation(article, person=sevinj, claim="chief editor", excerpt="its chief editor")
    # the facts cite the fixture's own sources (cited=False: not the factories' one)
    affiliation = factories.affiliation(sevinj, abzas, role="chief editor", cited=False)
    factories.citation(article, affiliation=affiliation, excerpt="editor of Abzas Media")
    d1 = factories.detention(
        sevinj,
        arrested="November 2023",
        stage="pre-trial-detention",
        facility="Baku SIZO-1",
        cited=False,
    )
    Charge.objects.create(
        detention=d1, article="206.3.2", description="smuggling", visibility="public"
    )
    PaceAssessment.objects.create(
        detention=d1, criterion="b", justification="held for her reporting", visibility="public"
    )
    factories.citation(article, detention=d1, excerpt="detained in November 2023")
    event = factories.case_event(
        d1, "pre-trial-detention-extended", occurred="2024-02-14", cited=False
    )
    factories.citation(article, case_event=event, excerpt="extended on 14 February")

    leyla = factories.person("Leyla Yunus", variants=["Лейла Юнус"])
    leyla.occupations.add(academic)
    d2 = factories.detention(
        leyla, arrested="2014-07-30", released="2015-12-09", stage="released", cited=False
    )
    factories.citation(report, detention=d2, excerpt="released in December 2015")
    torture = factories.allegation(
        leyla, kind="torture", description="beaten in custody", cited=False
    )
    factories.citation(report, allegation=torture, excerpt="she was beaten")
    call = factories.statement(
        "Release Leyla Yunus", issuer=hrw, quote="Release her now", cited=False
    )
    call.issued_on = PartialDate.parse("2015-06")
    call.save()
    call.persons.add(leyla)
    factories.citation(report, statement=call, excerpt="HRW called for her release")

    ilgar = factories.person("Ilgar Mammadov", variants=["İlqar Məmmədov", "Ильгар Мамедов"])
    factories.detention(ilgar, arrested="2013-02", stage="convicted")
    return {
        "sevinj": sevinj, "leyla": leyla, "ilgar": ilgar, "abzas": abzas, "hrw": hrw,
        "article": article, "report": report, "call": call,
    }  # fmt: skip


def page_urls(world) -> list[str]:
    return [
        "/",
        "/persons/",
        "/persons/?q=Vaqifqızı",
        "/persons/?status=held&occupation=journalist",
        f"/persons/{world['sevinj'].slug}/",
        f"/persons/{world['leyla'].slug}/",
        "/statements/",
        "/sources/",
        f"/sources/{world['article'].uuid}/",
        "/organizations/",
        "/organizations/abzas-media/",
        "/statistics/",
    ]


# --- every page, every language ------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/az", "/ru"])
def test_every_page_renders_in_each_language(client, world, prefix):
    lang = prefix.strip("/") or "en"
    for url in page_urls(world):
        body = html(client.get(prefix + url))
        assert f'<html lang="{lang}"' in body, url


def test_the_interface_and_vocabulary_labels_are_translated(client, world):
    sevinj = world["sevinj"].slug
    assert "Political prisoners" in html(client.get("/"))
    az = html(client.get(f"/az/persons/{sevinj}/"))
    ru = html(client.get(f"/ru/persons/{sevinj}/"))
    assert "Xronologiya" in az and "Хронология" in ru  # "Timeline"
    assert "jurnalist" in az and "журналист" in ru  # the occupation vocabulary
    assert "noyabr 2023" in az and "ноябрь 2023 г." in ru  # a month-precision date, lower-case
    assert "14 февраля 2024" in ru  # a day-precision date, month in the genitive
    # names display as stored, in every language
    assert "Sevinj Vagifgizi" in ru and "Севиндж Вагифгызы" in az


def test_the_language_switcher_keeps_the_page_and_its_filters(client, world):
    body = html(client.get("/persons/?occupation=journalist&sort=name"))
    assert 'href="/az/persons/?occupation=journalist&amp;sort=name"' in body
    assert 'href="/ru/persons/?occupation=journalist&amp;sort=name"' in body
    ru = html(client.get("/ru/persons/?occupation=journalist"))
    assert 'href="/persons/?occupation=journalist"' in ru


class AssetCollector(HTMLParser):
    """Every address the browser would fetch on its own (not links a reader clicks)."""

    def __init__(self):
        super().__init__()
        self.fetched: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "video", "audio"} and attrs.get("src"):
            self.fetched.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.fetched.append(attrs["href"])
        for value in attrs.values():
            if value and "url(" in value:
                self.fetched.append(value)


def test_pages_fetch_nothing_from_another_host(client, world):
    world["sevinj"].photo.save("sevinj.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    world["sevinj"].photo_visibility = "public"
    world["sevinj"].save()
    for url in page_urls(world):
        parser = AssetCollector()
        parser.feed(html(client.get(url)))
        assert parser.fetched, url
        for address in parser.fetched:
            assert address.startswith("/") and not address.startswith("//"), (url, address)
    css = open("static/casebook/site.css").read()
    assert "@import" not in css and "http" not in css.replace("https://", "").lower()
    assert "fonts.googleapis" not in css


# --- the case list -------------------------------------------------------------------


def listed(body: str) -> list[str]:
    return re.findall(r'<h3><a href="/(?:[a-z]{2}/)?persons/[^"]+/">([^<]+)</a></h3>', body)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Sevinc Vaqifqızı", ["Sevinj Vagifgizi"]),  # Azerbaijani spelling
        ("Севиндж", ["Sevinj Vagifgizi"]),  # Russian spelling
        ("Ильгар Мамедов", ["Ilgar Mammadov"]),
        ("Ilqar Mammadov", ["Ilgar Mammadov"]),
        ("Leila Iunus", ["Leyla Yunus"]),
    ],
)
def test_the_list_finds_a_person_by_any_spelling(client, world, query, expected):
    assert listed(html(client.get("/persons/", {"q": query})))[: len(expected)] == expected


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["Ilgar Mammadov", "Leyla Yunus", "Sevinj Vagifgizi"]),
        ({"status": "held"}, ["Ilgar Mammadov", "Sevinj Vagifgizi"]),
        ({"status": "released"}, ["Leyla Yunus"]),
        ({"legal_stage": "convicted"}, ["Ilgar Mammadov"]),
        ({"legal_stage": ["convicted", "released"]}, ["Ilgar Mammadov", "Leyla Yunus"]),
        ({"occupation": "journalist"}, ["Sevinj Vagifgizi"]),
        ({"organization": "abzas-media"}, ["Sevinj Vagifgizi"]),
        ({"allegation": "torture"}, ["Leyla Yunus"]),
        ({"arrest_year": "2014"}, ["Leyla Yunus"]),
        ({"arrest_year": ["2013", "2023"]}, ["Ilgar Mammadov", "Sevinj Vagifgizi"]),
        ({"q": "", "occupation": ["", "academic"]}, ["Leyla Yunus"]),  # empty form fields
    ],
)
def test_the_list_filters_with_the_api_filterset(client, world, params, expected):
    assert listed(html(client.get("/persons/", params))) == expected


def facet_counts(body: str, name: str) -> dict[str, int]:
    pattern = (
        rf'name="{name}" value="([^"]+)"[^>]*>\s*<label[^>]*>[^<]+<span class="count">\((\d+)\)'
    )
    return {value: int(n) for value, n in re.findall(pattern, body)}


def test_each_filter_value_shows_its_count_under_the_other_filters(client, world):
    body = html(client.get("/persons/"))
    assert facet_counts(body, "status") == {"held": 2, "released": 1}
    assert facet_counts(body, "legal_stage") == {
        "pre-trial-detention": 1, "convicted": 1, "released": 1,
    }  # fmt: skip
    assert facet_counts(body, "occupation") == {"journalist": 1, "academic": 1}
    assert facet_counts(body, "allegation") == {"torture": 1}
    assert facet_counts(body, "organization") == {"abzas-media": 1}
    assert facet_counts(body, "arrest_year") == {"2023": 1, "2014": 1, "2013": 1}

    # choosing a stage narrows the other filters' counts, not its own
    body = html(client.get("/persons/", {"legal_stage": "convicted"}))
    assert facet_counts(body, "legal_stage") == {
        "pre-trial-detention": 1, "convicted": 1, "released": 1,
    }  # fmt: skip
    assert facet_counts(body, "arrest_year") == {"2013": 1}
    assert facet_counts(body, "status") == {"held": 1}
    assert 'value="convicted" checked' in body


def test_stage_and_year_counts_are_about_one_and_the_same_detention(client, world):
    factories.detention(world["leyla"], arrested="2023-05", stage="convicted")
    body = html(client.get("/persons/", {"arrest_year": "2014"}))
    # Leyla was arrested in 2014 (released) and in 2023 (convicted): under
    # "arrested in 2014" only the 2014 detention's stage counts
    assert facet_counts(body, "legal_stage") == {"released": 1}


def test_cached_filter_counts_follow_every_change_at_once(client, world):
    assert facet_counts(html(client.get("/persons/")), "legal_stage")["convicted"] == 1
    detention = world["ilgar"].detentions.get()
    detention.visibility = "internal"  # withdrawn from the public
    detention.save()
    assert "convicted" not in facet_counts(html(client.get("/persons/")), "legal_stage")
    Person.objects.filter(pk=world["ilgar"].pk).delete()
    assert "3 persons" not in html(client.get("/persons/"))


def test_sorting_and_pagination_keep_the_whole_state_in_the_url(client, world, monkeypatch):
    monkeypatch.setattr("cases.views.PERSONS_PER_PAGE", 2)
    body = html(client.get("/persons/", {"sort": "arrested", "status": "held"}))
    assert listed(body) == ["Sevinj Vagifgizi", "Ilgar Mammadov"]  # latest arrest first
    body = html(client.get("/persons/", {"sort": "name"}))
    assert listed(body) == ["Ilgar Mammadov", "Leyla Yunus"]
    assert 'href="?sort=name&amp;page=2" rel="next"' in body
    body = html(client.get("/persons/", {"sort": "name", "page": "2"}))
    assert listed(body) == ["Sevinj Vagifgizi"]
    assert "Page 2 of 2" in body
    # a relevance sort without a search falls back to the name order
    assert listed(html(client.get("/persons/", {"sort": "relevance"}))) == [
        "Ilgar Mammadov", "Leyla Yunus",
    ]  # fmt: skip


def test_a_bad_filter_value_is_a_400_with_a_message(client, world):
    response = client.get("/persons/", {"legal_stage": "jailed"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Unknown value &#x27;jailed&#x27;" in body and "pre-trial-detention" in body
    assert client.get("/persons/", {"arrest_year": "last year"}).status_code == 400
    assert client.get("/persons/", {"organization": "no-such"}).status_code == 400


# --- the person page -----------------------------------------------------------------


def test_the_person_page_tells_the_case_with_numbered_footnotes(client, world):
    body = html(client.get(f"/persons/{world['sevinj'].slug}/"))
    assert "Sevinc Vaqifqızı" in body and "Севиндж Вагифгызы" in body
    assert "In detention" in body and "pre-trial detention" in body
    assert "Chief editor of Abzas Media." in body
    assert "Article 206.3.2" in body and "smuggling" in body
    assert "Baku SIZO-1" in body and "held for her reporting" in body
    # the timeline in date order, dates at their precision
    assert body.index("November 2023") < body.index("14 February 2024")
    assert "2023-11-01" not in body.replace('datetime="2023-11"', "")
    # footnotes numbered in reading order, each one linking to its source page
    marks = re.findall(r'<a href="#fn-(\d+)" id="ref-\d+"', body)
    assert marks == ["1", "2", "3", "4"]
    notes = re.findall(r'<li id="fn-(\d+)" value="\d+">\s*<a href="([^"]+)">', body)
    assert [n for n, _ in notes] == ["1", "2", "3", "4"]
    assert {href for _, href in notes} == {f"/sources/{world['article'].uuid}/"}
    assert "extended on 14 February" in body  # the excerpt that supports the fact
    # a suggested citation for the page itself, with the last update
    assert "“Sevinj Vagifgizi”, Casebook, case page, last updated" in body
    assert f"http://testserver/persons/{world['sevinj'].slug}/" in body


def test_the_person_page_shows_allegations_statements_and_release(client, world):
    body = html(client.get(f"/persons/{world['leyla'].slug}/"))
    assert "Released" in body and "9 December 2015" in body
    assert "Allegation:" in body and "torture" in body and "beaten in custody" in body
    assert "Release Leyla Yunus" in body and "Release her now" in body
    assert body.index("30 July 2014") < body.index("June 2015") < body.index("9 December 2015")
    assert "/organizations/human-rights-watch/" in body


def test_the_person_page_prints_as_a_dossier(client, world):
    css = open("static/casebook/site.css").read()
    print_rules = css[css.index("@media print") :]
    for hidden in (".site-header", ".site-footer", ".search", ".languages"):
        assert hidden in print_rules
    assert 'rel="stylesheet"' in html(client.get(f"/persons/{world['sevinj'].slug}/"))


def test_an_unknown_or_hidden_person_is_404(client, world):
    assert client.get("/persons/no-such-person/").status_code == 404
    hidden = factories.person("Hidden Person", visibility="internal")
    assert client.get(f"/persons/{hidden.slug}/").status_code == 404
    assert client.get(f"/persons/{hidden.slug}/photo/").status_code == 404


def test_a_photo_is_shown_only_where_its_own_level_allows(client, world):
    sevinj = world["sevinj"]
    sevinj.photo.save("portrait.jpg", ContentFile(b"JPEGDATA"), save=False)
    sevinj.photo_visibility = "internal"
    sevinj.save()
    assert "/photo/" not in html(client.get(f"/persons/{sevinj.slug}/"))
    assert client.get(f"/persons/{sevinj.slug}/photo/").status_code == 404
    sevinj.photo_visibility = "public"
    sevinj.save()
    body = html(client.get(f"/persons/{sevinj.slug}/"))
    assert f'src="/persons/{sevinj.slug}/photo/" alt="Photo of Sevinj Vagifgizi"' in body
    response = client.get(f"/persons/{sevinj.slug}/photo/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"JPEGDATA"


# --- the other pages -----------------------------------------------------------------


def test_home_shows_counts_from_the_data_latest_updates_and_a_search(client, world):
    factories.person("Status Unknown Person")
    factories.detention(Person.objects.get(display_name="Status Unknown Person"))
    body = html(client.get("/"))
    counts = dict(
        (label, int(n))
        for n, label in re.findall(r"<strong>(\d+)</strong> <span>([^<]+)</span>", body)
    )
    # the world's sources have no date: its two held persons are not "now" (cases.reads.status)
    assert counts == {
        "in detention now": 0, "held when last reported, over 12 months ago": 0, "released": 1,
        "with allegations of torture": 1,
    }  # fmt: skip
    assert "Of 4 persons on record, 1 have no current status" in body
    assert "2 more are reported held by sources with no date" in body
    assert 'href="/persons/?status=held&amp;status_as_of_after=' in body
    assert 'href="/persons/?allegation=torture"' in body
    assert 'name="q"' in body and 'data-suggest="/persons/suggest/"' in body
    assert "Status Unknown Person" in body  # the latest update comes first


def test_statements_sources_and_organizations_pages(client, world):
    body = html(client.get("/statements/"))
    assert "Release Leyla Yunus" in body and "Release her now" in body
    assert f'href="/sources/{world["report"].uuid}/"' in body  # footnoted
    assert "Release Leyla Yunus" in html(
        client.get("/statements/", {"issuer": "human-rights-watch"})
    )
    assert "Release Leyla Yunus" not in html(client.get("/statements/", {"kind": "award"}))

    body = html(client.get("/sources/"))
    assert "Journalists detained in Baku" in body and "HRW report on torture" in body
    body = html(client.get("/sources/", {"kind": "ngo-report"}))
    assert "HRW report on torture" in body and "Journalists detained in Baku" not in body
    body = html(client.get(f"/sources/{world['article'].uuid}/"))
    assert "Abzas Media" in body and "Sevinj Vagifgizi" in body  # the cases it informs

    body = html(client.get("/organizations/"))
    assert "Abzas Media" in body and "Human Rights Watch" in body
    assert "Abzas Media" not in html(client.get("/organizations/", {"kind": "ngo"}))
    body = html(client.get("/organizations/human-rights-watch/"))
    assert "Release Leyla Yunus" in body and "HRW report on torture" in body
    assert "Sevinj Vagifgizi" in html(client.get("/organizations/abzas-media/"))


def test_statistics_draw_charts_from_the_data_with_tables_of_the_numbers(client, world):
    body = html(client.get("/statistics/"))
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js" defer></script>' in body
    data = json.loads(re.search(r'id="chart-data" type="application/json">(.*?)</script>', body)[1])
    assert dict(zip(data["by_occupation"]["labels"], data["by_occupation"]["values"], strict=True)) == {
        "journalist": 1, "academic": 1,
    }  # fmt: skip
    assert data["by_allegation_kind"] == {"labels": ["torture"], "values": [1]}
    months = dict(zip(data["months"]["labels"], data["months"]["values"], strict=True))
    assert months["2013-02"] == 1 and months["2014-08"] == 2 and months["2016-01"] == 1
    assert '<th scope="row">journalist</th><td>1</td>' in body  # the accessible table
    assert '<th scope="row">August 2014</th><td>2</td>' in body
    assert 'role="img"' in body and "<caption" in body


def test_statistics_say_why_there_is_no_monthly_series_without_arrest_dates(client):
    factories.detention(arrested=None, stage="pre-trial-detention")
    body = html(client.get("/statistics/"))
    assert 'id="chart-months"' not in body and "Numbers by month" not in body
    assert "No published detention has a known arrest date yet" in body


def test_live_search_suggests_visible_persons_in_any_spelling(client, world):
    response = client.get("/persons/suggest/", {"q": "Вагифгызы"})
    assert response.json()["results"] == [
        {"name": "Sevinj Vagifgizi", "url": f"/persons/{world['sevinj'].slug}/"}
    ]
    ru = client.get("/ru/persons/suggest/", {"q": "Sevinc"}).json()["results"]
    assert ru[0]["url"] == f"/ru/persons/{world['sevinj'].slug}/"
    assert client.get("/persons/suggest/", {"q": "S"}).json()["results"] == []
    assert client.get("/persons/suggest/").json()["results"] == []


# --- visibility ----------------------------------------------------------------------


@pytest.fixture
def restricted(world):
    """Restricted records beside the public world, each with a marker that must
    never reach a public page."""
    sevinj, leyla = world["sevinj"], world["leyla"]
    hidden_person = factories.person("SECRET-PERSON", variants=["SECRET-VARIANT-PERSON"],
                                     visibility="partners")  # fmt: skip
    factories.detention(hidden_person, arrested="2020", stage="convicted")
    NameVariant.objects.create(person=sevinj, name="SECRET-ALIAS", visibility="internal")
    sevinj.internal_notes = "SECRET-NOTE"
    sevinj.save()
    hidden_detention = factories.detention(
        sevinj, arrested="2019-05", stage="convicted", facility="SECRET-FACILITY",
        visibility="internal",
    )  # fmt: skip
    Charge.objects.create(detention=hidden_detention, article="999", description="SECRET-CHARGE",
                          visibility="public")  # fmt: skip
    factories.allegation(leyla, kind="hunger-strike", description="SECRET-ALLEGATION",
                         visibility="partners")  # fmt: skip
    secret_org = factories.organization("SECRET-ORG", slug="secret-org", visibility="internal")
    factories.statement("SECRET-STATEMENT", issuer=secret_org).persons.add(leyla)
    factories.affiliation(leyla, secret_org)
    interview = factories.source("SECRET-INTERVIEW-TITLE", is_confidential=True,
                                 author="SECRET-AUTHOR", internal_notes="SECRET-SOURCE-NOTE")  # fmt: skip
    factories.citation(interview, person=sevinj, claim="jailed", excerpt="SECRET-EXCERPT",
                       locator="SECRET-LOCATOR")  # fmt: skip
    internal_source = factories.source("SECRET-SOURCE", visibility="internal")
    factories.citation(internal_source, person=leyla, excerpt="SECRET-CITED")
    factories.citation(world["report"], person=leyla, excerpt="SECRET-CITATION",
                       visibility="internal")  # fmt: skip
    return {"interview": interview, "hidden_person": hidden_person}


def test_no_restricted_record_or_staff_only_field_reaches_any_public_page(
    client, world, restricted
):
    urls = page_urls(world) + [
        "/persons/?legal_stage=convicted",
        "/persons/?arrest_year=2019",
        f"/sources/{restricted['interview'].uuid}/",
    ]
    for prefix in ("", "/ru"):
        for url in urls:
            response = client.get(prefix + url)
            assert response.status_code == 200, url
            assert "SECRET" not in response.content.decode(), prefix + url
    assert client.get(f"/persons/{restricted['hidden_person'].slug}/").status_code == 404
    assert client.get("/organizations/secret-org/").status_code == 404


@pytest.mark.parametrize("query", ["SECRET-PERSON", "SECRET-ALIAS", "SECRET-VARIANT-PERSON"])
def test_search_and_suggestions_never_match_a_restricted_name(client, world, restricted, query):
    assert listed(html(client.get("/persons/", {"q": query}))) == []
    assert client.get("/persons/suggest/", {"q": query}).json()["results"] == []


def test_restricted_records_are_left_out_of_every_count(client, world, restricted):
    body = html(client.get("/persons/"))
    assert facet_counts(body, "legal_stage") == {
        "pre-trial-detention": 1, "convicted": 1, "released": 1,
    }  # fmt: skip
    assert "2019" not in facet_counts(body, "arrest_year")
    assert "2020" not in facet_counts(body, "arrest_year")
    assert "hunger-strike" not in facet_counts(body, "allegation")
    assert "3 persons" in body
    home = html(client.get("/"))
    assert "2 more are reported held by sources with no date" in home
    stats = html(client.get("/statistics/"))
    assert "hunger strike" not in stats
    assert "Computed from the 3 published cases" in stats


def test_a_confidential_source_shows_only_that_it_exists(client, world, restricted):
    body = html(client.get(f"/persons/{world['sevinj'].slug}/"))
    assert "Confidential source on file" in body
    body = html(client.get(f"/sources/{restricted['interview'].uuid}/"))
    assert "Confidential source on file" in body
    assert "Sevinj Vagifgizi" not in body  # which case it informs could name its speaker


# --- query counts --------------------------------------------------------------------


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        html(client.get(url))
    return len(captured.captured_queries)


def add_cases(n: int) -> None:
    journalist = Occupation.objects.get(code="journalist")
    org = factories.organization()
    source = factories.source()
    for i in range(n):
        person = factories.person(variants=[f"Variant {i}"])
        person.occupations.add(journalist)
        factories.affiliation(person, org)
        detention = factories.detention(
            person, arrested=f"{2000 + i}-01", stage="convicted", cited=False
        )
        Charge.objects.create(detention=detention, article=f"{100 + i}", visibility="public")
        factories.allegation(person, kind="torture")
        factories.citation(source, detention=detention)


@pytest.mark.parametrize(
    "url",
    ["/", "/persons/", "/persons/?q=Test+Person&occupation=journalist", "/statements/",
     "/sources/", "/organizations/", "/statistics/"],
)  # fmt: skip
def test_page_query_counts_do_not_grow_with_the_number_of_cases(client, world, url):
    add_cases(1)
    before = queries(client, url)
    add_cases(12)
    assert queries(client, url) == before


def test_organization_and_source_pages_query_counts_do_not_grow(client, world):
    hrw, report = world["hrw"], world["report"]
    urls = ["/organizations/human-rights-watch/", f"/sources/{report.uuid}/"]
    before = [queries(client, url) for url in urls]
    for i in range(8):
        person = factories.person()
        factories.affiliation(person, hrw)
        factories.statement(f"Statement {i}", issuer=hrw).persons.add(person)
        factories.citation(report, detention=factories.detention(person, arrested="2020"))
        factories.source(f"Report {i}", publisher=hrw)
    assert [queries(client, url) for url in urls] == before


def add_history(person, years) -> None:
    source = factories.source()
    for year in years:
        detention = factories.detention(person, arrested=str(year), stage="convicted")
        Charge.objects.create(detention=detention, article="283", visibility="public")
        factories.citation(source, detention=detention)
        event = factories.case_event(detention, "sentenced", occurred=str(year))
        factories.citation(source, case_event=event)
        factories.citation(source, allegation=factories.allegation(person, kind="torture"))
        statement = factories.statement(f"Statement {year}")
        statement.persons.add(person)
        factories.citation(source, statement=statement)


def test_person_page_query_count_does_not_grow_with_the_history(client, world):
    sevinj = world["sevinj"]
    url = f"/persons/{sevinj.slug}/"
    add_history(sevinj, [1999])
    before = queries(client, url)
    add_history(sevinj, range(2000, 2010))
    assert queries(client, url) == before
