"""The stored status (cases.reads.status) under concurrent writing transactions,
each in a session of its own, committing for real.

- Two transactions that touch the same person do not wait for each other on
  the stored status's bookkeeping: the persons a transaction noted are its own
  (the review of 7 December 2026 found a researcher's save waiting on an
  import's uncommitted note of the same person, and a deadlock).
- A status is computed from what is committed when the last of them commits:
  a fact moved to another person by one transaction while another withdraws
  its evidence leaves neither person's stored status resting on evidence that
  is gone (the second transaction's trigger saw the fact still at its old
  person; the commit works the persons out again)."""

from __future__ import annotations

import pytest
from django.db import connection

from cases.choices import PersonStatus, Visibility
from cases.models import Detention
from cases.reads.status import STATUS_TABLE
from tests import factories
from tests.feed_mirror import second_connection
from tests.test_status_stored import assert_stored_is_computed

pytestmark = pytest.mark.django_db(transaction=True)


def _session():
    """A session of its own (not in autocommit), never waiting long on a lock:
    a test whose writers would wait for each other fails instead of hanging."""
    session = second_connection()
    session.execute("SET lock_timeout = '5s'")
    return session


def _public_status(person) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM {STATUS_TABLE} WHERE reader = 'public' AND person_id = %s",
            [person.pk],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def test_writers_touching_one_person_do_not_wait_for_each_other(vocabularies):
    person = factories.person("Shared Person")
    first = factories.detention(person, arrested="2021", stage="pre-trial-detention")
    second = factories.detention(person, arrested="2022", stage="convicted")
    (citation,) = second.citations.all()
    one, other = _session(), _session()
    try:
        # one transaction restricts a detention (the person is noted) and keeps
        # its transaction open, as an import does for minutes
        one.execute(
            "UPDATE cases_detention SET visibility = %s WHERE id = %s",
            [Visibility.PARTNERS, first.pk],
        )
        # the other restricts the citation of the person's other detention: it
        # shares no row with the first, so it must not wait for it
        other.execute(
            "UPDATE sources_citation SET visibility = %s WHERE id = %s",
            [Visibility.PARTNERS, citation.pk],
        )
        other.commit()
        one.commit()
    finally:
        one.close()
        other.close()
    assert _public_status(person) is None
    assert_stored_is_computed()


def test_a_fact_moved_while_its_evidence_is_withdrawn(vocabularies):
    """One transaction moves a detention to another person (a merge, a
    correction) while another trashes the detention's only citation; the mover
    commits first. The second's trigger saw the detention still at its old
    person, but the new person's stored status must not stay "held"."""
    before = factories.person("Old Person")
    after = factories.person("New Person")
    detention = factories.detention(before, arrested="2021", stage="pre-trial-detention")
    (citation,) = detention.citations.all()
    assert _public_status(before) == PersonStatus.HELD
    mover, withdrawer = _session(), _session()
    try:
        mover.execute(
            "UPDATE cases_detention SET person_id = %s WHERE id = %s", [after.pk, detention.pk]
        )
        withdrawer.execute(
            "UPDATE sources_citation SET deleted_at = now() WHERE id = %s", [citation.pk]
        )
        mover.commit()
        withdrawer.commit()
    finally:
        mover.close()
        withdrawer.close()
    assert Detention.objects.get(pk=detention.pk).person_id == after.pk
    assert _public_status(after) is None
    assert _public_status(before) is None
    assert_stored_is_computed()


def test_evidence_added_while_its_source_is_withdrawn(vocabularies):
    """One transaction cites a source for a person's detention while another
    trashes that source; the citing one commits first, before the trash is
    committed: its status was computed with the source alive, and the trash's
    trigger could not see the new citation. The person must not stay "held"."""
    person = factories.person("Cited Person")
    detention = factories.detention(
        person, arrested="2021", stage="pre-trial-detention", cited=False
    )
    # a citation of another's detention to copy the columns of
    (template,) = factories.detention(arrested="2020").citations.all()
    source = factories.source("A report to withdraw")
    assert _public_status(person) is None
    citer, withdrawer = _session(), _session()
    try:
        citer.execute(
            "INSERT INTO sources_citation (uuid, visibility, created_at, updated_at, claim,"
            " locator, excerpt, confidence, source_id, detention_id)"
            " SELECT gen_random_uuid(), 'public', now(), now(), claim, locator, excerpt,"
            " confidence, %s, %s FROM sources_citation WHERE id = %s",
            [source.pk, detention.pk, template.pk],
        )
        withdrawer.execute(
            "UPDATE sources_source SET deleted_at = now() WHERE id = %s", [source.pk]
        )
        citer.commit()
        withdrawer.commit()
    finally:
        citer.close()
        withdrawer.close()
    assert _public_status(person) is None
    assert_stored_is_computed()
