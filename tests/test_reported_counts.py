"""Counts that others published (issue 13, item 3): a record with its publisher,
as-of date, number and citations; in the admin, the API
(/api/v1/reported-counts/), the statistics page beside Casebook's own count
for that day, and the seed (the 254 of December 1, 2023)."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.db import IntegrityError, connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.services import token_issue
from cases.choices import Confidence, Visibility
from cases.partial_dates import PartialDate, Precision
from cases.seed import SeedError, load_seed
from cases.visibility import Reader
from sources.models import Citation, ReportedCount
from sources.reads import reported_counts_beside_own
from tests import factories

pytestmark = pytest.mark.django_db

ARTICLES = Path(__file__).resolve().parent.parent / "fixtures" / "articles"


def reported_count(*, publisher=None, cited=True, as_of="1 December 2023", **fields):
    """A public reported count, cited by a public citation unless `cited=False`."""
    fields.setdefault("visibility", Visibility.PUBLIC)
    fields.setdefault("number", 254)
    fields.setdefault("approximate", True)
    fields.setdefault("counted", "political prisoners and detainees")
    count = ReportedCount(publisher=publisher or factories.organization(), **fields)
    count.as_of = PartialDate.parse(as_of)
    count.save()
    if cited:
        cite(count, excerpt="approximately 254 political prisoners", confidence="medium")
    return count


def cite(count, source=None, **fields):
    """A public citation of `count` (of a new public source unless one is given)."""
    fields.setdefault("visibility", Visibility.PUBLIC)
    return Citation.objects.create(
        source=source or factories.source("A report"), reported_count=count, **fields
    )


def api(client, path, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1/reported-counts/{path}", params, **headers)


@pytest.fixture
def partner_token():
    _token, raw = token_issue(name="Partner NGO")
    return raw


# --- the record ------------------------------------------------------------------------


def _refused(**fields):
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        columns = {
            "uuid": "00000000-0000-0000-0000-000000000001",
            "visibility": "public",
            "created_at": timezone.now(),
            "updated_at": timezone.now(),
            "publisher_id": factories.organization().pk,
            "as_of": datetime.date(2023, 12, 1),
            "as_of_precision": Precision.DAY,
            "number": 254,
            "approximate": True,
            "counted": "political prisoners",
            "notes": "",
            **fields,
        }
        names = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO sources_reportedcount ({names}) VALUES ({', '.join(['%s'] * len(columns))})",
            list(columns.values()),
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"counted": "  "},  # what was counted is the meaning of the number
        {"as_of": None, "as_of_precision": None},  # a count holds for a date
        {"number": -1},
        {"as_of": datetime.date(2023, 12, 5), "as_of_precision": Precision.MONTH},
        {"as_of_precision": None},
    ],
    ids=["blank counted", "no date", "negative", "month not on its first day", "no precision"],
)
def test_the_database_refuses_a_count_that_does_not_hold(fields):
    _refused(**fields)


def test_a_citation_supports_a_reported_count_and_nothing_else_at_once():
    count = reported_count(cited=False)
    source = factories.source()
    citation = Citation(source=source, reported_count=count, excerpt="254")
    citation.full_clean()  # one fact: accepted
    citation.save()
    assert citation.target == count and list(count.citations.all()) == [citation]
    with pytest.raises(IntegrityError):
        Citation.objects.create(
            source=source, reported_count=count, statement=factories.statement()
        )


def test_a_publisher_with_counts_cannot_be_deleted():
    count = reported_count()
    with pytest.raises(ProtectedError):
        count.publisher.delete()


def test_a_count_reads_as_its_publisher_gave_it():
    count = reported_count(publisher=factories.organization("U.S. Department of State"))
    assert str(count) == (
        "approximately 254 political prisoners and detainees as of 1 December 2023 "
        "(U.S. Department of State)"
    )


# --- the admin -------------------------------------------------------------------------


def test_the_admin_lists_counts_and_shows_their_citations(staff_client):
    count = reported_count(publisher=factories.organization("Counting NGO"))
    listing = staff_client.get(reverse("admin:sources_reportedcount_changelist"))
    assert listing.status_code == 200
    assert "Counting NGO" in listing.content.decode()
    page = staff_client.get(reverse("admin:sources_reportedcount_change", args=[count.pk]))
    assert page.status_code == 200
    assert "approximately 254 political prisoners" in page.content.decode()  # the inline


# --- the API ---------------------------------------------------------------------------


def test_the_public_sees_a_public_count_with_its_citations(client):
    count = reported_count(publisher=factories.organization("Counting NGO"), notes="Year inferred.")
    body = api(client, "").json()
    (row,) = body["results"]
    assert row["uuid"] == str(count.uuid)
    assert row["publisher"]["name"] == "Counting NGO"
    assert (row["as_of"], row["number"], row["approximate"]) == ("2023-12-01", 254, True)
    assert (row["counted"], row["notes"]) == ("political prisoners and detainees", "Year inferred.")
    (citation,) = row["citations"]
    assert citation["source"] == str(count.citations.get().source.uuid)
    assert citation["confidence"] == "medium"
    assert api(client, f"{count.uuid}/").json() == row


def test_partners_see_partner_counts_the_public_does_not(client, partner_token):
    count = reported_count(visibility=Visibility.PARTNERS)
    assert api(client, "").json()["results"] == []
    assert api(client, f"{count.uuid}/").status_code == 404
    assert [r["uuid"] for r in api(client, "", partner_token).json()["results"]] == [
        str(count.uuid)
    ]
    assert api(client, f"{count.uuid}/", partner_token).status_code == 200


@pytest.mark.parametrize(
    "hide",
    ["internal", "in the trash", "publisher internal", "publisher in the trash"],
)
def test_no_api_reader_sees_a_restricted_or_trashed_count(client, partner_token, hide):
    count = reported_count()
    if hide == "internal":
        ReportedCount.objects.filter(pk=count.pk).update(visibility=Visibility.INTERNAL)
    elif hide == "in the trash":
        ReportedCount.objects.filter(pk=count.pk).update(deleted_at=timezone.now())
    elif hide == "publisher internal":
        type(count.publisher).objects.filter(pk=count.publisher_id).update(
            visibility=Visibility.INTERNAL
        )
    else:
        type(count.publisher).objects.filter(pk=count.publisher_id).update(
            deleted_at=timezone.now()
        )
    for token in (None, partner_token):
        assert api(client, "", token).json()["results"] == []
        assert api(client, f"{count.uuid}/", token).status_code == 404


def test_an_uncited_count_reaches_no_reader_but_staff(client, partner_token):
    count = reported_count(cited=False, visibility=Visibility.PUBLIC)
    for token in (None, partner_token):
        assert api(client, "", token).json()["results"] == []
        assert api(client, f"{count.uuid}/", token).status_code == 404
    assert reported_counts_beside_own(reader=Reader.PUBLIC) == []
    assert len(reported_counts_beside_own(reader=Reader.STAFF)) == 1


def test_a_restricted_citation_is_left_out_of_a_visible_count(client, partner_token):
    count = reported_count()
    hidden = factories.source("Kept for partners", visibility=Visibility.PARTNERS)
    cite(count, hidden, excerpt="partners only")
    public_excerpts = [c["excerpt"] for c in api(client, "").json()["results"][0]["citations"]]
    assert "partners only" not in public_excerpts
    partner_row = api(client, "", partner_token).json()["results"][0]
    assert "partners only" in [c["excerpt"] for c in partner_row["citations"]]


def test_the_list_filters_by_publisher_and_date(client):
    state = factories.organization("State", slug="state")
    old = reported_count(publisher=state, as_of="2015")
    new = reported_count(as_of="2023-12-01")
    by_publisher = api(client, "", publisher="state").json()["results"]
    assert [r["uuid"] for r in by_publisher] == [str(old.uuid)]
    after = api(client, "", as_of_after="2020").json()["results"]
    assert [r["uuid"] for r in after] == [str(new.uuid)]
    before = api(client, "", as_of_before="2015-12").json()["results"]
    assert [r["uuid"] for r in before] == [str(old.uuid)]
    assert api(client, "", as_of_after="soon").status_code == 400


def test_the_list_takes_as_many_queries_for_ten_counts_as_for_five(
    client, django_assert_num_queries
):
    for _ in range(5):
        reported_count()
    with CaptureQueriesContext(connection) as five:
        assert len(api(client, "").json()["results"]) == 5
    for _ in range(5):
        reported_count()
    with django_assert_num_queries(len(five.captured_queries)):
        assert len(api(client, "").json()["results"]) == 10
    citation_reads = [
        q for q in five.captured_queries if q["sql"].startswith('SELECT "sources_citation"')
    ]
    assert len(citation_reads) == 1


def test_the_list_comes_as_csv_with_the_citations_flattened(client):
    reported_count(publisher=factories.organization("Counting NGO"))
    response = api(client, "", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["publisher.name"] == "Counting NGO"
    assert (rows[0]["number"], rows[0]["approximate"], rows[0]["as_of"]) == (
        "254",
        "true",
        "2023-12-01",
    )
    assert rows[0]["citations.excerpt"] == "approximately 254 political prisoners"


def test_a_withdrawn_count_is_in_the_withdrawals(client, partner_token):
    count = reported_count(visibility=Visibility.PARTNERS)
    since = "2000-01-01T00:00:00Z"  # the trigger's now() is the test transaction's start
    ReportedCount.objects.filter(pk=count.pk).update(deleted_at=timezone.now())
    rows = client.get(
        "/api/v1/withdrawals/",
        {"since": since, "kind": "reported_count"},
        HTTP_AUTHORIZATION=f"Bearer {partner_token}",
    ).json()["results"]
    assert [(r["kind"], r["uuid"]) for r in rows] == [("reported_count", str(count.uuid))]


# --- the statistics page ---------------------------------------------------------------


@pytest.fixture
def held_around_december_2023():
    """Persons whose detentions do and do not cover 1 December 2023."""
    factories.detention(arrested="2023-11-21")  # held
    factories.detention(arrested="2023-12")  # the month's first day: held
    factories.detention(arrested="2022", released="2024-06")  # held, released later
    factories.detention(arrested="2023-01", released="2023-11-30")  # released before
    factories.detention(arrested="2023-06", released="2023-12")  # released in the month: not held
    factories.detention(arrested="2024-01-10")  # arrested after
    factories.detention(arrested="2023-11-01", visibility=Visibility.INTERNAL)  # not public
    factories.detention(arrested=None)  # no arrest date


def test_own_count_is_the_persons_held_on_the_day_by_the_visible_records(
    held_around_december_2023, django_assert_num_queries
):
    reported_count(as_of="1 December 2023")
    reported_count(as_of="2023", number=300, approximate=False)  # counted on 31 December
    with django_assert_num_queries(4):
        rows = reported_counts_beside_own(reader=Reader.PUBLIC)
    by_day = {row["held_on"]: row["held_here"] for row in rows}
    assert by_day == {datetime.date(2023, 12, 1): 3, datetime.date(2023, 12, 31): 3}
    staff_rows = reported_counts_beside_own(reader=Reader.STAFF)
    assert staff_rows[0]["held_here"] == 4  # the internal detention counts for staff


def test_own_count_dates_a_detention_without_an_arrest_date_by_its_first_event():
    """ "In pre-trial detention since November 2023" is no arrest date (the seed's
    Vagifgizi): the detention's first dated event says when it had begun. A
    released stage with no release date is not counted: when is not known."""
    since_november = factories.detention(arrested=None, stage="pre-trial-detention")
    factories.case_event(since_november, "pre-trial-detention-ordered", occurred="2023-11")
    later = factories.detention(arrested=None, stage="pre-trial-detention")
    factories.case_event(later, "pre-trial-detention-ordered", occurred="2024-02")
    factories.detention(arrested="2020", stage="released")  # released, date unknown
    reported_count(as_of="1 December 2023")
    (row,) = reported_counts_beside_own(reader=Reader.PUBLIC)
    assert row["held_here"] == 1


def test_the_statistics_page_shows_both_numbers_and_says_which_is_which(
    client, held_around_december_2023
):
    publisher = factories.organization("U.S. Department of State")
    count = reported_count(publisher=publisher, notes="The year is inferred from the report.")
    page = client.get(reverse("statistics")).content.decode()
    section = page[page.index('id="reported-counts-title"') :]
    assert "U.S. Department of State, as of 1 December 2023" in section
    assert "approximately 254</strong> political prisoners and detainees" in section
    assert "<strong>3</strong> persons documented here were held on 1 December 2023" in section
    assert "is not an estimate of the total" in section
    assert "The year is inferred from the report." in section
    source = count.citations.get().source
    assert reverse("source-detail", kwargs={"uuid": source.uuid}) in section
    assert "<q>approximately 254 political prisoners</q>" in section
    assert "The source supports this with medium confidence." in section


def test_the_statistics_page_leaves_out_counts_the_public_may_not_see(client):
    reported_count(visibility=Visibility.PARTNERS, counted="persons known to partners")
    page = client.get(reverse("statistics")).content.decode()
    assert "persons known to partners" not in page
    assert 'id="reported-counts-title"' not in page


# --- the seed --------------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(text.split())


def test_the_seed_loads_the_254_of_december_1_2023_with_its_citation():
    load_seed()
    count = ReportedCount.objects.get()
    assert count.publisher.slug == "us-department-of-state"
    assert count.as_of_partial == PartialDate(datetime.date(2023, 12, 1), Precision.DAY)
    assert (count.number, count.approximate) == (254, True)
    assert "political prisoners and detainees" in count.counted
    assert "inferred" in count.notes  # the year is the article's "[2023]", not the report's
    assert count.visibility == Visibility.PUBLIC
    citations = list(count.citations.select_related("source"))
    assert citations and all(c.confidence != Confidence.HIGH for c in citations)
    article = _fold((ARTICLES / "002_6f024b9e82474e4d.txt").read_text(encoding="utf-8"))
    for citation in citations:
        assert citation.source.archive_text and _fold(citation.excerpt) in article
    assert any("approximately 254" in c.excerpt for c in citations)
    assert load_seed().created == {}  # loading again creates nothing


def test_a_seed_count_without_a_citation_is_refused_with_its_place(tmp_path):
    (tmp_path / "seed.yaml").write_text(
        "organizations:\n  - {key: counter, name: Counter, kind: ngo}\n"
        "reported_counts:\n"
        "  - {key: uncited, publisher: counter, as_of: '2023', number: 10, counted: prisoners}\n"
        "  - {key: undated, publisher: counter, number: 10, counted: prisoners,\n"
        "     cite: [{source: nowhere, excerpt: x}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(SeedError) as error:
        load_seed(tmp_path / "seed.yaml")
    message = str(error.value)
    assert "reported count uncited: cite: every fact needs at least one citation" in message
    assert "reported count undated: as_of:" in message
    assert not ReportedCount.objects.exists()
