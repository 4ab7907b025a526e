"""The partner API's trials (`/api/v1/trials/` and one by slug or UUID): what
each reader sees (hidden trials, defendants, officials and hearings; the
internal notes never), the declared shape, the filters, bad input answered
without a 500, and the query counts pinned whatever the page size."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from access.services import token_issue
from tests import accountability_records as records
from tests import trials_world
from trials.api.serializers import TrialSerializer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # the throttle counters live in the cache


@pytest.fixture
def world():
    return trials_world.build()


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["title"] for row in response.json()["results"])


def test_the_public_sees_only_visible_trials(client, world):
    assert titles(client.get("/api/v1/trials/")) == ["The Abzas Media case"]


def test_a_partner_sees_partners_trials(client, world):
    _token, raw = token_issue(name="Partner NGO")
    response = client.get("/api/v1/trials/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert titles(response) == ["The Abzas Media case", "The partners trial"]


def test_the_detail_by_slug_or_uuid_has_the_declared_shape(client, world):
    trial = world["trial"]
    trial.internal_notes = "The judge's cousin told us"
    trial.save()
    for identifier in (trial.slug, str(trial.uuid)):
        response = client.get(f"/api/v1/trials/{identifier}/")
        assert response.status_code == 200
        row = response.json()
        assert set(row) == set(TrialSerializer().fields)
    assert "cousin" not in response.content.decode()
    assert row["court"]["slug"] == "baku-grave-crimes-court"
    assert row["number"] == "1(101)-123/2024" and row["instance"] == "first-instance"
    assert row["opened_on"] == "2024-06" and row["time_zone"] == "Asia/Baku"
    assert [(d["person"]["slug"], d["charges"]) for d in row["defendants"]] == [
        (world["ali"].slug, "206.3.2"),
        (world["sevinj"].slug, "206.3.2, 193-1.3.1"),
    ]
    assert sorted((i["official"]["slug"], i["role"]) for i in row["involvements"]) == [
        (world["judge"].slug, "trial-judge"),
        (world["prosecutor"].slug, "prosecutor"),
    ]
    assert all(i["citations"] for i in row["involvements"])
    hearings = {h["uuid"]: h for h in row["hearings"]}
    assert set(hearings) == {
        str(world["hearings"][key].uuid) for key in ("past", "timed", "day", "month", "cancelled")
    }
    timed = hearings[str(world["hearings"]["timed"].uuid)]
    assert timed["starts_at"] == "11:30" and timed["court_room"] == "Room 5"
    assert timed["status"] == "scheduled" and timed["citations"]
    month = hearings[str(world["hearings"]["month"].uuid)]
    assert month["held_on"] == world["today"].strftime("%Y-%m") and month["starts_at"] is None
    past = hearings[str(world["hearings"]["past"].uuid)]
    assert past["status"] == "held" and past["what_happened"] == "The charges were read out."
    assert row["citations"]


def test_hidden_trials_are_404(client, world):
    for key in ("internal_trial", "uncited_trial", "partners_trial"):
        assert client.get(f"/api/v1/trials/{world[key].slug}/").status_code == 404
        assert client.get(f"/api/v1/trials/{world[key].uuid}/").status_code == 404
    for bad in ("no-such-trial", "%00", "x" * 300):
        assert client.get(f"/api/v1/trials/{bad}/").status_code == 404


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"q": "abzas"}, True),
        ({"q": "Ali Aliyev"}, True),
        ({"q": "Hidden Defendant"}, False),
        ({"court": "baku-grave-crimes-court"}, True),
        ({"instance": "appeal"}, False),
        ({"instance": "first-instance"}, True),
        ({"person": "ali-aliyev"}, True),
    ],
)
def test_the_filters(client, world, params, found):
    expected = ["The Abzas Media case"] if found else []
    assert titles(client.get("/api/v1/trials/", params)) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"court": "no-such-court"},
        {"instance": "nonsense"},
        {"q": "\x00"},
        {"q": "x" * 500},
        {"person": "hidden-defendant"},
        {"nonsense": "1"},
        {"updated_since": "yesterday"},
    ],
)
def test_bad_filters_are_refused_never_a_500(client, world, params):
    assert client.get("/api/v1/trials/", params).status_code in (400, 404)


def test_the_list_query_count_does_not_grow_with_the_page_size(
    client, django_assert_num_queries, world
):
    for number in range(12):
        trial = records.trial(f"Trial {number}", court=world["court"])
        records.defendant(trial, charges="206.3.2")
        records.defendant(trial)
        records.involvement(records.official(f"Judge {number}"), "trial-judge", trial=trial)
        records.hearing(trial, world["today"] + datetime.timedelta(days=number + 1))
    # the page, defendants, involvements, hearings, citations; the throttle's read and write
    for size in (2, 13):
        with django_assert_num_queries(7):
            rows = client.get("/api/v1/trials/", {"page_size": size}).json()["results"]
        assert len(rows) == size and all(row["defendants"] for row in rows)
    with django_assert_num_queries(8):  # the court looked up as well
        client.get("/api/v1/trials/", {"page_size": 13, "court": "baku-grave-crimes-court"})
    with django_assert_num_queries(7):
        client.get(f"/api/v1/trials/{world['trial'].slug}/")
