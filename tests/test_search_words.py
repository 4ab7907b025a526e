"""The words table of name search (cases.reads.search.WORDS_TABLE, migration
0025): kept exact by its triggers through writes of every kind, holding for each
reader exactly the names cases.visibility lets them see, and giving the same
persons and scores as the search through the persons' and variants' own rows."""

import random
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from bench.names import AZERBAIJANI_FIRST_NAMES, RUSSIAN_FIRST_NAMES, SURNAMES, feminine
from cases.models import NameVariant, Person
from cases.reads.search import SEEN_BY, WORDS_TABLE, person_matches, search_persons
from cases.search import name_key
from cases.visibility import Reader, visible
from tests import factories

pytestmark = pytest.mark.django_db

LEVELS = ("public", "partners", "internal")


def _stored(reader: Reader) -> set[tuple[str, int, int | None]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT word, person_id, variant_id FROM {WORDS_TABLE} WHERE seen_by <= %s",
            [SEEN_BY[reader]],
        )
        return set(cursor.fetchall())


def _seen(reader: Reader) -> set[tuple[str, int, int | None]]:
    """The words of the names `visible` gives the reader (two letters or more:
    a search word has two at least)."""
    names = [(p.name_key, p.pk, None) for p in visible(Person.objects.all(), reader)]
    names += [(v.name_key, v.person_id, v.pk) for v in visible(NameVariant.objects.all(), reader)]
    return {
        (word, person, variant)
        for key, person, variant in names
        for word in key.split()
        if len(word) >= 2
    }


def _assert_exact(step: str) -> None:
    for reader in Reader:
        assert _stored(reader) == _seen(reader), (step, reader)


def test_the_words_table_holds_what_each_reader_may_see_after_writes_of_every_kind():
    rng = random.Random(20)
    persons = [
        factories.person(f"Person{n} Namesake", visibility=rng.choice(LEVELS)) for n in range(8)
    ]
    for person in persons:
        for n in range(2):
            NameVariant.objects.create(
                person=person, name=f"Вариант{person.pk} Alias{n}", visibility=rng.choice(LEVELS)
            )
    _assert_exact("created")
    first, second, third = persons[:3]
    first.display_name = "Renamed Person"
    first.save()
    _assert_exact("a person renamed")
    Person.objects.filter(pk__in=[p.pk for p in persons[:4]]).update(visibility="public")
    Person.objects.filter(pk=second.pk).update(visibility="internal")
    _assert_exact("persons' levels")
    Person.objects.filter(pk=third.pk).update(deleted_at=timezone.now())
    _assert_exact("a person to the trash")
    Person.objects.filter(pk=third.pk).update(deleted_at=None)
    _assert_exact("a person restored")
    Person.objects.filter(pk=third.pk).update(summary="Not a name")
    _assert_exact("another column")
    variant = first.name_variants.first()
    variant.name = "Xədicə İsmayılova"
    variant.save()
    _assert_exact("a variant renamed")
    NameVariant.objects.filter(person=first).update(visibility="partners")
    _assert_exact("variants' levels")
    NameVariant.objects.filter(pk=variant.pk).update(deleted_at=timezone.now())
    _assert_exact("a variant to the trash")
    NameVariant.objects.filter(pk=variant.pk).update(deleted_at=None, person=second)
    _assert_exact("a variant restored to another person")
    NameVariant.objects.bulk_create(
        [
            NameVariant(person=p, name="Bulk Added", name_key=name_key("Bulk Added"))
            for p in persons[3:6]
        ]
    )
    _assert_exact("variants added at once")
    NameVariant.objects.filter(person=persons[4]).delete()
    _assert_exact("variants deleted")
    persons[5].delete()
    _assert_exact("a person deleted with their variants")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no TRUNCATE with triggers pending
        cursor.execute("TRUNCATE cases_namevariant CASCADE")
        _assert_exact("the variants truncated")
        cursor.execute("TRUNCATE cases_person CASCADE")
        _assert_exact("the persons truncated")
    assert not _stored(Reader.STAFF)


@pytest.fixture
def namesakes() -> list[tuple[tuple, tuple, Person]]:
    """Persons named as the benchmark names them, in three scripts, at every
    level, some in the trash: many share a first name or a surname. Returns
    each one's first name and surname (English, Azerbaijani, Russian) and row."""
    rng = random.Random(1)
    now = timezone.now()
    people = []
    for _ in range(150):
        first = rng.choice(AZERBAIJANI_FIRST_NAMES + RUSSIAN_FIRST_NAMES)
        surname = rng.choice(SURNAMES[:12])  # a few, so that surnames are common
        if first[3] == "female":
            surname = tuple(feminine(s) for s in surname)
        person = factories.person(
            f"{first[0]} {surname[0]}",
            visibility=rng.choice(LEVELS),
            deleted_at=now if rng.random() < 0.1 else None,
        )
        for name in (f"{first[1]} {surname[1]}", f"{first[2]} {surname[2]}"):
            NameVariant.objects.create(
                person=person,
                name=name,
                visibility=rng.choice(LEVELS),
                deleted_at=now if rng.random() < 0.1 else None,
            )
        people.append((first, surname, person))
    return people


@pytest.mark.parametrize("reader", [Reader.PUBLIC, Reader.PARTNER])
def test_the_words_table_finds_the_persons_and_scores_the_names_give(namesakes, reader):
    public = [(f, s) for f, s, p in namesakes if p.visibility == "public" and not p.deleted_at]
    common = Counter(s for _, s, _ in namesakes).most_common(1)[0][0]
    found = [
        # full names in three scripts
        *(name for first, surname in public[:3] for name in (
            f"{first[0]} {surname[0]}", f"{first[1]} {surname[1]}", f"{first[2]} {surname[2]}")),
        # partial names, one word and two
        *(first[1][:4] for first, _ in public[:3]),
        f"{public[0][0][0][:3]} {public[0][1][0][:3]}",
        f"{public[1][1][2][:3]}",
        # a common surname alone
        common[0], common[2],
        # a misspelt name: the similar names
        public[0][1][0][:3] + public[0][1][0][4:],
    ]  # fmt: skip
    unknown = ["Zzyzx", f"A {common[0]}"]  # no name has it; a one-letter word: by similarity
    names = dict(Person.objects.values_list("pk", "display_name"))
    for query in found + unknown:
        key = name_key(query)
        by_table = person_matches(key, reader=reader, words_table=True)
        by_names = person_matches(key, reader=reader, words_table=False)
        assert by_table == by_names, query  # the same persons and scores, exactly
        # and the same order: score, then name, then id
        ranked = sorted(by_names, key=lambda pk: (-by_names[pk], names[pk], pk))
        persons = search_persons(visible(Person.objects.all(), reader), query, reader=reader)
        assert [p.pk for p in persons] == ranked, query
        assert bool(by_names) == (query != "Zzyzx"), query


def test_the_level_function_is_inlined_and_gives_null_for_no_level():
    """cases_search_seen_by is not STRICT (migration 0027), so its CASE is inlined
    into the words' trigger statements; it still gives NULL for a NULL level."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT proisstrict FROM pg_proc WHERE proname = 'cases_search_seen_by'")
        assert cursor.fetchall() == [(False,)]
        cursor.execute(
            "SELECT cases_search_seen_by(NULL), cases_search_seen_by('public'),"
            " cases_search_seen_by('partners'), cases_search_seen_by('internal'),"
            " cases_search_seen_by('other')"
        )
        assert cursor.fetchone() == (None, 0, 1, 2, None)
        cursor.execute(
            "EXPLAIN (VERBOSE) SELECT cases_search_seen_by(visibility) FROM cases_person"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "cases_search_seen_by" not in plan and "CASE" in plan
