"""A person and the lists that name them: the person page's "On lists" and
"Case groups" (which lists name the person and since which edition, footnoted
to the editions' and groups' sources), the persons filters `list`,
`list_edition` and `group` on the case list and the API, through the
visibility policy, and the case sheet's `case_group` column."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.case_sheet import COLUMNS, case_sheet_import, case_sheet_preview
from cases.choices import Visibility
from cases.filtersets import PersonFilterSet
from cases.models import Person
from cases.partial_dates import PartialDate
from cases.resources import CaseSheetResource
from cases.visibility import Reader
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC, INTERNAL = Visibility.PUBLIC, Visibility.INTERNAL


def edition(prisoner_list, published_on: str, *, cited_by=None, visibility=PUBLIC) -> Edition:
    """An edition, cited to `cited_by` (a public citation) unless None."""
    obj = Edition(prisoner_list=prisoner_list, visibility=visibility)
    obj.published_on = PartialDate.parse(published_on)
    obj.save()
    if cited_by is not None:
        factories.citation(cited_by, edition=obj)
    return obj


def entry(edition_obj, person, group: str = "", *, visibility=PUBLIC) -> ListEntry:
    return ListEntry.objects.create(
        edition=edition_obj, person=person, group=group, visibility=visibility
    )


def case_group(name: str, *, cited_by=None, visibility=PUBLIC) -> CaseGroup:
    group = CaseGroup.objects.create(name=name, visibility=visibility)
    if cited_by is not None:
        factories.citation(cited_by, case_group=group)
    return group


def member(group, person, role: str = "", *, visibility=PUBLIC) -> CaseGroupMember:
    return CaseGroupMember.objects.create(
        group=group, person=person, role=role, visibility=visibility
    )


@pytest.fixture
def world():
    """A public list of three public editions (March 2023, September 2023, March
    2024) and, around them, what the public may not see: an uncited edition
    (2022), an internal one (June 2024), an internal list, an internal entry, an
    internal and an uncited case group."""
    listed = factories.person("Ali Listed")
    dropped = factories.person("Bahar Dropped")
    unlisted = factories.person("Cavid Unlisted")
    sources = {
        name: factories.source(name)
        for name in ("March list article", "September list article", "2024 list article",
                     "Abzas case report", "Internal edition article")
    }  # fmt: skip
    union = PrisonerList.objects.create(
        title="Union list of political prisoners", slug="union-list", visibility=PUBLIC
    )
    uncited = edition(union, "2022-12")  # no citation: the public may not see it
    first = edition(union, "2023-03", cited_by=sources["March list article"])
    second = edition(union, "2023-09", cited_by=sources["September list article"])
    third = edition(union, "2024-03", cited_by=sources["2024 list article"])
    hidden = edition(
        union, "2024-06", cited_by=sources["Internal edition article"], visibility=INTERNAL
    )
    entry(uncited, listed, "Bloggers")
    entry(first, listed, "Journalists")
    entry(second, listed, "Journalists")
    entry(third, listed, "Abzas Media case")
    entry(hidden, listed, "Hidden group")
    entry(first, dropped, "Activists")
    entry(second, dropped, "Activists")
    entry(hidden, dropped, "Activists")
    entry(third, unlisted, "Journalists", visibility=INTERNAL)  # the entry itself is internal

    staff_list = PrisonerList.objects.create(
        title="Staff working list", slug="staff-list", visibility=INTERNAL
    )
    staff_edition = edition(staff_list, "2024-01", cited_by=sources["March list article"])
    entry(staff_edition, listed)
    entry(staff_edition, unlisted)

    abzas = case_group("Abzas Media case", cited_by=sources["Abzas case report"])
    member(abzas, listed, "journalist")
    secret = case_group("Secret case", cited_by=sources["Abzas case report"], visibility=INTERNAL)
    member(secret, listed)
    member(secret, unlisted)
    uncited_group = case_group("Uncited case")
    member(uncited_group, listed)
    member(uncited_group, unlisted)
    member(abzas, unlisted, visibility=INTERNAL)  # an internal membership of a public group
    return {
        "listed": listed, "dropped": dropped, "unlisted": unlisted, "union": union,
        "staff_list": staff_list, "first": first, "second": second, "third": third,
        "hidden": hidden, "uncited": uncited, "staff_edition": staff_edition, "abzas": abzas,
        "secret": secret, "uncited_group": uncited_group,
    }  # fmt: skip


def page(client, person) -> str:
    response = client.get(f"/persons/{person.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, title_id: str) -> str:
    start = html.index(f'id="{title_id}"')
    return html[start : html.index("</section>", start)]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def items(html: str) -> list[str]:
    """The text of each innermost list item, marks as [n]."""
    html = re.sub(r'<a href="#fn-(\d+)"[^>]*>.*?</a>', r"[\1]", html, flags=re.S)
    return [text(item) for item in re.findall(r"<li>((?:(?!<li>|<ul>).)*?)</li>", html, re.S)]


def footnote(html: str, number: str) -> str:
    start = html.index(f'id="fn-{number}"')
    return text(html[start : html.index("</li>", start)])


def marks(line: str) -> list[str]:
    return re.findall(r"\[(\d+)\]", line)


# --- the person page -------------------------------------------------------------------


def test_the_person_page_says_since_which_edition_a_list_names_the_person(client, world):
    html = page(client, world["listed"])
    lists = section(html, "lists-title")
    assert "On lists" in lists
    assert '<a href="/lists/union-list/">Union list of political prisoners</a>' in lists
    since, latest, group = items(lists)
    # the uncited 2022 edition is not public: the list names them since March 2023
    assert re.fullmatch(r"Named since the edition of March 2023\[\d+\]", since), since
    assert re.fullmatch(r"Still named in the latest edition, of March 2024\[\d+\]", latest)
    assert group == "Group: Abzas Media case"
    assert "March list article" in footnote(html, marks(since)[0])
    assert "2024 list article" in footnote(html, marks(latest)[0])
    # nothing of what the public may not see
    for hidden in ("Staff working list", "June 2024", "December 2022", "Bloggers",
                   "Hidden group", "Internal edition article"):  # fmt: skip
        assert hidden not in html, hidden


def test_a_person_no_longer_listed_is_not_in_the_latest_edition(client, world):
    # the internal June 2024 edition names them; the public's latest is March 2024
    html = page(client, world["dropped"])
    lines = items(section(html, "lists-title"))
    assert [re.sub(r"\[\d+\]", "", line) for line in lines] == [
        "Named since the edition of March 2023",
        "Not in the latest edition, of March 2024",
        "Last named in the edition of September 2023",
        "Group when last named: Activists",
    ]
    since, latest, last, _group = lines
    assert "March list article" in footnote(html, marks(since)[0])
    assert "2024 list article" in footnote(html, marks(latest)[0])
    assert "September list article" in footnote(html, marks(last)[0])


def test_a_person_named_only_in_the_latest_edition(client, world):
    newcomer = factories.person("Dilara Newcomer")
    entry(world["third"], newcomer)
    lines = items(section(page(client, newcomer), "lists-title"))
    assert [re.sub(r"\[\d+\]", "", line) for line in lines] == [
        "Named since the latest edition, of March 2024"
    ]


def test_the_case_groups_of_the_person_are_listed_with_their_sources(client, world):
    html = page(client, world["listed"])
    groups = section(html, "case-groups-title")
    assert '<a href="/groups/abzas-media-case/">Abzas Media case</a>, journalist' in groups
    (line,) = items(groups)
    assert "Abzas case report" in footnote(html, marks(line)[0])
    assert "Secret case" not in html and "Uncited case" not in html


def test_the_lists_footnotes_come_after_the_persons_facts_and_before_the_timeline(client, world):
    listed = world["listed"]
    factories.citation(factories.source("Profile"), person=listed, claim="name")
    factories.detention(listed, arrested="2023-11")  # cited by the shared test source
    html = page(client, listed)
    numbers = [int(n) for n in re.findall(r'<a href="#fn-(\d+)"', html)]
    name_mark = numbers[0]
    list_marks = [int(n) for n in marks("".join(items(section(html, "lists-title"))))]
    timeline_marks = [
        int(n) for n in re.findall(r'<a href="#fn-(\d+)"', section(html, "timeline-title"))
    ]
    assert name_mark < min(list_marks) and max(list_marks) < min(timeline_marks)
    assert sorted(set(numbers)) == list(range(1, max(numbers) + 1))  # numbered in order


def test_a_person_on_no_visible_list_has_no_lists_section(client, world):
    html = page(client, world["unlisted"])
    assert 'id="lists-title"' not in html and 'id="case-groups-title"' not in html
    assert "Staff working list" not in html and "Secret case" not in html


def test_the_person_page_query_count_does_not_grow_with_lists_and_groups(client, world):
    listed = world["listed"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client, listed)
        return len(captured.captured_queries)

    before = queries()
    source = factories.source("More lists")
    for i in range(5):
        more = PrisonerList.objects.create(title=f"List {i}", slug=f"list-{i}", visibility=PUBLIC)
        for month in ("2023-01", "2023-06", "2024-01"):
            entry(edition(more, month, cited_by=source), listed, f"Group {i}")
        member(case_group(f"Case {i}", cited_by=source), listed)
    after = queries()
    assert "List 4" in page(client, listed)
    assert after == before


def test_the_page_of_a_person_on_no_list_reads_two_queries_more_than_before(client):
    """The lists app's part of the person page: its entries and memberships, and
    nothing else when there are none."""
    person = factories.person("Nobody Listed")
    with CaptureQueriesContext(connection) as captured:
        page(client, person)
    lists_queries = [q["sql"] for q in captured.captured_queries if '"lists_' in q["sql"]]
    assert len(lists_queries) == 2, lists_queries


# --- the persons filters -----------------------------------------------------------------


def names_on_page(client, **params) -> tuple[int, list[str]]:
    response = client.get("/persons/", params)
    body = response.content.decode()
    return response.status_code, sorted(
        set(re.findall(r"(?:Ali Listed|Bahar Dropped|Cavid Unlisted)", body))
    )


def api_names(client, **params):
    response = client.get("/api/v1/persons/", params)
    if response.status_code != 200:
        return response.status_code, response.json()
    return 200, sorted(p["display_name"] for p in response.json()["results"])


def test_the_list_filters_find_the_persons_an_edition_or_a_list_names(client, world):
    union, first, third = world["union"], world["first"], world["third"]
    for params, expected in (
        ({"list": "union-list"}, ["Ali Listed", "Bahar Dropped"]),
        ({"list": str(union.uuid)}, ["Ali Listed", "Bahar Dropped"]),
        ({"list_edition": str(first.uuid)}, ["Ali Listed", "Bahar Dropped"]),
        ({"list_edition": str(third.uuid)}, ["Ali Listed"]),  # Cavid's entry is internal
        ({"list_edition": [str(first.uuid), str(third.uuid)]}, ["Ali Listed", "Bahar Dropped"]),
        ({"group": "abzas-media-case"}, ["Ali Listed"]),  # Cavid's membership is internal
        ({"group": "abzas-media-case", "list_edition": str(third.uuid)}, ["Ali Listed"]),
    ):
        assert api_names(client, **params) == (200, expected), params
        assert names_on_page(client, **params) == (200, expected), params


@pytest.mark.parametrize(
    "parameter, hidden, unknown, message",
    [
        ("list_edition", "hidden", str(uuid.UUID(int=7)), "No edition of a list with UUID"),
        ("list_edition", "uncited", str(uuid.UUID(int=7)), "No edition of a list with UUID"),
        ("list_edition", "staff_edition", str(uuid.UUID(int=7)), "No edition of a list with UUID"),
        ("list", "staff_list", "no-such-list", "No list with slug or UUID"),
        ("group", "secret", "no-such-group", "No case group with slug or UUID"),
        ("group", "uncited_group", "no-such-group", "No case group with slug or UUID"),
    ],
)
def test_a_hidden_list_edition_or_group_answers_as_an_unknown_one(
    client, world, parameter, hidden, unknown, message
):
    record = world[hidden]
    value = str(record.uuid) if parameter == "list_edition" else record.slug
    status, body = api_names(client, **{parameter: value})
    unknown_status, unknown_body = api_names(client, **{parameter: unknown})
    assert status == unknown_status == 404
    assert message in body["error"]["message"]
    assert body["error"]["message"].replace(value, unknown) == unknown_body["error"]["message"]
    # the case list answers the same for both, and lists no one
    hidden_page = client.get("/persons/", {parameter: value})
    unknown_page = client.get("/persons/", {parameter: unknown})
    assert hidden_page.status_code == unknown_page.status_code == 400
    assert message in hidden_page.content.decode()
    assert hidden_page.content.decode().replace(value, unknown) == unknown_page.content.decode()
    assert "Ali Listed" not in hidden_page.content.decode()


def test_staff_filter_through_what_staff_may_see(world):
    data = QueryDict(f"list_edition={world['hidden'].uuid}")
    staff = PersonFilterSet(data, Person.objects.all(), reader=Reader.STAFF)
    assert staff.is_valid(), staff.errors
    assert sorted(staff.qs.values_list("display_name", flat=True)) == [
        "Ali Listed", "Bahar Dropped",
    ]  # fmt: skip
    data = QueryDict("group=secret-case")
    staff = PersonFilterSet(data, Person.objects.all(), reader=Reader.STAFF)
    assert staff.is_valid(), staff.errors
    assert sorted(staff.qs.values_list("display_name", flat=True)) == [
        "Ali Listed", "Cavid Unlisted",
    ]  # fmt: skip


def test_a_malformed_edition_uuid_is_named_like_the_other_filters(client, world):
    status, body = api_names(client, list_edition="2024-03")
    assert status == 404
    assert body["error"]["message"] == "list_edition: No edition of a list with UUID '2024-03'."


def test_the_filters_are_in_the_api_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text_schema = schema.content.decode()
    for name in ("list", "list_edition", "group"):
        assert f'"{name}"' in text_schema


# --- the case sheet's case_group column ------------------------------------------------------


def sheet(*rows: dict, columns=COLUMNS) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns))
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return io.BytesIO(out.getvalue().encode("utf-8"))


def group_counts() -> tuple[int, int]:
    return CaseGroup.objects.count(), CaseGroupMember.objects.count()


def test_the_case_sheet_creates_the_group_and_the_membership_and_a_second_import_changes_nothing():
    stored = factories.person("Sevinj Stored")
    meydan = CaseGroup.objects.create(name="Meydan TV case", visibility=PUBLIC)
    rows = (
        {"person": "Ulvi Newperson", "case_group": "Abzas Media case", "arrested_on": "2023-11"},
        {"person": "Ulvi Newperson", "case_group": "abzas media case", "arrested_on": "2024-01"},
        {"person": "Sevinj Stored", "case_group": "meydan tv case | Abzas Media case"},
    )
    preview = case_sheet_preview(file=sheet(*rows))
    assert preview.ok, [str(e) for e in preview.errors]
    assert preview.counts["new_case_groups"] == 1
    assert preview.counts["new_case_group_members"] == 3
    assert "+2 case groups" in preview.row_plans[2].person_changes
    assert group_counts() == (1, 0)  # a preview writes nothing

    result = case_sheet_import(file=sheet(*rows))
    assert result.written, [str(e) for e in result.errors]
    abzas = CaseGroup.objects.get(name="Abzas Media case")
    assert (abzas.slug, abzas.visibility, abzas.deleted_at) == ("abzas-media-case", INTERNAL, None)
    newcomer = Person.objects.get(display_name="Ulvi Newperson")
    memberships = {
        (m.group.name, m.person.display_name, m.visibility)
        for m in CaseGroupMember.objects.select_related("group", "person")
    }
    assert memberships == {
        ("Abzas Media case", "Ulvi Newperson", INTERNAL),
        ("Abzas Media case", "Sevinj Stored", INTERNAL),
        ("Meydan TV case", "Sevinj Stored", INTERNAL),
    }
    assert meydan.members.get().person == stored and newcomer.case_groups.count() == 1
    assert abzas.history.count() == 1  # the history records the new group (pghistory)

    counts = group_counts()
    again = case_sheet_import(file=sheet(*rows))
    assert again.ok and not again.changes_anything, again.summary()
    assert again.counts["new_case_groups"] == again.counts["new_case_group_members"] == 0
    assert again.counts["updated_persons"] == 0
    assert group_counts() == counts


def test_a_case_group_in_the_trash_is_a_row_error():
    CaseGroup.objects.create(name="Trashed case", deleted_at=timezone.now())
    result = case_sheet_import(file=sheet({"person": "Someone New", "case_group": "Trashed case"}))
    assert not result.written and result.error_count == 1
    error = result.errors[0]
    assert (error.row, error.column, error.value) == (2, "case_group", "Trashed case")
    assert "in the trash" in error.message and "restore it in the admin" in error.message


def test_a_trashed_membership_is_a_row_error_not_a_second_membership():
    person = factories.person("Trashed Member")
    group = CaseGroup.objects.create(name="Kept case")
    member(group, person, visibility=INTERNAL)
    CaseGroupMember.objects.filter(group=group).update(deleted_at=timezone.now())
    result = case_sheet_import(file=sheet({"person": "Trashed Member", "case_group": "Kept case"}))
    assert not result.written
    (error,) = result.errors
    assert error.column == "case_group" and "membership" in error.message
    assert CaseGroupMember.objects.count() == 1


def test_a_case_group_name_too_long_is_a_row_error():
    result = case_sheet_preview(file=sheet({"person": "Long Group", "case_group": "x" * 201}))
    (error,) = result.errors
    assert error.column == "case_group" and "at most 200 characters" in error.message


def test_the_case_sheet_export_has_the_case_groups_and_imports_back_unchanged():
    person = factories.person("Exported Member")
    factories.detention(person, arrested="2022-05")
    member(case_group("Zeta case"), person)
    member(case_group("Alpha case"), person)
    trashed = case_group("Trashed export case")
    member(trashed, person)
    CaseGroup.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
    dataset = CaseSheetResource().export(Person.objects.filter(pk=person.pk))
    assert "case_group" in dataset.headers
    (row,) = dataset.dict
    assert row["case_group"] == "Alpha case | Zeta case"
    counts = group_counts()
    result = case_sheet_import(file=sheet(*dataset.dict))
    assert result.ok and not result.changes_anything, result.summary()
    assert group_counts() == counts


def test_a_sheet_without_the_column_reads_no_case_group_table():
    columns = [c for c in COLUMNS if c != "case_group"]
    with CaptureQueriesContext(connection) as captured:
        result = case_sheet_import(file=sheet({"person": "No Group"}, columns=columns))
    assert result.written
    assert not [q for q in captured.captured_queries if "casegroup" in q["sql"]]


@pytest.mark.django_db
def test_a_merge_moves_list_entries_and_group_memberships_and_its_undo_moves_them_back():
    """Two records of one person, each named in an edition (one in both): after
    the merge the kept person is named once in each edition and is a member of
    each group; the undo puts everything back."""
    from cases.services import merge_undo, persons_merge

    keep = factories.person("Kept Person")
    other = factories.person("Other Record")
    prisoner_list = PrisonerList.objects.create(title="Test list")
    first, second = (Edition(prisoner_list=prisoner_list) for _year in range(2))
    for edition, year in ((first, "2023"), (second, "2024")):
        edition.published_on = PartialDate.parse(year)  # with its precision
        edition.save()
    ListEntry.objects.create(edition=first, person=other)
    both = ListEntry.objects.create(edition=second, person=other)
    ListEntry.objects.create(edition=second, person=keep)
    group = CaseGroup.objects.create(name="A case")
    CaseGroupMember.objects.create(group=group, person=other)

    merge = persons_merge(keep=keep, other=other)
    assert set(ListEntry.objects.filter(person=keep).values_list("edition", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert ListEntry.objects.get(pk=both.pk).person == other  # the kept one's entry stays
    assert keep.case_groups.get().group == group
    merge_undo(merge=merge)
    assert set(ListEntry.objects.filter(person=other).values_list("edition", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert list(ListEntry.objects.filter(person=keep).values_list("edition", flat=True)) == [
        second.pk
    ]
    assert other.case_groups.get().group == group


@pytest.mark.django_db
def test_the_filter_counts_cache_follows_changes_to_lists_and_groups():
    """The case list's filter counts are cached until the data changes; an entry
    added to an edition or a member to a group changes what the list, edition
    and group filters count, so it is a change."""
    from cases.reads.facets import data_version

    person = factories.person("Listed Person")
    before = data_version()
    prisoner_list = PrisonerList.objects.create(title="Counted list")
    edition = Edition(prisoner_list=prisoner_list)
    edition.published_on = PartialDate.parse("2024")
    edition.save()
    ListEntry.objects.create(edition=edition, person=person)
    after_entry = data_version()
    assert after_entry != before
    CaseGroupMember.objects.create(group=CaseGroup.objects.create(name="Counted"), person=person)
    assert data_version() != after_entry


@pytest.mark.django_db
def test_the_case_list_keeps_a_list_filter_when_a_box_is_ticked(client):
    """A list's page links to the case list filtered by the list; the filter
    shows as a chip and travels with the form, so ticking a box keeps it."""
    person = factories.person("Listed Person")
    prisoner_list = PrisonerList.objects.create(title="Kept list", visibility=Visibility.PUBLIC)
    edition = Edition(prisoner_list=prisoner_list, visibility=Visibility.PUBLIC)
    edition.published_on = PartialDate.parse("2024")
    edition.save()
    factories.cite(edition)
    ListEntry.objects.create(edition=edition, person=person, visibility=Visibility.PUBLIC)
    html = client.get("/persons/", {"list": prisoner_list.slug}).content.decode()
    assert f'<input type="hidden" name="list" value="{prisoner_list.slug}">' in html
    assert f"On the list {prisoner_list.slug}" in html  # its chip, to remove it
    assert "Listed Person" in html
