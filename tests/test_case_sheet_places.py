"""The case sheet's facility columns (cases.case_sheet.custody, places.services):
a facility found by any spelling of any of its names or created (internal, one
per spelling of the file), a custody period from the arrest, moves with
`transferred_to` and `transferred_on`, errors naming the row, column, value and
what was expected, all or nothing, and importing again changes nothing."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pghistory.models import Event

from cases.case_sheet import COLUMN_HELP, COLUMNS, case_sheet_import, case_sheet_preview
from cases.choices import Visibility
from cases.models import Detention, Person
from cases.partial_dates import PartialDate, Precision
from cases.visibility import Reader
from places.models import CustodyPeriod, Facility, FacilityName
from places.reads import current_places
from places.services import (
    AmbiguousFacilityName,
    facilities_find_or_create,
    facility_key,
    facility_match,
)

pytestmark = pytest.mark.django_db


def sheet(*rows: dict) -> io.BytesIO:
    """A CSV case sheet with the given rows (column -> cell)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return io.BytesIO(out.getvalue().encode("utf-8"))


def imported(*rows: dict):
    result = case_sheet_import(file=sheet(*rows))
    assert result.written, [str(error) for error in result.errors]
    return result


def periods(person_name: str) -> list[tuple[str, str, str]]:
    """A person's custody periods in order: (facility, held from, held until)."""
    return [
        (
            period.facility.name,
            period.held_from_partial.isoformat() if period.held_from_partial else "",
            period.held_until_partial.isoformat() if period.held_until_partial else "",
        )
        for period in CustodyPeriod.objects.filter(detention__person__display_name=person_name)
        .select_related("facility")
        .order_by("held_from", "id")
    ]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Person, Detention, Facility, FacilityName, CustodyPeriod)
    }


def event_count() -> int:
    return sum(m.objects.count() for m in apps.get_models() if issubclass(m, Event))


def stored_facility(name: str, *others: str, **fields) -> Facility:
    facility = Facility.objects.create(name=name, **fields)
    for other in others:
        FacilityName.objects.create(facility=facility, name=other)
    return facility


# --- the done-when -----------------------------------------------------------------


def test_prison_no_13_spelled_two_ways_gives_one_facility_holding_both_persons():
    result = imported(
        {"person": "Elchin Testov", "arrested_on": "21.11.2023", "facility": "Prison No. 13"},
        {"person": "Nigar Testova", "arrested_on": "2024-03", "facility": "Prison no 13"},
    )
    assert result.counts["new_facilities"] == 1
    assert result.counts["new_custody_periods"] == 2
    facility = Facility.objects.get()
    assert facility.name == "Prison No. 13"  # as the first row writes it
    assert facility.slug == "prison-no-13"
    assert facility.visibility == Visibility.INTERNAL
    persons = dict(Person.objects.values_list("display_name", "pk"))
    places = current_places(list(persons.values()), reader=Reader.STAFF)
    assert {places[pk].facility_id for pk in persons.values()} == {facility.pk}
    assert places[persons["Elchin Testov"]].held_from == PartialDate(
        datetime.date(2023, 11, 21), Precision.DAY
    )
    assert places[persons["Nigar Testova"]].held_from == PartialDate(
        datetime.date(2024, 3, 1), Precision.MONTH
    )
    # a new facility and its custody periods are internal: no one else sees them yet
    assert current_places(list(persons.values()), reader=Reader.PUBLIC) == {}
    assert set(CustodyPeriod.objects.values_list("visibility", flat=True)) == {"internal"}
    assert set(CustodyPeriod.objects.values_list("letter_visibility", flat=True)) == {"internal"}


def test_the_detention_keeps_the_facility_as_the_sheet_wrote_it():
    imported({"person": "Elchin Testov", "arrested_on": "2023", "facility": "Prison no 13"})
    assert Detention.objects.get().facility == "Prison no 13"
    custody = CustodyPeriod.objects.get()
    assert custody.detention == Detention.objects.get()
    assert custody.held_until is None  # held there still


def test_a_stored_facility_is_found_by_another_name_in_cyrillic():
    prison = stored_facility("Prison No. 13", "Тюрьма № 13", "13 saylı cəzaçəkmə müəssisəsi")
    result = imported(
        {"person": "Elchin Testov", "arrested_on": "2023-11-21", "facility": "тюрьма №13"},
        {"person": "Nigar Testova", "arrested_on": "2023", "facility": "13 sayli cezachekme"
         " muessisesi"},
    )  # fmt: skip
    assert result.counts["new_facilities"] == 0
    assert Facility.objects.get() == prison
    assert CustodyPeriod.objects.filter(facility=prison).count() == 2


def test_numbers_tell_facilities_apart_where_name_keys_fold_them():
    # the name key folds doubled letters, digits too ("11" -> "1")
    assert facility_key("Colony No. 11") != facility_key("Colony No. 1")
    assert facility_key("Prison № 13") == facility_key("Prison no. 13") == "prison #13"
    one = stored_facility("Colony No. 1")
    imported({"person": "Elchin Testov", "arrested_on": "2023", "facility": "Colony No. 11"})
    assert Facility.objects.exclude(pk=one.pk).get().name == "Colony No. 11"
    assert not CustodyPeriod.objects.filter(facility=one).exists()


def test_a_facility_in_the_trash_is_treated_as_absent():
    trashed = stored_facility("Prison No. 13", deleted_at=datetime.datetime.now(datetime.UTC))
    imported({"person": "Elchin Testov", "arrested_on": "2023", "facility": "Prison No. 13"})
    new = Facility.objects.exclude(pk=trashed.pk).get()
    assert new.slug == "prison-no-13-2"
    assert CustodyPeriod.objects.get().facility == new


# --- errors: row, column, value, what was expected; nothing written -------------------------


def test_a_name_matching_two_facilities_is_an_error_naming_both_and_writes_nothing():
    stored_facility("Prison No. 13", slug="prison-13-baku")
    stored_facility("Penitentiary Institution No. 13", "Prison no 13", slug="pi-13")
    before, events = counts(), event_count()
    result = case_sheet_import(file=sheet(
        {"person": "Elchin Testov", "arrested_on": "2023", "facility": "Prison No 13"},
        {"person": "Nigar Testova", "arrested_on": "2023", "facility": "Ganja prison"},
        {"person": "Kamran Testov", "arrested_on": "2023", "facility": "Ganja prison",
         "transferred_to": "prison no. 13", "transferred_on": "2024"},
    ))  # fmt: skip
    assert not result.written
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (2, "facility", "Prison No 13"),
        (4, "transferred_to", "prison no. 13"),
    ]
    message = result.errors[0].message
    assert "matches 2 facilities" in message
    assert "Prison No. 13 (prison-13-baku)" in message
    assert "Penitentiary Institution No. 13 (pi-13)" in message
    assert "expected a name that matches one facility" in message
    assert str(result.errors[0]).startswith("Row 2, facility 'Prison No 13': the name matches")
    assert counts() == before and event_count() == events


@pytest.mark.parametrize(
    "cells, column, value, expected",
    [
        (
            {"arrested_on": "2023-11-21", "transferred_to": "Prison No. 2",
             "transferred_on": "2023-10"},
            "transferred_on", "2023-10",
            "the move (2023-10) is before the arrest (2023-11-21); expected a date on or after",
        ),
        (
            {"arrested_on": "2023", "released_on": "2024-02", "transferred_to": "Prison No. 2",
             "transferred_on": "2024-03-01"},
            "transferred_on", "2024-03-01", "is after the release (2024-02)",
        ),
        (
            {"arrested_on": "2023", "transferred_to": "Prison No. 2",
             "transferred_on": "31.02.2024"},
            "transferred_on", "31.02.2024", "February 2024 has 29 days",
        ),
        (
            {"arrested_on": "2023", "transferred_to": "Prison No. 2"},
            "transferred_on", "", "expected the date of the move",
        ),
        (
            {"arrested_on": "2023", "transferred_on": "2024"},
            "transferred_to", "", "expected the facility the person was moved to",
        ),
        (
            {"arrested_on": "2023", "facility": "Prison No. 2", "transferred_to": "prison no 2",
             "transferred_on": "2024"},
            "transferred_to", "prison no 2", "the facility the row names in facility",
        ),
        ({"arrested_on": "2023", "facility": "—"}, "facility", "—", "with letters or a number"),
        ({"arrested_on": "2023", "facility": "x" * 201}, "facility", "x" * 201, "at most 200"),
    ],
)  # fmt: skip
def test_a_bad_facility_cell_names_the_row_column_value_and_what_was_expected(
    cells, column, value, expected
):
    before = counts()
    result = case_sheet_import(file=sheet({"person": "Elchin Testov", **cells}))
    assert not result.written
    assert result.error_count == 1, [str(e) for e in result.errors]
    error = result.errors[0]
    assert (error.row, error.column, error.value) == (2, column, value)
    assert expected in error.message
    assert counts() == before


def test_another_name_of_the_same_stored_facility_is_no_move():
    stored_facility("Prison No. 13", "Тюрьма № 13")
    result = case_sheet_preview(file=sheet({
        "person": "Elchin Testov", "arrested_on": "2023", "facility": "Prison No. 13",
        "transferred_to": "Тюрьма № 13", "transferred_on": "2024",
    }))  # fmt: skip
    error = result.errors[0]
    assert (error.row, error.column, error.value) == (2, "transferred_to", "Тюрьма № 13")
    assert "another name of the facility the row names in facility (Prison No. 13)" in (
        error.message
    )


def test_a_facility_other_than_where_casebook_records_the_custody_is_an_error():
    imported({"person": "Elchin Testov", "arrested_on": "2023", "facility": "Prison No. 13"})
    before = counts()
    result = case_sheet_import(
        file=sheet({"person": "Elchin Testov", "arrested_on": "2023", "facility": "Colony No. 2"})
    )
    error = result.errors[0]
    assert (error.row, error.column, error.value) == (2, "facility", "Colony No. 2")
    assert "Casebook records this detention's custody at Prison No. 13" in error.message
    assert counts() == before


def test_a_stored_detention_gains_custody_only_when_the_facility_cell_says_something_new():
    # a detention entered before custody periods existed: its facility is text alone
    person = Person.objects.create(display_name="Elchin Testov")
    detention = Detention.objects.create(
        person=person, arrested_on=datetime.date(2023, 1, 1), arrested_on_precision=1,
        facility="Prison No. 13",
    )  # fmt: skip
    row = {"person": "Elchin Testov", "arrested_on": "2023", "facility": "Prison No. 13"}
    again = case_sheet_import(file=sheet(row))  # as an exported sheet says it
    assert again.ok and not again.changes_anything
    assert not CustodyPeriod.objects.exists()

    changed = imported({**row, "facility": "Prison no. 14"})
    assert changed.row_plans[0].detention_changes == ["facility", "+1 custody period"]
    custody = CustodyPeriod.objects.get()
    assert (custody.detention, custody.facility.name) == (detention, "Prison no. 14")


# --- moves --------------------------------------------------------------------------------


def test_a_move_ends_the_first_custody_period_and_opens_the_next():
    result = imported({
        "person": "Elchin Testov", "arrested_on": "21.11.2023", "facility": "Baku pre-trial "
        "detention centre No. 1", "transferred_to": "Prison No. 13", "transferred_on": "March 2024",
    })  # fmt: skip
    assert result.counts["new_facilities"] == 2
    assert result.counts["new_custody_periods"] == 2
    assert periods("Elchin Testov") == [
        ("Baku pre-trial detention centre No. 1", "2023-11-21", "2024-03"),
        ("Prison No. 13", "2024-03", ""),
    ]
    person = Person.objects.get()
    place = current_places([person.pk], reader=Reader.STAFF)[person.pk]
    assert place.facility_name == "Prison No. 13"
    plan = result.row_plans[0]
    assert plan.detention_action == "new" and "+2 custody periods" in plan.detention_changes


def test_a_later_sheet_moves_the_person_on_from_where_they_are_held():
    first = {"person": "Elchin Testov", "arrested_on": "2023-11-21", "facility": "Police No. 1"}
    imported(first)
    moved = imported({**first, "transferred_to": "Prison No. 13", "transferred_on": "2024-01"})
    assert moved.counts["ended_custody_periods"] == 1
    assert moved.counts["new_custody_periods"] == 1
    assert moved.counts["updated_detentions"] == 1
    assert moved.row_plans[0].detention_changes == [
        "+1 custody period",
        "1 custody period ended",
    ]
    imported({**first, "transferred_to": "Colony No. 2", "transferred_on": "2024-06-02"})
    assert periods("Elchin Testov") == [
        ("Police No. 1", "2023-11-21", "2024-01"),
        ("Prison No. 13", "2024-01", "2024-06-02"),
        ("Colony No. 2", "2024-06-02", ""),
    ]
    # the older sheet again: it describes what Casebook holds already
    again = case_sheet_import(
        file=sheet({**first, "transferred_to": "Prison No. 13", "transferred_on": "2024-01"})
    )
    assert again.ok and not again.changes_anything
    assert len(periods("Elchin Testov")) == 3


def test_a_move_alone_ends_the_stored_custody_wherever_it_is():
    imported({"person": "Elchin Testov", "arrested_on": "2023", "facility": "Police No. 1"})
    imported({"person": "Elchin Testov", "arrested_on": "2023", "transferred_to": "Prison 13",
              "transferred_on": "2023-12"})  # fmt: skip
    assert periods("Elchin Testov") == [
        ("Police No. 1", "2023", "2023-12"),
        ("Prison 13", "2023-12", ""),
    ]


def test_ending_a_public_custody_period_without_evidence_is_refused():
    imported({"person": "Elchin Testov", "arrested_on": "2023", "facility": "Police No. 1"})
    CustodyPeriod.objects.update(visibility=Visibility.PUBLIC)
    before = counts()
    result = case_sheet_import(file=sheet({
        "person": "Elchin Testov", "arrested_on": "2023", "facility": "Police No. 1",
        "transferred_to": "Prison 13", "transferred_on": "2023-12",
    }))  # fmt: skip
    error = result.errors[0]
    assert (error.row, error.column, error.value) == (2, "transferred_on", "2023-12")
    assert "ends a custody period that is public in Casebook without evidence" in error.message
    assert counts() == before
    assert CustodyPeriod.objects.get().held_until is None


# --- importing again --------------------------------------------------------------------------


def test_importing_the_same_sheet_again_changes_nothing():
    rows = (
        {"person": "Elchin Testov", "arrested_on": "2023-11-21", "facility": "Prison No. 13",
         "transferred_to": "Colony No. 2", "transferred_on": "2024"},
        {"person": "Nigar Testova", "arrested_on": "2023", "facility": "Prison no 13"},
    )  # fmt: skip
    imported(*rows)
    before, events = counts(), event_count()
    updated = list(CustodyPeriod.objects.order_by("pk").values_list("updated_at", flat=True))

    again = case_sheet_import(file=sheet(*rows))
    assert again.ok and not again.changes_anything
    assert again.counts["new_custody_periods"] == again.counts["ended_custody_periods"] == 0
    assert {plan.detention_action for plan in again.row_plans} == {"unchanged"}
    assert counts() == before and event_count() == events
    assert list(CustodyPeriod.objects.order_by("pk").values_list("updated_at", flat=True)) == (
        updated
    )


def test_a_custody_period_in_the_trash_is_not_added_again():
    row = {"person": "Elchin Testov", "arrested_on": "2023", "facility": "Prison No. 13"}
    imported(row)
    CustodyPeriod.objects.update(deleted_at=datetime.datetime.now(datetime.UTC))
    again = case_sheet_import(file=sheet(row))
    assert again.ok and not again.changes_anything


# --- the columns, the service ---------------------------------------------------------------


def test_the_new_columns_are_described_like_the_others():
    assert COLUMNS[-2:] == ("transferred_to", "transferred_on")
    assert set(COLUMN_HELP) == set(COLUMNS)
    assert "custody period" in str(COLUMN_HELP["facility"])
    assert "transferred_on" in str(COLUMN_HELP["transferred_to"])
    assert "transferred_to" in str(COLUMN_HELP["transferred_on"])


def test_facilities_find_or_create_gives_one_facility_per_spelling_and_finds_stored_ones():
    stored = stored_facility("Baku Pre-trial Detention Centre No. 1", "Бакинский СИЗО № 1")
    found = facilities_find_or_create(
        names=["Prison No. 13", "Prison no 13", "бакинский сизо №1", "", "Prison No. 13"]
    )
    assert found["Prison No. 13"] == found["Prison no 13"]
    assert found["бакинский сизо №1"] == stored
    assert Facility.objects.count() == 2
    new = found["Prison No. 13"]
    assert (new.name, new.slug, new.visibility) == ("Prison No. 13", "prison-no-13", "internal")
    assert Facility.objects.get(pk=new.pk).name_key == new.name_key == "prison no 13"
    # again: found, not created
    assert facilities_find_or_create(names=["PRISON NO 13"])["PRISON NO 13"] == new
    assert Facility.objects.count() == 2


def test_facilities_find_or_create_refuses_an_ambiguous_name_and_creates_nothing():
    stored_facility("Prison No. 13")
    stored_facility("Penitentiary Institution No. 13", "Prison 13")
    with pytest.raises(AmbiguousFacilityName) as raised:
        facilities_find_or_create(names=["Ganja prison", "prison no 13"])
    assert list(raised.value.ambiguous) == ["prison no 13"]
    assert "matches 2 facilities" in str(raised.value)
    assert Facility.objects.count() == 2
    assert len(facility_match(["prison no 13"])[facility_key("prison no 13")]) == 2


def test_the_facility_steps_run_a_fixed_number_of_queries_whatever_the_rows():
    # names whose keys differ (the name key folds digits and doubled letters)
    names = [f"{c}{v}{d}o Testov" for c in "bdlmn" for v in "aiu" for d in "prst"]
    rows = [
        {"person": name, "arrested_on": "2023", "facility": f"Prison No. {n % 7}",
         "transferred_to": f"Colony No. {n % 5}", "transferred_on": "2024"}
        for n, name in enumerate(names)
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as few:
        assert case_sheet_import(file=sheet(*rows[:3])).written
    Person.objects.all().delete()  # and their detentions and custody
    Facility.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        result = case_sheet_import(file=sheet(*rows))
    assert result.written and result.counts["new_facilities"] == 12
    assert len(many) == len(few)


# --- real transactions ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_real_transactions_a_refused_sheet_leaves_nothing_and_a_good_one_commits():
    stored_facility("Prison No. 13", slug="prison-13-baku")
    stored_facility("Penitentiary Institution No. 13", "Prison no 13", slug="pi-13")
    refused = case_sheet_import(
        file=sheet({"person": "Elchin Testov", "arrested_on": "2023", "facility": "Colony 2"},
                   {"person": "Nigar Testova", "arrested_on": "2023", "facility": "Prison No 13"})
    )  # fmt: skip
    assert not refused.written and refused.error_count == 1
    assert not Person.objects.exists() and Facility.objects.count() == 2

    rows = (
        {"person": "Elchin Testov", "arrested_on": "2023", "facility": "Colony 2",
         "transferred_to": "Prison No. 13 Baku", "transferred_on": "2024"},
        {"person": "Nigar Testova", "arrested_on": "2023", "facility": "colony  2"},
    )  # fmt: skip
    assert case_sheet_preview(file=sheet(*rows)).ok  # the preview's tables are gone after it
    result = case_sheet_import(file=sheet(*rows), file_name="moves.csv")
    assert result.written
    assert Facility.objects.count() == 4  # Colony 2 once, Prison No. 13 Baku
    colony = Facility.objects.get(name="Colony 2")
    assert periods("Nigar Testova") == [("Colony 2", "2023", "")]
    assert periods("Elchin Testov") == [
        ("Colony 2", "2023", "2024"),
        ("Prison No. 13 Baku", "2024", ""),
    ]
    event = colony.history.get()  # recorded with the import's context
    assert event.pgh_context.metadata["file"] == "moves.csv"
    again = case_sheet_import(file=sheet(*rows))
    assert again.written and not again.changes_anything
    assert CustodyPeriod.objects.count() == 3
