"""What changed between two editions of a political-prisoner list (lists.reads,
the API's /lists/ and /lists/{slug}/diff/): persons compared as records, so a
name spelled otherwise in the later edition is unchanged; each removal with the
reason on record; every count the reader's own, through the visibility policy."""

from __future__ import annotations

import csv
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from access.services import token_issue
from cases.choices import Visibility
from cases.models import ReleaseReason
from cases.partial_dates import PartialDate
from cases.visibility import Reader
from lists.models import Edition, ListEntry, PrisonerList
from lists.reads import (
    edition_diff,
    find_edition,
    list_editions,
    removal_reasons,
    visible_lists,
)
from lists.services import edition_import
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL


# --- builders ---------------------------------------------------------------------


def prisoner_list(title="Political prisoners in Azerbaijan", *, publisher=None, **fields):
    fields.setdefault("visibility", PUBLIC)
    if publisher is None:
        publisher = factories.organization()
    return PrisonerList.objects.create(title=title, publisher=publisher, **fields)


def edition(plist, published_on: str, *, cited=True, title="", **fields) -> Edition:
    fields.setdefault("visibility", PUBLIC)
    obj = Edition(prisoner_list=plist, title=title, **fields)
    obj.published_on = PartialDate.parse(published_on)
    obj.save()
    if cited:
        factories.cite(obj)
    return obj


def entry(edition_obj, person, listed_name=None, group="", **fields) -> ListEntry:
    fields.setdefault("visibility", PUBLIC)
    return ListEntry.objects.create(
        edition=edition_obj,
        person=person,
        listed_name=person.display_name if listed_name is None else listed_name,
        group=group,
        **fields,
    )


def names(changes) -> set[str]:
    return {change.person.display_name for change in changes}


# --- the issue's test: nine names spelled otherwise ----------------------------------

# (the name as stored, as the first edition spells it, as the second spells it):
# English, Azerbaijani and Russian spellings of the same nine persons
RESPELLED = [
    ("Rauf Mammadov", "Rauf Mammadov", "Rauf Məmmədov"),
    ("Sevinj Huseynova", "Sevinj Huseynova", "Sevinc Hüseynova"),
    ("Tural Gasimov", "Tural Gasimov", "Турал Гасымов"),
    ("Ulviyya Aliyeva", "Ulviyya Aliyeva", "Ülviyyə Əliyeva"),
    ("Elchin Jafarov", "Elçin Cəfərov", "Эльчин Джафаров"),
    ("Nigar Gahramanova", "Нигяр Гахраманова", "Nigar Qəhrəmanova"),
    ("Orkhan Bagirov", "Orkhan Bagirov", "Orxan Bağırov"),
    ("Aygun Ismayilova", "Айгюн Исмаилова", "Aygün İsmayılova"),
    ("Farid Shikhaliyev", "Farid Shikhaliyev", "Фарид Шихалиев"),
]
SAME_SPELLING = ["Bahruz Samadli", "Igbal Abilzade"]
ONLY_FIRST = ["Vugar Hasanli", "Leyla Nabiyeva"]  # removed
ONLY_SECOND = ["Kamran Rzayev", "Gunel Safarova", "Ilkin Abdullayev"]  # added


def two_editions_nine_respelled():
    plist = prisoner_list()
    first, second = edition(plist, "2023-05"), edition(plist, "2024-03-01")
    persons = {}
    for stored, first_spelling, second_spelling in RESPELLED:
        persons[stored] = person = factories.person(stored)
        entry(first, person, first_spelling, "Journalists")
        entry(second, person, second_spelling, "Journalists")
    for name in SAME_SPELLING:
        persons[name] = person = factories.person(name)
        entry(first, person, group="Abzas Media case")
        entry(second, person, group="Abzas Media case")
    for name in ONLY_FIRST:
        persons[name] = person = factories.person(name)
        entry(first, person, group="Activists")
    for name in ONLY_SECOND:
        persons[name] = person = factories.person(name)
        entry(second, person, group="Activists")
    return plist, first, second, persons


def test_nine_names_spelled_otherwise_are_unchanged_not_removed_and_added():
    plist, first, second, _persons = two_editions_nine_respelled()
    # as a reader counts by hand, person by person
    counted_first = {stored for stored, *_ in RESPELLED} | set(SAME_SPELLING) | set(ONLY_FIRST)
    counted_second = {stored for stored, *_ in RESPELLED} | set(SAME_SPELLING) | set(ONLY_SECOND)

    diff = edition_diff(before=first, after=second, reader=Reader.PUBLIC)

    assert names(diff.added) == counted_second - counted_first == set(ONLY_SECOND)
    assert names(diff.removed) == counted_first - counted_second == set(ONLY_FIRST)
    assert diff.unchanged == len(counted_first & counted_second) == 11
    assert (diff.before, diff.after) == (first, second)
    # each change as the edition that names the person lists it
    added = {change.person.display_name: change for change in diff.added}
    assert added["Kamran Rzayev"].group == "Activists"
    assert added["Kamran Rzayev"].listed_name == "Kamran Rzayev"
    assert all(change.reason == "" for change in diff.added)
    assert all(change.reason for change in diff.removed)
    sizes = {e.pk: e.size for e in list_editions(plist, reader=Reader.PUBLIC)}
    assert sizes == {first.pk: 13, second.pk: 14}


def test_the_diff_backwards_swaps_added_and_removed():
    _plist, first, second, _persons = two_editions_nine_respelled()
    diff = edition_diff(before=second, after=first, reader=Reader.PUBLIC)
    assert names(diff.added) == set(ONLY_FIRST)
    assert names(diff.removed) == set(ONLY_SECOND)
    assert diff.unchanged == 11


def test_an_edition_against_itself_changes_nothing():
    _plist, first, _second, _persons = two_editions_nine_respelled()
    diff = edition_diff(before=first, after=first, reader=Reader.PUBLIC)
    assert (diff.added, diff.removed, diff.unchanged) == ([], [], 13)


# The same two editions as files, through the import (lists.services): the later
# one spells nine names in Azerbaijani or Russian, which the import matches to the
# persons the earlier one created by their name keys.
LATER_SPELLINGS = {
    "Rauf Mammadov": "Rauf Məmmədov",
    "Sevinj Huseynova": "Sevinc Hüseynova",
    "Tural Gasimov": "Турал Гасымов",
    "Ulviyya Aliyeva": "Ülviyyə Əliyeva",
    "Elchin Jafarov": "Эльчин Джафаров",
    "Nigar Gahramanova": "Nigar Qəhrəmanova",
    "Orkhan Bagirov": "Orxan Bağırov",
    "Aygun Ismayilova": "Aygün İsmayılova",
    "Farid Shikhaliyev": "Фарид Шихалиев",
}


def edition_file(tmp_path, name: str, rows: list[tuple[str, str]]):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "group"])
        writer.writerows(rows)
    return path


def test_two_edition_files_nine_names_respelled_give_the_hand_count(tmp_path):
    earlier = [(name, "Journalists") for name in LATER_SPELLINGS]
    earlier += [(name, "Abzas Media case") for name in SAME_SPELLING]
    earlier += [(name, "Activists") for name in ONLY_FIRST]
    later = [(spelling, "Journalists") for spelling in LATER_SPELLINGS.values()]
    later += [(name, "Abzas Media case") for name in SAME_SPELLING]
    later += [(name, "Activists") for name in ONLY_SECOND]
    for published_on, name, rows in (
        ("2023-05", "2023-05.csv", earlier),
        ("2024-03-01", "2024-03.csv", later),
    ):
        result = edition_import(
            file=edition_file(tmp_path, name, rows),
            prisoner_list_slug="political-prisoners",
            published_on=published_on,
        )
        assert result.ok, (result.problems, result.errors)
    plist = PrisonerList.objects.get(slug="political-prisoners")
    first, second = list_editions(plist, reader=Reader.STAFF)  # imported records are internal

    diff = edition_diff(before=first, after=second, reader=Reader.STAFF)

    # counted by hand: the persons the two files name, a person under any spelling
    assert names(diff.added) == set(ONLY_SECOND)
    assert names(diff.removed) == set(ONLY_FIRST)
    assert diff.unchanged == len(LATER_SPELLINGS) + len(SAME_SPELLING) == 11
    assert (first.size, second.size) == (13, 14)
    respelled = ListEntry.objects.filter(edition=second, group="Journalists")
    assert {e.person.display_name: e.listed_name for e in respelled} == LATER_SPELLINGS


# --- finding editions --------------------------------------------------------------


def test_an_edition_is_found_by_its_date_as_written_or_its_uuid():
    plist = prisoner_list()
    may, march, year = (
        edition(plist, "2023-05"),
        edition(plist, "2024-03-01"),
        edition(plist, "2025"),
    )
    edition(plist, "2022-01-10", visibility=INTERNAL)

    def found(key):
        return find_edition(plist, key, reader=Reader.PUBLIC)

    assert found("2023-05") == may
    assert found(str(march.uuid)) == march
    assert found(str(march.uuid).upper()) == march
    assert found("2024-03-01") == march
    assert found("2024-03") == march  # the one edition of March 2024
    assert found("2024") == march
    assert found("2025") == year
    assert found("2023") == may
    assert found("2023-05-01") is None  # a month is not a day of it
    assert found("2022-01-10") is None  # internal
    assert found("2021") is None
    assert found("not a date") is None
    assert found(str(factories.person().uuid)) is None
    assert [e.pk for e in list_editions(plist, reader=Reader.PUBLIC)] == [
        may.pk,
        march.pk,
        year.pk,
    ]


def test_a_period_holding_two_editions_names_neither():
    plist = prisoner_list()
    edition(plist, "2024-03-01")
    edition(plist, "2024-09-15")
    assert find_edition(plist, "2024", reader=Reader.PUBLIC) is None
    assert find_edition(plist, "2024-09", reader=Reader.PUBLIC).published_on.month == 9


# --- reasons -----------------------------------------------------------------------


def reason_of(person, language="en") -> str:
    with translation.override(language):
        return removal_reasons([person.pk], reader=Reader.PUBLIC)[person.pk]


def test_a_release_is_dated_at_its_precision_with_its_reason():
    on_a_day = factories.person()
    detention = factories.detention(on_a_day, arrested="2020-04", released="2024-03-12")
    detention.release_reason = ReleaseReason.objects.get(code="sentence-served")
    detention.save()
    in_a_month = factories.person()
    factories.detention(in_a_month, arrested="2021", released="2023-11", stage="released")
    undated = factories.person()
    factories.detention(undated, arrested="2019", stage="acquitted")

    assert reason_of(on_a_day) == "released on 12 March 2024 (sentence served)"
    assert reason_of(in_a_month) == "released in November 2023"
    assert reason_of(undated) == "released (acquitted)"


def test_a_pardon_a_house_arrest_and_a_death_are_named():
    pardoned = factories.person()
    detention = factories.detention(pardoned, arrested="2020", released="2024-05-28")
    detention.release_reason = ReleaseReason.objects.get(code="pardon")
    detention.save()
    pardoned_by_stage = factories.person()
    factories.detention(pardoned_by_stage, arrested="2020", stage="pardoned")
    house = factories.person()
    held = factories.detention(house, arrested="2023-11-20", stage="house-arrest")
    factories.case_event(held, "house-arrest-ordered", "2024-04-02")
    released_home = factories.person()
    detention = factories.detention(released_home, arrested="2023", released="2024-06")
    detention.release_reason = ReleaseReason.objects.get(code="released-to-house-arrest")
    detention.save()
    ordered_home = factories.person()  # only a case event says so
    held = factories.detention(ordered_home, arrested="2023-02", stage="pre-trial-detention")
    factories.case_event(held, "pre-trial-detention-ordered", "2023-02-10")
    factories.case_event(held, "house-arrest-ordered", "2023-08")
    died = factories.person()
    factories.detention(died, arrested="2021", stage="deceased")

    assert reason_of(pardoned) == "pardoned on 28 May 2024"
    assert reason_of(pardoned_by_stage) == "pardoned"
    assert reason_of(house) == "moved to house arrest on 2 April 2024"
    assert reason_of(released_home) == "moved to house arrest in June 2024"
    assert reason_of(ordered_home) == "moved to house arrest in August 2023"
    assert reason_of(died) == "died"


def test_no_reason_on_record_when_nothing_says_why():
    no_detention = factories.person()
    still_held = factories.person()
    factories.detention(still_held, arrested="2023-11", stage="convicted")
    # released once, arrested again since: the newest detention speaks
    again = factories.person()
    factories.detention(again, arrested="2015", released="2016-03-17")
    factories.detention(again, arrested="2023-12", stage="pre-trial-detention")
    # the release is on record only where this reader may not look
    hidden = factories.person()
    factories.detention(hidden, arrested="2020", released="2024", cited=False)
    internal = factories.person()
    factories.detention(internal, arrested="2020", released="2024", visibility=INTERNAL)

    for person in (no_detention, still_held, again, hidden, internal):
        assert reason_of(person) == "no reason on record", person
    assert removal_reasons([hidden.pk], reader=Reader.STAFF)[hidden.pk] == "released in 2024"


def test_the_newest_detention_gives_the_reason():
    person = factories.person()
    factories.detention(person, arrested="2014", stage="convicted")
    factories.detention(person, arrested="2022-06", released="2024-01-05")
    assert reason_of(person) == "released on 5 January 2024"


def test_reasons_are_in_the_readers_language():
    person = factories.person()
    detention = factories.detention(person, arrested="2020", released="2024-03-12")
    detention.release_reason = ReleaseReason.objects.get(code="sentence-served")
    detention.save()
    for language, day in (("ru", "12 марта 2024 г."), ("az", "12 mart 2024")):
        with translation.override(language):
            label = ReleaseReason.translate("sentence served")
        assert label != "sentence served"
        text = reason_of(person, language)
        assert day in text and label in text, text
        assert "released" not in text, text  # the wording is the catalog's, not English
        assert reason_of(factories.person(), language) != "no reason on record"


def test_the_removals_of_a_diff_carry_their_reasons():
    _plist, first, second, persons = two_editions_nine_respelled()
    detention = factories.detention(persons["Vugar Hasanli"], arrested="2023", released="2024-02")
    detention.release_reason = ReleaseReason.objects.get(code="amnesty")
    detention.save()
    with translation.override("en"):
        diff = edition_diff(before=first, after=second, reader=Reader.PUBLIC)
    reasons = {change.person.display_name: change.reason for change in diff.removed}
    assert reasons == {
        "Vugar Hasanli": "released in February 2024 (amnesty)",
        "Leyla Nabiyeva": "no reason on record",
    }


# --- visibility ----------------------------------------------------------------------


def test_entries_the_reader_may_not_see_are_not_counted():
    plist = prisoner_list()
    first, second = edition(plist, "2023"), edition(plist, "2024")
    shown = factories.person("Shown Person")
    internal_person = factories.person("Internal Person", visibility=INTERNAL)
    partners_person = factories.person("Partners Person", visibility=PARTNERS)
    trashed_person = factories.person("Trashed Person", deleted_at=timezone.now())
    for person in (shown, internal_person, partners_person, trashed_person):
        entry(first, person)
    entry(second, shown)
    removed_internal_entry = factories.person("Entry Internal")
    entry(first, removed_internal_entry, visibility=INTERNAL)
    added_internal_entry = factories.person("Added Internal Entry")
    entry(second, added_internal_entry, visibility=INTERNAL)
    trashed_entry = factories.person("Trashed Entry")
    entry(second, trashed_entry, deleted_at=timezone.now())

    public = edition_diff(before=first, after=second, reader=Reader.PUBLIC)
    assert (names(public.added), names(public.removed), public.unchanged) == (set(), set(), 1)
    partner = edition_diff(before=first, after=second, reader=Reader.PARTNER)
    assert names(partner.removed) == {"Partners Person"}
    staff = edition_diff(before=first, after=second, reader=Reader.STAFF)
    assert names(staff.removed) == {"Internal Person", "Partners Person", "Entry Internal"}
    assert names(staff.added) == {"Added Internal Entry"}
    sizes = [e.size for e in list_editions(plist, reader=Reader.PUBLIC)]
    assert sizes == [1, 1]
    assert [e.size for e in list_editions(plist, reader=Reader.PARTNER)] == [2, 1]


def test_internal_and_uncited_editions_and_lists_of_hidden_publishers_are_not_shown():
    plist = prisoner_list("Shown list")
    cited = edition(plist, "2023")
    edition(plist, "2024", cited=False)
    edition(plist, "2025", visibility=INTERNAL)
    partners_only = edition(plist, "2022", cited=False)
    factories.cite(partners_only, visibility=PARTNERS)
    edition(plist, "2021", deleted_at=timezone.now())
    hidden_publisher = factories.organization("Hidden Publisher", visibility=INTERNAL)
    prisoner_list("Of a hidden publisher", publisher=hidden_publisher, slug="hidden-publisher")
    prisoner_list("Internal list", visibility=INTERNAL, slug="internal-list")
    unpublished = prisoner_list("No publisher", slug="no-publisher")
    unpublished.publisher = None
    unpublished.save()

    public = visible_lists(reader=Reader.PUBLIC)
    assert [p.title for p in public] == ["No publisher", "Shown list"]
    assert [e.pk for e in public[1].visible_editions] == [cited.pk]
    partner = visible_lists(reader=Reader.PARTNER)
    assert [e.pk for e in partner[1].visible_editions] == [partners_only.pk, cited.pk]
    assert len(visible_lists(reader=Reader.STAFF)) == 4
    assert find_edition(plist, "2024", reader=Reader.PUBLIC) is None
    assert find_edition(plist, "2024", reader=Reader.STAFF) is not None


# --- query counts ------------------------------------------------------------------


def fifty_and_fifty():
    """Two editions of 50 persons each: 40 in both, 10 removed (each released
    with a reason and a house-arrest event), 10 added."""
    plist = prisoner_list()
    first, second = edition(plist, "2023"), edition(plist, "2024")
    amnesty = ReleaseReason.objects.get(code="amnesty")
    for index in range(60):
        person = factories.person(f"Person {index:02d}")
        if index < 50:
            entry(first, person, f"Listed {index:02d}")
        if index >= 10:
            entry(second, person, f"Listed again {index:02d}")
        if index < 10:
            detention = factories.detention(person, arrested="2020", released="2024-01-02")
            detention.release_reason = amnesty
            detention.save()
            factories.case_event(detention, "house-arrest-ordered", "2023-06")
    return plist, first, second


def test_the_diff_of_two_editions_of_fifty_takes_four_queries():
    _plist, first, second = fifty_and_fifty()
    with CaptureQueriesContext(connection) as queries:
        diff = edition_diff(before=first, after=second, reader=Reader.PUBLIC)
        for change in (*diff.added, *diff.removed):
            assert change.person.slug and change.reason is not None
    assert (len(diff.added), len(diff.removed), diff.unchanged) == (10, 10, 40)
    assert len(queries) == 4  # entries, persons, newest detentions, their events


def test_lists_and_editions_take_a_fixed_number_of_queries():
    fifty_and_fifty()
    with CaptureQueriesContext(connection) as queries:
        lists = visible_lists(reader=Reader.PUBLIC)
        assert [e.size for e in lists[0].visible_editions] == [50, 50]
        assert lists[0].publisher.name
    assert len(queries) == 2


# --- the API -----------------------------------------------------------------------

LISTS = "/api/v1/lists/"


def diff_url(plist, start: str, end: str) -> str:
    return f"{LISTS}{plist.slug}/diff/?from={start}&to={end}"


def test_the_lists_endpoint_gives_each_list_with_its_editions(client):
    publisher = factories.organization("Union for Freedom of Political Prisoners")
    plist = prisoner_list(
        publisher=publisher,
        criteria="PACE Resolution 1900 (2012)",
        description="The union's list.",
        internal_notes="STAFF-ONLY-LIST-NOTE",
    )
    first = edition(plist, "2023-05", title="May 2023", internal_notes="STAFF-ONLY-EDITION")
    second = edition(plist, "2024-03-01", title="March 2024")
    for index in range(3):
        person = factories.person(f"Listed {index}")
        entry(first, person, note="a note", status="under monitoring")
        if index:
            entry(second, person)

    response = client.get(LISTS)

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    (row,) = body["results"]
    assert row == {
        "uuid": str(plist.uuid),
        "slug": plist.slug,
        "title": "Political prisoners in Azerbaijan",
        "publisher": {
            "uuid": str(publisher.uuid),
            "slug": publisher.slug,
            "name": "Union for Freedom of Political Prisoners",
        },
        "criteria": "PACE Resolution 1900 (2012)",
        "description": "The union's list.",
        "editions": [
            {
                "uuid": str(first.uuid),
                "published_on": "2023-05",
                "title": "May 2023",
                "size": 3,
                "citations": row["editions"][0]["citations"],
            },
            {
                "uuid": str(second.uuid),
                "published_on": "2024-03-01",
                "title": "March 2024",
                "size": 2,
                "citations": row["editions"][1]["citations"],
            },
        ],
    }
    (citation,) = row["editions"][0]["citations"]
    assert set(citation) == {"source", "claim", "locator", "excerpt", "confidence"}
    assert "STAFF-ONLY" not in response.content.decode()
    assert "internal_notes" not in response.content.decode()


def test_the_lists_endpoint_pages_and_refuses_unknown_parameters(client):
    for index in range(3):
        plist = prisoner_list(f"List {index}")
        edition(plist, "2024")
    first = client.get(LISTS, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    response = client.get(LISTS, {"slug": "list-0"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "slug" in response.json()["error"]["message"]


def test_the_diff_endpoint_counts_the_nine_respelled_names_as_unchanged(client):
    plist, first, second, persons = two_editions_nine_respelled()
    detention = factories.detention(persons["Vugar Hasanli"], arrested="2023", released="2024-02")
    detention.release_reason = ReleaseReason.objects.get(code="amnesty")
    detention.save()

    response = client.get(diff_url(plist, "2023-05", "2024-03-01"))

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["from", "to", "added", "removed", "unchanged"]
    assert body["from"]["uuid"] == str(first.uuid) and body["from"]["size"] == 13
    assert body["to"]["published_on"] == "2024-03-01" and body["to"]["size"] == 14
    assert body["unchanged"] == 11
    assert {c["person"]["display_name"] for c in body["added"]} == set(ONLY_SECOND)
    kamran = next(c for c in body["added"] if c["person"]["display_name"] == "Kamran Rzayev")
    person = persons["Kamran Rzayev"]
    assert kamran == {
        "person": {"uuid": str(person.uuid), "slug": person.slug, "display_name": "Kamran Rzayev"},
        "group": "Activists",
        "listed_name": "Kamran Rzayev",
    }
    assert {c["person"]["display_name"]: c["reason"] for c in body["removed"]} == {
        "Vugar Hasanli": "released in February 2024 (amnesty)",
        "Leyla Nabiyeva": "no reason on record",
    }
    assert set(body["removed"][0]) == {"person", "group", "listed_name", "reason"}
    # the same editions named by their UUIDs, or by a period holding only them
    by_uuid = client.get(diff_url(plist, first.uuid, second.uuid)).json()
    assert by_uuid == body
    assert client.get(diff_url(plist, "2023", "2024")).json() == body
    # the list by its UUID
    assert client.get(f"{LISTS}{plist.uuid}/diff/?from=2023-05&to=2024").json() == body


def test_the_diff_endpoint_answers_a_reversed_pair_as_asked(client):
    plist, _first, _second, _persons = two_editions_nine_respelled()
    body = client.get(diff_url(plist, "2024-03-01", "2023-05")).json()
    assert body["from"]["published_on"] == "2024-03-01"
    assert {c["person"]["display_name"] for c in body["added"]} == set(ONLY_FIRST)
    assert {c["person"]["display_name"] for c in body["removed"]} == set(ONLY_SECOND)
    assert body["unchanged"] == 11


def test_the_diff_endpoint_in_csv_gives_one_row_per_change(client):
    plist, _first, _second, _persons = two_editions_nine_respelled()
    response = client.get(diff_url(plist, "2023-05", "2024-03-01") + "&format=csv")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "change,person.uuid,person.slug,person.display_name,group,listed_name,reason"
    )
    changes = [line.split(",")[0] for line in lines[1:]]
    assert sorted(changes) == ["added"] * 3 + ["removed"] * 2
    assert any(line.endswith(",no reason on record") for line in lines)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["status"] == status
    return error


def test_the_diff_endpoint_errors_say_what_was_expected(client):
    plist = prisoner_list()
    edition(plist, "2023-05")
    edition(plist, "2024-03-01")
    internal = edition(plist, "2025", visibility=INTERNAL)

    error = error_of(client.get(f"{LISTS}no-such-list/diff/?from=2023-05&to=2024"), 404)
    assert error["code"] == "not_found"
    error = error_of(client.get(f"{LISTS}{plist.slug}/diff/?to=2024"), 400)
    assert "from" in error["details"] and "Required" in error["message"]
    error = error_of(client.get(diff_url(plist, "2023-05", "March")), 400)
    assert list(error["details"]) == ["to"]
    assert "'March'" in error["message"] and "2024-03-01" in error["message"]
    error = error_of(client.get(diff_url(plist, "2022", "2024")), 400)
    assert list(error["details"]) == ["from"] and "'2022'" in error["message"]
    assert "published on 2023-05, 2024-03-01." in error["message"]
    # an edition this reader may not see is named like one that does not exist
    error = error_of(client.get(diff_url(plist, "2023-05", internal.uuid)), 400)
    assert str(internal.uuid) in error["message"] and "2025" not in error["message"]
    error = error_of(client.get(diff_url(plist, "2023-05", "2024") + "&from=2023"), 400)
    assert "one edition" in error["message"]
    error = error_of(client.get(diff_url(plist, "2023-05", "2024") + "&since=2020"), 400)
    assert "since" in error["details"]


def test_partners_see_partners_lists_and_entries_and_nobody_sees_internal_ones(client):
    plist = prisoner_list(visibility=PARTNERS, slug="shared")
    first, second = edition(plist, "2023"), edition(plist, "2024")
    kept, partners_person = factories.person("Kept"), factories.person("P", visibility=PARTNERS)
    entry(first, kept)
    entry(second, kept)
    entry(first, partners_person)
    internal_list = prisoner_list("Internal", visibility=INTERNAL, slug="internal")
    edition(internal_list, "2023")
    _token, raw = token_issue(name="A partner")
    partner = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    assert client.get(LISTS).json()["results"] == []
    error_of(client.get(diff_url(plist, "2023", "2024")), 404)
    assert [r["slug"] for r in client.get(LISTS, **partner).json()["results"]] == ["shared"]
    body = client.get(diff_url(plist, "2023", "2024"), **partner).json()
    assert [c["person"]["display_name"] for c in body["removed"]] == ["P"]
    assert body["from"]["size"] == 2
    error_of(client.get(diff_url(internal_list, "2023", "2023"), **partner), 404)


def test_a_staff_session_does_not_widen_the_api(staff_client):
    plist = prisoner_list()
    edition(plist, "2023")
    edition(plist, "2024", visibility=INTERNAL)
    (row,) = staff_client.get(LISTS).json()["results"]
    assert [e["published_on"] for e in row["editions"]] == ["2023"]
    error_of(staff_client.get(diff_url(plist, "2023", "2024")), 400)


def test_the_api_takes_a_fixed_number_of_queries(client, django_assert_num_queries):
    plist, _first, _second = fifty_and_fifty()
    for index in range(4):
        edition(prisoner_list(f"Another list {index}"), "2024")
    # the list, its editions, the diff (entries, persons, detentions, events), citations
    with django_assert_num_queries(9):  # 7, and the throttle's read and write in the shared cache
        body = client.get(diff_url(plist, "2023", "2024")).json()
    assert (len(body["added"]), len(body["removed"]), body["unchanged"]) == (10, 10, 40)
    # the lists, their editions, the editions' citations
    with django_assert_num_queries(5):  # 3, and the throttle's read and write
        assert len(client.get(LISTS).json()["results"]) == 5


def test_the_diff_endpoint_counts_what_the_changes_page_shows(client):
    plist, first, second, persons = two_editions_nine_respelled()
    entry(first, factories.person("Not Public", visibility=INTERNAL))
    entry(second, factories.person("Partners Only", visibility=PARTNERS))
    detention = factories.detention(persons["Leyla Nabiyeva"], arrested="2022", released="2024")
    detention.release_reason = ReleaseReason.objects.get(code="pardon")
    detention.save()
    query = "?from=2023-05&to=2024-03-01"

    body = client.get(f"{LISTS}{plist.slug}/diff/{query}").json()
    page = client.get(f"/lists/{plist.slug}/changes/{query}").content.decode()

    def section(name: str) -> str:
        return page.split(f'class="plain-list changes-{name}"')[1].split("</ul>")[0]

    for name in ("added", "removed"):
        shown = set(re.findall(r'href="/persons/([^/"]+)/"', section(name)))
        assert shown == {change["person"]["slug"] for change in body[name]}, name
    for change in body["removed"]:
        assert f"{change['person']['display_name']}</a>" in section("removed")
        assert change["reason"] in section("removed")
    assert f"{body['unchanged']} persons named in both" in page
    assert (len(body["added"]), len(body["removed"]), body["unchanged"]) == (3, 2, 11)
