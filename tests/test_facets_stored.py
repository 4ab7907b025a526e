"""The stored filter values (cases.reads.facet_rows: per reader, each person's
legal stages and years of arrest of their visible detentions, kinds of visible
allegations, occupations and organizations of visible affiliations), kept by the
stored status's triggers and commit (cases.reads.status), are the values
computed afresh after every kind of committed write to what they read; the
counts of the case list read from them are, for every reader, the number of
persons the filter gives with that value chosen; inside a writing transaction
the counts follow its own writes; restricted, trashed and uncited records are
never counted. The tests of committed writes commit for real (transactional
tests)."""

from __future__ import annotations

import random

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from cases.choices import Visibility
from cases.filtersets import PersonFilterSet
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    Detention,
    LegalStage,
    Occupation,
    Organization,
    Person,
)
from cases.partial_dates import PartialDate
from cases.reads.facet_rows import (
    DETENTION,
    DETENTION_STAGE,
    FACET_INDEXES,
    FACET_TABLE,
    STORED_FACETS,
    computed_facet_rows_sql,
)
from cases.reads.facets import count_facets
from cases.reads.status import PENDING_TABLE, STORED_READERS, rebuild_stored_status
from cases.visibility import Reader, visible
from sources.models import Citation, Source
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL
# the stored values a count shows (the detentions' are read by the detention filters)
COUNTED = tuple(name for name in STORED_FACETS if name != DETENTION)


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall())


def bound(reader: Reader, query: str = "") -> PersonFilterSet:
    filterset = PersonFilterSet(
        QueryDict(query), visible(Person.objects.all(), reader), reader=reader
    )
    assert filterset.is_valid(), filterset.errors
    return filterset


def chosen_counts(reader: Reader) -> dict[str, dict[str, int]]:
    """What each count must say: for every value a filter could show, how many
    persons the list gives the reader with that value chosen (values with none
    left out, as the counts leave them)."""
    values = {
        "legal_stage": LegalStage.objects.values_list("code", flat=True),
        "allegation": AllegationKind.objects.values_list("code", flat=True),
        "occupation": Occupation.objects.values_list("code", flat=True),
        "organization": Organization.objects.values_list("slug", flat=True),
        "arrest_year": {
            str(d.year) for d in Detention.objects.values_list("arrested_on", flat=True) if d
        },
    }
    counts = {}
    for name in COUNTED:
        counts[name] = {}
        for value in values[name]:
            filterset = PersonFilterSet(
                QueryDict(f"{name}={value}"), visible(Person.objects.all(), reader), reader=reader
            )
            # (an organization the reader may not see is refused: nobody to count)
            if filterset.is_valid() and (n := filterset.qs.count()):
                counts[name][value] = n
    return counts


def stored_counts(reader: Reader) -> dict[str, dict[str, int]]:
    counts = count_facets(bound(reader), COUNTED)
    counts["organization"] = {slug: n for slug, (_name, n) in counts["organization"].items()}
    return counts


def assert_stored_is_computed(*, counts: bool = True) -> None:
    """Committed: nothing is left to compute, each reader's stored values are the
    computed ones, and (with `counts`) the counts read from them are what
    choosing each value gives."""
    assert not _rows(f"SELECT person_id FROM {PENDING_TABLE}", [])
    for reader in STORED_READERS:
        stored = _rows(
            f"SELECT facet, value, person_id FROM {FACET_TABLE} WHERE reader = %s", [reader.value]
        )
        assert stored == _rows(*computed_facet_rows_sql(reader)), reader
        if counts:
            assert stored_counts(reader) == chosen_counts(reader), reader


def stored_of(person: Person, reader: Reader = Reader.PUBLIC) -> set[tuple[str, object]]:
    """The person's stored values, (filter, value) by code, slug or year; a
    detention's as (stage code or None, YYYYMMDD or 0)."""
    codes = {
        "legal_stage": dict(LegalStage.objects.values_list("pk", "code")),
        "allegation": dict(AllegationKind.objects.values_list("pk", "code")),
        "occupation": dict(Occupation.objects.values_list("pk", "code")),
        "organization": dict(Organization.objects.values_list("pk", "slug")),
    }
    rows = _rows(
        f"SELECT facet, value FROM {FACET_TABLE} WHERE reader = %s AND person_id = %s",
        [reader.value, person.pk],
    )
    codes[DETENTION] = {}
    for value in {value for facet, value in rows if facet == DETENTION}:
        stage = codes["legal_stage"].get(value // DETENTION_STAGE)
        codes[DETENTION][value] = (stage, value % DETENTION_STAGE)
    return {(facet, codes[facet][value] if facet in codes else value) for facet, value in rows}


@pytest.mark.django_db(transaction=True)
def test_a_detentions_stage_and_year_follow_each_write(vocabularies):
    person = factories.person("Detained")
    detention = factories.detention(person, arrested="2021-03-02", stage="pre-trial-detention")
    assert_stored_is_computed()
    assert stored_of(person) == {
        ("legal_stage", "pre-trial-detention"), ("arrest_year", 2021),
        (DETENTION, ("pre-trial-detention", 20210302)),
    }  # fmt: skip
    detention.legal_stage = LegalStage.objects.get(code="convicted")
    detention.arrested_on = PartialDate.parse("2020")
    detention.save()
    assert_stored_is_computed()
    assert stored_of(person) == {
        ("legal_stage", "convicted"), ("arrest_year", 2020), (DETENTION, ("convicted", 20200101)),
    }  # fmt: skip
    # without a stage, then without a day of arrest too: no detention value
    detentions = Detention.objects.filter(pk=detention.pk)
    detentions.update(legal_stage=None)
    assert_stored_is_computed(counts=False)
    assert stored_of(person) == {("arrest_year", 2020), (DETENTION, (None, 20200101))}
    detentions.update(arrested_on=None, arrested_on_precision=None)
    assert_stored_is_computed(counts=False)
    assert stored_of(person) == set()
    detention.save()  # its stage and day again
    # restricted, then its only citation restricted: hidden from the public only
    detentions.update(visibility=PARTNERS)
    assert_stored_is_computed()
    assert stored_of(person) == set() and stored_of(person, Reader.PARTNER)
    detentions.update(visibility=PUBLIC)
    citations = Citation.objects.filter(detention=detention)
    citations.update(visibility=INTERNAL)
    assert_stored_is_computed()
    assert stored_of(person, Reader.PARTNER) == set() and stored_of(person, Reader.STAFF)
    citations.update(visibility=PUBLIC)
    # the source of its citation in the trash, then restored
    sources = Source.objects.filter(citations__detention=detention)
    sources.update(deleted_at=timezone.now())
    assert_stored_is_computed(counts=False)
    assert stored_of(person) == set()
    Source.objects.filter(deleted_at__isnull=False).update(deleted_at=None)
    assert_stored_is_computed(counts=False)
    # moved to another person, then in the trash, then deleted
    other = factories.person("Other Detained")
    detentions.update(person=other)
    assert_stored_is_computed()
    assert stored_of(person) == set() and stored_of(other)
    detentions.update(deleted_at=timezone.now())
    assert stored_of(other, Reader.STAFF) == set()
    detentions.update(deleted_at=None)
    detention.refresh_from_db()
    detention.delete()
    assert_stored_is_computed()
    assert stored_of(other, Reader.STAFF) == set()


@pytest.mark.django_db(transaction=True)
def test_an_allegation_follows_its_detention_and_the_detentions_person(vocabularies):
    """An allegation is hidden with its detention, even one recorded under another
    person: restricting that person, or unciting the detention, hides it."""
    victim = factories.person("Victim")
    detained = factories.person("Detained Elsewhere")
    detention = factories.detention(detained, stage="convicted")
    allegation = factories.allegation(victim, "torture", detention=detention)
    assert_stored_is_computed()
    assert ("allegation", "torture") in stored_of(victim)
    Person.objects.filter(pk=detained.pk).update(visibility=INTERNAL)
    assert_stored_is_computed()
    assert ("allegation", "torture") not in stored_of(victim)
    assert ("allegation", "torture") in stored_of(victim, Reader.STAFF)
    Person.objects.filter(pk=detained.pk).update(visibility=PUBLIC)
    Citation.objects.filter(detention=detention).delete()
    assert_stored_is_computed()
    assert ("allegation", "torture") not in stored_of(victim)
    factories.cite(detention)
    assert ("allegation", "torture") in stored_of(victim)
    # its kind, its own level and its citation
    allegations = Allegation.objects.filter(pk=allegation.pk)
    allegations.update(kind=AllegationKind.objects.exclude(code="torture").first())
    assert_stored_is_computed()
    allegations.update(visibility=PARTNERS)
    assert_stored_is_computed()
    assert not {v for v in stored_of(victim) if v[0] == "allegation"}
    allegations.update(visibility=PUBLIC)
    Citation.objects.filter(allegation=allegation).update(visibility=PARTNERS)
    assert_stored_is_computed()
    # about unnamed detainees: no person to count
    allegations.update(person=None, victim_description="Fellow detainees")
    assert_stored_is_computed()
    assert stored_of(victim, Reader.STAFF) == set()


@pytest.mark.django_db(transaction=True)
def test_affiliations_and_their_organizations_follow_each_write(vocabularies):
    person = factories.person("Member")
    union = factories.organization("First Union")
    affiliation = factories.affiliation(person, union)
    assert_stored_is_computed()
    assert stored_of(person) == {("organization", union.slug)}
    # the organization restricted, in the trash, renamed (read with the counts)
    unions = Organization.objects.filter(pk=union.pk)
    unions.update(visibility=PARTNERS)
    assert_stored_is_computed()
    assert stored_of(person) == set() and stored_of(person, Reader.PARTNER)
    unions.update(visibility=PUBLIC, deleted_at=timezone.now())
    assert stored_of(person, Reader.STAFF) == set()
    unions.update(deleted_at=None, slug="renamed-union", name="Renamed Union")
    assert_stored_is_computed()
    assert count_facets(bound(Reader.PUBLIC), ("organization",))["organization"] == {
        "renamed-union": ("Renamed Union", 1)
    }
    # another organization, the affiliation's level and its citation
    second = factories.organization("Second Union")
    affiliations = Affiliation.objects.filter(pk=affiliation.pk)
    affiliations.update(organization=second)
    assert_stored_is_computed()
    assert stored_of(person) == {("organization", second.slug)}
    affiliations.update(visibility=INTERNAL)
    assert stored_of(person) == set()
    affiliations.update(visibility=PUBLIC)
    Citation.objects.filter(affiliation=affiliation).update(deleted_at=timezone.now())
    assert_stored_is_computed()
    assert stored_of(person) == set()


@pytest.mark.django_db(transaction=True)
def test_occupations_and_the_persons_level_follow_each_write(vocabularies):
    person = factories.person("Journalist")
    journalist = Occupation.objects.get(code="journalist")
    lawyer = Occupation.objects.get(code="lawyer")
    person.occupations.add(journalist, lawyer)
    assert_stored_is_computed()
    assert {v for _f, v in stored_of(person)} == {"journalist", "lawyer"}
    person.occupations.remove(lawyer)
    assert_stored_is_computed()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_person_occupations WHERE person_id = %s", [person.pk])
    assert_stored_is_computed()
    assert stored_of(person, Reader.STAFF) == set()
    person.occupations.add(journalist)
    Person.objects.filter(pk=person.pk).update(visibility=PARTNERS)
    assert_stored_is_computed()
    assert stored_of(person) == set() and stored_of(person, Reader.PARTNER)
    Person.objects.filter(pk=person.pk).update(deleted_at=timezone.now())
    assert_stored_is_computed()
    assert stored_of(person, Reader.STAFF) == set()
    # a TRUNCATE (the tests' flush) computes everyone again
    Person.objects.filter(pk=person.pk).update(deleted_at=None)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_person_occupations")
    assert_stored_is_computed()


@pytest.mark.django_db(transaction=True)
def test_restricted_trashed_and_uncited_records_are_never_counted_from_the_stored_rows(
    vocabularies,
):
    """Beside a public person with every kind of counted fact: records each reader
    may not see. A fact whose only source is internal is uncited for a partner;
    a confidential source counts, as the policy says (cases.visibility)."""
    union = factories.organization("Counted Union")
    journalist = Occupation.objects.get(code="journalist")
    shown = factories.person("Shown")
    shown.occupations.add(journalist)
    factories.detention(shown, arrested="2021", stage="convicted")
    factories.allegation(shown, "torture")
    factories.affiliation(shown, union)
    hidden = factories.person("Internal Person", visibility=INTERNAL)
    hidden.occupations.add(journalist)
    factories.detention(hidden, arrested="2018", stage="pre-trial-detention")
    factories.allegation(hidden, "ill-treatment")
    factories.affiliation(hidden, factories.organization("Internal Members' Union"))
    restricted = factories.person("With Restricted Facts")
    factories.detention(restricted, arrested="2019", stage="house-arrest", visibility=PARTNERS)
    factories.detention(restricted, arrested="2017", stage="released", cited=False)
    trashed = factories.detention(restricted, arrested="2016", stage="acquitted")
    Detention.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
    internal_source = factories.source("Internal notes", visibility=INTERNAL)
    only_internal = factories.allegation(restricted, "ill-treatment", cited=False)
    factories.citation(internal_source, allegation=only_internal)
    secret = factories.source("Confidential interview", is_confidential=True)
    confidential = factories.affiliation(
        restricted, factories.organization("Quiet Union"), cited=False
    )
    factories.citation(secret, affiliation=confidential)
    assert_stored_is_computed()
    public = stored_counts(Reader.PUBLIC)
    assert public == {
        "legal_stage": {"convicted": 1},
        "arrest_year": {"2021": 1},
        "allegation": {"torture": 1},
        "occupation": {"journalist": 1},
        "organization": {union.slug: 1, confidential.organization.slug: 1},
    }
    partner = stored_counts(Reader.PARTNER)
    assert partner["legal_stage"] == {"convicted": 1, "house-arrest": 1}
    assert partner["allegation"] == {"torture": 1}  # its only source is internal
    staff = stored_counts(Reader.STAFF)
    assert staff["legal_stage"] == {
        "convicted": 1, "pre-trial-detention": 1, "house-arrest": 1, "released": 1,
    }  # fmt: skip
    assert staff["allegation"] == {"torture": 1, "ill-treatment": 2}
    assert "2016" not in staff["arrest_year"]  # in the trash: seen by nobody


@pytest.mark.django_db(transaction=True)
def test_a_writing_transaction_counts_its_own_writes(vocabularies):
    """Before it commits, the persons a transaction noted are counted from their
    records (their stored values, older, left out); at commit they are stored."""
    person = factories.person("Changing")
    journalist = Occupation.objects.get(code="journalist")
    person.occupations.add(journalist)
    detention = factories.detention(person, arrested="2022", stage="pre-trial-detention")
    assert_stored_is_computed()
    with transaction.atomic():
        detention.legal_stage = LegalStage.objects.get(code="convicted")
        detention.save()
        person.occupations.remove(journalist)
        factories.allegation(person, "torture")
        assert stored_of(person) == {
            ("legal_stage", "pre-trial-detention"), ("arrest_year", 2022),
            (DETENTION, ("pre-trial-detention", 20220101)), ("occupation", "journalist"),
        }  # fmt: skip
        for reader in STORED_READERS:
            assert stored_counts(reader) == chosen_counts(reader)
        assert stored_counts(Reader.PUBLIC)["legal_stage"] == {"convicted": 1}
        assert stored_counts(Reader.PUBLIC)["occupation"] == {}
    assert_stored_is_computed()
    assert stored_of(person) == {
        ("legal_stage", "convicted"), ("arrest_year", 2022), (DETENTION, ("convicted", 20220101)),
        ("allegation", "torture"),
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_random_writes_keep_the_stored_values_the_computed_ones(vocabularies):
    """A fixed sequence of random writes (a seed: the same each run) over a few
    persons and their detentions, allegations, affiliations, occupations and
    citations, each at a random level: after each, the stored values of every
    reader are the computed ones (and every few writes, the counts read from
    them are what choosing each value gives)."""
    rng = random.Random(2020)
    levels = [PUBLIC] * 4 + [PARTNERS, INTERNAL]  # mostly public: the public's counts move
    stages = list(LegalStage.objects.values_list("pk", flat=True)) + [None]
    kinds = list(AllegationKind.objects.values_list("pk", flat=True))
    occupations = list(Occupation.objects.all()[:4])
    persons = [factories.person(f"Random {n}") for n in range(4)]
    organizations = [factories.organization(f"Random Union {n}") for n in range(2)]
    sources = [factories.source(f"Random source {n}") for n in range(2)]
    # to start from: each kind of fact the public sees, which the writes then change
    backbone = persons[0]
    backbone.occupations.add(occupations[0])
    facts: dict[str, list] = {
        "detention": [factories.detention(backbone, arrested="2020", stage="convicted")],
        "allegation": [factories.allegation(backbone, "torture")],
        "affiliation": [factories.affiliation(backbone, organizations[0])],
    }

    def add_detention():
        facts["detention"].append(
            factories.detention(
                rng.choice(persons), arrested=rng.choice(["2019", "2021-05", None]),
                stage=rng.choice(["convicted", "released", None]), cited=False,
                visibility=rng.choice(levels),
            )
        )  # fmt: skip

    def change_detention():
        if facts["detention"]:
            Detention.objects.filter(pk=rng.choice(facts["detention"]).pk).update(
                legal_stage_id=rng.choice(stages),
                person=rng.choice(persons),
                visibility=rng.choice(levels),
            )

    def add_allegation():
        about = rng.choice(facts["detention"] + [None])
        facts["allegation"].append(
            factories.allegation(
                rng.choice(persons), rng.choice(["torture", "ill-treatment"]), cited=False,
                detention=about, visibility=rng.choice(levels),
            )
        )  # fmt: skip

    def change_allegation():
        if facts["allegation"]:
            Allegation.objects.filter(pk=rng.choice(facts["allegation"]).pk).update(
                kind_id=rng.choice(kinds), visibility=rng.choice(levels)
            )

    def add_affiliation():
        facts["affiliation"].append(
            factories.affiliation(
                rng.choice(persons), rng.choice(organizations), cited=False,
                visibility=rng.choice(levels),
            )
        )  # fmt: skip

    def cite():
        kind = rng.choice([k for k, made in facts.items() if made] or ["none"])
        if kind != "none":
            factories.citation(
                rng.choice(sources),
                **{kind: rng.choice(facts[kind])},
                visibility=rng.choice(levels),
            )

    def change_citation():
        citation = Citation.objects.order_by("?").first()
        if citation:
            Citation.objects.filter(pk=citation.pk).update(
                visibility=rng.choice(levels), source=rng.choice(sources)
            )

    def change_source_or_organization():
        model = rng.choice([Source, Organization])
        rows = sources if model is Source else organizations
        model.objects.filter(pk=rng.choice(rows).pk).update(visibility=rng.choice(levels))

    def change_person():
        person = rng.choice(persons)
        if rng.random() < 0.5:
            person.occupations.set(rng.sample(occupations, rng.randrange(3)))
        else:
            Person.objects.filter(pk=person.pk).update(
                visibility=rng.choice(levels),
                deleted_at=timezone.now() if rng.random() < 0.2 else None,
            )

    def delete_something():
        kind = rng.choice([k for k, made in facts.items() if made] or ["none"])
        if kind != "none":
            facts[kind].pop(rng.randrange(len(facts[kind]))).delete()

    writes = [add_detention, add_detention, change_detention, add_allegation, change_allegation,
              add_affiliation, cite, cite, cite, change_citation, change_source_or_organization,
              change_person, delete_something]  # fmt: skip
    stored = f"SELECT reader, facet, value, person_id FROM {FACET_TABLE}"
    seen = [_rows(stored, [])]
    assert {facet for reader, facet, *_ in seen[0] if reader == "public"} == set(STORED_FACETS)
    for step in range(50):
        rng.choice(writes)()
        assert_stored_is_computed(counts=step % 5 == 4)
        seen.append(_rows(stored, []))
    # the writes changed what each reader is counted for, several times (the
    # staff's, which needs no citation, most often), or the sequence proves little
    for reader, least in ((Reader.PUBLIC, 5), (Reader.PARTNER, 5), (Reader.STAFF, 20)):
        values = [[row for row in rows if row[0] == reader.value] for rows in seen]
        changes = sum(before != after for before, after in zip(values, values[1:], strict=False))
        assert changes >= least, reader


@pytest.mark.django_db(transaction=True)
def test_the_rebuild_gives_the_stored_values_again_and_their_indexes(vocabularies):
    person = factories.person("Rebuilt")
    factories.detention(person, arrested="2020", stage="convicted")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FACET_TABLE}")
    rebuild_stored_status()
    assert_stored_is_computed()
    assert stored_of(person) == {
        ("legal_stage", "convicted"), ("arrest_year", 2020), (DETENTION, ("convicted", 20200101)),
    }  # fmt: skip
    indexes = _rows("SELECT indexname FROM pg_indexes WHERE tablename = %s", [FACET_TABLE])
    assert indexes == sorted((name,) for name in FACET_INDEXES)
