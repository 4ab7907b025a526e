"""The trials' public pages and reads: `/trials/` (the hearings still to come of
visible trials, then the trials, filtered), one trial's page (court, number,
defendants with their charges, the judges and prosecutors, hearings past and to
come, footnotes), what "upcoming" means in the court's time zone (a hearing known
only to its month), the persons filter `trial` (co-defendants), pinned query
counts and bad input answered without a 500."""

from __future__ import annotations

import datetime

import pytest

from cases.visibility import Reader
from tests import accountability_records as records
from tests import trials_world
from trials.reads import next_hearing, trial_page, upcoming_hearings

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return trials_world.build()


# --- upcoming hearings -----------------------------------------------------------------


def test_upcoming_hearings_are_the_visible_ones_still_to_come_by_date(world):
    hearings = world["hearings"]
    public = list(upcoming_hearings(Reader.PUBLIC))
    assert public == [hearings["month"], hearings["timed"], hearings["day"]]
    partner = {h.pk for h in upcoming_hearings(Reader.PARTNER)}
    assert world["hidden_hearings"]["partners trial"].pk in partner
    assert world["hidden_hearings"]["internal trial"].pk not in partner
    staff = {h.pk for h in upcoming_hearings(Reader.STAFF)}
    assert {hearings["internal"].pk, hearings["uncited"].pk} <= staff
    assert hearings["past"].pk not in staff and hearings["cancelled"].pk not in staff
    assert next_hearing(world["trial"], Reader.PUBLIC) == hearings["month"]
    assert next_hearing(world["internal_trial"], Reader.PUBLIC) is None


def test_upcoming_is_decided_in_the_court_s_time_zone():
    """At 21:00 UTC on 31 May it is already 1 June in Baku and still 31 May in
    London: a hearing on 31 May, or known only to May, is past in Baku only."""
    now = datetime.datetime(2030, 5, 31, 21, 0, tzinfo=datetime.UTC)
    baku = records.trial("In Baku", time_zone="Asia/Baku")
    london = records.trial("In London", time_zone="Europe/London")
    for trial in (baku, london):
        records.hearing(trial, "2030-05-31")
        records.hearing(trial, "2030-05")
        records.hearing(trial, "2030")
    found = [
        (h.trial.title, h.held_on_partial.isoformat())
        for h in upcoming_hearings(Reader.PUBLIC, now=now)
    ]
    assert found == [
        ("In Baku", "2030"),
        ("In London", "2030"),
        ("In London", "2030-05"),
        ("In London", "2030-05-31"),
    ]
    assert upcoming_hearings(Reader.PUBLIC, baku, now=now).count() == 1


# --- the trial's page ------------------------------------------------------------------


def test_the_trial_read_holds_what_the_reader_may_see(world):
    page = trial_page(world["trial"], Reader.PUBLIC)
    assert page.court["name"] == "Baku Grave Crimes Court"
    assert [d["person"]["display_name"] for d in page.defendants] == [
        "Ali Aliyev",
        "Sevinj Vagifgizi",
    ]
    assert [(i["official"]["name"], i["role"]) for i in page.involvements] == [
        ("Prosecutor Aygun Hasanova", "prosecutor"),
        ("Judge Rasim Mammadov", "trial-judge"),
    ]
    assert [h["uuid"] for h in page.past] == [world["hearings"]["past"].uuid]
    upcoming = [h["uuid"] for h in page.upcoming]
    assert world["hearings"]["cancelled"].uuid in upcoming  # shown, marked cancelled
    assert world["hearings"]["internal"].uuid not in upcoming
    assert world["hearings"]["uncited"].uuid not in upcoming
    assert page.next_hearing["uuid"] == world["hearings"]["month"].uuid
    assert page.citations and page.sources


def test_the_trial_page_shows_the_trial_footnoted(client, world):
    response = client.get(f"/trials/{world['trial'].slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "The Abzas Media case",
        "Baku Grave Crimes Court",
        "1(101)-123/2024",
        "Ali Aliyev",
        "206.3.2, 193-1.3.1",
        "Judge Rasim Mammadov",
        "Prosecutor Aygun Hasanova",
        "The charges were read out.",
        "11:30",
        "Room 5",
        f"/persons/{world['ali'].slug}/",
        f"/officials/{world['judge'].slug}/",
        f"/trials/{world['trial'].slug}/calendar.ics",
        "webcal://testserver/trials/",
        f"/persons/?trial={world['trial'].slug}",
        'id="fn-1"',
    ):
        assert text in html, text
    for hidden in ("Hidden Defendant", "Secret Official"):
        assert hidden not in html


def test_hidden_trials_have_no_page(client, world):
    for key in ("internal_trial", "uncited_trial", "partners_trial"):
        assert client.get(f"/trials/{world[key].slug}/").status_code == 404


def test_the_trial_page_in_another_language(client, world):
    response = client.get(f"/az/trials/{world['trial'].slug}/")
    assert response.status_code == 200
    assert "/az/trials/" in response.content.decode()


# --- the list ----------------------------------------------------------------------------


def test_the_list_shows_upcoming_hearings_then_visible_trials(client, world):
    response = client.get("/trials/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The Abzas Media case" in html and "webcal://testserver/trials/calendar.ics" in html
    for hidden in ("The internal trial", "The uncited trial", "The partners trial"):
        assert hidden not in html
    upcoming, trials = html.split('id="trials-title"')
    assert upcoming.count("/trials/the-abzas-media-case/") == 3  # three hearings to come
    assert "Sevinj Vagifgizi" in trials


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=abzas", True),
        ("q=101)-123", True),
        ("q=Sevinj", True),
        ("q=Hidden Defendant", False),
        ("q=nothing like it", False),
        ("court=baku-grave-crimes-court", True),
        ("instance=first-instance", True),
        ("instance=appeal", False),
    ],
)
def test_the_list_filters(client, world, query, found):
    response = client.get(f"/trials/?{query}")
    assert response.status_code == 200
    trials = response.content.decode().split('id="trials-title"')[1]
    assert ("The Abzas Media case" in trials) is found


@pytest.mark.parametrize(
    "query",
    ["court=no-such-court", "instance=nonsense", "q=%00", "court=%00", "q=" + "x" * 500],
)
def test_bad_filters_are_a_400_never_a_500(client, world, query):
    assert client.get(f"/trials/?{query}").status_code == 400


def test_bad_addresses_are_a_404(client, world):
    assert client.get("/trials/no-such-trial/").status_code == 404
    assert client.get("/trials/no-such-trial/calendar.ics").status_code == 404


# --- co-defendants -----------------------------------------------------------------------


def test_the_persons_filter_trial_finds_the_co_defendants(client, world):
    trial = world["trial"]
    for value in (trial.slug, str(trial.uuid)):
        response = client.get("/api/v1/persons/", {"trial": value})
        assert response.status_code == 200
        names = sorted(row["display_name"] for row in response.json()["results"])
        assert names == ["Ali Aliyev", "Sevinj Vagifgizi"]
    page = client.get("/persons/", {"trial": trial.slug}).content.decode()
    assert "Sevinj Vagifgizi" in page and "Hidden Defendant" not in page


def test_a_hidden_trial_finds_no_one(client, world):
    for key in ("internal_trial", "uncited_trial"):
        response = client.get("/api/v1/persons/", {"trial": world[key].slug})
        assert response.status_code == 404
        assert "Ali Aliyev" not in response.content.decode()
        assert client.get("/persons/", {"trial": world[key].slug}).status_code == 400


# --- query counts --------------------------------------------------------------------------


def test_the_page_query_counts_do_not_grow_with_the_trial(
    client, django_assert_max_num_queries, django_assert_num_queries, world
):
    client.get("/trials/")  # warm what is read once per process
    with django_assert_num_queries(4):  # courts, trials, hearings to come, defendants
        client.get("/trials/")
    with django_assert_num_queries(
        6
    ):  # trial, defendants, involvements, hearings, citations, sources
        client.get(f"/trials/{world['trial'].slug}/")
    for number in range(5):
        records.defendant(world["trial"], charges=f"{number}")
        records.hearing(world["trial"], world["today"] + datetime.timedelta(days=number + 1))
        records.trial(f"Another trial {number}")
    with django_assert_num_queries(4):
        client.get("/trials/")
    with django_assert_num_queries(6):
        client.get(f"/trials/{world['trial'].slug}/")
