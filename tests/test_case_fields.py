"""Fields for what sources say that had none (issue 15, item 2): the court or
body that decided a case event, the length an event ordered, an age as a
source reported it, a source without a title; and the names the admin gives
every model (item 5). Each field is saved, shown on the public person page and
in the API, hidden with the person or organization it belongs to, and refused
when impossible."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from access.services import token_issue
from cases.choices import Visibility
from cases.models import CaseEvent, Detention, NameVariant, Organization, Person
from cases.partial_dates import PartialDate, birth_year_range
from sources.models import Source, source_title
from sync.dependencies import affected_records
from tests import factories
from tests.feed_mirror import Mirror

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # the API's throttle counters live in the cache


@pytest.fixture
def partner_token():
    _token, raw = token_issue(name="Partner NGO")
    return raw


def api(client, url, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.get(url, params, **headers)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def page(client, person, prefix="") -> str:
    response = client.get(f"{prefix}/persons/{person.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's words, without tags and footnote marks."""
    return " ".join(re.sub(r"<sup[^>]*>.*?</sup>|<[^>]+>", " ", html, flags=re.S).split())


def marks_in(html: str, start: str, end: str) -> list[str]:
    part = html[html.index(start) : html.index(end, html.index(start))]
    return re.findall(r'<a href="#fn-(\d+)"', part)


# --- the court or body that decided a case event ---------------------------------------


def decided_event(court_visibility=PUBLIC, *, court="Khatai District Court", **fields):
    person = factories.person("Bahruz Samadov")
    detention = factories.detention(person, arrested="2024-08-21")
    court = factories.organization(court, visibility=court_visibility)
    event = factories.case_event(
        detention, "pre-trial-detention-ordered", "2024-08-23", organization=court, **fields
    )
    return person, detention, court, event


def test_an_event_s_court_is_saved_and_protected_from_deletion():
    _person, _detention, court, event = decided_event()
    event.refresh_from_db()
    assert event.organization == court
    assert list(court.decisions.all()) == [event]
    field = CaseEvent._meta.get_field("organization")
    assert str(field.verbose_name) == "decided by (court or body)"
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        court.delete()


def test_the_api_embeds_the_court_at_the_end_of_each_event(client):
    _person, detention, court, event = decided_event()
    expected = {"uuid": str(court.uuid), "slug": court.slug, "name": "Khatai District Court"}
    (row,) = api(client, "/api/v1/detentions/")["results"]
    (listed,) = row["events"]
    assert listed["organization"] == expected
    assert list(listed) == [
        "uuid",
        "kind",
        "occurred_on",
        "sentence_months",
        "description",
        "organization",
    ]  # fmt: skip (a partner's keys keep their order; the new one comes last)
    one = api(client, f"/api/v1/detentions/{detention.uuid}/")
    assert one["events"][0]["organization"] == expected
    history = api(client, f"/api/v1/persons/{detention.person.slug}/history/")
    assert history["detentions"][0]["events"][0]["organization"] == expected


def test_the_csv_adds_the_court_s_columns_after_the_event_s_own(client):
    decided_event()
    response = client.get("/api/v1/detentions/", {"format": "csv"})
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    at = header.index("events.description")
    assert header[at + 1 : at + 4] == [
        "events.organization.uuid", "events.organization.slug", "events.organization.name",
    ]  # fmt: skip
    assert row[header.index("events.organization.name")] == "Khatai District Court"


@pytest.mark.parametrize("trashed", [False, True])
def test_a_court_the_reader_may_not_see_is_left_out_of_the_event(client, partner_token, trashed):
    _person, detention, court, _event = decided_event(PARTNERS)
    if trashed:
        Organization.objects.filter(pk=court.pk).update(
            visibility=PUBLIC, deleted_at="2025-01-01T00:00:00Z"
        )
    anonymous = api(client, f"/api/v1/detentions/{detention.uuid}/")
    assert anonymous["events"][0]["organization"] is None
    partner = api(client, f"/api/v1/detentions/{detention.uuid}/", partner_token)
    if trashed:
        assert partner["events"][0]["organization"] is None
    else:
        assert partner["events"][0]["organization"]["name"] == "Khatai District Court"
    assert "Khatai District Court" not in page(client, detention.person)


def test_the_person_page_says_who_decided_and_links_the_court(client):
    person, _detention, court, _event = decided_event(sentence_months=4)
    html = page(client, person)
    link = f'<a href="/organizations/{court.slug}/">Khatai District Court</a>'
    assert f"Decided by: {link}" in html
    assert "Length ordered: 4 months" in text_of(html)
    assert "Sentence:" not in html


def test_a_sentence_reads_as_a_sentence_in_years_and_months(client):
    person = factories.person("Tofig Yagublu")
    detention = factories.detention(person, arrested="2023-12-08")
    factories.case_event(detention, "sentenced", "2024-09-20", sentence_months=90)
    assert "Sentence: 7 years and 6 months" in text_of(page(client, person))


def test_the_length_ordered_is_labelled_for_any_decision():
    field = CaseEvent._meta.get_field("sentence_months")
    assert str(field.verbose_name) == "length ordered (months)"
    assert "pre-trial detention is 4" in str(field.help_text)


def test_a_court_on_a_release_event_is_named_on_the_release(client):
    person = factories.person("Leyla Yunus")
    detention = factories.detention(person, arrested="2014-07-30", released="2015-12-09")
    court = factories.organization("Baku Court of Appeal")
    factories.case_event(detention, "released", "2015-12-09", organization=court)
    html = page(client, person)
    release = html[html.index("entry--release") :]
    assert "Decided by:" in release and "Baku Court of Appeal" in release


def test_the_admin_edits_an_event_s_court_with_an_autocomplete(staff_client):
    _person, detention, _court, event = decided_event()
    for model_admin in (admin.site._registry[CaseEvent],):
        assert "organization" in model_admin.autocomplete_fields
    inline = next(i for i in admin.site._registry[Detention].inlines if i.model is CaseEvent)
    assert "organization" in inline.fields and "organization" in inline.autocomplete_fields
    change = reverse("admin:cases_detention_change", args=[detention.pk])
    html = staff_client.get(change).content.decode()
    assert 'name="events-0-organization"' in html
    html = staff_client.get(reverse("admin:cases_caseevent_change", args=[event.pk])).content
    assert b'name="organization"' in html


def test_renaming_the_court_resends_the_detention_in_the_feed(client, tmp_path, partner_token):
    _person, detention, court, _event = decided_event()
    assert detention.pk in affected_records([("cases_organization", court.pk, {})])["detention"]
    mirrors = (
        Mirror(client, tmp_path / "anonymous.sqlite3"),
        Mirror(client, tmp_path / "partner.sqlite3", token=partner_token),
    )
    for mirror in mirrors:
        mirror.assert_equals_fresh_pull()
    Organization.objects.filter(pk=court.pk).update(name="Khatai District Court No. 2")
    for mirror in mirrors:
        mirror.assert_equals_fresh_pull(" after renaming the court")
        record = mirror.entry("detention", detention.uuid)["record"]
        assert record["events"][0]["organization"]["name"] == "Khatai District Court No. 2"


# --- an age as a source reported it -----------------------------------------------------


@pytest.mark.parametrize(
    "age, reported, years",
    [
        (34, "March 2024", (1989, 1990)),
        (34, "2024", (1989, 1990)),  # a year: the same two years
        (34, "15 March 2024", (1989, 1990)),
        (34, "1 January 2024", (1989, 1990)),
        (34, "31 December 2024", (1990, 1990)),  # 34 on the last day of the year: born in it
        (0, "2024-02-29", (2023, 2024)),
    ],
)
def test_a_reported_age_bounds_the_birth_year(age, reported, years):
    assert birth_year_range(age, PartialDate.parse(reported)) == years


def aged(name="Ilkin Rustamzade", *, age=34, reported="March 2024", **fields) -> Person:
    person = factories.person(name, **fields)
    person.reported_age = age
    person.reported_age_on = PartialDate.parse(reported)
    person.save()
    return person


def test_a_reported_age_is_saved_with_its_date_and_never_becomes_a_birth_date():
    person = aged()
    person.refresh_from_db()
    assert person.reported_age == 34
    assert person.reported_age_on_partial == PartialDate.parse("2024-03")
    assert person.birth_year_range == (1989, 1990)
    assert person.birth_date is None
    assert factories.person().birth_year_range is None


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"reported_age": 34}, "reported_age_on", "Give the age and the date"),
        ({"reported_age_on": "2024-03"}, "reported_age", "Give the age and the date"),
        ({"reported_age": 131, "reported_age_on": "2024"}, None, "at most 130 years"),
    ],
)
def test_an_age_without_its_date_or_beyond_130_is_refused_naming_the_field(fields, field, message):
    person = Person(display_name="Someone")
    for name, value in fields.items():
        setattr(person, name, PartialDate.parse(value) if name == "reported_age_on" else value)
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    errors = refused.value.message_dict
    key = field or "__all__"
    assert message in " ".join(errors[key]), errors


def test_the_person_page_shows_the_age_with_its_date_and_birth_years(client):
    person = aged()
    factories.citation(factories.source("Profile"), person=person, claim="age (34)")
    html = page(client, person)
    facts = text_of(html[html.index('<dl class="facts">') : html.index("</dl>")])
    assert "Age 34, as reported in March 2024 (born 1989 or 1990)" in facts
    assert marks_in(html, "<dt>Age</dt>", "</dd>") == ["1"]
    assert "<dt>Born</dt>" not in html


def test_an_age_reported_on_a_day_says_on_that_day(client):
    person = aged(reported="31 December 2024")
    assert "Age 34, as reported on 31 December 2024 (born 1990)" in text_of(page(client, person))


def test_a_known_birth_date_is_shown_instead_of_a_reported_age(client):
    person = aged()
    person.birth_date = PartialDate.parse("1990")
    person.save()
    html = page(client, person)
    assert "<dt>Born</dt>" in html and "<dt>Age</dt>" not in html


def test_the_age_line_renders_in_every_language(client):
    person = aged()
    for prefix in ("/az", "/ru"):
        assert "34" in page(client, person, prefix)


def test_the_api_gives_the_reported_age_last_in_person_rows(client):
    person = aged()
    for row in (
        api(client, "/api/v1/persons/")["results"][0],
        api(client, f"/api/v1/persons/{person.slug}/"),
        api(client, f"/api/v1/persons/{person.slug}/history/")["person"],
    ):
        assert list(row)[-2:] == ["reported_age", "reported_age_on"]
        assert (row["reported_age"], row["reported_age_on"]) == (34, "2024-03")
    none = factories.person("No Age")
    assert api(client, f"/api/v1/persons/{none.slug}/")["reported_age_on"] is None


def test_a_reported_age_is_hidden_with_its_person(client, partner_token):
    person = aged(visibility=PARTNERS)
    assert client.get(f"/api/v1/persons/{person.slug}/").status_code == 404
    assert api(client, "/api/v1/persons/")["results"] == []
    assert client.get(f"/persons/{person.slug}/").status_code == 404
    assert api(client, f"/api/v1/persons/{person.slug}/", partner_token)["reported_age"] == 34


def test_the_admin_edits_the_age_beside_the_birth_date(staff_client):
    person = aged()
    html = staff_client.get(reverse("admin:cases_person_change", args=[person.pk])).content
    html = html.decode()
    assert 'name="birth_date"' in html
    assert html.index('name="birth_date"') < html.index('name="reported_age"')
    assert html.index('name="reported_age"') < html.index('name="reported_age_on"')
    assert 'value="2024-03"' in html


# --- a source without a title ----------------------------------------------------------


def untitled(publisher=None, *, published="2024-03-15", url="", **fields) -> Source:
    source = factories.source("", publisher=publisher, url=url, **fields)
    if published:
        source.published_on = PartialDate.parse(published)
        source.save()
    return source


@pytest.mark.parametrize(
    "title, publisher, published, url, shown",
    [
        ("Interview", "Turan", "2024-03-15", "https://turan.az/a", "Interview"),
        ("", "Turan", "2024-03-15", "https://turan.az/a", "Turan, 2024-03-15"),
        ("", "Turan", "2024-03", "", "Turan, 2024-03"),
        ("  ", "Turan", None, "", "Turan"),
        ("", None, "2024", "https://www.turan.az/news/1", "turan.az, 2024"),
        ("", None, None, "https://turan.az/news/1", "turan.az"),
        ("", None, None, "", "Untitled source"),
        ("", None, "2024-03-15", "", "Untitled source, 2024-03-15"),
    ],
)
def test_an_untitled_source_is_named_by_its_publisher_date_or_host(
    title, publisher, published, url, shown
):
    published_on = PartialDate.parse(published) if published else None
    assert source_title(title, publisher=publisher, published_on=published_on, url=url) == shown


def test_a_source_may_be_saved_without_a_title_and_is_named_by_its_publisher():
    source = untitled(factories.organization("Turan"))
    source.refresh_from_db()
    assert source.title == ""
    assert str(source) == source.display_title == "Turan, 2024-03-15"
    assert str(untitled(url="https://www.meydan.tv/x", published=None)) == "meydan.tv"


def test_the_footnote_of_an_untitled_source_names_it_once(client):
    person = factories.person("Ali Karimli")
    detention = factories.detention(person, arrested="2024-03-14", cited=False)
    source = untitled(factories.organization("Turan"))
    factories.citation(source, detention=detention, locator="para. 2")
    html = page(client, person)
    notes = html[html.index('class="footnotes"') :]
    link = f'<a href="/sources/{source.uuid}/">Turan, 2024-03-15</a>'
    assert f"{link}, para. 2." in notes
    assert notes.count("Turan") == 1


def test_an_untitled_source_of_a_hidden_publisher_is_named_by_its_host(client):
    person = factories.person("Ali Karimli")
    detention = factories.detention(person, arrested="2024-03-14", cited=False)
    hidden = factories.organization("Hidden Agency", visibility=INTERNAL)
    source = untitled(hidden, url="https://www.turan.az/news/1")
    factories.citation(source, detention=detention)
    html = page(client, person)
    assert f'<a href="/sources/{source.uuid}/">turan.az, 2024-03-15</a>' in html
    assert "Hidden Agency" not in html
    for url in ("/sources/", f"/sources/{source.uuid}/"):
        response = client.get(url)
        assert "turan.az, 2024-03-15" in response.content.decode()
        assert "Hidden Agency" not in response.content.decode()


def test_the_api_keeps_an_untitled_source_s_empty_title(client):
    untitled(factories.organization("Turan"))
    (row,) = api(client, "/api/v1/sources/")["results"]
    assert row["title"] == "" and row["publisher"]["name"] == "Turan"


def test_the_source_pages_and_the_admin_name_an_untitled_source(client, staff_client):
    turan = factories.organization("Turan")
    source = untitled(turan)
    for url in ("/sources/", f"/sources/{source.uuid}/", f"/organizations/{turan.slug}/"):
        assert "Turan, 2024-03-15" in client.get(url).content.decode(), url
    detail = client.get(f"/sources/{source.uuid}/").content.decode()
    assert "<h1>Turan, 2024-03-15</h1>" in detail
    changelist = staff_client.get(reverse("admin:sources_source_changelist")).content.decode()
    assert "Turan, 2024-03-15" in changelist


# --- the names of the models ------------------------------------------------------------


def test_every_model_in_the_admin_is_named_in_the_singular_and_the_plural():
    """Without an explicit plural Django appends an English "s" to the singular,
    translated or not ("лицоs")."""
    ours = ("cases", "sources", "access", "sync")
    registered = [m for m in admin.site._registry if m._meta.app_label in ours]
    assert Person in registered and Source in registered
    for model in registered:
        declared = model._meta.original_attrs
        assert "verbose_name" in declared, f"{model.__name__} has no verbose_name"
        assert "verbose_name_plural" in declared, f"{model.__name__} has no verbose_name_plural"


def test_the_names_are_the_words_a_researcher_uses():
    names = {
        NameVariant: ("name spelling", "name spellings"),
        Person: ("person", "persons"),
        CaseEvent: ("case event", "case events"),
        Organization: ("organization", "organizations"),
    }
    for model, (one, many) in names.items():
        assert (str(model._meta.verbose_name), str(model._meta.verbose_name_plural)) == (
            one,
            many,
        )
