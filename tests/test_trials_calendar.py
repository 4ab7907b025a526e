"""The iCalendar feeds of the hearings still to come (`/trials/calendar.ics`,
`/trials/<slug>/calendar.ics`): they parse with the `icalendar` library, list
only future hearings of visible trials with a known day (a past hearing, a
cancelled one, one of an internal or an uncited trial, one known only to its
month are absent), carry the court's time zone on times (with its VTIMEZONE),
an all-day date otherwise, stable UIDs, and read a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from icalendar import Calendar

from tests import accountability_records as records
from tests import trials_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return trials_world.build()


def events(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid(hearing) -> str:
    return f"{hearing.uuid}@testserver"


def test_the_feed_lists_only_future_hearings_of_visible_trials(client, world):
    found = events(client.get("/trials/calendar.ics"))
    hearings = world["hearings"]
    assert set(found) == {uid(hearings["timed"]), uid(hearings["day"])}
    absent = [*hearings.values(), *world["hidden_hearings"].values()]
    for hearing in absent:
        if hearing not in (hearings["timed"], hearings["day"]):
            assert uid(hearing) not in found


def test_a_time_carries_the_court_s_time_zone_and_a_day_is_all_day(client, world):
    response = client.get("/trials/calendar.ics")
    found = events(response)
    timed = found[uid(world["hearings"]["timed"])]
    start = timed["DTSTART"]
    assert start.params["TZID"] == "Asia/Baku"
    assert start.dt.replace(tzinfo=None) == datetime.datetime.combine(
        world["hearings"]["timed"].held_on, datetime.time(11, 30)
    )
    assert start.dt.utcoffset() == datetime.timedelta(hours=4)
    day = found[uid(world["hearings"]["day"])]
    assert type(day["DTSTART"].dt) is datetime.date
    assert day["DTSTART"].dt == world["hearings"]["day"].held_on
    calendar = Calendar.from_ical(response.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Baku"]


def test_an_event_says_what_where_and_who(client, world):
    event = events(client.get("/trials/calendar.ics"))[uid(world["hearings"]["timed"])]
    assert "The Abzas Media case" in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "Baku Grave Crimes Court, court room Room 5"
    assert str(event["URL"]) == f"http://testserver/trials/{world['trial'].slug}/"
    description = str(event["DESCRIPTION"])
    assert "Ali Aliyev" in description and "Sevinj Vagifgizi" in description
    assert "206.3.2" in description and "Hidden Defendant" not in description


def test_one_trial_s_feed(client, world):
    other = records.trial("Another trial")
    records.hearing(other, world["today"] + datetime.timedelta(days=3))
    found = events(client.get(f"/trials/{world['trial'].slug}/calendar.ics"))
    assert set(found) == {uid(world["hearings"]["timed"]), uid(world["hearings"]["day"])}
    assert len(events(client.get("/trials/calendar.ics"))) == 3
    for key in ("internal_trial", "uncited_trial", "partners_trial"):
        assert client.get(f"/trials/{world[key].slug}/calendar.ics").status_code == 404


def test_the_feed_in_another_language_links_its_pages(client, world):
    found = events(client.get("/ru/trials/calendar.ics"))
    event = found[uid(world["hearings"]["timed"])]
    assert str(event["URL"]) == f"http://testserver/ru/trials/{world['trial'].slug}/"
    assert uid(world["hearings"]["timed"]) in found  # the same UID in every language


def test_an_empty_feed_is_a_valid_calendar(client):
    response = client.get("/trials/calendar.ics")
    assert events(response) == {}
    assert Calendar.from_ical(response.content)["VERSION"] == "2.0"


def test_the_feed_query_count_does_not_grow(client, django_assert_num_queries, world):
    with django_assert_num_queries(2):  # the hearings with their trials, the defendants
        client.get("/trials/calendar.ics")
    for number in range(5):
        trial = records.trial(f"Trial {number}", court=world["court"])
        records.defendant(trial)
        records.hearing(trial, world["today"] + datetime.timedelta(days=number + 1))
    with django_assert_num_queries(2):
        assert len(events(client.get("/trials/calendar.ics"))) == 7
