"""The researchers' workflow in the admin: complete history (admin edits, bulk
writes, raw SQL; append-only), restore from history, refusal of a concurrent
edit, the trash, possible duplicates, merge and undo, who may publish, and
exports with escaped formulae."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils.html import escape
from pghistory.models import Events

from access.roles import CASE_APPS, EDITOR, RESEARCHER, roles_apply
from cases import services
from cases.models import (
    Affiliation,
    Detention,
    Merge,
    NameVariant,
    Organization,
    Person,
    PersonEvent,
    Withdrawal,
)
from sources.models import Citation
from tests import factories

pytestmark = pytest.mark.django_db


def make_user(django_user_model, name: str, *, editor: bool) -> Client:
    """A researcher (adds, changes and views case records) or an editor (also
    moves to the trash, publishes, restores and merges), in the groups of
    `manage.py setup_roles`, signed in with both factors."""
    roles_apply()
    user = django_user_model.objects.create_user(name, password="pw-unused-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR if editor else RESEARCHER))
    client = factories.staff_sign_in(Client(), user)
    client.user = user
    return client


@pytest.fixture
def researcher(django_user_model):
    return make_user(django_user_model, "rita", editor=False)


@pytest.fixture
def editor(django_user_model):
    return make_user(django_user_model, "eddie", editor=True)


def form_data(client, url: str) -> dict:
    """The values a browser would post from the change form at `url`."""
    html = client.get(url).content.decode()
    data = {}
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>(?:[^<]*</textarea>)?", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag or 'type="checkbox"' in tag:
            continue
        if tag.startswith("<textarea"):
            data[name[1]] = re.search(r">([^<]*)</textarea>", tag)[1]
        elif tag.startswith("<select"):
            continue
        else:
            value = re.search(r'value="([^"]*)"', tag)
            data[name[1]] = value[1] if value else ""
    for select, attrs, body in re.findall(
        r'<select name="([^"]+)"([^>]*)>(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        if chosen or "multiple" not in attrs:
            data[select] = chosen[1] if chosen else ""
    return data


def org_url(org, action="change"):
    return f"/admin/cases/organization/{org.pk}/{action}/"


# --- history ---------------------------------------------------------------------------


def test_admin_edits_are_recorded_with_who_from_where_and_the_values(editor):
    org = factories.organization("Abzas Media", slug="abzas-media", country="")
    data = form_data(editor, org_url(org))
    data.update(country="Azerbaijan")
    response = editor.post(org_url(org), data)
    assert response.status_code == 302, response.content[:3000]
    events = list(Events.objects.tracks(org).order_by("pgh_created_at"))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    update = events[-1]
    assert update.pgh_diff["country"] == ["", "Azerbaijan"]
    assert update.pgh_context["user"] == editor.user.pk
    assert update.pgh_context["url"] == org_url(org)
    history = editor.get(org_url(org, "history")).content.decode()
    assert "eddie" in history and "Azerbaijan" in history and "country" in history


def test_bulk_writes_and_raw_sql_are_recorded_too():
    Person.objects.bulk_create(
        [
            Person(display_name="Bulk One", slug="bulk-one"),
            Person(display_name="Bulk Two", slug="bulk-two"),
        ]
    )
    person = Person.objects.get(display_name="Bulk One")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_person SET summary = 'raw' WHERE id = %s", [person.pk])
        cursor.execute("DELETE FROM cases_person WHERE id = %s", [person.pk])
    labels = list(
        PersonEvent.objects.filter(pgh_obj_id=person.pk)
        .order_by("pgh_id")
        .values_list("pgh_label", "summary")
    )
    assert labels == [("insert", ""), ("update", "raw"), ("delete", "raw")]


def test_the_event_tables_are_append_only():
    person = factories.person("Kept Forever")
    event = PersonEvent.objects.filter(pgh_obj_id=person.pk).first()
    for statement in ("UPDATE cases_personevent SET summary = 'x' WHERE pgh_id = %s",
                      "DELETE FROM cases_personevent WHERE pgh_id = %s"):  # fmt: skip
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pgh_id])
    assert PersonEvent.objects.filter(pgh_id=event.pgh_id).exists()


def test_a_record_is_restored_from_its_history(editor, researcher):
    org = factories.organization("Meydan TV", slug="meydan-tv", description="first text")
    org.description = "a mistaken edit"
    org.save()
    first = org.history.order_by("pgh_id").first()
    restore = f"/admin/cases/organization/{org.pk}/history/{first.pgh_id}/restore/"
    researcher.post(restore)
    org.refresh_from_db()
    assert org.description == "a mistaken edit"  # researchers may not restore
    assert editor.post(restore).status_code == 302
    org.refresh_from_db()
    assert org.description == "first text"
    latest = Events.objects.tracks(org).order_by("-pgh_id").first()
    assert latest.pgh_context["action"] == "restore version"


# --- no lost edits ---------------------------------------------------------------------


def test_a_second_save_over_a_newer_one_is_refused_and_shows_the_other_change(editor, researcher):
    org = factories.organization("Turan", slug="turan", country="")
    mine = form_data(researcher, org_url(org))  # both open the form
    theirs = form_data(editor, org_url(org))
    theirs["country"] = "Azerbaijan"
    assert editor.post(org_url(org), theirs).status_code == 302
    mine["description"] = "my careful text"
    response = researcher.post(org_url(org), mine)
    assert response.status_code == 200  # the form again, not a redirect
    body = response.content.decode()
    assert "was changed by someone else" in body
    assert "eddie" in body and "country" in body and "Azerbaijan" in body
    assert "my careful text" in body  # what this researcher typed is still there
    org.refresh_from_db()
    assert org.country == "Azerbaijan" and org.description == ""
    # reloading and saving again works
    again = form_data(researcher, org_url(org))
    again["description"] = "my careful text"
    assert researcher.post(org_url(org), again).status_code == 302
    org.refresh_from_db()
    assert (org.country, org.description) == ("Azerbaijan", "my careful text")


def test_an_inline_row_changed_meanwhile_is_refused_too(editor):
    person = factories.person("Inline Person", variants=["Inline Variant"])
    url = f"/admin/cases/person/{person.pk}/change/"
    data = form_data(editor, url)
    variant = NameVariant.objects.get(person=person)
    variant.name = "Changed elsewhere"
    variant.save()
    key = next(k for k, v in data.items() if v == "Inline Variant")
    data[key] = "Overwriting it"
    response = editor.post(url, data)
    assert (
        response.status_code == 200 and "was changed by someone else" in response.content.decode()
    )
    variant.refresh_from_db()
    assert variant.name == "Changed elsewhere"


# --- the trash -------------------------------------------------------------------------


def test_deleting_in_the_admin_moves_to_the_trash_and_editors_restore(client, editor, researcher):
    person = factories.person("Trashed Person")
    detention = factories.detention(person, arrested="2023")
    assert researcher.get(f"/admin/cases/person/{person.pk}/delete/").status_code == 403
    assert editor.get(f"/admin/cases/person/{person.pk}/delete/").status_code == 200
    response = editor.post(f"/admin/cases/person/{person.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.deleted_at is not None  # nothing was deleted
    assert Detention.objects.filter(pk=detention.pk).exists()
    changelist = researcher.get("/admin/cases/person/").content.decode()
    assert f"/admin/cases/person/{person.pk}/change/" not in changelist
    # the admin lists go through the visibility policy: a trashed person's records go too
    detentions = researcher.get("/admin/cases/detention/").content.decode()
    assert f"/admin/cases/detention/{detention.pk}/change/" not in detentions
    assert client.get(f"/persons/{person.slug}/").status_code == 404
    assert client.get(f"/api/v1/persons/{person.slug}/").status_code == 404
    assert Withdrawal.objects.filter(uuid=person.uuid).exists()  # partners are told

    trash = editor.get("/admin/cases/person/trash/").content.decode()
    assert "Trashed Person" in trash
    researcher.post("/admin/cases/person/trash/", {"record": f"cases.person:{person.pk}"})
    person.refresh_from_db()
    assert person.deleted_at is not None  # a researcher cannot restore
    editor.post("/admin/cases/person/trash/", {"record": f"cases.person:{person.pk}"})
    person.refresh_from_db()
    assert person.deleted_at is None
    assert client.get(f"/persons/{person.slug}/").status_code == 200


@pytest.mark.parametrize(
    "record",
    [
        "",
        "cases.person",
        "cases.person:",
        "cases.person:abc",
        "nothing.here:1",
        "cases.person:" + "9" * 30,
        "cases.person:999999",
    ],  # fmt: skip
)
def test_restoring_something_not_in_the_trash_is_refused_with_a_message(editor, record):
    response = editor.post("/admin/cases/person/trash/", {"record": record})
    assert response.status_code == 302
    listed = editor.get("/admin/cases/person/trash/").context["messages"]
    assert any("is not a record in the trash" in str(message) for message in listed)


def test_bulk_and_inline_deletes_move_to_the_trash(editor):
    a, b = factories.person("Bulk A"), factories.person("Bulk B")
    editor.post(
        "/admin/cases/person/",
        {"action": "delete_selected", "_selected_action": [a.pk, b.pk], "post": "yes"},
    )
    assert Person.objects.filter(pk__in=[a.pk, b.pk], deleted_at__isnull=False).count() == 2

    person = factories.person("With Variant", variants=["To Remove"])
    url = f"/admin/cases/person/{person.pk}/change/"
    data = form_data(editor, url)
    prefix = next(k for k, v in data.items() if v == "To Remove").rsplit("-", 1)[0]
    data[f"{prefix}-DELETE"] = "on"
    assert editor.post(url, data).status_code == 302
    variant = NameVariant.objects.get(name="To Remove")
    assert variant.deleted_at is not None


# --- duplicates and merge --------------------------------------------------------------


@pytest.fixture
def duplicates():
    keep = factories.person("Bakhtiyar Hajiyev", variants=["Бахтияр Гаджиев"])
    keep.birth_date = factories.PartialDate.parse("1982")
    keep.save()
    other = factories.person("Bəxtiyar Hacıyev")
    other.birth_date = factories.PartialDate.parse("1982")
    other.save()
    stranger = factories.person("Bakhtiyar Hajiev")
    stranger.birth_date = factories.PartialDate.parse("1950")
    stranger.save()
    factories.person("Leyla Yunus")
    source = factories.source()
    detention = factories.detention(other, arrested="2023-11")
    allegation = factories.allegation(other, kind="torture")
    statement = factories.statement("Free him")
    statement.persons.add(other)
    citation = factories.citation(source, person=other)
    org = factories.organization()
    affiliation = Affiliation.objects.create(person=other, organization=org, visibility="public")
    NameVariant.objects.create(person=other, name="Bakhtiyar Gadzhiev", visibility="public")
    return {"keep": keep, "other": other, "stranger": stranger, "detention": detention,
            "allegation": allegation, "statement": statement, "citation": citation,
            "affiliation": affiliation}  # fmt: skip


def test_possible_duplicates_rank_by_name_similarity_and_agreeing_birth_years(editor, duplicates):
    from cases.reads.duplicates import possible_duplicates

    pairs = possible_duplicates()
    ids = {frozenset((p["first_id"], p["second_id"])) for p in pairs}
    keep, other, stranger = duplicates["keep"], duplicates["other"], duplicates["stranger"]
    assert pairs[0]["first_id"] in (keep.pk, other.pk)
    assert {pairs[0]["first_id"], pairs[0]["second_id"]} == {keep.pk, other.pk}
    assert frozenset((keep.pk, stranger.pk)) in ids  # a similar name, other birth year
    ranked = [frozenset((p["first_id"], p["second_id"])) for p in pairs]
    assert ranked.index(frozenset((keep.pk, other.pk))) < ranked.index(
        frozenset((keep.pk, stranger.pk))
    )
    assert not any("Leyla Yunus" in (p["first_name"], p["second_name"]) for p in pairs)
    page = editor.get("/admin/cases/person/duplicates/").content.decode()
    assert "Bəxtiyar Hacıyev" in page and "Bakhtiyar Hajiyev" in page


MERGE_URL = "/admin/cases/person/duplicates/merge/"


def keep_link(client, keep: Person) -> str:
    """The address of "Keep <name>" on the possible-duplicates page."""
    page = client.get("/admin/cases/person/duplicates/").content.decode().replace("&amp;", "&")
    links = re.findall(r'href="(/admin/cases/person/duplicates/merge/\?[^"]+)"', page)
    return next(link for link in links if f"keep={keep.pk}&" in link)


def test_keep_on_the_duplicates_page_shows_what_moves_and_merges_nothing(editor, duplicates):
    keep, other = duplicates["keep"], duplicates["other"]
    response = editor.get(keep_link(editor, keep))
    assert response.status_code == 200
    page = response.content.decode()
    assert not Merge.objects.exists()  # a GET never merges
    duplicates["detention"].refresh_from_db()
    assert duplicates["detention"].person_id == other.pk
    for record in ("detention", "allegation", "citation", "affiliation"):
        assert escape(str(duplicates[record])) in page, record
    assert "Free him" in page  # the statement concerning them
    assert "Bakhtiyar Gadzhiev" in page  # a spelling that moves
    assert escape("The name “Bəxtiyar Hacıyev” becomes one of their spellings.") in page
    assert 'name="csrfmiddlewaretoken"' in page and 'method="post"' in page
    # the old one-click POST on the list merges nothing either
    editor.post("/admin/cases/person/duplicates/", {"keep": keep.pk, "other": other.pk})
    assert not Merge.objects.exists()


def test_merge_moves_everything_keeps_the_names_and_can_be_undone(editor, duplicates):
    keep, other = duplicates["keep"], duplicates["other"]
    response = editor.post(MERGE_URL, {"keep": keep.pk, "other": other.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/cases/person/{keep.pk}/change/"
    for name in ("detention", "allegation", "citation", "affiliation"):
        duplicates[name].refresh_from_db()
        assert duplicates[name].person_id == keep.pk, name
    assert keep in duplicates["statement"].persons.all()
    names = set(keep.name_variants.values_list("name", flat=True))
    assert {"Bəxtiyar Hacıyev", "Bakhtiyar Gadzhiev", "Бахтияр Гаджиев"} <= names
    other.refresh_from_db()
    assert other.deleted_at is not None
    merge = Merge.objects.get()
    assert (
        Events.objects.tracks(duplicates["detention"]).filter(pgh_context__action="merge").exists()
    )  # the merge is in the history

    editor.post("/admin/cases/merge/", {"action": "undo", "_selected_action": [merge.pk]})
    for name in ("detention", "allegation", "citation", "affiliation"):
        duplicates[name].refresh_from_db()
        assert duplicates[name].person_id == other.pk, name
    assert keep not in duplicates["statement"].persons.all()
    assert set(keep.name_variants.values_list("name", flat=True)) == {"Бахтияр Гаджиев"}
    other.refresh_from_db()
    assert other.deleted_at is None
    merge.refresh_from_db()
    assert merge.undone_at is not None


@pytest.fixture
def lacking():
    """A kept person without birth date, gender, summary or photo, and a record
    of the same person that has them."""
    keep = factories.person("Tofig Yagublu", citizenship="Azerbaijan", internal_notes="Kept note")
    other = factories.person(
        "Tofiq Yaqublu", gender="male", citizenship="Georgia", summary="Opposition politician.",
        internal_notes="- lawyer: call first", photo="persons/merged-photo.jpg",
        photo_visibility="public",
    )  # fmt: skip
    other.birth_date = factories.PartialDate.parse("1961")
    other.save()
    return keep, other


def test_a_merge_keeps_every_value_the_kept_record_lacks(editor, lacking):
    keep, other = lacking
    page = editor.get(MERGE_URL, {"keep": keep.pk, "other": other.pk}).content.decode()
    for shown in ("Birth date", "1961", "Gender", "male", "Public summary",
                  "Opposition politician.", "Photo", "- lawyer: call first"):  # fmt: skip
        assert shown in page, shown
    assert "Georgia" not in page  # the kept citizenship stays, so it is not listed
    assert editor.post(MERGE_URL, {"keep": keep.pk, "other": other.pk}).status_code == 302
    keep.refresh_from_db()
    assert keep.birth_date_partial == factories.PartialDate.parse("1961")
    assert (keep.gender, keep.summary, keep.citizenship) == (
        "male", "Opposition politician.", "Azerbaijan",
    )  # fmt: skip
    assert (keep.photo.name, keep.photo_visibility) == ("persons/merged-photo.jpg", "public")
    assert keep.internal_notes.startswith("Kept note\n\n")
    assert keep.internal_notes.endswith("Tofiq Yaqublu (tofiq-yaqublu):\n- lawyer: call first")


def test_the_merge_service_keeps_the_birth_year_of_the_merged_person(editor, lacking):
    keep, other = lacking
    services.persons_merge(keep=keep, other=other, user=editor.user)
    keep.refresh_from_db()
    assert keep.birth_date_partial == factories.PartialDate.parse("1961")
    assert Merge.objects.get().moved["kept_fields"]["birth_date"] == [None, "1961-01-01"]


def test_undoing_a_merge_gives_the_kept_record_its_values_back(editor, lacking):
    keep, other = lacking
    editor.post(MERGE_URL, {"keep": keep.pk, "other": other.pk})
    keep.refresh_from_db()
    keep.summary = "Rewritten after the merge."
    keep.save()
    merge = Merge.objects.get()
    editor.post("/admin/cases/merge/", {"action": "undo", "_selected_action": [merge.pk]})
    keep.refresh_from_db()
    assert keep.birth_date is None and keep.birth_date_precision is None
    assert (keep.gender, keep.photo.name, keep.photo_visibility) == ("", "", "internal")
    assert keep.internal_notes == "Kept note"
    assert keep.summary == "Rewritten after the merge."  # changed since: that change stays
    other.refresh_from_db()
    assert other.deleted_at is None and other.birth_date is not None


@pytest.mark.django_db(transaction=True)
def test_keep_confirm_and_undo_with_real_transactions(vocabularies, editor, lacking):
    keep, other = lacking
    link = keep_link(editor, keep)  # the two spellings are a likely pair
    assert editor.get(link).status_code == 200 and not Merge.objects.exists()
    assert editor.post(MERGE_URL, {"keep": keep.pk, "other": other.pk}).status_code == 302
    keep.refresh_from_db()
    assert keep.birth_date_partial == factories.PartialDate.parse("1961")
    merge = Merge.objects.get()
    editor.post("/admin/cases/merge/", {"action": "undo", "_selected_action": [merge.pk]})
    keep.refresh_from_db()
    assert keep.birth_date is None and Person.objects.get(pk=other.pk).deleted_at is None


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"keep": "abc", "other": "1"},
        {"keep": "9" * 30, "other": "1"},
        {"keep": "١٢", "other": "1"},
        {"keep": "same", "other": "same"},
    ],  # fmt: skip
)
def test_a_merge_of_unknown_or_identical_persons_is_refused_with_a_message(editor, query):
    person = factories.person("Only One")
    query = {key: str(person.pk) if value == "same" else value for key, value in query.items()}
    for response in (editor.get(MERGE_URL, query), editor.post(MERGE_URL, query)):
        assert response.status_code == 302
        assert response["Location"] == "/admin/cases/person/duplicates/"
    listed = editor.get("/admin/cases/person/duplicates/").context["messages"]
    assert [str(message) for message in listed] and not Merge.objects.exists()


def test_researchers_cannot_merge(researcher, duplicates):
    pair = {"keep": duplicates["keep"].pk, "other": duplicates["other"].pk}
    assert researcher.get(MERGE_URL, pair).status_code == 403
    assert researcher.post(MERGE_URL, pair).status_code == 403
    page = researcher.get("/admin/cases/person/duplicates/").content.decode()
    assert "duplicates/merge/" not in page
    assert not Merge.objects.exists()
    duplicates["detention"].refresh_from_db()
    assert duplicates["detention"].person_id == duplicates["other"].pk


# --- who may publish -------------------------------------------------------------------


def test_records_start_internal_and_only_editors_publish(researcher, editor):
    response = researcher.post(
        "/admin/cases/organization/add/",
        {"name": "New NGO", "slug": "new-ngo", "kind": "ngo", "visibility": "public"},
    )
    assert response.status_code == 302
    org = Organization.objects.get(slug="new-ngo")
    assert org.visibility == "internal"  # the researcher's "public" was not accepted
    page = researcher.get(org_url(org)).content.decode()
    assert 'name="visibility"' not in page
    changelist = researcher.get("/admin/cases/organization/").content.decode()
    assert "publish_public" not in changelist
    researcher.post(
        "/admin/cases/organization/", {"action": "publish_public", "_selected_action": [org.pk]}
    )
    org.refresh_from_db()
    assert org.visibility == "internal"

    assert 'name="visibility"' in editor.get(org_url(org)).content.decode()
    other = factories.organization("Second NGO", visibility="internal")
    selection = {"action": "publish_public", "_selected_action": [org.pk, other.pk]}
    confirm = editor.post("/admin/cases/organization/", selection)
    assert confirm.status_code == 200 and "Your password" in confirm.content.decode()
    assert "New NGO" in confirm.content.decode() and "Second NGO" in confirm.content.decode()
    wrong = editor.post(
        "/admin/cases/organization/", {**selection, "post": "yes", "current_password": "guess"}
    )
    assert "That is not your password" in wrong.content.decode()
    assert Organization.objects.filter(visibility="public", pk__in=[org.pk, other.pk]).count() == 0
    editor.post(
        "/admin/cases/organization/",
        {**selection, "post": "yes", "current_password": "pw-unused-1"},
    )
    assert set(Organization.objects.filter(pk__in=[org.pk, other.pk]).values_list(
        "visibility", flat=True)) == {"public"}  # fmt: skip
    data = form_data(editor, org_url(org))
    data["visibility"] = "partners"
    assert editor.post(org_url(org), data).status_code == 302
    org.refresh_from_db()
    assert org.visibility == "partners"


def test_the_publish_service_refuses_a_researcher(researcher):
    from django.core.exceptions import PermissionDenied

    org = factories.organization("Guarded", visibility="internal")
    with pytest.raises(PermissionDenied):
        services.records_publish(
            queryset=Organization.objects.filter(pk=org.pk), visibility="public",
            user=researcher.user,
        )  # fmt: skip


# --- exports ---------------------------------------------------------------------------


def export(client, model_path: str, format_index: int) -> bytes:
    url = f"/admin/{model_path}/export/"
    html = client.get(url).content.decode()
    data = {"format": str(format_index), "resource": "0"}
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"', html):
        data[name] = "on"
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:2000]
    return b"".join(response.streaming_content) if response.streaming else response.content


def registered_case_models():
    from django.contrib import admin

    return [
        f"{m._meta.app_label}/{m._meta.model_name}"
        for m in admin.site._registry
        if m._meta.app_label in CASE_APPS and hasattr(m, "deleted_at")
    ]


@pytest.mark.parametrize("model_path", registered_case_models())
def test_every_case_table_exports_to_csv_xlsx_and_json(editor, model_path):
    for index in (0, 1, 2):
        assert export(editor, model_path, index)


def test_exports_escape_formulae_and_leave_out_the_trash(editor):
    factories.organization("=HYPERLINK(\"http://evil\")", slug="evil", abbreviation="+1",
                           description="@SUM(A1)", country="-2")  # fmt: skip
    trashed = factories.organization("In The Trash", slug="in-trash")
    services.records_trash(queryset=Organization.objects.filter(pk=trashed.pk))

    rows = list(csv.DictReader(io.StringIO(export(editor, "cases/organization", 0).decode())))
    assert [r["name"] for r in rows] == ['\'=HYPERLINK("http://evil")']
    assert rows[0]["abbreviation"] == "'+1" and rows[0]["description"] == "'@SUM(A1)"
    assert rows[0]["country"] == "'-2"

    book = openpyxl.load_workbook(io.BytesIO(export(editor, "cases/organization", 1)))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://evil")' in cells and "In The Trash" not in cells

    records = json.loads(export(editor, "cases/organization", 2))
    assert [r["name"] for r in records] == ['=HYPERLINK("http://evil")']  # JSON is data


def test_staff_only_fields_are_exported_only_to_staff(editor, client):
    # the export is an admin page: anonymous readers are sent to sign in
    response = client.get("/admin/cases/person/export/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Citation  # imported for the registry


def test_commands_leave_their_name_in_the_history():
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
    person = Person.objects.get(slug="leyla-yunus")
    event = Events.objects.tracks(person).order_by("pgh_id").first()
    assert event.pgh_context["command"] == "load_seed"


def test_a_trashed_child_record_leaves_every_output(client):
    person = factories.person("Public Person", variants=["TRASHED-SPELLING"])
    detention = factories.detention(person, arrested="2021-05", facility="TRASHED-FACILITY")
    services.records_trash(queryset=Detention.objects.filter(pk=detention.pk))
    services.records_trash(queryset=NameVariant.objects.filter(person=person))
    for url in (f"/persons/{person.slug}/", "/persons/", f"/api/v1/persons/{person.slug}/history/",
                "/api/v1/detentions/", "/statistics/", "/api/v1/persons/?q=TRASHED-SPELLING"):  # fmt: skip
        body = client.get(url).content.decode()
        assert "TRASHED" not in body.replace("q=TRASHED-SPELLING", ""), url
    assert client.get(f"/api/v1/detentions/{detention.uuid}/").status_code == 404
