"""The case-sheet import (cases.case_sheet): row errors naming the row, column,
value and what was expected; all or nothing; idempotent re-import; persons matched
by any spelling; every partial-date format; CSV and XLSX; history; the admin's
preview and confirmation with the upload in production storage; the command.

The admin tests use PersonAdmin with CaseSheetImportMixin. Until cases/admin.py
wires it in, they run against a test admin site wired the same way (this module's
`urlpatterns`); once it is wired, against the real one."""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.apps import apps
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.urls import path, reverse
from django.utils.module_loading import import_string
from import_export.tmp_storages import MediaStorage, TempFolderStorage
from pghistory.models import Context, Event

from cases.admin_import import CaseSheetImportMixin, CaseSheetUploadStorage
from cases.case_sheet import (
    COLUMNS,
    CaseSheetFormatError,
    case_sheet_import,
    case_sheet_preview,
)
from cases.case_sheet.cells import parse_sentence
from cases.choices import Visibility
from cases.models import (
    Affiliation,
    Allegation,
    Charge,
    Detention,
    NameVariant,
    Organization,
    Person,
)
from cases.partial_dates import Precision
from cases.resources import CaseSheetResource
from cases.search import name_key
from sources.models import Citation, Source
from tests import factories

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "case_sheet_sample.csv"


def sheet(*rows: dict, columns=COLUMNS) -> io.BytesIO:
    """A CSV case sheet with the given rows (column -> cell)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns))
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return io.BytesIO(out.getvalue().encode("utf-8"))


def xlsx(*rows: list, columns=COLUMNS) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.append(list(columns))
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def table_counts() -> dict[str, int]:
    models = (Person, NameVariant, Organization, Affiliation, Detention, Charge, Allegation,
              Source, Citation, Person.occupations.through)  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def event_count() -> int:
    return sum(m.objects.count() for m in apps.get_models() if issubclass(m, Event))


def only_error(result):
    assert result.error_count == 1, [str(e) for e in result.errors]
    return result.errors[0]


# --- row errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cells, column, value, expected",
    [
        ({"arrested_on": "31.02.2024"}, "arrested_on", "31.02.2024", "February 2024 has 29 days"),
        (
            {"arrested_on": "2023-11-21", "released_on": "October 2023"},
            "released_on",
            "October 2023",
            "before the arrest",
        ),
        ({"legal_stage": "jailed"}, "legal_stage", "jailed", "pre-trial-detention, house-arrest"),
        ({"occupations": "journalist|poet"}, "occupations", "poet", "human-rights-defender"),
        ({"release_reason": "escape"}, "release_reason", "escape", "sentence-served"),
        ({"allegations": "beating"}, "allegations", "beating", "torture, ill-treatment"),
        ({"birth_year": "84"}, "birth_year", "84", "four digits"),
        ({"birth_year": "19 84"}, "birth_year", "19 84", "four digits"),
        ({"sentence": "nine years"}, "sentence", "nine years", "9 years, 7 years 6 months, 8y6m"),
        ({"sentence": "90"}, "sentence", "90", "90 months"),
        ({"gender": "m"}, "gender", "m", "female, male, other"),
        ({"sources": "example.org/x"}, "sources", "example.org/x", "http:// or https://"),
        ({"charges": "206.3.2 (smuggling"}, "charges", "206.3.2 (smuggling", "in parentheses"),
    ],
)
def test_a_row_error_names_the_row_column_value_and_what_was_expected(
    cells, column, value, expected
):
    before = table_counts()
    result = case_sheet_import(
        file=sheet({"person": "Elchin Testov", "arrested_on": "2023", **cells})
    )
    error = only_error(result)
    assert (error.row, error.column, error.value) == (2, column, value)
    assert expected in error.message
    assert str(error).startswith(f"Row 2, {column} ")
    assert not result.written
    assert table_counts() == before


def test_a_blank_person_is_an_error_of_its_row():
    result = case_sheet_preview(
        file=sheet(
            {"person": "Elchin Testov", "arrested_on": "2023"},
            {"person": "  ", "arrested_on": "2022", "legal_stage": "convicted"},
        )
    )
    error = only_error(result)
    assert (error.row, error.column) == (3, "person")
    assert "blank" in error.message and "expected the name" in error.message
    assert [plan.row for plan in result.row_plans] == [2, 3]
    assert result.row_plans[1].errors == [error]


def test_every_error_of_the_file_is_listed_at_once_in_row_and_column_order():
    result = case_sheet_preview(
        file=sheet(
            {"person": "A Testov", "arrested_on": "31.02.2024", "sentence": "lots"},
            {"person": "B Testova", "birth_year": "1899x", "legal_stage": "jailed"},
            {"person": "", "released_on": "2020-13"},
        )
    )
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "arrested_on"),
        (2, "sentence"),
        (3, "birth_year"),
        (3, "legal_stage"),
        (4, "person"),
        (4, "released_on"),
    ]


def test_a_file_with_one_bad_row_writes_nothing():
    before, events = table_counts(), event_count()
    good = [{"person": f"Good Testov {n}", "arrested_on": f"201{n}", "legal_stage": "convicted",
             "charges": "206.3.2 (smuggling)", "sources": f"https://example.org/{n}"}
            for n in range(3)]  # fmt: skip
    bad = {"person": "Bad Testov", "arrested_on": "2023-11-21", "released_on": "2023-10-01"}
    result = case_sheet_import(file=sheet(*good, bad))
    assert result.error_count == 1 and not result.written
    assert result.counts["new_persons"] == 4  # the preview still says what the rows would do
    assert table_counts() == before
    assert event_count() == events


def test_rows_repeating_a_detention_of_the_same_person_are_an_error():
    result = case_sheet_preview(
        file=sheet(
            {"person": "Elchin Testov", "arrested_on": "2023-11-21"},
            {"person": "Elchin Testov", "arrested_on": "21.11.2023", "legal_stage": "convicted"},
        )
    )
    error = only_error(result)
    assert (error.row, error.column) == (3, "arrested_on")
    assert "row 2 already describes" in error.message


def test_gender_must_agree_across_the_rows_of_one_person():
    result = case_sheet_preview(
        file=sheet(
            {"person": "Elchin Testov", "gender": "male", "arrested_on": "2021"},
            {"person": "Elchin Testov", "gender": "female", "arrested_on": "2022"},
        )
    )
    error = only_error(result)
    assert (error.row, error.column, error.value) == (3, "gender", "female")
    assert "row 2 gives male" in error.message


def test_a_name_matching_several_stored_persons_is_an_error_naming_them():
    factories.person("Ali Aliyev")
    factories.person("Ali Aliyev")
    result = case_sheet_preview(file=sheet({"person": "Əli Əliyev", "arrested_on": "2020"}))
    error = only_error(result)
    assert error.column == "person"
    assert "matches 2 persons" in error.message and "ali-aliyev-2" in error.message


@pytest.mark.parametrize(
    "header, message",
    [
        (["person", "arrested_on", "colour"], "unknown columns 'colour'"),
        (["name", "arrested_on"], "no person column"),
        (["person", "person"], "repeated columns person"),
    ],
)
def test_a_header_that_is_not_a_case_sheet_is_refused(header, message):
    with pytest.raises(CaseSheetFormatError, match=message):
        case_sheet_preview(file=sheet(columns=header))


def test_a_file_that_is_not_utf8_is_refused_with_advice():
    data = "person,arrested_on\nЭльчин Тестов,2023\n".encode("cp1251")
    with pytest.raises(CaseSheetFormatError, match="not UTF-8"):
        case_sheet_preview(file=io.BytesIO(data), file_format="csv")


# --- what is read --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, day, precision",
    [
        ("2023", datetime.date(2023, 1, 1), Precision.YEAR),
        ("2023-11", datetime.date(2023, 11, 1), Precision.MONTH),
        ("2023-11-21", datetime.date(2023, 11, 21), Precision.DAY),
        ("21.11.2023", datetime.date(2023, 11, 21), Precision.DAY),
        ("11.2023", datetime.date(2023, 11, 1), Precision.MONTH),
        ("November 2023", datetime.date(2023, 11, 1), Precision.MONTH),
        ("Nov 2023", datetime.date(2023, 11, 1), Precision.MONTH),
        ("21 November 2023", datetime.date(2023, 11, 21), Precision.DAY),
        ("November 21, 2023", datetime.date(2023, 11, 21), Precision.DAY),
        ("noyabr 2023", datetime.date(2023, 11, 1), Precision.MONTH),
        ("21 ноября 2023", datetime.date(2023, 11, 21), Precision.DAY),
    ],
)
def test_every_partial_date_format_is_read(text, day, precision):
    result = case_sheet_import(
        file=sheet({"person": "Kamran Testov", "arrested_on": text, "released_on": text})
    )
    assert result.written, [str(e) for e in result.errors]
    detention = Detention.objects.get(person__display_name="Kamran Testov")
    assert (detention.arrested_on, detention.arrested_on_precision) == (day, precision)
    assert (detention.released_on, detention.released_on_precision) == (day, precision)


@pytest.mark.parametrize(
    "text, months",
    [("9 years", 108), ("7 years 6 months", 90), ("8y6m", 102), ("90 months", 90),
     ("1 year", 12), ("6 months", 6), ("8 y 6 m", 102), ("5 il 6 ay", 66), ("3 года", 36)],
)  # fmt: skip
def test_sentences_are_read_in_months(text, months):
    assert parse_sentence(text) == months


def test_a_row_becomes_a_person_a_detention_its_charges_allegations_and_cited_sources():
    result = case_sheet_import(
        file=sheet(
            {
                "person": "Elchin Testov",
                "name_variants": "Elçin Testov|Эльчин Тестов",
                "gender": "male",
                "birth_year": "1980",
                "occupations": "Journalist|blogger",
                "affiliations": "Sample Media (fictional)",
                "arrested_on": "2023-11-21",
                "arrest_place": "Baku",
                "charges": "206.3.2 (smuggling) | 193-1",
                "legal_stage": "Convicted",
                "sentence": "7 years 6 months",
                "facility": "Penitentiary Institution No. 99 (fictional)",
                "allegations": "torture|Denial of access to a lawyer",
                "sources": "https://example.org/a|https://example.org/b",
                "notes": "Fictional test person.",
            }
        )
    )
    assert result.written
    person = Person.objects.get()
    assert person.visibility == Visibility.INTERNAL
    assert (person.gender, person.birth_date, person.birth_date_precision) == (
        "male", datetime.date(1980, 1, 1), Precision.YEAR
    )  # fmt: skip
    assert person.internal_notes == "Fictional test person."
    assert person.slug == "elchin-testov"
    assert sorted(person.occupations.values_list("code", flat=True)) == ["blogger", "journalist"]
    assert dict(person.name_variants.values_list("name", "language")) == {
        "Elçin Testov": "az", "Эльчин Тестов": "ru"
    }  # fmt: skip
    assert person.name_key == name_key("Elchin Testov")
    assert all(v.name_key == name_key(v.name) for v in person.name_variants.all())
    assert Affiliation.objects.get().organization.name == "Sample Media (fictional)"
    detention = Detention.objects.get()
    assert (detention.legal_stage.code, detention.sentence_months) == ("convicted", 90)
    assert detention.visibility == Visibility.INTERNAL
    assert sorted(detention.charges.values_list("article", "description")) == [
        ("193-1", ""), ("206.3.2", "smuggling")
    ]  # fmt: skip
    assert sorted(detention.allegations.values_list("kind__code", flat=True)) == [
        "denial-of-access-to-a-lawyer", "torture"
    ]  # fmt: skip
    citations = Citation.objects.filter(detention=detention)
    assert sorted(c.source.url for c in citations) == ["https://example.org/a",
                                                        "https://example.org/b"]  # fmt: skip
    assert all(c.target == detention for c in citations)
    assert Source.objects.get(url="https://example.org/a").kind.code == "other"


def test_xlsx_is_read_as_csv_is_with_date_cells_at_their_format_precision():
    workbook = xlsx(
        ["Nigar Testova", "Нигяр Тестова", "female", 1992, "activist", None,
         datetime.datetime(2023, 11, 1), "Ganja", "283.1", "pre-trial detention", None, None,
         None, None, None, None, None],
        ["Nigar Testova", None, None, None, None, None, "21.11.2019", None, None, "released",
         "90 months", None, datetime.datetime(2021, 3, 5), "pardon", None, None, None],
    )  # fmt: skip
    sheet_ = openpyxl.load_workbook(workbook)
    sheet_.active["G2"].number_format = "mmm yyyy"  # a month, as the researcher typed it
    workbook = io.BytesIO()
    sheet_.save(workbook)
    workbook.seek(0)
    result = case_sheet_import(file=workbook, file_name="sheet.xlsx")
    assert result.written and result.file_format == "xlsx", [str(e) for e in result.errors]
    person = Person.objects.get()
    assert person.birth_date == datetime.date(1992, 1, 1)
    detentions = list(person.detentions.order_by("arrested_on"))
    assert [(d.arrested_on, d.arrested_on_precision) for d in detentions] == [
        (datetime.date(2019, 11, 21), Precision.DAY),
        (datetime.date(2023, 11, 1), Precision.MONTH),
    ]
    assert detentions[0].released_on == datetime.date(2021, 3, 5)


def test_a_semicolon_separated_csv_is_read():
    data = b"person;arrested_on;legal_stage\nElchin Testov;2023;convicted\n"
    result = case_sheet_import(file=io.BytesIO(data), file_format="csv")
    assert result.written
    assert Detention.objects.get().legal_stage.code == "convicted"


# --- persons -----------------------------------------------------------------------------


def test_an_existing_person_is_matched_by_an_azerbaijani_or_russian_spelling():
    stored = factories.person("Bakhtiyar Hajiyev", variants=["Bəxtiyar Hacıyev"])
    result = case_sheet_preview(
        file=sheet(
            {"person": "Bəxtiyar Hacıyev", "arrested_on": "2023"},
            {"person": "Бахтияр Гаджиев", "arrested_on": "2019"},  # not stored: found by key
        )
    )
    first, second = result.row_plans
    assert (first.person_action, first.matched_person, first.matched_person_id) == (
        "matched", "Bakhtiyar Hajiyev", stored.pk
    )  # fmt: skip
    assert first.matched_via == "Bakhtiyar Hajiyev"  # the keys of the two spellings are one
    assert (second.person_action, second.matched_person) == ("matched", "Bakhtiyar Hajiyev")
    assert result.counts["new_persons"] == 0 and result.counts["matched_persons"] == 1

    written = case_sheet_import(
        file=sheet(
            {"person": "Bəxtiyar Hacıyev", "arrested_on": "2023"},
            {"person": "Бахтияр Гаджиев", "arrested_on": "2019"},
        )
    )
    assert written.written
    assert Person.objects.count() == 1
    assert stored.detentions.count() == 2
    # the spelling the sheet used that was not stored is kept as a variant
    assert set(stored.name_variants.values_list("name", flat=True)) == {
        "Bəxtiyar Hacıyev", "Бахтияр Гаджиев"
    }  # fmt: skip


def test_a_person_is_matched_through_a_stored_variant_whose_key_differs_from_the_name():
    stored = factories.person("Arif Yunus", variants=["Arif Yunusov"])
    result = case_sheet_preview(
        file=sheet({"person": "Ариф Юнусов", "arrested_on": "2014", "legal_stage": "house arrest"})
    )
    (plan,) = result.row_plans
    assert (plan.person_action, plan.matched_person_id) == ("matched", stored.pk)
    assert plan.matched_via == "Arif Yunusov"


def test_two_rows_naming_one_person_under_two_spellings_give_one_person():
    result = case_sheet_import(
        file=sheet(
            {"person": "Elchin Testov", "name_variants": "Elçin Testov", "arrested_on": "2023"},
            {"person": "Elçin Testov", "arrested_on": "2019", "legal_stage": "released"},
        )
    )
    assert result.written
    assert result.row_plans[1].same_as_row == 2
    person = Person.objects.get()
    assert person.display_name == "Elchin Testov"
    assert person.detentions.count() == 2
    assert list(person.name_variants.values_list("name", flat=True)) == ["Elçin Testov"]


def test_a_person_in_the_trash_is_treated_as_absent():
    trashed = factories.person("Elchin Testov")
    Person.objects.filter(pk=trashed.pk).update(deleted_at=datetime.datetime.now(datetime.UTC))
    result = case_sheet_import(file=sheet({"person": "Elchin Testov", "arrested_on": "2023"}))
    assert result.counts["new_persons"] == 1
    assert Person.objects.filter(deleted_at__isnull=True).get().slug == "elchin-testov-2"


def test_notes_are_appended_to_what_a_researcher_wrote_once():
    person = factories.person("Elchin Testov", internal_notes="Call the lawyer first.")
    rows = sheet({"person": "Elchin Testov", "notes": "Family asked for no photos."})
    case_sheet_import(file=rows)
    case_sheet_import(
        file=sheet({"person": "Elchin Testov", "notes": "Family asked for no photos."})
    )
    person.refresh_from_db()
    assert person.internal_notes == "Call the lawyer first.\n\nFamily asked for no photos."


def test_blank_cells_never_erase_and_filled_ones_update_the_detention():
    detention = factories.detention(
        factories.person("Elchin Testov"), arrested="2023-11-21", stage="pre-trial-detention",
        facility="Baku Pre-Trial Detention Centre No. 1",
    )  # fmt: skip
    result = case_sheet_preview(
        file=sheet({"person": "Elchin Testov", "arrested_on": "21.11.2023",
                    "legal_stage": "convicted", "sentence": "9 years"})
    )  # fmt: skip
    plan = result.row_plans[0]
    assert plan.detention_action == "updated"
    assert plan.detention_changes == ["legal stage", "sentence"]
    case_sheet_import(
        file=sheet({"person": "Elchin Testov", "arrested_on": "21.11.2023",
                    "legal_stage": "convicted", "sentence": "9 years"})
    )  # fmt: skip
    detention.refresh_from_db()
    assert (detention.legal_stage.code, detention.sentence_months) == ("convicted", 108)
    assert detention.facility == "Baku Pre-Trial Detention Centre No. 1"
    assert Detention.objects.count() == 1


# --- idempotency and history ---------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    first = case_sheet_import(file=SAMPLE)
    assert first.written and first.counts["new_detentions"] == 12
    counts, events = table_counts(), event_count()
    person = Person.objects.get(display_name="Elchin Testov")
    updated_at = person.updated_at

    again = case_sheet_import(file=SAMPLE)
    assert again.ok and not again.changes_anything
    assert again.counts["unchanged_detentions"] == 12
    assert again.counts["matched_persons"] == first.counts["new_persons"]
    assert {plan.detention_action for plan in again.row_plans} <= {"unchanged", ""}
    assert table_counts() == counts
    assert event_count() == events
    person.refresh_from_db()
    assert person.updated_at == updated_at


def test_the_sample_sheet_matches_the_seed_persons_it_names(settings):
    from cases.seed import load_seed

    load_seed()
    result = case_sheet_preview(file=SAMPLE)
    assert result.ok, [str(e) for e in result.errors]
    by_person = {plan.person: plan for plan in result.row_plans}
    hajiyev = by_person["Bəxtiyar Hacıyev"]
    assert (hajiyev.person_action, hajiyev.matched_person) == ("matched", "Bakhtiyar Hajiyev")
    assert result.counts["matched_persons"] == 6
    assert result.counts["updated_persons"] == 0
    assert result.counts["new_persons"] == 3  # the fictional Testovs
    assert by_person["Leyla Yunus"].detention_action == "unchanged"


def test_history_records_every_imported_row_with_the_import_context(django_user_model):
    user = django_user_model.objects.create_user("importer")
    result = case_sheet_import(
        file=sheet({"person": "Elchin Testov", "arrested_on": "2023", "charges": "233"}),
        file_name="sheet.csv",
        user=user,
    )
    assert result.written
    person, detention = Person.objects.get(), Detention.objects.get()
    for obj in (person, detention, Charge.objects.get()):
        event = obj.history.get()  # pghistory's events of this record
        assert event.pgh_label == "insert"
        assert event.pgh_context.metadata["import"] == "case_sheet"
        assert event.pgh_context.metadata["file"] == "sheet.csv"
        assert event.pgh_context.metadata["user"] == user.pk
        assert event.pgh_context.metadata["rows"] == 1
    assert Context.objects.filter(metadata__import="case_sheet").count() == 1


# --- the resource, the command ---------------------------------------------------------------


def test_the_import_export_resource_reports_rows_and_errors_as_import_export_does():
    dataset = tablib.Dataset(headers=["person", "arrested_on", "legal_stage"])
    dataset.append(["Elchin Testov", "2023", "convicted"])
    dataset.append(["Kamran Testov", "31.02.2024", "jailed"])
    result = CaseSheetResource().import_data(dataset, dry_run=True)
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 3
    assert set(invalid.field_specific_errors) == {"arrested_on", "legal_stage"}
    assert len(result.valid_rows()) == 1 and result.totals["new"] == 1

    dataset = tablib.Dataset(headers=["person", "arrested_on"])
    dataset.append(["Elchin Testov", "2023"])
    result = CaseSheetResource().import_data(dataset, dry_run=False, file_name="x.csv")
    assert not result.has_validation_errors() and result.totals["new"] == 1
    assert Detention.objects.count() == 1


def test_the_command_shows_progress_and_imports(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_case_sheet", str(SAMPLE), "--dry-run", stdout=out, stderr=err)
    assert "Reading and checking rows" in err.getvalue()
    assert "Matching persons and detentions" in err.getvalue()
    assert "Checked, nothing written: 13 rows" in out.getvalue()
    assert Person.objects.count() == 0

    out, err = io.StringIO(), io.StringIO()
    call_command("import_case_sheet", str(SAMPLE), "--rows", stdout=out, stderr=err)
    assert "Writing" in err.getvalue()
    assert "row 9: Elçin Testov (same new person as row 8)" in out.getvalue()
    assert "Imported case_sheet_sample.csv: 13 rows: 9 new persons" in out.getvalue()
    assert Detention.objects.count() == 12


def test_the_command_exits_non_zero_on_errors_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(sheet({"person": "Elchin Testov", "arrested_on": "31.02.2024"}).getvalue())
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_case_sheet", str(bad), "--no-progress", stdout=out, stderr=io.StringIO()
        )
    assert raised.value.returncode == 1
    assert "1 error; nothing was written" in str(raised.value)
    assert "Row 2, arrested_on '31.02.2024'" in out.getvalue()
    assert Person.objects.count() == 0

    with pytest.raises(CommandError) as raised:
        call_command("import_case_sheet", str(tmp_path / "missing.csv"), stderr=io.StringIO())
    assert raised.value.returncode == 2
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,date\nx,2023\n")
    with pytest.raises(CommandError) as raised:
        call_command("import_case_sheet", str(wrong), stderr=io.StringIO())
    assert raised.value.returncode == 2 and "no person column" in str(raised.value)


# --- the admin ---------------------------------------------------------------------------------


def __getattr__(name):
    """`urlpatterns`: this module is a URLconf with the case-sheet import wired into
    the persons' admin, for the admin tests until cases/admin.py wires it itself."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from casebook import urls as project

    site = admin.AdminSite(name="admin")
    for model, model_admin in admin.site._registry.items():
        model_admin_class = type(model_admin)
        if model is Person and not issubclass(model_admin_class, CaseSheetImportMixin):
            model_admin_class = type("PersonAdmin", (CaseSheetImportMixin, model_admin_class), {})
        site.register(model, model_admin_class)
    others = [p for p in project.urlpatterns if str(getattr(p, "pattern", "")) != "admin/"]
    return [path("admin/", site.urls), *others]


@pytest.fixture
def uploads(settings, tmp_path):
    """The import wired into the persons' admin; uploads kept under tmp_path."""
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    if not isinstance(admin.site._registry.get(Person), CaseSheetImportMixin):
        settings.ROOT_URLCONF = __name__
    return tmp_path / "private" / "case-sheets"


def test_uploads_wait_in_production_storage_never_a_temporary_folder(settings):
    storage_class = import_string(settings.IMPORT_EXPORT_TMP_STORAGE_CLASS)
    assert issubclass(storage_class, CaseSheetUploadStorage)
    assert issubclass(storage_class, MediaStorage)
    assert not issubclass(storage_class, TempFolderStorage)
    location = Path(settings.STORAGES["import_export"]["OPTIONS"]["location"])
    assert location.is_relative_to(settings.MEDIA_ROOT)  # the volume every app server shares
    # (the checkout itself may live under /tmp; what matters is that uploads follow
    # MEDIA_ROOT, which deployments put on persistent storage, not the temp folder)
    assert location != Path(tempfile.gettempdir())


def test_the_admin_previews_row_by_row_then_imports_on_confirmation(staff_client, uploads):
    factories.person("Bakhtiyar Hajiyev", variants=["Bəxtiyar Hacıyev"])
    page = staff_client.get(reverse("admin:cases_person_import"))
    assert page.status_code == 200
    assert "name_variants" in page.content.decode()  # the columns are explained

    upload = sheet(
        {"person": "Bəxtiyar Hacıyev", "arrested_on": "November 2023", "legal_stage": "convicted"},
        {"person": "Elchin Testov", "name_variants": "Elçin Testov", "arrested_on": "2019"},
        {"person": "Elçin Testov", "arrested_on": "2021"},
    )
    upload.name = "sheet.csv"
    preview = staff_client.post(reverse("admin:cases_person_import"), {"import_file": upload})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "matched" in html and "‘Bəxtiyar Hacıyev’ →" in html and "Bakhtiyar Hajiyev</a>" in html
    assert "new person</span> Elchin Testov" in html
    assert "the same new person as row 3" in html
    assert html.count("new detention") == 3
    assert Detention.objects.count() == 0  # nothing written before the confirmation
    (waiting,) = list(uploads.iterdir())
    assert waiting.read_bytes() == upload.getvalue()

    confirm = preview.context["confirm_form"]
    data = {name: confirm.initial.get(name, "") for name in confirm.fields}
    done = staff_client.post(reverse("admin:cases_person_process_import"), data)
    assert done.status_code == 302 and done.url == reverse("admin:cases_person_changelist")
    assert Detention.objects.count() == 3
    assert Person.objects.count() == 2
    assert list(uploads.iterdir()) == []  # removed once imported
    assert Context.objects.get(metadata__import="case_sheet").metadata["file"] == "sheet.csv"


def test_the_admin_shows_every_error_and_offers_no_confirmation(staff_client, uploads):
    upload = sheet(
        {"person": "Elchin Testov", "arrested_on": "31.02.2024"},
        {"person": "Kamran Testov", "legal_stage": "jailed"},
    )
    upload.name = "bad.csv"
    page = staff_client.post(reverse("admin:cases_person_import"), {"import_file": upload})
    html = page.content.decode()
    assert "2 errors: nothing was written." in html
    assert "February 2024 has 29 days" in html and "pre-trial-detention" in html
    assert "confirm_form" not in page.context or page.context["confirm_form"] is None
    assert 'id="case-sheet-confirm"' not in html
    assert list(uploads.iterdir()) == []  # nothing waits for a confirmation that cannot come


def test_the_admin_confirmation_needs_the_waiting_upload(staff_client, uploads):
    response = staff_client.post(
        reverse("admin:cases_person_process_import"),
        {"import_file_name": "0" * 32, "original_file_name": "x.csv", "format": "csv"},
    )
    assert response.status_code == 302 and response.url == reverse("admin:cases_person_import")
    response = staff_client.post(
        reverse("admin:cases_person_process_import"),
        {"import_file_name": "../../settings.py", "original_file_name": "x", "format": "csv"},
    )
    assert response.url == reverse("admin:cases_person_import")


def test_the_admin_offers_the_sample_sheet(staff_client, uploads):
    response = staff_client.get(reverse("admin:cases_person_case_sheet_sample"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SAMPLE.read_bytes()


def test_the_persons_list_offers_both_import_and_export(staff_client, uploads):
    html = staff_client.get(reverse("admin:cases_person_changelist")).content.decode()
    assert reverse("admin:cases_person_import") in html
    assert reverse("admin:cases_person_export") in html
    assert reverse("admin:cases_person_duplicates") in html  # the list's own buttons stay


def test_the_admin_previews_an_xlsx_sheet_too(staff_client, uploads):
    upload = xlsx(["Nigar Testova", None, "female", 1992, None, None, "Nov 2023"])
    upload.name = "sheet.xlsx"
    preview = staff_client.post(reverse("admin:cases_person_import"), {"import_file": upload})
    assert "new person</span> Nigar Testova" in preview.content.decode()
    confirm = preview.context["confirm_form"]
    assert confirm.initial["format"] == "xlsx"
    data = {name: confirm.initial.get(name, "") for name in confirm.fields}
    staff_client.post(reverse("admin:cases_person_process_import"), data)
    assert Detention.objects.get().arrested_on == datetime.date(2023, 11, 1)


def test_importing_needs_the_rights_to_add_and_change_persons_and_detentions(
    client, django_user_model, uploads
):
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("clerk", password="pw-unused-2", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_person"))
    factories.staff_sign_in(client, clerk)
    assert client.get(reverse("admin:cases_person_import")).status_code == 403
    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_person", "change_person", "add_detention", "change_detention"]
        )
    )
    clerk = django_user_model.objects.get(pk=clerk.pk)  # permissions are cached per instance
    factories.staff_sign_in(client, clerk)
    assert client.get(reverse("admin:cases_person_import")).status_code == 200
