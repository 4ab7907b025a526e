"""The list's filters read from the stored filter values (cases.reads.facet_rows:
each visible detention's legal stage and day of arrest as one value, the
persons' occupations, allegations and organizations) give the persons and the
counts the records give: for random data, random filters and every reader, the
persons of the list and every count (under the other filters, a stage or year of
one and the same detention as the detention filters) are what the visible
records, read here in Python, give. Committed (the stored rows), then inside a
writing transaction (its own writes computed afresh), then after it commits.
One transactional test, its data made once."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection, transaction
from django.http import QueryDict

from cases.choices import Visibility
from cases.filtersets import PersonFilterSet
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    Charge,
    Detention,
    LegalStage,
    Occupation,
    Organization,
    Person,
)
from cases.partial_dates import PartialDate, Precision
from cases.reads.facets import COUNTS, count_facets
from cases.reads.status import STORED_READERS, computed_status_sql
from cases.visibility import Reader, visible
from tests import factories

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL
STAGES = ("pre-trial-detention", "convicted", "released", "pardoned")
ARRESTED = (None, "2018", "2019-06", "2019-06-15", "2020-02-29", "2020-12-31", "2021-01-01")
DAYS = ("2019", "2019-06", "2019-06-16", "2020-03", "2020-12-31", "2021")
YEARS = (2018, 2019, 2020, 2021, 2022)
ARTICLES = ("206.3.2", "234", "206.30")


def _day(value) -> datetime.date | None:
    return getattr(value, "start", value)


class Records:
    """What the reader may see, read plainly, and the filters applied to it in
    Python: the persons of a query and the counts of each filter value."""

    def __init__(self, reader: Reader):
        self.persons = set(visible(Person.objects.all(), reader).values_list("pk", flat=True))
        charges: dict[int, list[str]] = {}
        for detention_id, article in visible(Charge.objects.all(), reader).values_list(
            "detention_id", "article"
        ):
            charges.setdefault(detention_id, []).append(article)
        self.detentions = [
            (person_id, stage_id, _day(arrested_on), charges.get(pk, []))
            for pk, person_id, stage_id, arrested_on in visible(
                Detention.objects.all(), reader
            ).values_list("pk", "person_id", "legal_stage_id", "arrested_on")
        ]
        self.values = {
            "occupation": set(
                Person.occupations.through.objects.values_list("person_id", "occupation_id")
            ),
            "allegation": set(
                visible(Allegation.objects.filter(person__isnull=False), reader).values_list(
                    "person_id", "kind_id"
                )
            ),
            "organization": set(
                visible(Affiliation.objects.all(), reader).values_list(
                    "person_id", "organization_id"
                )
            ),
        }
        with connection.cursor() as cursor:
            cursor.execute(*computed_status_sql(reader=reader))
            self.status = {row[0]: row[1] for row in cursor.fetchall()}
        self.ids = {
            "legal_stage": dict(LegalStage.objects.values_list("code", "pk")),
            "occupation": dict(Occupation.objects.values_list("code", "pk")),
            "allegation": dict(AllegationKind.objects.values_list("code", "pk")),
            "organization": dict(Organization.objects.values_list("slug", "pk")),
        }

    def _detention_matches(self, detention, filters: dict[str, list[str]]) -> bool:
        _person, stage_id, day, articles = detention
        if "legal_stage" in filters:
            if stage_id not in {self.ids["legal_stage"][c] for c in filters["legal_stage"]}:
                return False
        dated = [filters.get(name) for name in ("arrested_after", "arrested_before", "arrest_year")]
        if any(dated) and day is None:
            return False
        if (
            "arrested_after" in filters
            and day < PartialDate.parse(filters["arrested_after"][0]).start
        ):
            return False
        if (
            "arrested_before" in filters
            and day > PartialDate.parse(filters["arrested_before"][0]).end
        ):
            return False
        if "arrest_year" in filters and str(day.year) not in filters["arrest_year"]:
            return False
        if "charge" in filters:
            return any(
                article == given or article.startswith(f"{given}.")
                for article in articles
                for given in filters["charge"]
            )
        return True

    def matching(self, filters: dict[str, list[str]]) -> set[int]:
        persons = set(self.persons)
        detention_filters = set(PersonFilterSet.DETENTION_FILTERS) & set(filters)
        if detention_filters:
            given = {name: filters[name] for name in detention_filters}
            persons &= {d[0] for d in self.detentions if self._detention_matches(d, given)}
        for name, pairs in self.values.items():
            if name in filters:
                chosen = {self.ids[name][code] for code in filters[name]}
                persons &= {person for person, value in pairs if value in chosen}
        if "status" in filters:
            persons = {p for p in persons if self.status.get(p) in filters["status"]}
        return persons

    def counts(self, filters: dict[str, list[str]]) -> dict:
        """Each count as count_facets gives it (organizations by slug alone)."""
        years = {str(d[2].year) for d in self.detentions if d[2]}
        candidates = {
            **{name: list(self.ids[name]) for name in ("legal_stage", "occupation", "allegation")},
            "organization": list(self.ids["organization"]),
            "arrest_year": sorted(years),
            "status": ["held", "released", "unknown"],
        }
        counts = {}
        for name, values in candidates.items():
            counts[name] = {}
            for value in values:
                n = len(self.matching({**filters, name: [value]}))
                if n or name == "status":
                    counts[name][value] = n
        counts["total"] = len(self.matching(filters))
        return counts


def listed_and_counted(reader: Reader, filters: dict[str, list[str]]) -> tuple[set[int], dict]:
    query = QueryDict(mutable=True)
    for name, values in filters.items():
        query.setlist(name, values)
    filterset = PersonFilterSet(query, visible(Person.objects.all(), reader), reader=reader)
    assert filterset.is_valid(), filterset.errors
    counts = count_facets(filterset, COUNTS)
    counts["organization"] = {slug: n for slug, (_name, n) in counts["organization"].items()}
    return set(filterset.qs.values_list("pk", flat=True)), counts


def random_filters(rng: random.Random, slugs: list[str]) -> dict[str, list[str]]:
    """Mostly detention filters, often together, with a person's filter or a
    status at times; a charge now and then (read from the records)."""
    choices = {
        "legal_stage": lambda: rng.sample(STAGES, rng.randint(1, 2)),
        "arrested_after": lambda: [rng.choice(DAYS)],
        "arrested_before": lambda: [rng.choice(DAYS)],
        "arrest_year": lambda: [str(y) for y in rng.sample(YEARS, rng.randint(1, 2))],
        "occupation": lambda: ["journalist"],
        "allegation": lambda: [rng.choice(["torture", "ill-treatment"])],
        "organization": lambda: [rng.choice(slugs)],
        "status": lambda: [rng.choice(["held", "released"])],
        "charge": lambda: [rng.choice(["206.3", "234"])],
    }
    weights = {"legal_stage": 0.6, "arrested_after": 0.4, "arrested_before": 0.3,
               "arrest_year": 0.35, "occupation": 0.25, "allegation": 0.2,
               "organization": 0.15, "status": 0.1, "charge": 0.1}  # fmt: skip
    return {name: make() for name, make in choices.items() if rng.random() < weights[name]}


def assert_as_the_records(rng: random.Random, rounds: int) -> None:
    for reader in STORED_READERS:
        records = Records(reader)
        slugs = [
            slug
            for slug in visible(Organization.objects.all(), reader).values_list("slug", flat=True)
        ]
        for _round in range(rounds):
            filters = random_filters(rng, slugs)
            persons, counts = listed_and_counted(reader, filters)
            assert persons == records.matching(filters), (reader, filters)
            assert counts == records.counts(filters), (reader, filters)


@pytest.mark.django_db(transaction=True)
def test_persons_and_counts_from_the_stored_values_are_the_records(vocabularies):
    rng = random.Random(2026)
    levels = [PUBLIC] * 4 + [PARTNERS, INTERNAL]
    journalist = Occupation.objects.get(code="journalist")
    organizations = [factories.organization(f"Union {n}") for n in range(2)]
    persons = [
        factories.person(f"Detained {n}", visibility=PUBLIC if n < 6 else rng.choice(levels))
        for n in range(8)
    ]
    detentions = []
    for _n in range(18):
        detention = factories.detention(
            rng.choice(persons),
            arrested=rng.choice(ARRESTED),
            stage=rng.choice([*STAGES, None]),
            cited=rng.random() < 0.85,
            visibility=rng.choice(levels),
        )
        detentions.append(detention)
        if rng.random() < 0.4:
            Charge.objects.create(detention=detention, article=rng.choice(ARTICLES))
    for person in persons:
        if rng.random() < 0.5:
            person.occupations.add(journalist)
        if rng.random() < 0.4:
            factories.allegation(
                person, rng.choice(["torture", "ill-treatment"]), visibility=rng.choice(levels)
            )
        if rng.random() < 0.4:
            factories.affiliation(person, rng.choice(organizations), visibility=rng.choice(levels))
    assert_as_the_records(rng, rounds=8)
    # a writing transaction's own writes: its persons computed afresh
    with transaction.atomic():
        for detention in rng.sample(detentions, 5):
            Detention.objects.filter(pk=detention.pk).update(
                legal_stage=LegalStage.objects.get(code=rng.choice(STAGES)),
                arrested_on=datetime.date(2020, rng.randint(1, 12), 1),
                arrested_on_precision=Precision.DAY,
                visibility=rng.choice(levels),
            )
        factories.detention(persons[0], arrested="2022-07-04", stage="convicted")
        assert_as_the_records(rng, rounds=4)
    assert_as_the_records(rng, rounds=4)
