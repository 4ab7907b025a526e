"""The stored status (cases.reads.status: each person's status per reader, kept by
triggers on every table the rule reads and computed when a transaction commits)
is the rule computed afresh (`computed_status_sql`) for every reader after every
kind of committed write: the ORM's saves, bulk writes, queryset updates, raw SQL,
deletions and the trash; inside a writing transaction the reads give the rule
too; and the functions in the database are the rule as the code writes it now.
The tests of committed writes commit for real (transactional tests)."""

from __future__ import annotations

import random

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.choices import PersonStatus, Visibility
from cases.models import Detention, LegalStage, Organization, Person, Statement, StatementKind
from cases.partial_dates import PartialDate
from cases.reads.status import (
    FACET_TABLE,
    FACTS_TABLE,
    PENDING_TABLE,
    PLACE_TABLE,
    STATUS_TABLE,
    STORED_READERS,
    computed_status_sql,
    place_sql,
    rebuild_stored_status,
    status_sql,
    stored_status_functions,
)
from cases.visibility import Reader
from places.models import CustodyPeriod, Facility, FacilityKind
from places.reads import current_custody_sql, held_now_counts
from sources.models import Citation, Source, SourceKind
from tests import factories
from tests.facility_records import custody, facility, held

pytestmark = pytest.mark.django_db

HELD, RELEASED, UNKNOWN = PersonStatus.HELD, PersonStatus.RELEASED, PersonStatus.UNKNOWN


def _rows(sql: str, params: list) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return set(cursor.fetchall())


def assert_stored_is_computed() -> None:
    """Committed: nothing is left to compute, and the stored rows of every reader
    are the computed ones (and so are the rows the reads give): the statuses and
    the current places."""
    assert not _rows(f"SELECT person_id FROM {PENDING_TABLE}", [])
    for reader in STORED_READERS:
        stored = _rows(
            f"SELECT person_id, status, as_of, as_of_precision FROM {STATUS_TABLE}"
            " WHERE reader = %s",
            [reader.value],
        )
        computed = _rows(*computed_status_sql(reader=reader))
        assert stored == computed == _rows(*status_sql(reader=reader)), reader
        stored = _rows(
            f"SELECT person_id, custody_id, facility_id FROM {PLACE_TABLE} WHERE reader = %s",
            [reader.value],
        )
        assert stored == computed_places(reader) == _rows(*place_sql(reader=reader)), reader


def computed_places(reader: Reader) -> set[tuple]:
    """(person, custody period, facility) of everyone's current place for `reader`,
    by the rule (places.reads.current_custody_sql) run now."""
    rule, params = current_custody_sql(reader=reader)
    return _rows(f"SELECT person_id, custody_id, facility_id FROM ({rule}) c", params)


def status_of(person: Person, reader: Reader = Reader.PUBLIC) -> tuple | None:
    """The person's stored (status, as of), None without one; checked against the
    rule computed afresh for every reader first."""
    assert_stored_is_computed()
    rows = _rows(*status_sql(reader=reader, persons=[person.pk]))
    return next(((s, PartialDate(d, p) if d else None) for _id, s, d, p in rows), None)


def _source(published: str) -> Source:
    source = factories.source(f"Report of {published}")
    source.published_on = PartialDate.parse(published)
    source.save()
    return source


def test_the_installed_functions_are_the_rule_as_the_code_writes_it():
    """After `migrate` (the test database's), the functions are the code's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)",
            [list(stored_status_functions(connection))],
        )
        installed = dict(cursor.fetchall())
    written = {name: body for name, (_options, body) in stored_status_functions(connection).items()}
    assert installed == written


@pytest.mark.django_db(transaction=True)
def test_every_transition_of_a_detention_and_its_evidence_is_stored(vocabularies):
    person = factories.person("Stored Status")
    assert status_of(person) is None
    detention = factories.detention(person, arrested="2021", stage="pre-trial-detention")
    assert status_of(person) == (HELD, None)
    factories.citation(_source("2023-04"), detention=detention)
    assert status_of(person) == (HELD, PartialDate.parse("2023-04"))
    # a case event's citation dates the detention
    event = factories.case_event(detention, "sentenced")
    cited_event = factories.citation(_source("2024-02"), case_event=event)
    assert status_of(person) == (HELD, PartialDate.parse("2024-02"))
    events = type(event).objects.filter(pk=event.pk)
    events.update(visibility=Visibility.INTERNAL)
    assert status_of(person) == (HELD, PartialDate.parse("2023-04"))
    assert status_of(person, Reader.STAFF) == (HELD, PartialDate.parse("2024-02"))
    events.update(visibility=Visibility.PUBLIC)
    # the source's date changed, then the source made confidential
    source = cited_event.source
    source.published_on = PartialDate.parse("2024-03-05")
    source.save()
    assert status_of(person) == (HELD, PartialDate.parse("2024-03-05"))
    Source.objects.filter(pk=source.pk).update(is_confidential=True)
    assert status_of(person) == (HELD, PartialDate.parse("2023-04"))
    assert status_of(person, Reader.STAFF) == (HELD, PartialDate.parse("2024-03-05"))
    # released
    detention.released_on = PartialDate.parse("2023-02")
    detention.save()
    assert status_of(person) == (RELEASED, PartialDate.parse("2023-04"))
    # a second detention, uncited: held for staff only, until cited
    second = factories.detention(person, stage="convicted", cited=False)
    assert status_of(person) == (RELEASED, PartialDate.parse("2023-04"))
    assert status_of(person, Reader.STAFF)[0] == HELD
    citation = factories.cite(second)
    assert status_of(person)[0] == HELD
    # its only citation made internal, given back, then deleted
    Citation.objects.filter(pk=citation.pk).update(visibility=Visibility.INTERNAL)
    assert status_of(person)[0] == RELEASED
    assert status_of(person, Reader.PARTNER)[0] == RELEASED
    Citation.objects.filter(pk=citation.pk).update(visibility=Visibility.PARTNERS)
    assert status_of(person)[0] == RELEASED
    assert status_of(person, Reader.PARTNER)[0] == HELD
    citation.delete()
    assert status_of(person, Reader.PARTNER)[0] == RELEASED
    # the citations' source in the trash, then restored
    factories.cite(second)
    shared = Source.objects.get(title=factories.CITING_SOURCE_TITLE)
    Source.objects.filter(pk=shared.pk).update(deleted_at=timezone.now())
    assert status_of(person)[0] == RELEASED
    Source.objects.filter(pk=shared.pk).update(deleted_at=None)
    assert status_of(person)[0] == HELD
    # the detention moved to another person, then deleted
    other = factories.person("Other Person")
    Detention.objects.filter(pk=second.pk).update(person=other)
    assert status_of(person)[0] == RELEASED and status_of(other)[0] == HELD
    second.delete()
    assert status_of(other) is None


@pytest.mark.django_db(transaction=True)
def test_the_persons_level_and_trash_are_stored(vocabularies):
    person = factories.person("Level Changes")
    factories.detention(person, stage="convicted")
    assert status_of(person)[0] == HELD
    Person.objects.filter(pk=person.pk).update(visibility=Visibility.PARTNERS)
    assert status_of(person) is None and status_of(person, Reader.PARTNER)[0] == HELD
    Person.objects.filter(pk=person.pk).update(deleted_at=timezone.now())
    assert status_of(person, Reader.STAFF) is None
    Person.objects.filter(pk=person.pk).update(deleted_at=None, visibility=Visibility.PUBLIC)
    assert status_of(person)[0] == HELD


@pytest.mark.django_db(transaction=True)
def test_a_call_for_release_its_issuer_its_kind_and_its_links_are_stored(vocabularies):
    person = factories.person("Called For")
    issuer = factories.organization("Calling Union")
    statement = factories.statement("Free them", issuer=issuer)
    statement.persons.add(person)
    assert status_of(person) == (HELD, None)
    statement.issued_on = PartialDate.parse("2024-06")
    statement.save()
    assert status_of(person) == (HELD, PartialDate.parse("2024-06"))
    # a release as new as the call says otherwise
    factories.detention(person, released="2024-07", stage="released")
    assert status_of(person)[0] == RELEASED
    Detention.objects.filter(person=person).delete()
    assert status_of(person)[0] == HELD
    # the issuer restricted: the call is hidden with it
    Organization.objects.filter(pk=issuer.pk).update(visibility=Visibility.INTERNAL)
    assert status_of(person) is None and status_of(person, Reader.STAFF)[0] == HELD
    Organization.objects.filter(pk=issuer.pk).update(visibility=Visibility.PUBLIC)
    assert status_of(person)[0] == HELD
    # an issuing person in the trash hides the call too
    speaker = factories.person("Speaking Person")
    Statement.objects.filter(pk=statement.pk).update(issuer_person=speaker)
    assert status_of(person)[0] == HELD
    Person.objects.filter(pk=speaker.pk).update(deleted_at=timezone.now())
    assert status_of(person) is None
    Person.objects.filter(pk=speaker.pk).update(deleted_at=None)
    # the vocabulary's code of the kind changed: no longer a call for release
    kind = StatementKind.objects.get(code="call-for-release")
    StatementKind.objects.filter(pk=kind.pk).update(code="renamed-kind")
    assert status_of(person) is None
    StatementKind.objects.filter(pk=kind.pk).update(code="call-for-release")
    assert status_of(person)[0] == HELD
    statement.persons.remove(person)
    assert status_of(person) is None


@pytest.mark.django_db(transaction=True)
def test_a_legal_stage_that_stops_depriving_of_liberty_changes_every_status_at_it(vocabularies):
    persons = [factories.person(f"At stage {n}") for n in range(3)]
    for person in persons:
        factories.detention(person, stage="house-arrest")
    assert {status_of(p) for p in persons} == {(HELD, None)}
    # a stage that neither holds nor releases says nothing of now
    LegalStage.objects.filter(code="house-arrest").update(in_detention=False)
    assert {status_of(p) for p in persons} == {None}


def place_of(person: Person, reader: Reader = Reader.PUBLIC) -> int | None:
    """The facility of the person's stored current place, None without one;
    checked against the rule computed afresh for every reader first."""
    assert_stored_is_computed()
    rows = _rows(*place_sql(reader=reader, persons=[person.pk]))
    return next((facility_id for _id, _custody, facility_id in rows), None)


@pytest.fixture
def prisons():
    """The kind of facility the places are: migration data, which a transactional
    test before flushed."""
    FacilityKind.objects.get_or_create(code="prison", defaults={"label": "prison"})


@pytest.mark.django_db(transaction=True)
def test_every_write_the_current_place_reads_is_stored(vocabularies, prisons):
    """The current place (places.reads: the open period the reader may see with
    the newest source) follows its custody periods, their facilities and
    detentions, the citations of each and their sources' dates."""
    person, detention = held("Stored Place")
    prison, colony = facility("Stored Prison"), facility("Stored Colony")
    first = custody(detention, prison, "2024-03", source=_source("2024-04"))
    assert place_of(person) == prison.pk
    # an open period at another facility, with a newer source, is the current place
    second = custody(detention, colony, "2024-05", source=_source("2024-06"))
    assert place_of(person) == colony.pk
    CustodyPeriod.objects.filter(pk=second.pk).update(visibility=Visibility.INTERNAL)
    assert (place_of(person), place_of(person, Reader.STAFF)) == (prison.pk, colony.pk)
    CustodyPeriod.objects.filter(pk=second.pk).update(visibility=Visibility.PUBLIC)
    # the newer source older now, then withdrawn from the public
    newer = Citation.objects.get(custody_period=second).source
    Source.objects.filter(pk=newer.pk).update(published_on="2024-01-01")
    assert place_of(person) == prison.pk
    Source.objects.filter(pk=newer.pk).update(published_on="2024-12-01")
    assert place_of(person) == colony.pk
    Citation.objects.filter(custody_period=second).update(visibility=Visibility.INTERNAL)
    assert (place_of(person), place_of(person, Reader.STAFF)) == (prison.pk, colony.pk)
    # the facility's level, trash and only citation
    Facility.objects.filter(pk=prison.pk).update(visibility=Visibility.INTERNAL)
    assert place_of(person) is None
    Facility.objects.filter(pk=prison.pk).update(visibility=Visibility.PUBLIC)
    Citation.objects.filter(facility=prison).delete()
    assert (place_of(person), place_of(person, Reader.STAFF)) == (None, colony.pk)
    factories.cite(prison)
    Facility.objects.filter(pk=prison.pk).update(deleted_at=timezone.now())
    assert place_of(person, Reader.STAFF) == colony.pk
    Facility.objects.filter(pk=prison.pk).update(deleted_at=None)
    # moved to another facility, closed, moved to another person's detention
    CustodyPeriod.objects.filter(pk=first.pk).update(facility=colony)
    assert place_of(person) == colony.pk
    # held now there while the status is held; placed there whatever it is
    held_there = {"reader": Reader.PUBLIC, "facility_ids": [colony.pk], "cached": False}
    assert held_now_counts(**held_there) == {colony.pk: 1}
    released = PartialDate.parse("2024-10")
    Detention.objects.filter(pk=detention.pk).update(
        released_on=released.start, released_on_precision=released.precision
    )
    assert (place_of(person), held_now_counts(**held_there)) == (colony.pk, {})
    Detention.objects.filter(pk=detention.pk).update(released_on=None, released_on_precision=None)
    closed = PartialDate.parse("2024-09")
    CustodyPeriod.objects.filter(pk=first.pk).update(
        held_until=closed.start, held_until_precision=closed.precision
    )
    assert place_of(person) is None
    other, other_detention = held("Other Place")
    CustodyPeriod.objects.filter(pk=first.pk).update(
        held_until=None, held_until_precision=None, detention=other_detention
    )
    assert (place_of(person), place_of(other)) == (None, colony.pk)
    # the detention made internal
    Detention.objects.filter(pk=other_detention.pk).update(visibility=Visibility.INTERNAL)
    assert (place_of(other), place_of(other, Reader.STAFF)) == (None, colony.pk)
    CustodyPeriod.objects.filter(pk=first.pk).delete()
    assert place_of(other, Reader.STAFF) is None


@pytest.mark.django_db(transaction=True)
def test_bulk_and_raw_writes_are_stored(vocabularies):
    persons = [factories.person(f"Bulk {n}") for n in range(5)]
    stage = LegalStage.objects.get(code="convicted")
    created = Detention.objects.bulk_create(
        [Detention(person=p, legal_stage=stage, visibility=Visibility.PUBLIC) for p in persons]
    )
    Citation.objects.bulk_create(
        [Citation(source=_source("2022"), detention=d, visibility="public") for d in created]
    )
    assert {status_of(p) for p in persons} == {(HELD, PartialDate.parse("2022"))}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_detention SET released_on = '2023-01-01', released_on_precision = 3"
            " WHERE person_id = ANY(%s)",
            [[p.pk for p in persons[:2]]],
        )
    assert [status_of(p)[0] for p in persons] == [RELEASED] * 2 + [HELD] * 3
    Person.objects.filter(pk__in=[p.pk for p in persons]).update(deleted_at=timezone.now())
    assert [status_of(p, Reader.STAFF) for p in persons] == [None] * 5


@pytest.mark.django_db(transaction=True)
def test_the_rebuild_gives_the_stored_rows_again(vocabularies):
    person = factories.person("Rebuilt")
    factories.detention(person, stage="convicted")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_person_status")
    rebuild_stored_status()
    assert status_of(person) == (HELD, None)


@pytest.mark.django_db(transaction=True)
def test_a_citation_written_before_its_source_is_stored_at_the_commit(vocabularies):
    """An insert into a table whose persons are found through the rows that refer
    to it (a source: its citations) notes no person; a citation inserted before
    its source in the same transaction (keys are checked at the commit) noted its
    own, and the commit works the source's out again from its kept rows."""
    person = factories.person("Cited Before Its Source")
    detention = factories.detention(person, stage="convicted", cited=False)
    assert status_of(person) is None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('sources_source', 'id'))")
        (source_id,) = cursor.fetchone()
        Citation.objects.create(source_id=source_id, detention=detention, visibility="public")
        cursor.execute(f"DELETE FROM {PENDING_TABLE}")  # only the source's insert may note now
        factories.source("Published After Its Citation", id=source_id)
        assert _rows(f"SELECT person_id FROM {PENDING_TABLE}", []) == set()
    assert status_of(person) == (HELD, None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("function", ["cases_status_refresh", "cases_status_refresh_many"])
def test_a_refresh_writes_again_the_rows_of_the_persons_given_and_no_others(
    vocabularies, prisons, function
):
    """The commit's refresh of a few persons (planned once, generic) and of many
    (above MANY_ABOVE, planned for the ids given) write the same rows: the
    status, place and filter values of the persons given, computed afresh, and
    leave everyone else's as they were."""
    given, other = factories.person("Given"), factories.person("Other")
    prison = facility("Refreshed Prison")
    for person in (given, other):
        custody(factories.detention(person, stage="convicted"), prison)
    tables = (STATUS_TABLE, PLACE_TABLE, FACET_TABLE)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        with transaction.atomic():
            cursor.execute(f"SELECT {function}(%s)", [[given.pk]])
        for table in tables:
            cursor.execute(f"SELECT DISTINCT person_id FROM {table}")
            assert cursor.fetchall() == [(given.pk,)], table
    rebuild_stored_status()  # the others' too, for the check of every row
    assert status_of(given) == status_of(other) == (HELD, None)


@pytest.mark.django_db(transaction=True)
def test_random_writes_keep_the_stored_status_the_computed_one(vocabularies):
    """A fixed sequence of random writes (a seed: the same each run) over a few
    persons, detentions, calls, citations and sources, each at a random level:
    after each, the stored rows of every reader are the computed ones."""
    rng = random.Random(2002)
    levels = [Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL]
    stages = list(LegalStage.objects.values_list("pk", flat=True)) + [None]
    persons = [factories.person(f"Random {n}") for n in range(4)]
    sources = [_source(date) for date in ("2020", "2023-05", "2024-11-02")]
    detentions, statements, citations = [], [], []

    def add_detention():
        detentions.append(
            factories.detention(rng.choice(persons), cited=False, visibility=rng.choice(levels))
        )

    def change_detention():
        if detentions:
            released = rng.choice([None, PartialDate.parse("2023-06")])
            Detention.objects.filter(pk=rng.choice(detentions).pk).update(
                legal_stage_id=rng.choice(stages),
                released_on=released and released.start,
                released_on_precision=released and released.precision,
                visibility=rng.choice(levels),
            )

    def add_call():
        statement = factories.statement(cited=False, visibility=rng.choice(levels))
        statement.persons.add(rng.choice(persons))
        statements.append(statement)

    def cite():
        facts = [("detention", d) for d in detentions] + [("statement", s) for s in statements]
        if facts:
            field, fact = rng.choice(facts)
            citations.append(
                factories.citation(
                    rng.choice(sources), **{field: fact}, visibility=rng.choice(levels)
                )
            )

    def change_citation():
        if citations:
            Citation.objects.filter(pk=rng.choice(citations).pk).update(
                visibility=rng.choice(levels), source=rng.choice(sources)
            )

    def change_source():
        Source.objects.filter(pk=rng.choice(sources).pk).update(
            is_confidential=rng.random() < 0.5, visibility=rng.choice(levels)
        )

    def change_person():
        Person.objects.filter(pk=rng.choice(persons).pk).update(
            visibility=rng.choice(levels),
            deleted_at=timezone.now() if rng.random() < 0.2 else None,
        )

    def delete_something():
        for kept in (citations, detentions):
            if kept:
                kept.pop(rng.randrange(len(kept))).delete()
                return

    writes = [add_detention, add_detention, change_detention, add_call, cite, cite, cite,
              change_citation, change_source, change_person, delete_something]  # fmt: skip
    statuses = set()
    for _step in range(60):
        rng.choice(writes)()
        assert_stored_is_computed()
        statuses |= {row[1] for row in _rows(*status_sql(reader=Reader.STAFF))}
    # the writes reached every status, or the sequence proves little
    assert statuses == {HELD, RELEASED, UNKNOWN}


def test_a_writing_transaction_reads_the_rule_before_it_commits(prisons):
    """Inside the transaction (the tests' own), the persons it touched are noted,
    not yet stored: the reads compute their status."""
    person = factories.person("Not Yet Committed")
    factories.detention(person, stage="convicted")
    assert _rows(f"SELECT person_id FROM {PENDING_TABLE}", []) >= {(person.pk,)}
    assert not _rows(f"SELECT 1 FROM {STATUS_TABLE} WHERE person_id = %s", [person.pk])
    for reader in STORED_READERS:
        assert _rows(*status_sql(reader=reader)) == _rows(*computed_status_sql(reader=reader))
    assert _rows(*status_sql(reader=Reader.PUBLIC, persons=[person.pk])) == {
        (person.pk, HELD, None, None)
    }
    # and their current place
    period = custody(Detention.objects.get(person=person), facility("Not Yet Stored"))
    assert not _rows(f"SELECT 1 FROM {PLACE_TABLE} WHERE person_id = %s", [person.pk])
    for reader in STORED_READERS:
        assert _rows(*place_sql(reader=reader)) == computed_places(reader)
    assert _rows(*place_sql(reader=Reader.PUBLIC, persons=[person.pk])) == {
        (person.pk, period.pk, period.facility_id)
    }


@pytest.mark.django_db(transaction=True)
def test_a_transaction_stores_the_status_of_its_persons_once_when_it_commits(vocabularies):
    person = factories.person("Several Statements")
    with transaction.atomic():
        detention = factories.detention(person, stage="convicted", cited=False)
        factories.cite(detention)
        Detention.objects.filter(pk=detention.pk).update(released_on=None)
        assert _rows(f"SELECT person_id FROM {PENDING_TABLE}", []) == {(person.pk,)}
    assert status_of(person) == (HELD, None)


def test_the_commit_reads_the_rows_written_by_id_not_through_the_kept_rows_table():
    """The commit works out the persons of the rows a transaction wrote from
    arrays of their ids and old rows, read from FACTS_TABLE in one pass: that
    table never has statistics of a transaction's rows, and joined to the
    citations it made the planner walk every citation once per row written (a
    10,000-row case sheet's commit took six minutes at 100,000 persons). The
    installed function reads FACTS_TABLE twice (the arrays, and the cleanup), and
    the arrays hold each watched table's rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'cases_status_committing'")
        (body,) = cursor.fetchone()
    statements = [s for s in body.split(";") if FACTS_TABLE in s]
    assert len(statements) == 2, statements
    read, cleanup = statements
    assert " INTO " in read and cleanup.strip().startswith(f"DELETE FROM {FACTS_TABLE}")
    for table in ("sources_source", "sources_citation", "cases_detention"):
        assert f"t.id = ANY(new_{table})" in body and f"unnest(old_{table})" in body


@pytest.mark.django_db(transaction=True)
def test_many_rows_written_in_one_transaction_are_stored_at_its_commit(vocabularies):
    """A bulk write of new and changed sources and citations (the kept rows'
    arrays: ids written, old rows of the changed) stores the status of every
    person they concern."""
    persons = [factories.person(f"Bulk {n}") for n in range(30)]
    detentions = [factories.detention(p, stage="convicted", cited=False) for p in persons]
    with transaction.atomic():
        kind = SourceKind.objects.get(code="news-article")
        sources = Source.objects.bulk_create(
            [Source(title=f"Bulk {n}", kind=kind, visibility=Visibility.PUBLIC) for n in range(30)]
        )
        Citation.objects.bulk_create(
            Citation(source=s, detention=d, visibility=Visibility.PUBLIC)
            for s, d in zip(sources, detentions, strict=True)
        )
    assert {status_of(p)[0] for p in persons} == {HELD}
    with transaction.atomic():  # the sources withdrawn: an update the old rows record
        Source.objects.filter(pk__in=[s.pk for s in sources]).update(visibility=Visibility.INTERNAL)
    assert {status_of(p) for p in persons} == {None}  # no detention the public may see


@pytest.mark.django_db(transaction=True)
def test_migrate_installs_the_rule_the_code_writes_when_the_database_holds_another(
    vocabularies,
):
    """A deployment whose code writes the rule otherwise (a change of the rule or
    of cases.visibility) gets it, and everyone's status computed with it, at its
    next `migrate`, without a migration of its own; a `migrate` with nothing
    changed installs nothing."""
    from django.core.management import call_command

    from cases.reads.status import INSTALLED_TABLE, install_if_changed

    person = factories.person("Older Rule")
    factories.detention(person, arrested="2021", stage="pre-trial-detention")
    assert install_if_changed() is False
    # the database as an older rule left it: another function, another digest,
    # a status the rule does not give
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION cases_status_refresh(refreshed_ids bigint[])"
            " RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$"
        )
        cursor.execute(f"UPDATE {INSTALLED_TABLE} SET digest = 'older'")
        cursor.execute(f"UPDATE {STATUS_TABLE} SET status = %s", [RELEASED])
    call_command("migrate", verbosity=0)
    test_the_installed_functions_are_the_rule_as_the_code_writes_it()
    assert status_of(person)[0] == HELD
