"""A person's status carries the date of the newest cited source that supports
it (cases.reads.status): the person page says "last reported ..." with the
footnote of that source, a call for release holds a person unless a release as
new says otherwise, the home page, list and statistics say how current their
numbers are and count a status older than STATUS_STALE_MONTHS apart, the API
gives `status` and `status_as_of` and filters on them, and the release line of
the timeline cites its source. The rule itself, SQL against Python, is in
tests/test_status_rule.py."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.partial_dates import PartialDate
from cases.seed import load_seed
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the case list's filter counts are cached


def this_month() -> PartialDate:
    """A date that stays current whenever the tests run."""
    return PartialDate.parse(timezone.localdate().strftime("%Y-%m"))


def dated_source(title: str, published: PartialDate | str | None, **fields):
    source = factories.source(title, **fields)
    if published:
        source.published_on = (
            PartialDate.parse(published) if isinstance(published, str) else published
        )
        source.save()
    return source


def call_for_release(person, source, *, excerpt="urged Azerbaijan to release them", issued=None):
    call = factories.statement(f"Release {person.display_name}")
    if issued:
        call.issued_on = PartialDate.parse(issued)
        call.save()
    call.persons.add(person)
    factories.citation(source, statement=call, excerpt=excerpt)
    return call


def html(response) -> str:
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def status_line(body: str) -> str:
    """The person page's status line, its footnote marks as [n]."""
    match = re.search(r'<p class="status[^"]*">(.*?)</p>', body, re.S)
    assert match, "no status line"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def footnote(body: str, number: str) -> str:
    start = body.index(f'<li id="fn-{number}"')
    return body[start : body.index("</li>", start)]


def held_by_a_call(name: str, published="2024-12"):
    """A person whom a 2023 article names "in jail" (a detention with no stage)
    and a later call for release names as detained."""
    person = factories.person(name)
    detention = factories.detention(person)
    factories.citation(dated_source("Named in jail", "2023"), detention=detention)
    call = call_for_release(person, dated_source("The call", published))
    return person, call


# --- the person page -------------------------------------------------------------------


def test_a_call_for_release_shows_the_person_held_last_reported_with_its_footnote(client):
    person, _call = held_by_a_call("Bakhtiyar Test")
    body = html(client.get(f"/persons/{person.slug}/"))
    assert status_line(body) == "In detention, last reported December 2024[1]"
    assert "The call" in footnote(body, "1") and "Named in jail" not in footnote(body, "1")
    # the same source and excerpt marked again at the call in the timeline
    assert re.findall(r'<a class="back" href="#([^"]+)"', footnote(body, "1")) == [
        "ref-1",
        "ref-1-2",
    ]
    assert "status--stale" in body and "not counted as in detention now" in body


def test_a_status_reported_this_month_is_current_and_one_with_no_dated_source_says_so(client):
    current = factories.person("Reported this month")
    detention = factories.detention(current, stage="pre-trial-detention")
    factories.citation(dated_source("This month", this_month()), detention=detention)
    body = html(client.get(f"/persons/{current.slug}/"))
    assert status_line(body) == (
        f"In detention: pre-trial detention, last reported {this_month()}[1]"
    )
    assert "status--stale" not in body and "not counted as in detention now" not in body

    undated = factories.person("Reported with no date")
    factories.detention(undated, stage="convicted")  # cited by the factories' undated source
    body = html(client.get(f"/persons/{undated.slug}/"))
    assert status_line(body) == "In detention: convicted, on sources with no date"


def test_a_release_as_new_as_the_call_says_otherwise(client):
    person = factories.person("Released after the call")
    detention = factories.detention(person, arrested="2023", released="2025-01", stage="released")
    factories.citation(dated_source("Freed", "2025-01-20"), detention=detention)
    call_for_release(person, dated_source("The call", "2024-12"))
    body = html(client.get(f"/persons/{person.slug}/"))
    assert status_line(body) == "Released, last reported 20 January 2025[1]"


def test_a_release_is_never_reported_by_a_source_older_than_it(client):
    """A release entered on a detention whose only source is the arrest article
    (May 2023) is not "last reported May 2023": that source cannot report a
    release of March 2025."""
    person = factories.person("Released later")
    detention = factories.detention(
        person, arrested="2023", released="2025-03-01", stage="released", cited=False
    )
    factories.citation(dated_source("The arrest", "2023-05"), detention=detention)
    body = html(client.get(f"/persons/{person.slug}/"))
    assert status_line(body).startswith("Released")
    assert "2023" not in status_line(body)
    api = client.get("/api/v1/persons/", {"q": "Released later"}).json()["results"][0]
    assert api["status"] == "released" and api["status_as_of"] is None


def test_the_release_line_cites_its_source_and_not_one_older_than_the_release(client):
    person = factories.person("Leyla Test")
    detention = factories.detention(
        person, arrested="2014-07-30", released="2015-12-09", stage="released"
    )
    detention.citations.all().delete()  # this test's own sources only
    factories.citation(dated_source("Arrested", "2014-08"), detention=detention)
    factories.citation(dated_source("Freed", "2015-12-10"), detention=detention)
    body = html(client.get(f"/persons/{person.slug}/"))
    release = body[body.index("entry--release") :]
    release = release[: release.index("</h3>")]
    marks = re.findall(r'<a href="#fn-(\d+)"', release)
    assert [("Freed" in footnote(body, n), "Arrested" in footnote(body, n)) for n in marks] == [
        (True, False)
    ]


# --- the home page, the list and the statistics ----------------------------------------


@pytest.fixture
def three_held():
    """Held now (a source of this month), held when last reported in 2015, and
    held on an undated source only; and one released."""
    now = factories.person("Held now")
    factories.citation(
        dated_source("This month", this_month()),
        detention=factories.detention(now, stage="pre-trial-detention"),
    )
    earlier = factories.person("Held in 2015")
    factories.citation(
        dated_source("2015 report", "2015-12-11"),
        detention=factories.detention(earlier, stage="convicted"),
    )
    factories.detention(factories.person("Held undated"), stage="convicted")
    factories.detention(factories.person("Freed"), released="2016", stage="released")


def counts(body: str) -> dict[str, int]:
    return {
        label: int(n)
        for n, label in re.findall(r"<strong>(\d+)</strong> <span>([^<]+)</span>", body)
    }


def listed(body: str) -> list[str]:
    return sorted(re.findall(r'<h3><a href="/persons/[^"]+/">([^<]+)</a></h3>', body))


def test_the_home_page_counts_a_stale_status_apart_and_says_as_of_when(client, three_held):
    body = html(client.get("/"))
    assert counts(body) == {
        "in detention now": 1,
        "held when last reported, over 12 months ago": 1,
        "released": 1,
        "with allegations of torture": 0,
    }
    today = timezone.localdate()
    since = PartialDate.parse(f"{today.year - 1}-{today.month:02d}")
    assert f"Counted on {today.strftime('%-d %B %Y')} from the published sources" in body
    assert f"a source from {since} or later reports held" in body
    assert f"The newest report of a person's status is from {this_month()}" in body
    assert "1 more is reported held by sources with no date" in body
    # each count's link lists exactly the persons counted
    count_link = r'<a href="(/persons/\?status=held[^"]*)"><strong>\d+</strong> <span>([^<]+)'
    links = {label: href.replace("&amp;", "&") for href, label in re.findall(count_link, body)}
    assert listed(html(client.get(links["in detention now"]))) == ["Held now"]
    stale = html(client.get(links["held when last reported, over 12 months ago"]))
    assert listed(stale) == ["Held in 2015"]
    assert "Status last reported by" in stale  # the filter in use, as a chip to remove


def test_the_list_shows_each_status_with_its_date(client, three_held):
    body = html(client.get("/persons/"))
    assert "In detention: pre-trial detention, last reported" in body
    assert "In detention: convicted, last reported 11 December 2015" in body
    assert "In detention: convicted, on sources with no date" in body
    assert "Each status is as last reported by the sources" in body
    assert re.search(r"in detention when last reported <span class=\"count\">\(3\)", body)


def test_the_statistics_say_how_current_their_numbers_are(client, three_held):
    body = html(client.get("/statistics/"))
    text = re.sub(r"\s+", " ", body)
    assert "1 in detention now, reported held by a source from" in text
    assert "1 more was held when last reported, earlier;" in text
    assert "1 is reported held by sources with no date." in text
    stats = client.get("/api/v1/stats/").json()
    assert (stats["in_detention_now"], stats["held_reported_recently"]) == (1, 1)
    assert stats["held_any_date"] == 3
    assert (stats["held_reported_earlier"], stats["held_undated"]) == (1, 1)
    assert stats["status_reported_latest"] == this_month().isoformat()
    today = timezone.localdate()
    assert stats["held_reported_since"] == f"{today.year - 1}-{today.month:02d}"


def test_the_stale_months_are_a_setting(client, three_held, settings):
    settings.STATUS_STALE_MONTHS = 1200
    assert counts(html(client.get("/")))["in detention now"] == 2
    env = {**os.environ, "STATUS_STALE_MONTHS": "a year", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "import casebook.settings"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "STATUS_STALE_MONTHS must be a whole number of months from 1 to 1200" in result.stderr


# --- the API -------------------------------------------------------------------------


def test_the_persons_api_gives_status_and_its_date_and_filters_on_them(client):
    person, _call = held_by_a_call("Called for")
    factories.citation(
        dated_source("2015 report", "2015"),
        detention=factories.detention(factories.person("Held 2015"), stage="convicted"),
    )
    rows = {p["display_name"]: p for p in client.get("/api/v1/persons/").json()["results"]}
    assert (rows["Called for"]["status"], rows["Called for"]["status_as_of"]) == ("held", "2024-12")
    assert rows["Called for"]["in_detention"] is True
    assert (rows["Held 2015"]["status"], rows["Held 2015"]["status_as_of"]) == ("held", "2015")

    def names(**params):
        response = client.get("/api/v1/persons/", params)
        assert response.status_code == 200, response.content
        return sorted(p["display_name"] for p in response.json()["results"])

    assert names(status_as_of_after="2024-12") == ["Called for"]
    assert names(status_as_of_before="2024-11") == ["Held 2015"]
    assert names(status_as_of_after="2015", status_as_of_before="2015-06") == ["Held 2015"]
    assert names(status="released", status_as_of_after="2015") == []
    detail = client.get(f"/api/v1/persons/{person.slug}/").json()
    assert detail["status_as_of"] == "2024-12"
    csv = client.get("/api/v1/persons/", {"format": "csv"}).content.decode()
    header = csv.splitlines()[0].split(",")
    assert header[header.index("status") :][:2] == ["status", "status_as_of"]
    assert header.index("status") > header.index("updated_at")  # added after the first columns
    bad = client.get("/api/v1/persons/", {"status_as_of_after": "December"})
    assert bad.status_code == 400
    assert "status_as_of_after" in bad.json()["error"]["message"]


# --- query counts --------------------------------------------------------------------


def add_called_for(n: int) -> None:
    for i in range(n):
        person, _call = held_by_a_call(f"Called {i}", published=this_month())
        factories.case_event(person.detentions.get(), "transferred")


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        html(client.get(url))
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["/", "/persons/", "/persons/?status=held&status_as_of_after=2020", "/statistics/",
     "/api/v1/persons/", "/api/v1/persons/?status_as_of_before=2030", "/api/v1/stats/"],
)  # fmt: skip
def test_dated_status_query_counts_do_not_grow_with_the_cases(client, url):
    add_called_for(1)
    before = queries(client, url)
    add_called_for(8)
    assert queries(client, url) == before


def test_a_status_filter_reads_the_stored_status_and_never_computes_the_rule_per_row(client):
    """Read as a subquery of each filter count, the status rule's rows (estimated
    at one row) made PostgreSQL run the name search once per status row: minutes
    at 10,000 persons. The page and its counts now read the stored status
    (cases.reads.status.status_sql); no query of the request computes the rule."""
    add_called_for(3)
    with CaptureQueriesContext(connection) as captured:
        body = html(client.get("/persons/?q=Called&status=held"))
    assert "Called 0" in body
    sqls = [q["sql"] for q in captured.captured_queries]
    assert any("cases_person_status" in sql for sql in sqls)
    assert not [sql[:80] for sql in sqls if "WITH det AS" in sql]


def test_the_person_page_query_count_does_not_grow_with_the_calls(client):
    person, _call = held_by_a_call("Many calls")
    url = f"/persons/{person.slug}/"
    before = queries(client, url)
    for year in range(2000, 2010):
        call_for_release(person, dated_source(f"Call {year}", str(year)))
    assert queries(client, url) == before


# --- the seed ------------------------------------------------------------------------


def test_the_seed_shows_bakhtiyar_hajiyev_held_last_reported_december_2024(client):
    load_seed()
    body = html(client.get("/persons/bakhtiyar-hajiyev/"))
    line = status_line(body)
    assert re.fullmatch(r"In detention, last reported December 2024\[\d+\]", line), line
    (number,) = re.findall(r"\[(\d+)\]", line)
    assert "United States calls on Azerbaijan to free dissidents" in footnote(body, number)
    assert "December 2024" in footnote(body, number)
    home = html(client.get("/"))
    assert "Counted on" in home and "The newest report of a person's status is from" in home


def test_the_current_month_moves_with_the_day():
    from cases.reads.status import current_since

    assert current_since(datetime.date(2026, 12, 6)) == PartialDate.parse("2025-12")
    assert current_since(datetime.date(2026, 1, 31)) == PartialDate.parse("2025-01")
