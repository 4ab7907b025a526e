"""A facility's `held_now` in the change feed (sync.dependencies._held_elsewhere):
the compaction re-counts only the facilities a marked person came to or left as
held, comparing the feed's own record of each person with where they are held
now. Each example syncs an anonymous and a partner copy and compares them with
a fresh pull, so a facility whose number went stale fails it: after edits that
mark no facility any more (a summary), and after those that must (a release, a
newer source moving the current place, a person or detention hidden)."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat

from access.services import token_issue
from cases.choices import Visibility
from cases.models import Detention, Person
from cases.partial_dates import Precision
from cases.visibility import Reader
from places.reads import held_now_counts
from sync.dependencies import affected_records
from sync.models import Change
from sync.services import feed_compact
from tests import factories
from tests.facility_records import custody, dated_source, facility, held
from tests.feed_mirror import Mirror

PUBLIC, INTERNAL = Visibility.PUBLIC, Visibility.INTERNAL


@pytest.fixture
def mirrors(client, tmp_path, db):
    _token, raw = token_issue(name="Partner NGO")
    return (
        Mirror(client, tmp_path / "anonymous.sqlite3"),
        Mirror(client, tmp_path / "partner.sqlite3", token=raw),
    )


def synced(mirrors, context: str = "") -> None:
    for mirror in mirrors:
        mirror.assert_equals_fresh_pull(context)


def held_now(mirror: Mirror, place) -> int | None:
    row = mirror.records().get(("facility", str(place.uuid)))
    return None if row is None else row["held_now"]


def counts(mirrors, *places) -> list[tuple]:
    """(held now at each place) in each copy."""
    return [tuple(held_now(mirror, place) for place in places) for mirror in mirrors]


@pytest.fixture
def two_places(db):
    """Nigar held with two open periods (a transfer entered without closing the
    first): at the prison by a source of May, at the colony by one of March, so
    she is held now at the prison; Rauf held at the colony."""
    prison, colony = facility("Prison No. 13"), facility("Colony No. 2")
    nigar, detention = held("Nigar")
    custody(detention, prison, "2024-01", source=dated_source("Report of May", "2024-05-01"))
    moved = custody(detention, colony, "2023-12", source=dated_source("Report of March", "2024-03"))
    rauf, rauf_detention = held("Rauf")
    custody(rauf_detention, colony, "2024-02")
    return {"prison": prison, "colony": colony, "nigar": nigar, "detention": detention,
            "moved": moved, "rauf": rauf}  # fmt: skip


def pending_affected():
    return affected_records(Change.objects.values_list("table", "row_id", "refs"))


def test_a_summary_edit_recounts_no_facility_and_every_number_stays_right(mirrors, two_places):
    synced(mirrors)
    assert counts(mirrors, two_places["prison"], two_places["colony"]) == [(1, 1), (1, 1)]
    Person.objects.filter(pk__in=[two_places["nigar"].pk, two_places["rauf"].pk]).update(
        summary=Concat(F("summary"), Value(" (edited)"), output_field=TextField())
    )
    affected = pending_affected()
    assert affected["person"] == {two_places["nigar"].pk, two_places["rauf"].pk}
    assert "facility" not in affected  # held where they were: nothing to re-count
    synced(mirrors, " after the summary edits")
    assert counts(mirrors, two_places["prison"], two_places["colony"]) == [(1, 1), (1, 1)]


def test_a_newer_source_moves_the_current_place_and_both_numbers(mirrors, two_places):
    """Only the colony's custody period is cited anew: the prison, which Nigar
    left, is named by no changed row; the feed's record of her names it."""
    prison, colony = two_places["prison"], two_places["colony"]
    synced(mirrors)
    factories.cite(two_places["moved"], source_obj=dated_source("Report of June", "2024-06-01"))
    assert pending_affected()["facility"] == {prison.pk, colony.pk}
    synced(mirrors, " after a newer source placed her at the colony")
    assert counts(mirrors, prison, colony) == [(0, 2), (0, 2)]


def test_a_release_by_a_bulk_update_recounts_the_place_the_cache_still_counts(mirrors, two_places):
    """A bulk update() leaves updated_at, and so the cache key of the held-now
    counts, as it was: the feed counts afresh, the cached number is stale."""
    prison = two_places["prison"]
    synced(mirrors)
    assert held_now_counts(reader=Reader.PUBLIC, facility_ids=[prison.pk]) == {prison.pk: 1}
    Detention.objects.filter(pk=two_places["detention"].pk).update(
        released_on=datetime.date(2024, 7, 1), released_on_precision=Precision.MONTH
    )
    assert held_now_counts(reader=Reader.PUBLIC, facility_ids=[prison.pk]) == {prison.pk: 1}
    feed_compact()  # with the stale number cached (a sync's request clears the cache first)
    synced(mirrors, " after the release")
    assert counts(mirrors, prison, two_places["colony"]) == [(0, 1), (0, 1)]


@pytest.mark.parametrize("hidden", ["person", "detention"])
def test_a_person_or_detention_made_internal_leaves_their_place(mirrors, two_places, hidden):
    prison, colony = two_places["prison"], two_places["colony"]
    synced(mirrors)
    model, pk = {
        "person": (Person, two_places["nigar"].pk),
        "detention": (Detention, two_places["detention"].pk),
    }[hidden]
    model.objects.filter(pk=pk).update(visibility=INTERNAL)
    assert pending_affected()["facility"] >= {prison.pk}
    synced(mirrors, f" after the {hidden} went internal")
    assert counts(mirrors, prison, colony) == [(0, 1), (0, 1)]
    model.objects.filter(pk=pk).update(visibility=PUBLIC)
    synced(mirrors, f" after the {hidden} was public again")
    assert counts(mirrors, prison, colony) == [(1, 1), (1, 1)]
