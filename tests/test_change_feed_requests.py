"""What a feed request does when the compaction cannot run at once: another
compaction holds the lock longer than a request waits, or a backlog that needs a
full comparison (a large import) is pending, which `manage.py sync_feed` runs
outside requests. The request then serves the feed as it stands, a consistent
prefix: what it lacks comes after its token and reaches the next sync."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

import sync.api.views
import sync.services
from cases.models import Person
from tests import factories
from tests.feed_mirror import feed_pages, second_connection


def _uuids(pages) -> list[str]:
    return [change["uuid"] for page in pages for change in page["results"]]


@pytest.mark.django_db(transaction=True)
def test_a_request_does_not_wait_for_a_long_compaction_and_skips_nothing(
    vocabularies, client, monkeypatch
):
    person = factories.person("Waiting Person")
    token = feed_pages(client, {})[-1]["token"]
    Person.objects.filter(pk=person.pk).update(summary="changed while locked")
    monkeypatch.setattr(sync.api.views, "COMPACTION_WAIT_SECONDS", 0.2)
    other = second_connection()
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [sync.services._LOCK])
        pages = feed_pages(client, {}, after=token)  # answered, not blocked
        assert _uuids(pages) == []
        assert pages[-1]["token"] == token and pages[-1]["next"] is None
    finally:
        other.close()  # the session's lock goes with it
    pages = feed_pages(client, {}, after=token)
    assert _uuids(pages) == [str(person.uuid)]
    assert pages[-1]["results"][0]["record"]["summary"] == "changed while locked"


@pytest.mark.django_db(transaction=True)
def test_a_large_backlog_is_left_to_sync_feed_and_then_arrives_whole(
    vocabularies, client, monkeypatch
):
    factories.person("Before")
    token = feed_pages(client, {})[-1]["token"]
    monkeypatch.setattr(sync.services, "CHANGES_PER_STEP", 2)
    monkeypatch.setattr(sync.services, "REBUILD_ABOVE", 2)  # 3 changes wait
    imported = [factories.person(f"Imported {n}") for n in range(3)]
    assert _uuids(feed_pages(client, {}, after=token)) == []  # the request leaves it
    out = io.StringIO()
    call_command("sync_feed", stdout=out)
    assert "feed entries written" in out.getvalue()
    assert sorted(_uuids(feed_pages(client, {}, after=token))) == sorted(
        str(p.uuid) for p in imported
    )
