"""The persons' export in the admin: the persons with their fields, and the case
sheet filled from the records, one row per detention, which imports back as
unchanged, and after a corrected cell changes exactly that."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from cases import services
from cases.case_sheet import COLUMNS, case_sheet_import, case_sheet_preview
from cases.models import (
    Affiliation,
    AllegationKind,
    Charge,
    Detention,
    NameVariant,
    Occupation,
    Person,
    ReleaseReason,
)
from cases.partial_dates import PartialDate
from cases.resources import CaseSheetResource
from sources.models import Citation, Source
from tests import factories

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/cases/person/export/"
PERSONS, CASE_SHEET = "0", "1"  # the resources offered, in order
CSV, XLSX, JSON = "0", "1", "2"


def export(client, resource: str, file_format: str, query: str = "") -> bytes:
    """Choose the resource and the format on the export page, every column ticked."""
    html = client.get(EXPORT_URL + query).content.decode()
    prefix = {PERSONS: "personresource_", CASE_SHEET: "casesheetresource_"}[resource]
    data = {"resource": resource, "format": file_format}
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"', html):
        if name.startswith(prefix):
            data[name] = "on"
    response = client.post(EXPORT_URL + query, data)
    assert response.status_code == 200, response.content[:2000]
    return response.content


def sheet_rows(content: bytes, file_format: str) -> list[dict[str, str]]:
    if file_format == CSV:
        return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    return [
        {
            header: "" if value is None else str(value)
            for header, value in zip(rows[0], row, strict=True)
        }
        for row in rows[1:]
    ]


@pytest.fixture
def cases():
    """Two persons with everything a case sheet holds, one without a detention,
    one in the trash, and values a spreadsheet would take for formulae."""
    leyla = factories.person(
        "Leyla Yunus", variants=["Leyla Yunusova", "Лейла Юнус"], gender="female",
        internal_notes="- call her lawyer first\n+994 12 000 00 00",
    )  # fmt: skip
    leyla.birth_date = PartialDate.parse("1955")
    leyla.save()
    leyla.occupations.add(*Occupation.objects.filter(code__in=["human-rights-defender"]))
    Affiliation.objects.create(
        person=leyla, organization=factories.organization("Institute for Peace and Democracy")
    )
    first = factories.detention(
        leyla, arrested="30.07.2014", released="2015-12", stage="released",
        facility="=Kurdakhani pre-trial detention centre", arrest_place="Baku",
        sentence_months=102, release_reason=ReleaseReason.objects.get(code="other"),
    )  # fmt: skip
    Charge.objects.create(detention=first, article="274", description="high treason")
    Charge.objects.create(detention=first, article="206.3.2", description="smuggling")
    factories.allegation(leyla, kind="denial-of-medical-care", detention=first)
    article = factories.source("Article", url="https://example.org/leyla")
    factories.citation(article, detention=first)
    factories.citation(factories.source("Interview, no web address"), detention=first)
    second = factories.detention(leyla, arrested="2016-03", stage="in-exile")
    Charge.objects.create(detention=second, article="308.1")

    khadija = factories.person("Khadija Ismayilova", variants=["Xədicə İsmayılova"])
    factories.detention(khadija, arrested="December 2014", stage="released")
    factories.person("Anar Mammadli")  # no detention: a row of person columns only
    trashed = factories.person("Trashed Person")
    factories.detention(trashed, arrested="2020")
    services.records_trash(queryset=Person.objects.filter(pk=trashed.pk))
    # in the trash too: a spelling and a charge are not exported
    services.records_trash(queryset=NameVariant.objects.filter(name="Leyla Yunusova"))
    trashed_charge = Charge.objects.create(detention=second, article="999")
    services.records_trash(queryset=Charge.objects.filter(pk=trashed_charge.pk))
    return {"leyla": leyla, "first": first, "second": second, "khadija": khadija}


def test_the_export_page_offers_persons_and_the_case_sheet(staff_client):
    page = staff_client.get(EXPORT_URL).content.decode()
    assert "Persons (one row per person)" in page
    assert "Case sheet (one row per detention)" in page


def test_the_persons_export_has_each_persons_fields(staff_client, cases):
    rows = sheet_rows(export(staff_client, PERSONS, CSV), CSV)
    by_name = {row["display_name"]: row for row in rows}
    assert set(by_name) == {"Leyla Yunus", "Khadija Ismayilova", "Anar Mammadli"}
    leyla = by_name["Leyla Yunus"]
    assert leyla["name_variants"] == "Лейла Юнус"  # the other spelling is in the trash
    assert (leyla["gender"], leyla["birth_date"], leyla["detentions"]) == ("female", "1955", "2")
    assert leyla["occupations"] == "human-rights-defender"
    assert leyla["affiliations"] == "Institute for Peace and Democracy"
    assert leyla["slug"] == "leyla-yunus" and leyla["uuid"] == str(cases["leyla"].uuid)
    assert leyla["internal_notes"].startswith("'- call her lawyer")  # escaped for spreadsheets
    assert leyla["photo"] == "no"
    assert "name_key" not in leyla and "deleted_at" not in leyla


def test_the_case_sheet_export_is_filled_one_row_per_detention(staff_client, cases):
    rows = sheet_rows(export(staff_client, CASE_SHEET, CSV), CSV)
    assert list(rows[0]) == list(COLUMNS)
    assert [(row["person"], row["arrested_on"]) for row in rows] == [
        ("Anar Mammadli", ""),
        ("Khadija Ismayilova", "2014-12"),
        ("Leyla Yunus", "2014-07-30"),
        ("Leyla Yunus", "2016-03"),
    ]
    first, second = rows[2], rows[3]
    assert first == {
        "person": "Leyla Yunus",
        "name_variants": "Лейла Юнус",
        "gender": "female",
        "birth_year": "1955",
        "occupations": "human-rights-defender",
        "affiliations": "Institute for Peace and Democracy",
        "arrested_on": "2014-07-30",
        "arrest_place": "Baku",
        "charges": "206.3.2 (smuggling) | 274 (high treason)",
        "legal_stage": "released",
        "sentence": "8 years 6 months",
        "facility": "'=Kurdakhani pre-trial detention centre",
        "released_on": "2015-12",
        "release_reason": "other",
        "allegations": "denial-of-medical-care",
        "sources": "https://example.org/leyla",
        "notes": "'- call her lawyer first\n+994 12 000 00 00",
        "case_group": "",
        "transferred_to": "",
        "transferred_on": "",
    }
    assert second["charges"] == "308.1" and second["notes"] == ""  # notes once per person
    assert second["gender"] == "female"  # the person's columns on each of their rows


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
def test_an_exported_case_sheet_imports_back_unchanged_then_changes_one_cell(
    staff_client, cases, file_format
):
    content = export(staff_client, CASE_SHEET, file_format)
    name = "sheet.csv" if file_format == CSV else "sheet.xlsx"
    result = case_sheet_preview(file=io.BytesIO(content), file_name=name)
    assert result.ok, [str(error) for error in result.errors]
    assert not result.changes_anything, result.summary()
    assert result.counts["matched_persons"] == 3
    assert result.counts["unchanged_detentions"] == 3
    assert [plan.detention_action for plan in result.row_plans] == [
        "", "unchanged", "unchanged", "unchanged",
    ]  # fmt: skip
    counts = {model: model.objects.count() for model in (Person, Detention, Charge, Citation)}

    # a researcher corrects one cell and imports the sheet again
    corrected = _set_cell(content, file_format, row=5, column="facility", value="Prison no. 1")
    before = {d.pk: d.updated_at for d in Detention.objects.all()}
    persons_before = {p.pk: p.updated_at for p in Person.objects.all()}
    result = case_sheet_import(file=io.BytesIO(corrected), file_name=name)
    assert result.written and result.ok
    changed = {key: n for key, n in result.counts.items() if n}
    assert changed == {
        "matched_persons": 3, "updated_detentions": 1, "unchanged_detentions": 2,
        "new_facilities": 1, "new_custody_periods": 1,
    }  # fmt: skip
    second = cases["second"]
    second.refresh_from_db()
    assert second.facility == "Prison no. 1"
    assert [pk for pk, at in before.items() if Detention.objects.get(pk=pk).updated_at != at] == [
        second.pk
    ]
    assert {p.pk: p.updated_at for p in Person.objects.all()} == persons_before
    assert {model: model.objects.count() for model in counts} == counts


def test_the_case_sheet_export_follows_the_lists_filters(staff_client, cases):
    rows = sheet_rows(export(staff_client, CASE_SHEET, CSV, "?q=Ismayilova"), CSV)
    assert [row["person"] for row in rows] == ["Khadija Ismayilova"]


def test_the_case_sheet_export_reads_a_fixed_number_of_queries(cases, django_assert_num_queries):
    persons = Person.objects.filter(deleted_at__isnull=True)
    with django_assert_num_queries(8):
        small = CaseSheetResource().export(persons)
    for number in range(5):
        person = factories.person(f"More Person {number}", variants=[f"Spelling {number}"])
        detention = factories.detention(person, arrested=f"201{number}")
        Charge.objects.create(detention=detention, article="193-1")
        factories.citation(Source.objects.get(title="Article"), detention=detention)
    with django_assert_num_queries(8):
        large = CaseSheetResource().export(persons)
    assert large.height == small.height + 5


def _set_cell(content: bytes, file_format: str, *, row: int, column: str, value: str) -> bytes:
    """The sheet with one cell changed (row as a spreadsheet numbers it)."""
    if file_format == CSV:
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        table[row - 1][table[0].index(column)] = value
        out = io.StringIO()
        csv.writer(out).writerows(table)
        return out.getvalue().encode()
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=row, column=headers.index(column) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_case_sheet_import_reads_escaped_cells_as_the_values_they_were():
    # the export writes '=... and '-...; the import takes the ' off again
    kind = AllegationKind.objects.first()
    assert kind  # the vocabulary is there
    header = ",".join(COLUMNS)
    row = {column: "" for column in COLUMNS}
    row.update(person="Escaped Person", arrested_on="2023", facility="'=Prison",
               arrest_place="'-north", notes="'+994 note")  # fmt: skip
    sheet = header + "\n" + ",".join(row[column] for column in COLUMNS) + "\n"
    result = case_sheet_import(file=io.BytesIO(sheet.encode()), file_name="escaped.csv")
    assert result.written, [str(error) for error in result.errors]
    detention = Detention.objects.get(person__display_name="Escaped Person")
    assert (detention.facility, detention.arrest_place) == ("=Prison", "-north")
    assert detention.person.internal_notes == "+994 note"
