"""A person's case carries the officials and the trials: the person history
(`involvements`: each official in a role in a fact of the case, with its
citations and the official's reply; `trials`: the trials the person is a
defendant in, with the co-defendants, hearings and the next hearing) and the
public person page (hearings and the trial on the timeline, a "Trial" section
with the next hearing and the trial's and calendar's links, "Officials
involved", all footnoted). Only what the reader may see: an internal or uncited
involvement, hearing or co-defendant is left out, and an involvement as alleged
perpetrator on one publisher's word is the partners', not the public's. Query
counts are pinned: they do not grow with the number of rows."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.api import serializers as shapes
from cases.choices import Visibility
from cases.pages import person_page
from cases.reads.history import person_history
from cases.visibility import Reader
from officials.choices import InvolvementRole
from tests import accountability_records as records
from tests import factories
from tests.test_api import _assert_shape, _keys
from trials.choices import HearingStatus

pytestmark = pytest.mark.django_db

INTERNAL, PARTNERS = Visibility.INTERNAL, Visibility.PARTNERS
PAGE_QUERIES = 26  # the person page: the person, their history, the lists naming them, labels


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the API's throttle counters live in the cache


def text(page: str) -> str:
    """The page's words, without tags and with single spaces."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def moment(n: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=n)


@pytest.fixture
def case():
    """A person in a public trial with a co-defendant (and an internal one), its
    hearings (held, next, later, internal, uncited, cancelled), and officials
    involved in the arrest, a sentencing, an allegation of torture and the trial
    at every level."""
    person = factories.person("Tofig Defendant")
    detention = factories.detention(person, arrested="2024-03-05", stage="convicted")
    sentencing = factories.case_event(detention, "sentenced", occurred="2025-01-10")
    torture = factories.allegation(person, "torture", detention=detention)
    court = factories.organization("Baku Grave Crimes Court")
    trial = records.trial("The Tofig case", court=court, number="1(101)-7/2024", opened="2024-09")
    records.defendant(trial, person, detention=detention, charges="206.3.2, 193-1.3.1")
    co = records.defendant(trial, factories.person("Ulvi Codefendant")).person
    records.defendant(trial, factories.person("Hidden Codefendant", visibility=INTERNAL))
    held = records.hearing(trial, "2024-10-01", court_room="7", status=HearingStatus.HELD,
                           what_happened="The indictment was read.")  # fmt: skip
    cancelled = records.hearing(trial, days(3), status=HearingStatus.CANCELLED)
    upcoming = records.hearing(trial, days(10), starts_at=datetime.time(11, 30), court_room="4")
    later = records.hearing(trial, days(40))
    records.hearing(trial, days(5), what_happened="Internal hearing", visibility=INTERNAL)
    records.hearing(trial, days(6), what_happened="Uncited hearing", cited=False)

    judge = records.official("Judge Public")
    investigator = records.official("Investigator Replied")
    reply_source = factories.source("Prosecutor's office statement")
    arrest = records.involvement(
        investigator, InvolvementRole.ARRESTING_OFFICER, detention=detention,
        description="Led the search of the flat.", reply="Denied any search.",
        reply_on="2024-04", reply_source=reply_source,
    )  # fmt: skip
    on_trial = records.involvement(judge, InvolvementRole.TRIAL_JUDGE, trial=trial)
    sentence = records.involvement(
        judge, InvolvementRole.TRIAL_JUDGE, case_event=sentencing,
        reply="A reply of a hidden source.", reply_source=factories.source(
            "Internal reply source", visibility=INTERNAL
        ),
    )  # fmt: skip
    two = [records.published_source("Publisher One"), records.published_source("Publisher Two")]
    beaten_two = records.involvement(
        records.official("Officer Two Publishers"), InvolvementRole.ALLEGED_PERPETRATOR,
        allegation=torture, sources=two,
    )  # fmt: skip
    beaten_one = records.involvement(
        records.official("Officer One Publisher"), InvolvementRole.ALLEGED_PERPETRATOR,
        allegation=torture, sources=[records.published_source("Publisher One"), two[0]],
    )  # fmt: skip
    records.involvement(records.official("Internal Investigator"), detention=detention,
                        visibility=INTERNAL)  # fmt: skip
    records.involvement(records.official("Uncited Prosecutor"), InvolvementRole.PROSECUTOR,
                        detention=detention, cited=False)  # fmt: skip
    partners_only = records.involvement(
        records.official("Partners Investigator"), detention=detention, visibility=PARTNERS
    )
    # an official of another person's case is not in this one
    records.involvement(records.official("Elsewhere Judge"))
    return locals()


def test_the_history_carries_the_visible_involvements_and_trials(client, case):
    response = client.get(f"/api/v1/persons/{case['person'].slug}/history/")
    assert response.status_code == 200
    history = response.json()
    _assert_shape(history, _keys(shapes.PersonHistorySerializer()), "history")

    by_official = {i["official"]["name"]: i for i in history["involvements"]}
    assert list(by_official) == ["Investigator Replied", "Judge Public", "Officer Two Publishers"]
    assert [i["uuid"] for i in history["involvements"]] == [
        str(case[name].uuid) for name in ("arrest", "on_trial", "sentence", "beaten_two")
    ]
    arrest = history["involvements"][0]
    assert arrest["official"] == {
        "uuid": str(case["investigator"].uuid),
        "slug": case["investigator"].slug,
        "name": "Investigator Replied",
    }
    assert arrest["role"] == "arresting-officer"
    assert arrest["fact"] == {"kind": "detention", "uuid": str(case["detention"].uuid)}
    assert arrest["description"] == "Led the search of the flat."
    assert (arrest["reply"], arrest["reply_on"]) == ("Denied any search.", "2024-04")
    assert arrest["reply_source"] == str(case["reply_source"].uuid)
    assert len(arrest["citations"]) == 1
    facts = [(i["fact"]["kind"], i["fact"]["uuid"]) for i in history["involvements"][1:]]
    assert facts == [
        ("trial", str(case["trial"].uuid)),
        ("case_event", str(case["sentencing"].uuid)),
        ("allegation", str(case["torture"].uuid)),
    ]
    # the reply of a source the public may not see is shown without its source
    assert history["involvements"][2]["reply"] == "A reply of a hidden source."
    assert history["involvements"][2]["reply_source"] is None
    sources = {s["uuid"] for s in history["sources"]}
    assert str(case["reply_source"].uuid) in sources
    assert {str(s.uuid) for s in case["two"]} <= sources

    (trial,) = history["trials"]
    assert (trial["slug"], trial["title"], trial["number"]) == (
        case["trial"].slug, "The Tofig case", "1(101)-7/2024",
    )  # fmt: skip
    assert trial["court"]["name"] == "Baku Grave Crimes Court"
    assert (trial["instance"], trial["opened_on"], trial["time_zone"]) == (
        "first-instance", "2024-09", "Asia/Baku",
    )  # fmt: skip
    assert trial["charges"] == "206.3.2, 193-1.3.1"
    assert trial["detention"] == str(case["detention"].uuid)
    assert trial["co_defendants"] == [
        {"uuid": str(case["co"].uuid), "slug": case["co"].slug, "display_name": "Ulvi Codefendant"}
    ]
    assert [h["uuid"] for h in trial["hearings"]] == [
        str(case[name].uuid) for name in ("held", "cancelled", "upcoming", "later")
    ]
    held = trial["hearings"][0]
    assert (held["held_on"], held["court_room"], held["status"], held["what_happened"]) == (
        "2024-10-01", "7", "held", "The indictment was read.",
    )  # fmt: skip
    assert len(held["citations"]) == 1
    # the next hearing: the first still to come that will take place
    assert trial["next_hearing"]["uuid"] == str(case["upcoming"].uuid)
    assert trial["next_hearing"]["held_on"] == days(10).isoformat()
    assert trial["next_hearing"]["starts_at"] == "11:30:00"
    assert len(trial["citations"]) == 1
    assert "Internal" not in response.content.decode()
    assert "internal_notes" not in response.content.decode()


def test_partners_see_an_alleged_perpetrator_on_one_publisher_and_their_own_level(case):
    public = person_history(case["person"], reader=Reader.PUBLIC)
    partner = person_history(case["person"], reader=Reader.PARTNER)
    staff = person_history(case["person"], reader=Reader.STAFF)
    names = {r: {i["official"]["name"] for i in h["involvements"]}
             for r, h in ((Reader.PUBLIC, public), (Reader.PARTNER, partner),
                          (Reader.STAFF, staff))}  # fmt: skip
    assert "Officer One Publisher" not in names[Reader.PUBLIC]
    assert "Partners Investigator" not in names[Reader.PUBLIC]
    assert names[Reader.PARTNER] == names[Reader.PUBLIC] | {
        "Officer One Publisher", "Partners Investigator",
    }  # fmt: skip
    assert names[Reader.STAFF] == names[Reader.PARTNER] | {
        "Internal Investigator", "Uncited Prosecutor",
    }  # fmt: skip
    # the hidden source of a reply is the staff's
    assert [i["reply_source"] for i in staff["involvements"] if i["reply"]].count(None) == 0
    (trial,) = staff["trials"]
    assert len(trial["hearings"]) == 6
    assert {d["display_name"] for d in trial["co_defendants"]} == {
        "Ulvi Codefendant", "Hidden Codefendant",
    }  # fmt: skip
    # the next hearing as of a later day
    # (a day more than the hearings' days apart: the court's day may not be ours)
    later = person_history(case["person"], reader=Reader.PUBLIC, now=moment(12))
    assert later["trials"][0]["next_hearing"]["uuid"] == case["later"].uuid
    assert (
        person_history(case["person"], reader=Reader.PUBLIC, now=moment(42))["trials"][0][
            "next_hearing"
        ]
        is None
    )


def test_a_hidden_trial_takes_its_involvements_hearings_and_defendants_with_it(case):
    case["trial"].visibility = INTERNAL
    case["trial"].save()
    history = person_history(case["person"], reader=Reader.PUBLIC)
    assert history["trials"] == []
    assert "Judge Public" in {i["official"]["name"] for i in history["involvements"]}
    assert [i["fact"]["kind"] for i in history["involvements"]] == [
        "detention", "case_event", "allegation",
    ]  # fmt: skip


def test_the_page_shows_the_trial_the_hearings_and_the_officials_footnoted(client, case):
    response = client.get(f"/persons/{case['person'].slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    words = text(page)
    trial_url = f"/trials/{case['trial'].slug}/"
    # the "Trial" section: the trial's link, court, charges, co-defendants, next hearing
    section = text(page.split('id="trials-title"')[1].split("</section>")[0])
    assert "The Tofig case" in section and "Baku Grave Crimes Court" in section
    assert "206.3.2, 193-1.3.1" in section and "Ulvi Codefendant" in section
    assert "Hidden Codefendant" not in page
    assert f'href="{trial_url}"' in page
    assert f'href="{trial_url}calendar.ics"' in page
    next_hearing = page.split('class="next-hearing"')[1].split("</dd>")[0]
    assert f'datetime="{days(10).isoformat()}"' in next_hearing
    assert "11:30" in next_hearing and "court room 4" in text(next_hearing)
    assert 'href="#fn-' in next_hearing
    # the timeline: the trial's opening and its visible hearings
    timeline = page.split('id="timeline-title"')[1].split("</section>")[0]
    assert timeline.count("entry--hearing") == 4
    assert timeline.count("entry--trial") == 1
    assert "The indictment was read." in timeline
    assert "Internal hearing" not in page and "Uncited hearing" not in page
    # the officials involved, each linked, in its role and fact, footnoted
    officials = page.split('id="officials-title"')[1].split("</section>")[0]
    for official in ("investigator", "judge"):
        assert f'href="/officials/{case[official].slug}/"' in officials
    assert officials.count('class="involvement ') == 4
    assert officials.count('href="#fn-') >= 5  # four involvements and a reply
    assert "Officer Two Publishers" in officials
    assert "arresting officer" in text(officials) and "Denied any search." in officials
    for hidden in ("Officer One Publisher", "Internal Investigator", "Uncited Prosecutor",
                   "Partners Investigator", "Elsewhere Judge"):  # fmt: skip
        assert hidden not in page
    # every footnote mark has its footnote
    marks = set(re.findall(r'href="#fn-(\d+)"', page))
    notes = set(re.findall(r'id="fn-(\d+)"', page))
    assert marks == notes and marks
    assert "Internal" not in words.replace("Internal hearing", "")


def test_the_page_numbers_the_footnotes_in_reading_order(case):
    page = person_page(case["person"], reader=Reader.PUBLIC, today=timezone.localdate())
    numbers = [m.number for t in page["trials"] for m in t["notes"]]
    numbers += [m.number for t in page["trials"] for m in t["next_hearing"]["notes"]]
    numbers += [m.number for e in page["timeline"] for m in e.notes]
    numbers += [m.number for i in page["involvements"] for m in i["notes"] + i["reply_notes"]]
    first_seen = list(dict.fromkeys(numbers))
    assert (
        first_seen == sorted(first_seen) == list(range(first_seen[0], len(page["footnotes"]) + 1))
    )


def _grow(case, n: int) -> None:
    """`n` more hearings, co-defendants and involvements of the case."""
    for i in range(n):
        records.hearing(case["trial"], days(60 + i))
        records.defendant(case["trial"])
        records.involvement(records.official(), InvolvementRole.PROSECUTOR, trial=case["trial"])
        records.involvement(records.official(), detention=case["detention"])


def test_the_history_and_the_page_read_in_a_pinned_number_of_queries(client, case):
    history = f"/api/v1/persons/{case['person'].slug}/history/"
    page = f"/persons/{case['person'].slug}/"
    before = (queries(client, history), queries(client, page))
    _grow(case, 5)
    second = records.trial("A second trial")
    records.defendant(second, case["person"])
    records.hearing(second, days(20))
    cache.clear()
    # test_api's 25 less the statements' persons (no statement names this
    # person), whatever the trials, hearings, defendants and involvements; the page
    assert before == (24, PAGE_QUERIES)
    assert (queries(client, history), queries(client, page)) == before


@pytest.mark.django_db
def test_a_merge_moves_trials_and_interventions_and_its_undo_moves_them_back():
    """Two records of one person: the merged one's trial (and the one both are
    tried in) and interventions go to the kept person, once each; the undo puts
    them back, so nothing a researcher entered is left on a record in the trash."""
    from cases.services import merge_undo, persons_merge
    from interventions.models import Intervention

    keep = factories.person("Kept Person")
    other = factories.person("Other Record")
    own, shared = records.trial("Own trial"), records.trial("Shared trial")
    records.defendant(own, other, charges="206.3.2")
    records.defendant(shared, other)
    records.defendant(shared, keep)
    petition = Intervention.objects.create(kind="wgad", title="Petition")
    petition.persons.add(other)
    both = Intervention.objects.create(kind="ecthr", title="Application")
    both.persons.add(other, keep)

    merge = persons_merge(keep=keep, other=other)
    assert set(keep.trials_as_defendant.values_list("trial__title", "charges")) == {
        ("Own trial", "206.3.2"),
        ("Shared trial", ""),
    }
    assert set(keep.interventions.values_list("title", flat=True)) == {"Petition", "Application"}
    merge_undo(merge=merge)
    assert set(other.trials_as_defendant.values_list("trial__title", flat=True)) == {
        "Own trial",
        "Shared trial",
    }
    assert list(keep.trials_as_defendant.values_list("trial__title", flat=True)) == ["Shared trial"]
    assert set(other.interventions.values_list("title", flat=True)) == {"Petition", "Application"}
    assert list(keep.interventions.values_list("title", flat=True)) == ["Application"]


@pytest.mark.django_db
def test_last_updated_counts_the_trials_hearings_and_involvements_shown():
    """A new hearing or a changed involvement is a change of the case page: its
    "last updated" (and the suggested citation's) moves with them."""
    from officials.models import Involvement
    from trials.models import Hearing

    person = factories.person("Tried Person")
    detention = factories.detention(person, arrested="2024-01")
    trial = records.trial("The case")
    records.defendant(trial, person, detention=detention)
    hearing = records.hearing(trial, "2024-06-03")
    involvement = records.involvement(records.official("Judge A"), detention=detention)

    def last_updated():
        return person_page(person, reader=Reader.PUBLIC)["last_updated"]

    before = last_updated()
    later = before + datetime.timedelta(days=3)
    Hearing.objects.filter(pk=hearing.pk).update(updated_at=later)
    assert last_updated() == later
    latest = later + datetime.timedelta(days=3)
    Involvement.objects.filter(pk=involvement.pk).update(updated_at=latest)
    assert last_updated() == latest
