"""The status rule is written twice, side by side in cases/reads/status.py: in
SQL (`status_conditions`, behind the case list's status filter and the home
page's counts, and `status_counts`, the filter counts) and in Python
(`person_status` on a person row, the status line of the pages). For every
combination of legal stage, release, date precision and one or two detentions,
hidden ones included, both must give every person the same status."""

from __future__ import annotations

import datetime
import itertools
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from cases.choices import PersonStatus, Visibility
from cases.filtersets import PersonFilterSet
from cases.models import Detention, LegalStage, Person
from cases.pages import term_labels
from cases.partial_dates import PartialDate, Precision
from cases.reads.rows import PERSON_FIELDS, person_rows
from cases.reads.statistics import headline_counts
from cases.reads.status import person_status, status_counts
from cases.visibility import Reader, visible
from tests import factories

pytestmark = pytest.mark.django_db

NOT_RECORDED = ""  # person_status's code when no rule applies (e.g. no detention at all)

# each precision of a date; None: no date
ARRESTS = {
    None: None,
    "year": PartialDate(datetime.date(2020, 1, 1), Precision.YEAR),
    "month": PartialDate(datetime.date(2020, 6, 1), Precision.MONTH),
    "day": PartialDate(datetime.date(2020, 6, 10), Precision.DAY),
}
RELEASES = {
    None: None,
    "year": PartialDate(datetime.date(2021, 1, 1), Precision.YEAR),
    "month": PartialDate(datetime.date(2021, 3, 1), Precision.MONTH),
    "day": PartialDate(datetime.date(2021, 3, 15), Precision.DAY),
}


def _detention(person: Person, stage: str | None, release: str | None, arrest: str | None):
    return factories.detention(
        person, arrested=ARRESTS[arrest], released=RELEASES[release], stage=stage
    )


def _build_every_combination() -> int:
    """One person per combination; their names say which. Returns how many."""
    stages = [None, *LegalStage.objects.order_by("sort_order").values_list("code", flat=True)]
    assert {"pre-trial-detention", "released", "pardoned", "acquitted"} <= set(stages)
    assert LegalStage.objects.filter(in_detention=True).exists()
    assert (
        LegalStage.objects.filter(in_detention=False)
        .exclude(code__in=["released", "pardoned", "acquitted"])
        .exists()
    ), "a stage that neither holds nor releases (e.g. in exile)"
    count = 0
    # one detention: every stage x release (none or each precision) x arrest precision,
    # and, for arrests known to the day, a second detention the public may not see
    # (internal, or in the trash) that would hold the person
    for stage, release, arrest in itertools.product(stages, RELEASES, ARRESTS):
        hidden_kinds = [None, "internal", "trash"] if arrest == "day" else [None]
        for hidden in hidden_kinds:
            person = factories.person(
                f"one {stage or 'no-stage'} released-{release} arrested-{arrest} hidden-{hidden}"
            )
            _detention(person, stage, release, arrest)
            if hidden:
                extra = _detention(person, "pre-trial-detention", None, "day")
                if hidden == "internal":
                    Detention.objects.filter(pk=extra.pk).update(visibility=Visibility.INTERNAL)
                else:
                    Detention.objects.filter(pk=extra.pk).update(deleted_at=timezone.now())
            count += 1
    # two detentions: every pair of (stage, released or not), the precisions varied
    states = list(itertools.product(stages, [None, "released"]))
    precisions = itertools.cycle(["year", "month", "day"])
    for (stage_a, released_a), (stage_b, released_b) in itertools.combinations_with_replacement(
        states, 2
    ):
        person = factories.person(
            f"two {stage_a or 'no-stage'}/{released_a} {stage_b or 'no-stage'}/{released_b}"
        )
        _detention(person, stage_a, released_a and next(precisions), next(precisions))
        _detention(person, stage_b, released_b and next(precisions), next(precisions))
        count += 1
    factories.person("no detention at all")
    with connection.cursor() as cursor:
        # fresh statistics, as a live database keeps them: planned for empty tables,
        # the status filter's EXISTS runs as nested loops (seconds, not milliseconds)
        cursor.execute(f"ANALYZE {Person._meta.db_table}, {Detention._meta.db_table}")
    return count + 1


def _python_statuses(reader: Reader) -> dict[str, str]:
    """Each visible person's status by person_status, from the rows the pages use."""
    labels = term_labels()
    values = list(visible(Person.objects.all(), reader).values(*PERSON_FIELDS))
    return {
        row["display_name"]: person_status(row, labels)["code"]
        for row in person_rows(values, reader=reader)
    }


def _sql_statuses(reader: Reader) -> dict[str, str]:
    """Each visible person's status by the case list's status filter (status_conditions)."""
    persons = visible(Person.objects.all(), reader)
    statuses = dict.fromkeys(persons.values_list("display_name", flat=True), NOT_RECORDED)
    for status in PersonStatus.values:
        data = QueryDict(mutable=True)
        data.setlist("status", [status])
        filterset = PersonFilterSet(data, persons, reader=reader)
        assert filterset.is_valid(), filterset.errors
        for name in filterset.qs.values_list("display_name", flat=True):
            assert statuses[name] == NOT_RECORDED, f"{name}: two statuses"
            statuses[name] = status
    return statuses


@pytest.mark.slow  # some 520 generated persons, seconds per reader
@pytest.mark.parametrize("reader", [Reader.PUBLIC, Reader.STAFF])
def test_the_sql_and_the_python_status_rules_agree_on_every_combination(reader):
    built = _build_every_combination()
    python = _python_statuses(reader)
    sql = _sql_statuses(reader)
    assert len(python) == len(sql) == built
    disagreements = [
        f"{name}: SQL says {sql[name]!r}, Python {python[name]!r}"
        for name in sorted(python)
        if python[name] != sql[name]
    ]
    assert not disagreements, "\n".join(disagreements)
    # every status is reached, or the combinations prove little
    assert set(python.values()) == {*PersonStatus.values, NOT_RECORDED}

    expected = Counter(python.values())
    counts = headline_counts(reader=reader)
    assert (counts["in_detention_now"], counts["released"], counts["status_unknown"]) == (
        expected[PersonStatus.HELD],
        expected[PersonStatus.RELEASED],
        expected[PersonStatus.UNKNOWN],
    )
    # the case list's filter counts: the same rule in one pass over the detentions
    assert status_counts(visible(Detention.objects.all(), reader)) == {
        status: expected[status] for status in PersonStatus.values
    }


def test_a_hidden_detention_holds_the_person_only_for_a_reader_who_may_see_it():
    """The combinations above include persons released from one detention and held
    in another the public may not see: both rules agree, and differ by reader."""
    person = factories.person("released, held in secret")
    _detention(person, "released", "day", "year")
    held = _detention(person, "pre-trial-detention", None, "day")
    Detention.objects.filter(pk=held.pk).update(visibility=Visibility.INTERNAL)
    assert _python_statuses(Reader.PUBLIC)[person.display_name] == PersonStatus.RELEASED
    assert _sql_statuses(Reader.PUBLIC)[person.display_name] == PersonStatus.RELEASED
    assert _python_statuses(Reader.STAFF)[person.display_name] == PersonStatus.HELD
    assert _sql_statuses(Reader.STAFF)[person.display_name] == PersonStatus.HELD


def test_the_case_list_counts_a_person_whose_detentions_say_nothing_as_not_recorded(client):
    """The "Current status not recorded" filter value shows as many persons as it
    gives: one whose only detentions have no stage and no release is counted
    (the filter counts once left them out: their flags were NULL, not false)."""
    cache.clear()  # the case list's filter counts are cached
    in_jail_2015 = factories.person("Named as in jail in 2015")
    _detention(in_jail_2015, None, None, "year")
    _detention(in_jail_2015, None, None, None)
    _detention(factories.person("Held now"), "pre-trial-detention", None, "day")
    body = client.get("/persons/").content.decode()
    counts = dict(
        re.findall(
            r'name="status" value="([^"]+)"[^>]*>\s*<label[^>]*>[^<]+<span class="count">\((\d+)\)',
            body,
        )
    )
    assert counts == {"held": "1", "unknown": "1"}
    listed = client.get("/persons/", {"status": "unknown"}).content.decode()
    assert in_jail_2015.display_name in listed and "Held now" not in listed
