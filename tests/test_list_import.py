"""Importing an edition of a political-prisoner list (lists.services.edition_import,
`manage.py import_list_edition`, the admin's preview and confirmation): names
matched by any spelling, ambiguous and repeated names refused, a file with any
error writing nothing, the same file imported twice changing nothing."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Context, Event

from access.roles import EDITOR, RESEARCHER, role_permissions, roles_apply
from cases.choices import Visibility
from cases.models import IssuedSlug, NameVariant, Organization, Person, issue_person_slugs
from cases.partial_dates import PartialDate, Precision
from cases.search import name_key
from lists.models import Edition, ListEntry, PrisonerList
from lists.services import COLUMNS, edition_import
from sources.models import Citation, Source
from tests import factories

pytestmark = pytest.mark.django_db

SLUG = "political-prisoners-azerbaijan"


def csv_file(*rows: dict, columns=COLUMNS, name="edition.csv") -> io.BytesIO:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns))
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    upload = io.BytesIO(out.getvalue().encode("utf-8"))
    upload.name = name
    return upload


def import_rows(*rows: dict, published_on="2024-03-01", **options):
    options.setdefault("prisoner_list_slug", SLUG)
    return edition_import(rows=list(rows), published_on=published_on, **options)


def table_counts() -> dict[str, int]:
    models = (Person, NameVariant, Organization, PrisonerList, Edition, ListEntry, Source,
              Citation)  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def event_count() -> int:
    return sum(m.objects.count() for m in apps.get_models() if issubclass(m, Event))


def entries(edition: Edition | None = None) -> dict[str, str]:
    """The edition's entries (not in the trash): person's display name -> listed name."""
    edition = edition or Edition.objects.get()
    return dict(
        edition.entries.filter(deleted_at=None).values_list("person__display_name", "listed_name")
    )


# --- matching ------------------------------------------------------------------------------


def test_a_name_in_another_script_or_transliteration_matches_the_person_on_record():
    hajiyev = factories.person("Bakhtiyar Hajiyev")
    mammadov = factories.person("İlqar Məmmədov", variants=["Ilgar Mammadov"])

    result = import_rows(
        {"name": "Бахтияр Гаджиев", "name_variants": "Bəxtiyar Hacıyev | Bakhtiyar Hajiyev",
         "group": "Activists"},
        {"name": "Ilqar Mammadov", "group": "Politicians"},
    )  # fmt: skip

    assert result.ok and result.written, result.errors
    assert (result.matched, result.new_persons, result.added) == (2, 0, 2)
    assert Person.objects.count() == 2
    assert entries() == {"Bakhtiyar Hajiyev": "Бахтияр Гаджиев",
                         "İlqar Məmmədov": "Ilqar Mammadov"}  # fmt: skip
    # the list's spellings the person lacked are kept, internal; the display name is not repeated
    added = hajiyev.name_variants.order_by("name")
    assert [v.name for v in added] == ["Bəxtiyar Hacıyev", "Бахтияр Гаджиев"]
    assert {v.visibility for v in added} == {Visibility.INTERNAL}
    assert [v.name for v in mammadov.name_variants.order_by("name")] == [
        "Ilgar Mammadov", "Ilqar Mammadov",
    ]  # fmt: skip
    assert result.new_variants == 3
    entry = ListEntry.objects.get(person=hajiyev)
    assert (entry.group, entry.visibility) == ("Activists", Visibility.INTERNAL)


def test_a_name_two_persons_share_is_a_row_error_naming_both():
    first = factories.person("Ali Aliyev")
    second = factories.person("Əli Əliyev")  # another man of the same name
    before = table_counts()

    result = import_rows({"name": "Nigar Testova"}, {"name": "Али Алиев"})

    assert not result.written
    (error,) = result.errors
    assert (error.row, error.column, error.value) == (3, "name", "Али Алиев")
    assert "match 2 persons on record" in error.message
    for person in (first, second):
        assert person.display_name in error.message
        assert reverse("admin:cases_person_change", args=[person.pk]) in error.message
    assert table_counts() == before


def test_a_spelling_in_the_trash_or_a_person_in_the_trash_matches_no_one():
    trashed = factories.person("Tofiq Yaqublu")
    Person.objects.filter(pk=trashed.pk).update(deleted_at="2024-01-01T00:00Z")

    result = import_rows({"name": "Tofig Yagublu"})

    assert result.written and result.new_persons == 1 and result.matched == 0
    assert Person.objects.filter(deleted_at=None).get().display_name == "Tofig Yagublu"


def test_new_persons_get_slugs_never_issued_before():
    # a person in the trash is not matched, and keeps the slug it was issued
    factories.person("Tofig Yagublu", deleted_at=timezone.now())
    IssuedSlug.objects.create(slug="tofig-yagublu-2")  # issued to someone since deleted for good

    result = import_rows({"name": "Tofig Yagublu"}, {"name": "Leyla Yunus"})

    assert result.written and result.new_persons == 2
    new = Person.objects.filter(deleted_at=None).order_by("display_name")
    assert list(new.values_list("slug", "name_key")) == [
        ("leyla-yunus", name_key("Leyla Yunus")), ("tofig-yagublu-3", name_key("Tofig Yagublu")),
    ]  # fmt: skip
    assert IssuedSlug.objects.filter(slug__in=["leyla-yunus", "tofig-yagublu-3"]).count() == 2


def test_slugs_issued_together_are_numbered_in_order_after_those_issued_before():
    factories.person("Ali Aliyev")
    IssuedSlug.objects.create(slug="ali-aliyev-2")
    assert issue_person_slugs(["Ali Aliyev", "Əli Əliyev", "Leyla Yunus", ""]) == [
        "ali-aliyev-3", "ali-aliyev-4", "leyla-yunus", "person",
    ]  # fmt: skip
    assert issue_person_slugs(["Ali Aliyev"]) == ["ali-aliyev-5"]
    assert IssuedSlug.objects.filter(slug__startswith="ali-aliyev").count() == 5


def test_an_unmatched_name_creates_an_internal_person_with_its_spellings():
    factories.person("Someone Else")

    result = import_rows(
        {"name": "Nargiz Absalamova", "name_variants": "Nərgiz Absalamova|Наргиз Абсаламова",
         "group": "Journalists", "status": "under monitoring", "note": "Abzas Media"},
    )  # fmt: skip

    assert result.written and (result.new_persons, result.new_variants) == (1, 2)
    person = Person.objects.get(display_name="Nargiz Absalamova")
    assert person.visibility == Visibility.INTERNAL and person.slug == "nargiz-absalamova"
    assert sorted(person.name_variants.values_list("name", flat=True)) == [
        "Nərgiz Absalamova", "Наргиз Абсаламова",
    ]  # fmt: skip
    entry = person.list_entries.get()
    assert (entry.group, entry.status, entry.note) == (
        "Journalists", "under monitoring", "Abzas Media",
    )  # fmt: skip
    # a new slug creates the list, titled from the slug; the edition at its date
    prisoner_list = PrisonerList.objects.get()
    assert (prisoner_list.slug, prisoner_list.title) == (SLUG, "Political prisoners azerbaijan")
    assert prisoner_list.visibility == Visibility.INTERNAL
    assert Edition.objects.get().published_on_partial == PartialDate.parse("2024-03-01")


def test_two_rows_naming_one_person_are_a_row_error():
    factories.person("Bakhtiyar Hajiyev")

    result = import_rows(
        {"name": "Bakhtiyar Hajiyev"},
        {"name": "Nigar Testova"},
        {"name": "Бахтияр Гаджиев"},  # the same person on record
        {"name": "Kamran Testov"},
        {"name": "Elchin Testov", "name_variants": "Nigar Testova"},  # the same new person
    )

    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [(4, "name"), (6, "name")]
    assert "Row 2 already names this person (Bakhtiyar Hajiyev)" in result.errors[0].message
    assert "Row 3 already names a person spelled this way" in result.errors[1].message
    assert ListEntry.objects.count() == 0


# --- the file and its errors ----------------------------------------------------------------


def test_an_unknown_column_is_an_error_naming_it():
    upload = csv_file({"name": "Nigar Testova", "Birthplace": "Baku"},
                      columns=["name", "Birthplace"])  # fmt: skip

    result = edition_import(file=upload, prisoner_list_slug=SLUG, published_on="2024")

    (error,) = result.errors
    assert (error.row, error.column, error.value) == (1, "column B", "Birthplace")
    assert "Unknown column; expected the columns name, name_variants, group" in error.message
    assert "Row 1, column B 'Birthplace'" in str(error)
    assert not result.written and Person.objects.count() == 0


def test_a_missing_name_is_an_error_and_a_missing_name_column_too():
    result = import_rows({"name": "Nigar Testova"}, {"name": "  ", "group": "Journalists"})
    (error,) = result.errors
    assert (error.row, error.column, error.value) == (3, "name", "")
    assert "A name is required" in error.message

    upload = csv_file({"group": "Journalists"}, columns=["group"])
    result = edition_import(file=upload, prisoner_list_slug=SLUG, published_on="2024")
    assert any(e.row == 1 and e.column == "name" and "No name column" in e.message
               for e in result.errors)  # fmt: skip
    assert PrisonerList.objects.count() == 0


def test_a_file_with_one_bad_row_writes_nothing():
    factories.person("Bakhtiyar Hajiyev")
    before, events = table_counts(), event_count()

    result = edition_import(
        file=csv_file(
            {"name": "Бахтияр Гаджиев", "group": "Activists"},
            {"name": "Nigar Testova", "name_variants": "Нигяр Тестова"},
            {"name": "Kamran Testov", "status": "x" * 121},
        ),
        prisoner_list_slug=SLUG, published_on="2024-03", source_url="https://example.org/list",
        publisher_name="Union For Freedom",
    )  # fmt: skip

    (error,) = result.errors
    assert (error.row, error.column) == (4, "status")
    assert "At most 120 characters; this has 121" in error.message
    assert (result.rows, result.matched, result.new_persons) == (3, 1, 1)  # the plan, unwritten
    assert not result.written
    assert table_counts() == before and event_count() == events
    assert "1 error; nothing was written" in result.summary()


def test_an_xlsx_file_is_read_with_its_formula_escapes_undone():
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Group", "Note"])
    workbook.active.append(["Nigar Testova", "Journalists", "'=counted twice"])
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)

    result = edition_import(
        file=upload, file_name="edition.xlsx", prisoner_list_slug=SLUG, published_on="2024"
    )

    assert result.written, result.errors
    assert ListEntry.objects.get().note == "=counted twice"


def test_a_file_that_is_not_a_sheet_is_refused_before_reading():
    from cases.case_sheet import CaseSheetFormatError

    upload = io.BytesIO(b"PK\x03\x04 not a workbook")
    upload.name = "edition.xlsx"
    with pytest.raises(CaseSheetFormatError, match="not a readable XLSX workbook"):
        edition_import(file=upload, prisoner_list_slug=SLUG, published_on="2024")


def test_the_options_are_checked_with_the_rows():
    factories.organization("Union For Freedom of Political Prisoners", abbreviation="UFPP")
    factories.organization("Union of Publishers", abbreviation="UFPP")

    result = import_rows(
        {"name": "Nigar Testova"},
        prisoner_list_slug="Not a slug!", published_on="2024-02-30",
        publisher_name="ufpp", source_url="ftp://example.org/list",
    )  # fmt: skip

    fields = [problem.field for problem in result.problems]
    assert fields == ["published_on", "list", "publisher", "source"]  # every one, at once
    assert "is not a real date" in result.problems[0].message
    assert "“Not a slug!” is not a list's slug" in result.problems[1].message
    assert "“ufpp” names 2 organizations" in result.problems[2].message
    assert "Union For Freedom of Political Prisoners; Union of Publishers" in (
        result.problems[2].message
    )
    assert "is not a web address" in result.problems[3].message
    assert PrisonerList.objects.count() == 0 and Person.objects.count() == 0


# --- importing again -------------------------------------------------------------------------


ROWS = (
    {"name": "Bakhtiyar Hajiyev", "name_variants": "Бахтияр Гаджиев", "group": "Activists"},
    {"name": "Nigar Testova", "group": "Journalists", "status": "under monitoring"},
    {"name": "Kamran Testov", "group": "Journalists", "note": "arrested in 2023"},
)


def test_importing_the_same_file_again_changes_nothing():
    publisher = factories.organization("Union For Freedom of Political Prisoners",
                                       abbreviation="UFPP")  # fmt: skip
    options = {"publisher_name": "UFPP", "source_url": "https://example.org/list-2024",
               "title": "Political prisoners in Azerbaijan"}  # fmt: skip
    first = edition_import(file=csv_file(*ROWS), prisoner_list_slug=SLUG,
                           published_on="2024-03-01", **options)  # fmt: skip
    assert first.written and (first.new_persons, first.added) == (3, 3)
    assert (first.list_created, first.edition_created) == (True, True)
    assert (first.source_created, first.citation_created) == (True, True)
    prisoner_list = PrisonerList.objects.get()
    assert prisoner_list.publisher == publisher
    assert prisoner_list.title == "Political prisoners in Azerbaijan"
    source = Source.objects.get()
    assert (source.url, source.kind.code, source.visibility) == (
        "https://example.org/list-2024", "ngo-report", Visibility.INTERNAL,
    )  # fmt: skip
    citation = Citation.objects.get()
    assert citation.edition == Edition.objects.get() and citation.source == source
    assert (citation.locator, citation.excerpt, citation.visibility) == ("", "", "internal")
    before, events, contexts = table_counts(), event_count(), Context.objects.count()

    again = edition_import(file=csv_file(*ROWS), prisoner_list_slug=SLUG,
                           published_on="2024-03-01", **options)  # fmt: skip

    assert again.ok and again.written
    assert (again.matched, again.new_persons, again.new_variants) == (3, 0, 0)
    assert (again.added, again.changed, again.unchanged, again.removed) == (0, 0, 3, 0)
    assert not (again.list_created or again.edition_created or again.source_created
                or again.citation_created or again.changes_anything)  # fmt: skip
    assert table_counts() == before
    assert event_count() == events and Context.objects.count() == contexts


def test_the_file_is_the_edition_changed_rows_change_and_missing_rows_leave_it():
    import_rows(*ROWS)
    kamran = Person.objects.get(display_name="Kamran Testov")

    result = import_rows(
        {"name": "Bakhtiyar Hajiyev", "group": "Activists"},
        {"name": "Nigar Testova", "group": "Journalists", "status": "released"},
    )

    assert (result.added, result.changed, result.unchanged, result.removed) == (0, 1, 1, 1)
    assert [(r.person_name, r.listed_name) for r in result.removals] == [
        ("Kamran Testov", "Kamran Testov"),
    ]  # fmt: skip
    (changed,) = [plan for plan in result.row_plans if plan.entry_action == "changed"]
    assert changed.changes == ["status in the list"]
    assert entries() == {"Bakhtiyar Hajiyev": "Bakhtiyar Hajiyev",
                         "Nigar Testova": "Nigar Testova"}  # fmt: skip
    trashed = ListEntry.objects.get(person=kamran)
    assert trashed.deleted_at is not None  # in the trash, not deleted
    assert Person.objects.filter(pk=kamran.pk, deleted_at=None).exists()  # the person stays

    back = import_rows(*ROWS)  # the entry comes back from the trash, as it was added

    assert (back.added, back.changed, back.unchanged, back.removed) == (1, 1, 1, 0)
    assert ListEntry.objects.get(person=kamran).deleted_at is None
    assert ListEntry.objects.count() == 3


def test_a_dry_run_writes_nothing_and_says_what_would_happen():
    factories.person("Bakhtiyar Hajiyev")
    before, events = table_counts(), event_count()

    result = import_rows(*ROWS, dry_run=True, source_url="https://example.org/list")

    assert result.ok and not result.written
    assert (result.rows, result.matched, result.new_persons, result.new_variants) == (3, 1, 2, 1)
    assert (result.added, result.changed, result.unchanged, result.removed) == (3, 0, 0, 0)
    assert result.list_created and result.edition_created and result.source_created
    assert table_counts() == before and event_count() == events
    assert result.summary().startswith(
        "3 rows: 1 person matched, 2 new persons, 1 new spelling, 3 entries added, "
        "0 entries changed, 0 entries unchanged, 0 entries removed, new list, new edition"
    )


def test_an_edition_of_a_stored_list_at_another_precision_is_refused():
    import_rows({"name": "Nigar Testova"}, published_on="2024-03")

    result = import_rows({"name": "Nigar Testova"}, published_on="2024-03-01")

    assert [p.field for p in result.problems] == ["published_on"]
    assert "give that date as 2024-03" in result.problems[0].message
    edition = Edition.objects.get()
    assert edition.published_on_partial == PartialDate.parse("2024-03")
    assert edition.published_on_precision == Precision.MONTH


def test_the_history_names_the_import():
    user = User.objects.create_superuser("importer", "i@example.org", "pw-unused-3")
    result = import_rows(*ROWS, user=user)
    edition = result.edition
    context = Context.objects.get(metadata__import="list_edition")
    assert context.metadata["user"] == user.pk
    assert context.metadata["list"] == SLUG and context.metadata["published_on"] == "2024-03-01"
    assert edition.history.get().pgh_context == context


# --- the command ---------------------------------------------------------------------------


def test_the_command_imports_and_prints_a_summary(tmp_path):
    factories.person("Bakhtiyar Hajiyev")
    path = tmp_path / "edition.csv"
    path.write_bytes(csv_file(*ROWS).getvalue())

    out = io.StringIO()
    call_command("import_list_edition", str(path), "--list", SLUG, "--published-on", "2024-03",
                 "--dry-run", stdout=out, stderr=io.StringIO())  # fmt: skip
    assert f"Checked edition.csv for {SLUG}, 2024-03, nothing written: 3 rows" in out.getvalue()
    assert PrisonerList.objects.count() == 0

    out = io.StringIO()
    call_command("import_list_edition", str(path), "--list", SLUG, "--published-on", "2024-03",
                 "--title", "Political prisoners in Azerbaijan", "--rows", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert f"Imported edition.csv as {SLUG}, 2024-03: 3 rows: 1 person matched" in text
    assert "row 3: Nigar Testova (new person), entry added" in text
    assert PrisonerList.objects.get().title == "Political prisoners in Azerbaijan"
    assert ListEntry.objects.count() == 3


def test_the_command_exits_non_zero_with_the_errors_on_stderr(tmp_path):
    factories.person("Ali Aliyev")
    factories.person("Əli Əliyev")
    path = tmp_path / "edition.csv"
    path.write_bytes(csv_file({"name": "Nigar Testova"}, {"name": "Али Алиев"}).getvalue())

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_list_edition", str(path), "--list", SLUG, "--published-on",
                     "2024-13", stdout=out, stderr=err)  # fmt: skip
    assert raised.value.returncode == 1
    assert "1 error; nothing was written" not in str(raised.value)  # a row error and a problem
    assert "2 errors; nothing was written" in str(raised.value)
    assert "--published-on: " in err.getvalue() and "there is no month 13" in err.getvalue()
    assert "Row 3, name 'Али Алиев': The spellings of this row match 2 persons" in err.getvalue()
    assert out.getvalue() == ""
    assert PrisonerList.objects.count() == 0 and Person.objects.count() == 2

    with pytest.raises(CommandError) as raised:
        call_command("import_list_edition", str(tmp_path / "missing.csv"), "--list", SLUG,
                     "--published-on", "2024")  # fmt: skip
    assert raised.value.returncode == 2


# --- the admin -----------------------------------------------------------------------------


@pytest.fixture
def uploads(settings, tmp_path):
    """Uploads waiting for their confirmation kept under tmp_path."""
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return tmp_path / "private" / "list-editions"


IMPORT_URL = "admin:lists_prisonerlist_import_edition"


def preview(client, upload, **fields):
    data = {"new_list_slug": SLUG, "published_on": "2024-03-01", "file": upload, **fields}
    return client.post(reverse(IMPORT_URL), data)


def test_the_lists_page_links_to_the_import(staff_client):
    html = staff_client.get(reverse("admin:lists_prisonerlist_changelist")).content.decode()
    assert reverse(IMPORT_URL) in html
    page = staff_client.get(reverse(IMPORT_URL))
    assert page.status_code == 200 and "name_variants" in page.content.decode()


def test_the_admin_previews_then_imports_on_confirmation(staff_client, uploads):
    hajiyev = factories.person("Bakhtiyar Hajiyev")

    page = preview(staff_client, csv_file(*ROWS), source_url="https://example.org/list")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Bakhtiyar Hajiyev</a>" in html and "new person</span> Nigar Testova" in html
    assert "A new list, political-prisoners-azerbaijan." in html
    assert 'id="edition-import-confirm"' in html
    assert PrisonerList.objects.count() == 0 and ListEntry.objects.count() == 0
    (waiting,) = list(uploads.iterdir())
    token = page.context["token"]
    assert waiting.name == token

    done = staff_client.post(reverse(IMPORT_URL), {"token": token, "confirm": "1"})

    edition = Edition.objects.get()
    assert done.status_code == 302
    assert done.url == reverse("admin:lists_edition_change", args=[edition.pk])
    assert ListEntry.objects.filter(edition=edition).count() == 3
    assert ListEntry.objects.filter(person=hajiyev).exists()
    assert Citation.objects.get().edition == edition
    assert list(uploads.iterdir()) == []  # removed once imported

    again = staff_client.post(reverse(IMPORT_URL), {"token": token, "confirm": "1"})
    assert again.status_code == 302 and again.url == reverse(IMPORT_URL)  # used up


def test_the_admin_shows_the_errors_and_offers_no_confirmation(staff_client, uploads):
    page = preview(staff_client, csv_file({"name": "", "note": "x"}, {"name": "Nigar Testova"},
                                          {"name": "x", "group": "g" * 201}))  # fmt: skip

    html = page.content.decode()
    assert "2 errors: nothing was written." in html
    assert "A name is required" in html and "At most 200 characters" in html
    assert 'id="edition-import-confirm"' not in html and page.context.get("token") is None
    assert list(uploads.iterdir()) == []  # nothing waits for a confirmation that cannot come

    page = preview(staff_client, csv_file({"name": "Nigar Testova"}), source_url="",
                   published_on="2024-02-30")  # fmt: skip
    assert "is not a real date" in page.content.decode()


def test_the_admin_confirms_only_its_own_waiting_upload(staff_client, uploads, django_user_model):
    page = preview(staff_client, csv_file(*ROWS))
    token = page.context["token"]

    other = django_user_model.objects.create_superuser("other", "o@example.org", "pw-unused-4")
    stranger = factories.staff_sign_in(Client(), other)
    response = stranger.post(reverse(IMPORT_URL), {"token": token, "confirm": "1"})
    assert response.status_code == 302 and response.url == reverse(IMPORT_URL)
    response = staff_client.post(reverse(IMPORT_URL), {"token": "../../x", "confirm": "1"})
    assert response.url == reverse(IMPORT_URL)
    assert ListEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_admin_import_commits_with_real_transactions(vocabularies, client, uploads):
    user = User.objects.create_superuser("researcher", "r@example.org", "pw-unused-1")
    staff_client = factories.staff_sign_in(client, user)
    factories.person("Bakhtiyar Hajiyev")

    page = preview(staff_client, csv_file(*ROWS), source_url="https://example.org/list",
                   publisher="Union For Freedom")  # fmt: skip
    assert page.context["result"].ok
    done = staff_client.post(reverse(IMPORT_URL), {"token": page.context["token"], "confirm": "1"})

    assert done.status_code == 302
    prisoner_list = PrisonerList.objects.get()
    assert prisoner_list.publisher.name == "Union For Freedom"
    assert prisoner_list.publisher.visibility == Visibility.INTERNAL
    assert ListEntry.objects.count() == 3 and Person.objects.count() == 3
    context = Context.objects.get(metadata__import="list_edition")
    assert context.metadata["user"] == user.pk and context.metadata["file"] == "edition.csv"
    assert Source.objects.get().kind.code == "ngo-report"

    # the same file again: nothing to change, and nothing written
    events = event_count()
    page = preview(staff_client, csv_file(*ROWS), source_url="https://example.org/list",
                   publisher="Union For Freedom")  # fmt: skip
    assert "Nothing to change" in page.content.decode()
    staff_client.post(reverse(IMPORT_URL), {"token": page.context["token"], "confirm": "1"})
    assert event_count() == events


# --- rights ----------------------------------------------------------------------------------


def member(role: str) -> User:
    roles_apply()
    user = User.objects.create_user(role, password="pw-unused-5", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)


def test_researchers_and_editors_have_rights_on_the_lists():
    researcher, editor = role_permissions()[RESEARCHER], role_permissions()[EDITOR]
    for code in ("lists.add_prisonerlist", "lists.add_edition", "lists.add_listentry",
                 "lists.change_listentry", "lists.add_casegroup", "lists.view_listentry"):  # fmt: skip
        assert code in researcher and code in editor
    assert "lists.delete_listentry" not in researcher and "lists.delete_listentry" in editor


def test_a_researcher_may_import_an_edition(client, uploads):
    researcher = member(RESEARCHER)
    factories.staff_sign_in(client, researcher)
    assert client.get(reverse("admin:lists_prisonerlist_changelist")).status_code == 200

    page = preview(client, csv_file(*ROWS), source_url="https://example.org/list",
                   publisher="Union For Freedom")  # fmt: skip
    assert page.context["result"].ok, page.context["form"].errors
    client.post(reverse(IMPORT_URL), {"token": page.context["token"], "confirm": "1"})
    assert ListEntry.objects.count() == 3

    # taking entries out of an edition is an editor's: the preview says so, nothing is written
    result = import_rows(ROWS[0], user=researcher)
    assert [p.field for p in result.problems] == ["rights"]
    assert "lists.delete_listentry" in result.problems[0].message
    assert not result.written and ListEntry.objects.filter(deleted_at=None).count() == 3
    assert import_rows(ROWS[0], user=member(EDITOR)).removed == 2


def test_importing_needs_the_rights_to_add_entries_and_persons(client):
    clerk = User.objects.create_user("clerk", password="pw-unused-6", is_staff=True)
    factories.staff_sign_in(client, clerk)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    with pytest.raises(PermissionDenied):
        import_rows(*ROWS, user=clerk)
