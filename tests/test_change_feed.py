"""The change feed (GET /api/v1/changes/, issue 14): one pinned example per way
a partner's copy used to drift, each synced with the reference client
(clients/casebook_sync.py) for the anonymous reader and for a partner and then
compared, record by record, with a fresh pull of every list; and the feed's
contract: tokens (400 malformed, 410 gone), pages, removes only of what a
reader was sent, records in their list's shape, triggers on every watched table.

Examples whose behaviour depends on commits (a transaction left open across a
sync, the compaction's own REPEATABLE READ snapshot) run on a transactional
database; the others inside the test's transaction, where the compaction sees
the test's own writes."""

from __future__ import annotations

import datetime
import io
import json
import threading

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from access.services import token_issue
from cases.case_sheet import case_sheet_import
from cases.choices import Visibility
from cases.models import (
    Allegation,
    CaseEvent,
    Charge,
    Detention,
    LegalStage,
    Merge,
    NameVariant,
    Organization,
    Person,
    Statement,
)
from cases.partial_dates import PartialDate
from cases.services import (
    merge_undo,
    persons_merge,
    records_publish,
    records_restore_from_trash,
    records_trash,
)
from cases.visibility import Reader
from officials.models import Involvement, Official
from places.models import CustodyPeriod, Facility, FacilityKind, FacilityName
from sources.models import Citation, ReportedCount, Source
from sync.dependencies import affected_records
from sync.models import Entry, Epoch
from sync.reads import reader_epoch
from sync.tables import WATCHED
from tests import accountability_records as accountability
from tests import factories
from tests.facility_records import custody, dated_source, facility
from tests.feed_mirror import API, Mirror, feed_pages, fresh_pull, get, second_connection
from trials.models import Hearing

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture
def partner_token(db):
    _token, raw = token_issue(name="Partner NGO")
    return raw


@pytest.fixture
def mirrors(client, tmp_path, partner_token):
    """(anonymous, partner): the two copies every example checks."""
    return (
        Mirror(client, tmp_path / "anonymous.sqlite3"),
        Mirror(client, tmp_path / "partner.sqlite3", token=partner_token),
    )


def synced(mirrors, context: str = "") -> None:
    """Sync both copies and compare each with a fresh pull."""
    for mirror in mirrors:
        mirror.assert_equals_fresh_pull(context)


def ops(mirror: Mirror, record) -> list[str]:
    kind = {
        Person: "person",
        Detention: "detention",
        Allegation: "allegation",
        Statement: "statement",
        Source: "source",
        Organization: "organization",
        ReportedCount: "reported-count",
        Facility: "facility",
    }[type(record)]
    return mirror.changed(kind, record.uuid)


def dated(record, **dates):
    """Set partial dates after the record is built (Model(**fields) would set the
    precision column back to its default) and save."""
    for name, text in dates.items():
        setattr(record, name, PartialDate.parse(text))
    record.save()
    return record


def reported_count(publisher=None, *, as_of="2024-12-01", **fields) -> ReportedCount:
    fields.setdefault("visibility", PUBLIC)
    fields.setdefault("counted", "political prisoners")
    count = ReportedCount(publisher=publisher or factories.organization(), **fields)
    count.as_of = PartialDate.parse(as_of)
    count.save()
    factories.cite(count)
    return count


def record_of(mirror: Mirror, kind: str, uuid) -> dict | None:
    return mirror.records().get((kind, str(uuid)))


# --- the drift list of issue 14, one pinned example each ------------------------------


@pytest.fixture
def case(db):
    """A public person with a public name variant, a cited detention with a
    charge and an event, an allegation about the detention, and a statement
    naming them."""
    person = factories.person("Tofig Yagublu", variants=["Tofiq Yaqublu"])
    detention = factories.detention(person, arrested="2023-12-08", stage="pre-trial-detention")
    charge = Charge.objects.create(
        detention=detention, article="206.3.2", description="smuggling", visibility=PUBLIC
    )
    event = factories.case_event(detention, "arrested", "2023-12-08")
    allegation = factories.allegation(person, detention=detention)
    statement = factories.statement("Free Tofig Yagublu")
    statement.persons.add(person)
    return {
        "person": person,
        "detention": detention,
        "charge": charge,
        "event": event,
        "allegation": allegation,
        "statement": statement,
    }


def test_trash_then_restore_between_two_syncs_brings_back_the_person_and_children(mirrors, case):
    synced(mirrors)
    person = Person.objects.filter(pk=case["person"].pk)
    records_trash(queryset=person)
    records_restore_from_trash(queryset=person)
    synced(mirrors, " after a trash and restore between two syncs")
    for mirror in mirrors:
        assert record_of(mirror, "person", case["person"].uuid)
        assert record_of(mirror, "detention", case["detention"].uuid)
        assert record_of(mirror, "allegation", case["allegation"].uuid)


def test_a_restore_after_a_sync_in_between_sends_the_children_again(mirrors, case):
    synced(mirrors)
    person = Person.objects.filter(pk=case["person"].pk)
    records_trash(queryset=person)
    synced(mirrors, " after the trash")
    for mirror in mirrors:
        assert ops(mirror, case["person"]) == ["remove"]
        assert ops(mirror, case["detention"]) == ["remove"]
        assert ops(mirror, case["allegation"]) == ["remove"]
        assert record_of(mirror, "statement", case["statement"].uuid)["persons"] == []
    records_restore_from_trash(queryset=person)
    synced(mirrors, " after the restore")
    for mirror in mirrors:
        assert ops(mirror, case["person"]) == ["upsert"]
        assert ops(mirror, case["detention"]) == ["upsert"]
        assert ops(mirror, case["allegation"]) == ["upsert"]
        assert [p["uuid"] for p in record_of(mirror, "statement", case["statement"].uuid)[
            "persons"
        ]] == [str(case["person"].uuid)]  # fmt: skip


def test_publishing_a_person_sends_their_detentions_and_allegations_already_public(mirrors, db):
    person = factories.person("Bahruz Samadov", visibility=INTERNAL)
    detention = factories.detention(person, arrested="2024-08")
    allegation = factories.allegation(person, detention=detention)
    synced(mirrors)
    for mirror in mirrors:
        assert not [k for k in mirror.records() if k[0] in ("person", "detention", "allegation")]
    records_publish(queryset=Person.objects.filter(pk=person.pk), visibility=PUBLIC)
    synced(mirrors, " after publishing the person")
    for mirror in mirrors:
        assert ops(mirror, person) == ["upsert"]
        assert ops(mirror, detention) == ["upsert"]
        assert ops(mirror, allegation) == ["upsert"]
        assert record_of(mirror, "person", person.uuid)["detentions"][0]["uuid"] == str(
            detention.uuid
        )


def test_a_detention_moved_to_internal_resends_the_person_and_removes_its_allegations(
    mirrors, case
):
    synced(mirrors)
    records_publish(queryset=Detention.objects.filter(pk=case["detention"].pk), visibility=INTERNAL)
    synced(mirrors, " after hiding the detention")
    for mirror in mirrors:
        assert ops(mirror, case["detention"]) == ["remove"]
        assert ops(mirror, case["allegation"]) == ["remove"]
        person = mirror.entry("person", case["person"].uuid)
        assert person["op"] == "upsert" and person["record"]["detentions"] == []


def test_a_name_variant_made_internal_resends_the_person_without_it(mirrors, case):
    synced(mirrors)
    for mirror in mirrors:
        assert record_of(mirror, "person", case["person"].uuid)["name_variants"]
    NameVariant.objects.filter(person=case["person"]).update(visibility=INTERNAL)
    synced(mirrors, " after hiding the name variant")
    for mirror in mirrors:
        assert mirror.entry("person", case["person"].uuid)["record"]["name_variants"] == []


def test_a_trashed_charge_resends_the_person_and_the_detention(mirrors, case):
    synced(mirrors)
    records_trash(queryset=Charge.objects.filter(pk=case["charge"].pk))
    synced(mirrors, " after trashing the charge")
    for mirror in mirrors:
        person = mirror.entry("person", case["person"].uuid)["record"]
        assert person["detentions"][0]["charges"] == []
        assert mirror.entry("detention", case["detention"].uuid)["record"]["charges"] == []


def test_a_trashed_allegation_is_removed(mirrors, case):
    synced(mirrors)
    records_trash(queryset=Allegation.objects.filter(pk=case["allegation"].pk))
    synced(mirrors, " after trashing the allegation")
    for mirror in mirrors:
        assert ops(mirror, case["allegation"]) == ["remove"]
        assert record_of(mirror, "allegation", case["allegation"].uuid) is None


def test_a_trashed_case_event_resends_the_detention_without_it(mirrors, case):
    synced(mirrors)
    assert record_of(mirrors[0], "detention", case["detention"].uuid)["events"]
    records_trash(queryset=CaseEvent.objects.filter(pk=case["event"].pk))
    synced(mirrors, " after trashing the event")
    for mirror in mirrors:
        assert mirror.entry("detention", case["detention"].uuid)["record"]["events"] == []


def test_an_organization_made_internal_removes_its_statements_and_leaves_detentions_unnamed(
    mirrors, db
):
    police = factories.organization("Baku Police")
    person = factories.person("Ali Karimli")
    detention = factories.detention(person, arrested="2025-11", arresting_authority=police)
    statement = factories.statement("Police statement", issuer=police)
    allegation = factories.allegation(person, perpetrator_organization=police)
    synced(mirrors)
    assert record_of(mirrors[0], "detention", detention.uuid)["arresting_authority"]["name"] == (
        "Baku Police"
    )
    records_publish(queryset=Organization.objects.filter(pk=police.pk), visibility=INTERNAL)
    synced(mirrors, " after hiding the organization")
    for mirror in mirrors:
        assert ops(mirror, police) == ["remove"]
        assert ops(mirror, statement) == ["remove"]
        assert mirror.entry("detention", detention.uuid)["record"]["arresting_authority"] is None
        assert (
            mirror.entry("allegation", allegation.uuid)["record"]["perpetrator_organization"]
            is None
        )
        assert "Baku Police" not in str(mirror.records())


def test_a_call_for_release_hidden_with_its_issuer_resends_the_persons_status(mirrors, db):
    """A call for release says its persons are held: hiding its issuer hides the
    call, and the persons it named are sent again without that status."""
    amnesty = factories.organization("Amnesty International")
    person = factories.person("Named In A Call")
    call = factories.statement("Release them", issuer=amnesty, kind="call-for-release")
    call.persons.add(person)
    synced(mirrors)
    assert record_of(mirrors[0], "person", person.uuid)["status"] == "held"
    Organization.objects.filter(pk=amnesty.pk).update(visibility=INTERNAL)
    synced(mirrors, " after hiding the issuer")
    for mirror in mirrors:
        assert ops(mirror, call) == ["remove"]
        assert mirror.entry("person", person.uuid)["record"]["status"] is None


def test_a_person_made_internal_leaves_the_statements_and_allegations_naming_them(mirrors, case):
    reporter = factories.person("Anar Mammadli")
    reported = factories.allegation(factories.person("Victim"), reported_by=reporter)
    case["statement"].persons.add(reporter)
    synced(mirrors)
    assert record_of(mirrors[1], "allegation", reported.uuid)["reported_by"]["uuid"] == str(
        reporter.uuid
    )
    records_publish(queryset=Person.objects.filter(pk=reporter.pk), visibility=INTERNAL)
    synced(mirrors, " after hiding the reporter")
    for mirror in mirrors:
        assert ops(mirror, reporter) == ["remove"]
        statement = mirror.entry("statement", case["statement"].uuid)["record"]
        assert [p["uuid"] for p in statement["persons"]] == [str(case["person"].uuid)]
        assert mirror.entry("allegation", reported.uuid)["record"]["reported_by"] is None
        assert "Anar Mammadli" not in str(mirror.records())


def test_a_person_shared_with_partners_only_leaves_the_public_copy(mirrors, case):
    synced(mirrors)
    records_publish(queryset=Person.objects.filter(pk=case["person"].pk), visibility=PARTNERS)
    synced(mirrors, " after restricting the person to partners")
    anonymous, partner = mirrors
    assert ops(anonymous, case["person"]) == ["remove"]
    assert ops(anonymous, case["detention"]) == ["remove"]
    assert record_of(anonymous, "statement", case["statement"].uuid)["persons"] == []
    assert record_of(partner, "person", case["person"].uuid)
    assert record_of(partner, "statement", case["statement"].uuid)["persons"]


def test_merge_then_undo(mirrors, db):
    """The merge moves rows with update(): the person merged away leaves, their
    detention, allegation, alias and status go to the person kept; the undo
    puts every one back."""
    keep = factories.person("Tofig Yagublu")
    other = factories.person("Tofiq Yaqublu", variants=["T. Yagublu"])
    theirs = factories.detention(other, arrested="2020-03", stage="convicted")
    their_allegation = factories.allegation(other)
    synced(mirrors)
    assert record_of(mirrors[0], "person", keep.uuid)["status"] is None
    merge = persons_merge(keep=keep, other=other)
    synced(mirrors, " after the merge")
    for mirror in mirrors:
        assert ops(mirror, other) == ["remove"]
        assert mirror.entry("detention", theirs.uuid)["record"]["person"]["uuid"] == str(keep.uuid)
        assert mirror.entry("allegation", their_allegation.uuid)["record"]["person"]["uuid"] == (
            str(keep.uuid)
        )
        kept = mirror.entry("person", keep.uuid)["record"]
        assert [d["uuid"] for d in kept["detentions"]] == [str(theirs.uuid)]
        assert {"Tofiq Yaqublu", "T. Yagublu"} <= {v["name"] for v in kept["name_variants"]}
        assert kept["status"] == "held" and kept["in_detention"] is True
    merge_undo(merge=Merge.objects.get(pk=merge.pk))
    synced(mirrors, " after the undo")
    for mirror in mirrors:
        assert ops(mirror, other) == ["upsert"]
        assert mirror.entry("detention", theirs.uuid)["record"]["person"]["uuid"] == str(other.uuid)
        kept = mirror.entry("person", keep.uuid)["record"]
        assert kept["detentions"] == [] and kept["name_variants"] == []
        assert kept["status"] is None and kept["in_detention"] is False
        assert [v["name"] for v in record_of(mirror, "person", other.uuid)["name_variants"]] == [
            "T. Yagublu"
        ]


def test_a_citation_added_or_removed_resends_the_fact(mirrors, case):
    synced(mirrors)
    assert record_of(mirrors[0], "person", case["person"].uuid)["status_as_of"] is None
    report = dated(factories.source("HRW report"), published_on="2024-02-01")
    added = factories.cite(case["detention"], source_obj=report, locator="p. 4")
    synced(mirrors, " after adding a citation")
    for mirror in mirrors:
        detention = mirror.entry("detention", case["detention"].uuid)["record"]
        assert [c["source"] for c in detention["citations"]][-1] == str(report.uuid)
        assert detention["citations"][-1]["locator"] == "p. 4"
        assert ops(mirror, report) == ["upsert"]
        # the person's status is now reported as of the source's date
        person = mirror.entry("person", case["person"].uuid)["record"]
        assert person["status"] == "held" and person["status_as_of"] == "2024-02-01"
    # the detention's only other citation goes: still cited, sent again without it
    Citation.objects.filter(detention=case["detention"]).exclude(pk=added.pk).delete()
    synced(mirrors, " after removing the first citation")
    for mirror in mirrors:
        detention = mirror.entry("detention", case["detention"].uuid)["record"]
        assert [c["source"] for c in detention["citations"]] == [str(report.uuid)]
    # and the last one: an uncited fact is hidden, with what hangs on it
    added.delete()
    synced(mirrors, " after removing the last citation")
    for mirror in mirrors:
        assert ops(mirror, case["detention"]) == ["remove"]
        assert ops(mirror, case["allegation"]) == ["remove"]
        assert mirror.entry("person", case["person"].uuid)["record"]["detentions"] == []


def test_a_citation_made_internal_hides_the_fact_it_alone_supported(mirrors, case):
    synced(mirrors)
    Citation.objects.filter(statement=case["statement"]).update(visibility=INTERNAL)
    synced(mirrors, " after hiding the statement's citation")
    for mirror in mirrors:
        assert ops(mirror, case["statement"]) == ["remove"]


def test_a_new_confidential_source_arrives_masked(mirrors, db):
    synced(mirrors)
    secret = factories.source(
        "Interview with a cellmate", is_confidential=True, author="A. Witness",
        url="https://example.org/interview",
    )  # fmt: skip
    synced(mirrors, " after adding a confidential source")
    for mirror in mirrors:
        entry = mirror.entry("source", secret.uuid)
        assert entry["op"] == "upsert"
        assert entry["record"]["title"] == "Confidential source on file"
        assert entry["record"]["confidential"] is True
        assert "cellmate" not in str(mirror.records()) and "Witness" not in str(mirror.records())


def test_a_source_switched_to_confidential_is_masked_with_the_citations_of_its_facts(mirrors, case):
    publisher = factories.organization("Meydan TV")
    report = factories.source(
        "Named witness account", author="Leyla M.", url="https://example.org/account",
        publisher=publisher,
    )  # fmt: skip
    dated(report, published_on="2024-01-15")
    factories.cite(case["detention"], source_obj=report, locator="para 7", excerpt="he said")
    synced(mirrors)
    assert record_of(mirrors[1], "source", report.uuid)["title"] == "Named witness account"
    Source.objects.filter(pk=report.pk).update(is_confidential=True)
    synced(mirrors, " after the confidential switch")
    for mirror in mirrors:
        source = mirror.entry("source", report.uuid)
        assert source["op"] == "upsert"
        assert source["record"]["title"] == "Confidential source on file"
        assert source["record"]["publisher"] is None and source["record"]["url"] == ""
        detention = mirror.entry("detention", case["detention"].uuid)["record"]
        masked = [c for c in detention["citations"] if c["source"] == str(report.uuid)]
        assert masked and masked[0]["locator"] == "" and masked[0]["excerpt"] == ""
        stored = json.dumps(list(mirror.records().values()))
        for secret in ("Named witness account", "Leyla M.", "example.org/account", "he said"):
            assert secret not in stored, secret


def test_a_change_by_queryset_update_appears(mirrors, case):
    synced(mirrors)
    Person.objects.filter(pk=case["person"].pk).update(summary="Set with update()")
    Detention.objects.filter(pk=case["detention"].pk).update(
        facility=Concat(F("facility"), Value("Prison 12"))
    )
    synced(mirrors, " after update()")
    for mirror in mirrors:
        assert mirror.entry("person", case["person"].uuid)["record"]["summary"] == (
            "Set with update()"
        )
        assert mirror.entry("detention", case["detention"].uuid)["record"]["facility"].endswith(
            "Prison 12"
        )


def test_a_change_by_raw_sql_appears(mirrors, case):
    synced(mirrors)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_allegation SET description = 'Written in SQL' WHERE id = %s",
            [case["allegation"].pk],
        )
        cursor.execute(
            "UPDATE cases_namevariant SET visibility = 'internal' WHERE person_id = %s",
            [case["person"].pk],
        )
    synced(mirrors, " after raw SQL")
    for mirror in mirrors:
        assert mirror.entry("allegation", case["allegation"].uuid)["record"]["description"] == (
            "Written in SQL"
        )
        assert mirror.entry("person", case["person"].uuid)["record"]["name_variants"] == []


def test_a_change_by_the_case_sheet_import_appears(mirrors, case):
    synced(mirrors)
    sheet = io.BytesIO(b"person,occupations\nTofig Yagublu,journalist\n")
    result = case_sheet_import(file=sheet, file_format="csv")
    assert result.written, [str(e) for e in result.errors]
    synced(mirrors, " after the import")
    for mirror in mirrors:
        assert mirror.entry("person", case["person"].uuid)["record"]["occupations"] == [
            "journalist"
        ]


def test_a_vocabulary_term_renamed_resends_the_records_using_it(mirrors, case):
    synced(mirrors)
    LegalStage.objects.filter(code="pre-trial-detention").update(code="pre-trial-custody")
    synced(mirrors, " after renaming a legal stage")
    for mirror in mirrors:
        assert mirror.entry("detention", case["detention"].uuid)["record"]["legal_stage"] == (
            "pre-trial-custody"
        )
        assert mirror.entry("person", case["person"].uuid)["record"]["current_legal_stage"] == (
            "pre-trial-custody"
        )


def test_a_record_deleted_for_good_is_removed(mirrors, case):
    synced(mirrors)
    Statement.objects.filter(pk=case["statement"].pk).delete()
    synced(mirrors, " after deleting a statement")
    for mirror in mirrors:
        assert ops(mirror, case["statement"]) == ["remove"]


def test_a_reported_count_follows_its_publisher(mirrors, db):
    publisher = factories.organization("Union for Freedom of Political Prisoners")
    count = reported_count(publisher, number=330)
    synced(mirrors)
    assert record_of(mirrors[0], "reported-count", count.uuid)["number"] == 330
    records_trash(queryset=Organization.objects.filter(pk=publisher.pk))
    synced(mirrors, " after trashing the publisher")
    for mirror in mirrors:
        assert ops(mirror, count) == ["remove"]


# --- the places app: facilities, custody periods, transfers ------------------------------


@pytest.fixture
def held_at(case):
    """The case's person held at a prison since their arrest (the custody period
    cited by a dated source), and the allegation reported there."""
    prison = facility("Prison No. 13", names=[("Тюрьма № 13", "ru")], region="Baku")
    period = custody(
        case["detention"], prison, "2023-12-08", source=dated_source("Arrest report", "2024-01")
    )
    Allegation.objects.filter(pk=case["allegation"].pk).update(facility=prison)
    return {**case, "prison": prison, "period": period}


def places_of(mirror: Mirror, held_at) -> tuple:
    """(current facility's slug, the detention's facilities, the allegation's
    facility) in the mirror."""
    person = record_of(mirror, "person", held_at["person"].uuid)
    detention = record_of(mirror, "detention", held_at["detention"].uuid)
    allegation = record_of(mirror, "allegation", held_at["allegation"].uuid)
    return (
        (person["current_facility"] or {}).get("slug"),
        [p["facility"] for p in detention["custody_periods"]],
        allegation["facility"],
    )


def held_now(mirror: Mirror, record) -> int | None:
    row = record_of(mirror, "facility", record.uuid)
    return None if row is None else row["held_now"]


def test_a_transfer_moves_the_current_place_and_who_is_held_where(mirrors, held_at):
    prison, period = held_at["prison"], held_at["period"]
    synced(mirrors)
    for mirror in mirrors:
        assert places_of(mirror, held_at) == (prison.slug, [prison.slug], prison.slug)
        assert held_now(mirror, prison) == 1
    colony = facility("Colony No. 2", region="Ganja")
    synced(mirrors, " after a new facility")
    dated(period, held_until="2024-06")
    custody(held_at["detention"], colony, "2024-06", source=dated_source("Transfer", "2024-07"))
    synced(mirrors, " after the transfer")
    for mirror in mirrors:
        assert places_of(mirror, held_at) == (colony.slug, [prison.slug, colony.slug], prison.slug)
        assert (held_now(mirror, prison), held_now(mirror, colony)) == (0, 1)
    # closed by a bulk update (no save): the person is held nowhere now
    CustodyPeriod.objects.filter(facility=colony).update(
        held_until=datetime.date(2024, 9, 1), held_until_precision=3
    )
    synced(mirrors, " after the last period closed")
    for mirror in mirrors:
        assert places_of(mirror, held_at)[0] is None
        assert held_now(mirror, colony) == 0


def test_a_release_leaves_the_place_but_no_longer_counts_as_held_now(mirrors, held_at):
    synced(mirrors)
    dated(held_at["detention"], released_on="2024-05")
    synced(mirrors, " after the release")
    for mirror in mirrors:
        assert places_of(mirror, held_at)[0] == held_at["prison"].slug  # the open period stays
        assert held_now(mirror, held_at["prison"]) == 0


def test_a_facility_renamed_resends_every_row_naming_it(mirrors, held_at):
    synced(mirrors)
    Facility.objects.filter(pk=held_at["prison"].pk).update(name="Baku Prison No. 13")
    synced(mirrors, " after renaming the facility")
    anonymous, _partner = mirrors
    person = record_of(anonymous, "person", held_at["person"].uuid)
    assert person["current_facility"]["name"] == "Baku Prison No. 13"
    assert person["detentions"][0]["custody_periods"][0]["facility_name"] == "Baku Prison No. 13"
    assert ops(anonymous, held_at["person"]) == ops(anonymous, held_at["detention"]) == ["upsert"]


def test_a_facility_made_internal_hides_its_custody_periods_and_leaves_allegations_unnamed(
    mirrors, held_at
):
    synced(mirrors)
    records_publish(queryset=Facility.objects.filter(pk=held_at["prison"].pk), visibility=INTERNAL)
    synced(mirrors, " after the facility went internal")
    for mirror in mirrors:
        assert places_of(mirror, held_at) == (None, [], None)
        assert ops(mirror, held_at["prison"]) == ["remove"]
    records_publish(queryset=Facility.objects.filter(pk=held_at["prison"].pk), visibility=PUBLIC)
    synced(mirrors, " after it was published again")
    for mirror in mirrors:
        assert places_of(mirror, held_at)[2] == held_at["prison"].slug


def test_a_custody_period_without_citations_is_hidden_with_the_current_place(mirrors, held_at):
    synced(mirrors)
    Citation.objects.filter(custody_period=held_at["period"]).delete()
    synced(mirrors, " after its citations went")
    for mirror in mirrors:
        assert places_of(mirror, held_at) == (None, [], held_at["prison"].slug)
        assert held_now(mirror, held_at["prison"]) == 0
    factories.cite(held_at["prison"], source_obj=factories.source("Another", visibility=PUBLIC))
    Citation.objects.filter(facility=held_at["prison"]).update(visibility=INTERNAL)
    synced(mirrors, " after the facility's citations went internal")
    for mirror in mirrors:
        assert record_of(mirror, "facility", held_at["prison"].uuid) is None
        assert places_of(mirror, held_at)[2] is None


def test_a_custody_period_moved_by_raw_sql_resends_both_persons(mirrors, held_at):
    other = factories.person("Other Prisoner")
    other_detention = factories.detention(other, arrested="2024", stage="pre-trial-detention")
    synced(mirrors)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE places_custodyperiod SET detention_id = %s WHERE id = %s",
            [other_detention.pk, held_at["period"].pk],
        )
    synced(mirrors, " after moving the custody period")
    anonymous, _partner = mirrors
    assert places_of(anonymous, held_at)[:2] == (None, [])
    moved = record_of(anonymous, "person", other.uuid)
    assert moved["current_facility"]["slug"] == held_at["prison"].slug


def test_a_facilitys_names_kind_and_operator_resend_the_facility(mirrors, held_at):
    prison = held_at["prison"]
    service = factories.organization("Penitentiary Service")
    Facility.objects.filter(pk=prison.pk).update(operator=service)
    synced(mirrors)
    anonymous, _partner = mirrors
    assert record_of(anonymous, "facility", prison.uuid)["operator"] == service.slug
    FacilityName.objects.filter(facility=prison).update(visibility=INTERNAL)
    FacilityKind.objects.filter(code="prison").update(code="prison-closed")
    records_publish(queryset=Organization.objects.filter(pk=service.pk), visibility=INTERNAL)
    synced(mirrors, " after hiding its other name and operator, renaming its kind")
    row = record_of(anonymous, "facility", prison.uuid)
    assert (row["names"], row["kind"], row["operator"]) == ([], "prison-closed", None)


# --- Last-Modified is gone (What to build, item 2) -------------------------------------


def test_lists_details_and_history_send_no_last_modified(client, case):
    person = case["person"]
    for url in (
        "/api/v1/persons/",
        f"/api/v1/persons/{person.uuid}/",
        f"/api/v1/persons/{person.uuid}/history/",
        "/api/v1/detentions/",
        "/api/v1/changes/",
    ):
        response = get(client, url, {})
        assert response.status_code == 200, url
        assert "Last-Modified" not in response.headers, url
        again = get(
            client, url, {"If-Modified-Since": "Thu, 01 Jan 2099 00:00:00 GMT"}
        )  # a date in the future: with Last-Modified this was a 304
        assert again.status_code == 200, url
        assert "ETag" in response.headers or url.endswith("changes/"), url


def test_updated_since_and_withdrawals_keep_working(client, case):
    since = (timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert get(client, f"/api/v1/persons/?updated_since={since}", {}).status_code == 200
    assert get(client, f"/api/v1/withdrawals/?since={since}", {}).status_code == 200


# --- the feed's contract ---------------------------------------------------------------


def changes(client, headers=None, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return get(client, f"{API}changes/" + (f"?{query}" if query else ""), headers or {})


def test_a_malformed_token_is_a_400_naming_after(client, db):
    for bad in ("nonsense", "0123456789ab", "0123456789ab-", "0123456789AB-1", "0123456789ab-01",
                "0123456789ab--1", "xyz-1"):  # fmt: skip
        response = changes(client, after=bad)
        assert response.status_code == 400, bad
        error = response.json()["error"]
        assert error["code"] == "invalid" and "after" in error["details"], bad


def test_a_token_of_another_epoch_or_ahead_of_the_feed_is_410_and_the_client_starts_over(
    mirrors, case, client
):
    anonymous, partner = mirrors
    anonymous.assert_equals_fresh_pull()
    token = anonymous.requests[-1][2]["token"]
    epoch, position = token.split("-")
    ahead = changes(client, after=f"{epoch}-{int(position) + 10**9}")
    assert ahead.status_code == 410 and ahead.json()["error"]["code"] == "gone"
    assert "start over" in ahead.json()["error"]["message"]
    Epoch.objects.filter(pk=1).update(epoch="fedcba987654")
    gone = changes(client, after=token)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "gone"
    # the client drops its copy and pulls in full: the copy is exact again
    records_trash(queryset=Person.objects.filter(pk=case["person"].pk))
    anonymous.assert_equals_fresh_pull(" after a 410")
    statuses = [status for _url, status, _body in anonymous.requests]
    assert statuses[0] == 410 and set(statuses[1:]) == {200}
    assert "after=" not in anonymous.requests[1][0]
    assert anonymous.requests[-1][2]["token"].split("-")[0] == reader_epoch(Reader.PUBLIC) != epoch
    assert record_of(anonymous, "person", case["person"].uuid) is None


def test_a_token_of_one_reader_is_gone_for_the_other(mirrors, case, client, partner_token):
    """A copy kept anonymously cannot be continued with a partner token (it would
    miss the records only partners see), nor the reverse."""
    anonymous, partner = mirrors
    anonymous.assert_equals_fresh_pull()
    partner.assert_equals_fresh_pull()
    public_token = anonymous.requests[-1][2]["token"]
    partner_feed_token = partner.requests[-1][2]["token"]
    assert changes(client, {"Authorization": f"Bearer {partner_token}"}, after=public_token)\
        .status_code == 410  # fmt: skip
    assert changes(client, after=partner_feed_token).status_code == 410
    assert changes(client, after=public_token).status_code == 200


@pytest.mark.parametrize("size, status", [("0", 400), ("1001", 400), ("abc", 400), ("-1", 400),
                                          ("1", 200), ("1000", 200)])  # fmt: skip
def test_page_size_bounds(client, case, size, status):
    response = changes(client, page_size=size)
    assert response.status_code == status, response.content
    if status == 200:
        assert len(response.json()["results"]) <= int(size)
    else:
        assert "page_size" in response.json()["error"]["details"]


def test_csv_and_unknown_parameters_are_refused(client, db):
    assert changes(client, format="csv").status_code == 406
    assert changes(client, since="2024").status_code == 400


def test_pages_follow_next_until_null_and_the_token_stays_when_caught_up(client, case):
    pages = feed_pages(client, {}, page_size=2)
    assert len(pages) > 2
    assert all(len(page["results"]) == 2 for page in pages[:-1])
    assert pages[-1]["next"] is None
    for page in pages[:-1]:
        assert f"after={page['token']}" in page["next"] and "page_size=2" in page["next"]
    keys = [(c["kind"], c["uuid"]) for page in pages for c in page["results"]]
    assert len(keys) == len(set(keys)), "a record twice in one pull"
    assert set(keys) == set(fresh_pull(client, {}))  # nothing was ever removed here
    token = pages[-1]["token"]
    for _ in range(2):
        caught_up = changes(client, after=token).json()
        assert caught_up == {"results": [], "next": None, "token": token}


def test_a_record_changed_while_paging_reaches_the_reader_again_before_next_is_null(client, case):
    first = changes(client, page_size=1).json()
    [read] = first["results"]
    model = {"organization": Organization, "source": Source, "person": Person}[read["kind"]]
    model.objects.filter(uuid=read["uuid"]).update(updated_at=timezone.now())
    later = [c for page in feed_pages(client, {}, after=first["token"]) for c in page["results"]]
    again = [c for c in later if (c["kind"], c["uuid"]) == (read["kind"], read["uuid"])]
    assert len(again) == 1 and again[0]["record"]["updated_at"] != read["record"]["updated_at"]


def test_a_remove_is_sent_only_for_a_record_the_reader_was_sent(mirrors, db):
    anonymous, partner = mirrors
    synced(mirrors)
    internal = factories.person("Kept Internal", visibility=INTERNAL)
    shared = factories.person("Shared With Partners", visibility=PARTNERS)
    synced(mirrors)
    assert ops(anonymous, shared) == [] and ops(partner, shared) == ["upsert"]
    records_trash(queryset=Person.objects.filter(pk__in=[internal.pk, shared.pk]))
    synced(mirrors, " after trashing them")
    assert ops(anonymous, internal) == [] and ops(partner, internal) == []
    assert ops(anonymous, shared) == [] and ops(partner, shared) == ["remove"]
    # a full pull never names them for the public either
    for page in feed_pages(anonymous.client, {}):
        assert not {str(internal.uuid), str(shared.uuid)} & {c["uuid"] for c in page["results"]}
    assert not Entry.objects.filter(reader="public", uuid__in=[internal.uuid, shared.uuid])


def test_the_feed_writes_nothing_for_a_change_no_reader_can_see(client, db):
    feed_pages(client, {})
    before = Entry.objects.count()
    internal = factories.person("Internal Only", visibility=INTERNAL)
    Person.objects.filter(pk=internal.pk).update(summary="still internal")
    feed_pages(client, {})
    assert Entry.objects.count() == before


def test_records_are_their_list_rows(mirrors, case):
    """The feed's record is the list's row, field for field (partial dates, dates
    and times written alike), for every kind and both readers."""
    factories.source("Confidential", is_confidential=True)
    reported_count(number=3, visibility=PARTNERS, as_of="2024-12")
    dated(case["person"], birth_date="1967")
    dated(case["detention"], released_on="2024-03")
    Detention.objects.filter(pk=case["detention"].pk).update(sentence_months=18)
    dated(case["allegation"], started_on="2023-12", ended_on="2023-12-20")
    dated(case["statement"], issued_on="2024-01-10")
    source = dated(factories.source("Dated", accessed_on=datetime.date(2024, 5, 6)),
                   published_on="2024-05")  # fmt: skip
    factories.cite(case["event"], source_obj=source, locator="p. 1", excerpt="quoted")
    prison = facility("Prison No. 13", names=[("Тюрьма № 13", "ru")], region="Baku",
                      latitude="40.40930", longitude="49.86710")  # fmt: skip
    dated(prison, address_confirmed_on="2024-05")
    custody(case["detention"], prison, "2023-12-10", source=source)
    Allegation.objects.filter(pk=case["allegation"].pk).update(facility=prison)
    kinds = set()
    for mirror in mirrors:
        pulled = fresh_pull(mirror.client, mirror.headers)
        fed = {
            (c["kind"], c["uuid"]): c["record"]
            for page in feed_pages(mirror.client, mirror.headers)
            for c in page["results"]
            if c["op"] == "upsert"
        }
        assert fed == pulled
        kinds |= {kind for kind, _uuid in fed}
    assert kinds == {
        "person", "detention", "allegation", "statement", "source", "organization",
        "reported-count", "facility",
    }  # fmt: skip
    (row,) = [r for r in pulled.values() if r.get("current_facility")]
    assert row["current_facility"]["slug"] == prison.slug


def test_the_partner_feed_holds_partners_records_the_public_feed_does_not(mirrors, db):
    shared = factories.person("Partners Level", visibility=PARTNERS)
    synced(mirrors)
    anonymous, partner = mirrors
    assert record_of(partner, "person", shared.uuid)
    assert record_of(anonymous, "person", shared.uuid) is None


# --- officials and trials ------------------------------------------------------------------


@pytest.fixture
def tried(case):
    """The case's person tried (a defendant of the detention) by a public court,
    with a judge and a hearing; the judge also the alleged perpetrator of the
    allegation, on sources of two different publishers."""
    court = factories.organization("Baku Grave Crimes Court")
    trial = accountability.trial("The Yagublu case", court=court, opened="2024-02")
    accountability.defendant(trial, case["person"], detention=case["detention"], charges="206.3.2")
    judge = accountability.official("Judge Example", names=[("Судья Пример", "ru")])
    accountability.involvement(judge, "trial-judge", trial=trial)
    first = accountability.published_source("Publisher One")
    second = accountability.published_source("Publisher Two")
    perpetrator = accountability.involvement(
        judge, "alleged-perpetrator", allegation=case["allegation"], sources=[first, second]
    )
    return {**case, "court": court, "trial": trial, "judge": judge, "perpetrator": perpetrator,
            "first": first, "second": second}  # fmt: skip


def involvement_uuids(mirror: Mirror, official: Official) -> list[str]:
    record = record_of(mirror, "official", official.uuid)
    return [] if record is None else [i["uuid"] for i in record["involvements"]]


def test_an_alleged_perpetrator_leaves_the_public_copy_when_one_publisher_is_left(mirrors, tried):
    """Two publishers' sources: public; one source's publisher changed to the
    other's: the official is sent again to the public without it (partners keep it)."""
    anonymous, partner = mirrors
    synced(mirrors)
    perpetrator = str(tried["perpetrator"].uuid)
    assert perpetrator in involvement_uuids(anonymous, tried["judge"])
    Source.objects.filter(pk=tried["second"].pk).update(publisher=tried["first"].publisher)
    synced(mirrors, " after the second source's publisher changed")
    assert perpetrator not in involvement_uuids(anonymous, tried["judge"])
    assert perpetrator in involvement_uuids(partner, tried["judge"])
    assert anonymous.changed("official", tried["judge"].uuid) == ["upsert"]


def test_a_hearing_added_then_made_internal_resends_the_trial(mirrors, tried):
    anonymous, partner = mirrors
    synced(mirrors)
    hearing = accountability.hearing(tried["trial"], "2031-03-14", court_room="Room 4")
    synced(mirrors, " after a hearing was added")
    for mirror in mirrors:
        hearings = record_of(mirror, "trial", tried["trial"].uuid)["hearings"]
        assert [h["uuid"] for h in hearings] == [str(hearing.uuid)]
        assert mirror.changed("trial", tried["trial"].uuid) == ["upsert"]
    records_publish(queryset=Hearing.objects.filter(pk=hearing.pk), visibility=INTERNAL)
    synced(mirrors, " after the hearing went internal")
    for mirror in mirrors:
        assert record_of(mirror, "trial", tried["trial"].uuid)["hearings"] == []


def test_an_official_renamed_resends_the_trials_they_judge(mirrors, tried):
    synced(mirrors)
    Official.objects.filter(pk=tried["judge"].pk).update(name="Judge Renamed")
    synced(mirrors, " after renaming the official")
    for mirror in mirrors:
        trial = record_of(mirror, "trial", tried["trial"].uuid)
        assert [i["official"]["name"] for i in trial["involvements"]] == ["Judge Renamed"]
        assert record_of(mirror, "official", tried["judge"].uuid)["name"] == "Judge Renamed"


def test_a_person_made_internal_leaves_the_trial_and_the_officials_record(mirrors, tried):
    """The defendant leaves the trial's record; the involvement in the allegation
    about them leaves the official's (hidden with its fact's person)."""
    synced(mirrors)
    records_publish(queryset=Person.objects.filter(pk=tried["person"].pk), visibility=INTERNAL)
    synced(mirrors, " after the person went internal")
    for mirror in mirrors:
        assert record_of(mirror, "trial", tried["trial"].uuid)["defendants"] == []
        assert str(tried["perpetrator"].uuid) not in involvement_uuids(mirror, tried["judge"])


def test_a_court_in_the_trash_removes_the_trial_and_its_judges_involvement(mirrors, tried):
    synced(mirrors)
    records_trash(queryset=Organization.objects.filter(pk=tried["court"].pk))
    synced(mirrors, " after the court went to the trash")
    judging = Involvement.objects.get(official=tried["judge"], trial=tried["trial"])
    for mirror in mirrors:
        assert mirror.changed("trial", tried["trial"].uuid) == ["remove"]
        assert str(judging.uuid) not in involvement_uuids(mirror, tried["judge"])


# --- the watched tables ------------------------------------------------------------------


def test_every_watched_table_has_its_three_triggers(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname IN ('sync_insert', 'sync_update', 'sync_delete')"
            " AND NOT t.tgisinternal"
        )
        found = set(cursor.fetchall())
    for table in WATCHED:
        for name in ("sync_insert", "sync_update", "sync_delete"):
            assert (table, name) in found, f"{table} has no {name} trigger"


def test_every_watched_table_logs_the_keys_its_rule_reads(db):
    """The triggers pass each table's keys of sync.tables (a later migration that
    adds a key to a table re-creates its triggers)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgnargs, t.tgargs FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname IN ('sync_insert', 'sync_update', 'sync_delete')"
            " AND NOT t.tgisinternal"
        )
        found = {
            (table, name): tuple(bytes(args).decode().split("\x00")[:count])
            for table, name, count, args in cursor.fetchall()
        }
    for table, keys in WATCHED.items():
        for name in ("sync_insert", "sync_update", "sync_delete"):
            assert found[(table, name)] == keys, f"{table} {name}"


def test_every_table_a_served_row_reads_is_watched():
    """Every table the list rows or their visibility read (sync.tables)."""
    expected = {
        "cases_person", "cases_namevariant", "cases_person_occupations", "cases_organization",
        "cases_detention", "cases_charge", "cases_caseevent", "cases_allegation",
        "cases_statement", "cases_statement_persons", "sources_source", "sources_citation",
        "sources_reportedcount", "cases_occupation", "cases_legalstage", "cases_releasereason",
        "cases_caseeventkind", "cases_allegationkind", "cases_allegationstatus",
        "cases_statementkind", "cases_sourcekind", "places_facility", "places_facilityname",
        "places_custodyperiod", "places_facilitykind", "interventions_intervention",
        "interventions_intervention_persons", "trials_trial", "trials_trialdefendant",
        "trials_hearing", "officials_official", "officials_officialname", "officials_position",
        "officials_involvement",
    }  # fmt: skip
    assert expected <= set(WATCHED)


def test_every_watched_table_has_a_dependency_rule(db):
    refs = {
        "person_id": 1, "detention_id": 1, "statement_id": 1, "source_id": 1, "facility_id": 1,
        "custody_period_id": 1, "intervention_id": 1, "official_id": 1, "position_id": 1,
        "involvement_id": 1, "trial_id": 1, "hearing_id": 1,
    }  # fmt: skip
    for table in WATCHED:
        affected_records([(table, 1, refs)])  # raises for a table without a rule
    with pytest.raises(ValueError, match="no rule"):
        affected_records([("cases_not_a_table", 1, {})])


def test_every_watched_table_logs_its_changes(db):
    """A write to a watched table leaves a change row naming it (the triggers run)."""
    from sync.models import Change

    Change.objects.all().delete()
    factories.person("Logged")
    assert set(Change.objects.values_list("table", flat=True)) >= {"cases_person"}


# --- cost -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_feed_request_with_no_pending_change_costs_twelve_queries(
    committed, client, django_assert_max_num_queries
):
    """As in production, outside a transaction: the epoch, the last position, the
    compaction's lock, snapshot and (empty) read of changes, the page (and the
    partner's token), and the throttle's read and write in the shared cache."""
    factories.detention(factories.person("Counted"))
    partner = {"Authorization": f"Bearer {token_issue(name='Partner NGO')[1]}"}
    for headers, queries in (({}, 12), (partner, 13)):
        token = feed_pages(client, headers)[-1]["token"]
        with django_assert_max_num_queries(queries):
            assert changes(client, headers, after=token).json()["results"] == []


# --- commits: transactions open across a sync -------------------------------------------


@pytest.fixture
def committed(transactional_db, vocabularies):
    """A transactional database with the vocabularies and the feed's epoch."""


@pytest.mark.django_db(transaction=True)
def test_a_transaction_open_across_a_sync_reaches_the_next_sync(committed, client, tmp_path):
    token = token_issue(name="Partner NGO")[1]
    mirrors = (
        Mirror(client, tmp_path / "anonymous.sqlite3"),
        Mirror(client, tmp_path / "partner.sqlite3", token=token),
    )
    early = factories.person("Committed Early")
    detention = factories.detention(early, arrested="2024")
    synced(mirrors)
    other = second_connection()
    try:
        # opened before the sync, written before it, committed after it
        other.execute(
            "UPDATE cases_person SET summary = 'Committed late' WHERE id = %s", [early.pk]
        )
        other.execute(
            "UPDATE cases_detention SET visibility = 'partners' WHERE id = %s", [detention.pk]
        )
        later = factories.person("Committed Between")  # commits after `other` began
        synced(mirrors, " with a transaction open")
        for mirror in mirrors:
            assert ops(mirror, later) == ["upsert"]
            assert record_of(mirror, "person", early.uuid)["summary"] == ""
        other.commit()
    finally:
        other.close()
    synced(mirrors, " after the late commit")
    anonymous, partner = mirrors
    for mirror in mirrors:
        assert mirror.entry("person", early.uuid)["record"]["summary"] == "Committed late"
    assert ops(anonymous, detention) == ["remove"]
    assert record_of(partner, "detention", detention.uuid)


@pytest.mark.django_db(transaction=True)
def test_many_pending_changes_are_compared_record_by_record_and_stay_exact(
    committed, client, tmp_path, monkeypatch
):
    """Above REBUILD_ABOVE pending changes (an import) the compaction compares
    every record once instead of following each change: the copies stay exact,
    removes of records deleted for good included."""
    import sync.services

    token = token_issue(name="Partner NGO")[1]
    mirrors = (
        Mirror(client, tmp_path / "anonymous.sqlite3"),
        Mirror(client, tmp_path / "partner.sqlite3", token=token),
    )
    police = factories.organization("Police Department")
    person = factories.person("Imported Person", variants=["Alias"])
    detention = factories.detention(person, arrested="2024-05", arresting_authority=police)
    statement = factories.statement("Deleted later", issuer=police)
    report = factories.source("Becomes confidential")
    factories.cite(detention, source_obj=report, locator="p. 9")
    synced(mirrors)
    monkeypatch.setattr(sync.services, "REBUILD_ABOVE", 1)
    records_publish(queryset=Organization.objects.filter(pk=police.pk), visibility=PARTNERS)
    Statement.objects.filter(pk=statement.pk).delete()
    Source.objects.filter(pk=report.pk).update(is_confidential=True)
    NameVariant.objects.filter(person=person).update(visibility=INTERNAL)
    synced(mirrors, " after a compaction by full comparison")
    anonymous, partner = mirrors
    for mirror in mirrors:
        assert ops(mirror, statement) == ["remove"]
        assert mirror.entry("source", report.uuid)["record"]["title"] == (
            "Confidential source on file"
        )
        assert mirror.entry("person", person.uuid)["record"]["name_variants"] == []
    assert ops(anonymous, police) == ["remove"]
    assert record_of(anonymous, "detention", detention.uuid)["arresting_authority"] is None
    assert record_of(partner, "detention", detention.uuid)["arresting_authority"]


@pytest.mark.django_db(transaction=True)
def test_changes_are_in_commit_order(committed, client):
    """A transaction written first and committed last comes after one written
    and committed in between: the order is that of commits, not of writes."""
    first, second = factories.person("Written First"), factories.person("Written Second")
    token = feed_pages(client, {})[-1]["token"]
    other = second_connection()
    try:
        other.execute("UPDATE cases_person SET summary = 'late' WHERE id = %s", [first.pk])
        Person.objects.filter(pk=second.pk).update(summary="early")  # commits at once
        assert [c["uuid"] for c in changes(client, after=token).json()["results"]] == [
            str(second.uuid)
        ]
        other.commit()
    finally:
        other.close()
    results = [c for page in feed_pages(client, {}, after=token) for c in page["results"]]
    assert [(c["uuid"], c["record"]["summary"]) for c in results] == [
        (str(second.uuid), "early"),
        (str(first.uuid), "late"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_transaction_open_during_a_compaction_is_not_lost(committed, client, tmp_path):
    """The compaction reads in one REPEATABLE READ snapshot: a transaction
    committing while it runs is left for the next one, never dropped."""
    mirror = Mirror(client, tmp_path / "anonymous.sqlite3")
    person = factories.person("Racing")
    mirror.assert_equals_fresh_pull()
    other = second_connection()
    started = threading.Event()
    try:
        other.execute("UPDATE cases_person SET summary = 'raced' WHERE id = %s", [person.pk])
        # commit from another thread while this one's sync runs
        committer = threading.Thread(target=lambda: (started.wait(5), other.commit()))
        committer.start()
        started.set()
        mirror.sync()
        committer.join()
    finally:
        other.close()
    mirror.assert_equals_fresh_pull(" after the race")
    assert record_of(mirror, "person", person.uuid)["summary"] == "raced"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_change(committed, client, tmp_path):
    mirror = Mirror(client, tmp_path / "anonymous.sqlite3")
    person = factories.person("Rolled Back")
    mirror.assert_equals_fresh_pull()
    other = second_connection()
    try:
        other.execute("UPDATE cases_person SET summary = 'never' WHERE id = %s", [person.pk])
        other.rollback()
    finally:
        other.close()
    mirror.assert_equals_fresh_pull(" after a rollback")
    assert mirror.changes == []
