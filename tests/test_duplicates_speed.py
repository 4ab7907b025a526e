"""Possible duplicates from stored pairs (issue 20, item 4): the pairs the
triggers of migration 0017 keep are the pairs the old query computed on every
visit (bench.duplicates_speed.naive_possible_duplicates), on a varied data set
and after every way a name, a spelling, the trash or a birth date changes."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from bench.duplicates_speed import naive_possible_duplicates
from cases import services
from cases.models import NameVariant, Person
from cases.reads.duplicates import BLOCK_LIMIT, PAIR_THRESHOLD, possible_duplicates
from cases.search import name_key
from tests import factories
from tests.test_workflow import form_data, make_user

pytestmark = pytest.mark.django_db
EVERY = 100_000
EAGER = 100  # persons brought up to date at once (migration 0017's EAGER_PERSONS)


def assert_same_pairs_as_the_old_query() -> list[dict]:
    stored = possible_duplicates(limit=EVERY)
    assert stored == naive_possible_duplicates(limit=EVERY)
    assert possible_duplicates() == naive_possible_duplicates()
    assert possible_duplicates(threshold=0.8) == naive_possible_duplicates(limit=100, threshold=0.8)
    return stored


def pair_ids() -> set[frozenset]:
    return {frozenset((p["first_id"], p["second_id"])) for p in possible_duplicates(limit=EVERY)}


def numbered(count: int) -> list[int]:
    """Numbers that stay apart in a name key (which reads "11" as "1")."""
    numbers = (n for n in range(10 * count) if not re.search(r"(.)\1", str(n)))
    return [next(numbers) for _ in range(count)]


def born(person: Person, year: str) -> Person:
    person.birth_date = factories.PartialDate.parse(year)
    person.save()
    return person


@pytest.fixture
def varied():
    """Alike names in two scripts, agreeing, differing and unknown birth years,
    a surname more than BLOCK_LIMIT persons share (two of whom share a whole
    name), a person and a spelling in the trash, an internal person."""
    people = {
        "keep": born(factories.person("Bakhtiyar Hajiyev", variants=["Бахтияр Гаджиев"]), "1982"),
        "other": born(factories.person("Bəxtiyar Hacıyev"), "1982"),
        "stranger": born(factories.person("Bakhtiyar Hajiev"), "1950"),
        "leyla": factories.person("Leyla Yunus", variants=["Лейла Юнус"]),
        "leyla_again": factories.person("Leila Yunus"),
        "internal": factories.person("Arif Yunus", visibility="internal"),
        "trashed": factories.person("Leyla Yunus"),
    }
    Person.objects.filter(pk=people["trashed"].pk).update(deleted_at="2024-01-01T00:00Z")
    spelling = NameVariant.objects.create(person=people["stranger"], name="Tofig Yagublu")
    NameVariant.objects.filter(pk=spelling.pk).update(deleted_at="2024-01-01T00:00Z")
    factories.person("Tofiq Yaqublu")
    common = [factories.person(f"Name{n} Mammadov") for n in numbered(BLOCK_LIMIT + 1)]
    people["ali"] = factories.person("Ali Mammadov")
    people["ali_again"] = born(factories.person("Ali Mammadov"), "1990")
    people["common"] = common
    return people


def test_stored_pairs_are_the_old_querys_pairs_on_a_varied_data_set(varied):
    pairs = assert_same_pairs_as_the_old_query()

    ids = pair_ids()
    assert frozenset((varied["keep"].pk, varied["other"].pk)) in ids
    assert frozenset((varied["leyla"].pk, varied["leyla_again"].pk)) in ids
    # the common surname pairs only the two persons of one whole name
    common = {p.pk for p in varied["common"]} | {varied["ali"].pk, varied["ali_again"].pk}
    assert [pair for pair in ids if pair <= common] == [
        frozenset((varied["ali"].pk, varied["ali_again"].pk))
    ]
    assert not any(varied["trashed"].pk in pair for pair in ids)
    assert pairs[0]["score"] > pairs[-1]["score"]


def test_fewer_alike_pairs_than_the_stored_threshold_are_refused(varied):
    with pytest.raises(ValueError, match="not kept"):
        possible_duplicates(threshold=PAIR_THRESHOLD - 0.1)


def test_reading_the_pairs_takes_two_queries_however_many(varied, django_assert_num_queries):
    with django_assert_num_queries(2):  # bring waiting persons up to date; the pairs
        possible_duplicates()
    for i in range(3):
        factories.person(f"Ilgar Mammadli{i}", variants=[f"Ильгар Маммадли{i}"])
    with django_assert_num_queries(2):
        possible_duplicates(limit=EVERY)


def test_the_duplicates_page_query_count_is_pinned(varied, django_user_model,
                                                   django_assert_num_queries):  # fmt: skip
    editor = make_user(django_user_model, "eddie", editor=True)
    editor.get("/admin/cases/person/duplicates/")
    # the session, the user and its rights (10), then the pairs (2)
    with django_assert_num_queries(12):
        page = editor.get("/admin/cases/person/duplicates/")
    assert page.status_code == 200
    assert varied["other"].display_name in page.content.decode()


def test_pairs_follow_an_admin_save(varied, django_user_model):
    editor = make_user(django_user_model, "eddie", editor=True)
    leyla = varied["leyla_again"]
    url = f"/admin/cases/person/{leyla.pk}/change/"
    data = form_data(editor, url)
    data["display_name"] = "Tofig Yagublu"
    response = editor.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]

    assert Person.objects.get(pk=leyla.pk).display_name == "Tofig Yagublu"
    assert_same_pairs_as_the_old_query()
    assert frozenset((varied["leyla"].pk, leyla.pk)) not in pair_ids()


@pytest.mark.django_db(transaction=True)
def test_pairs_follow_bulk_and_raw_sql_writes_across_commits(varied):
    # more persons in one statement than are brought up to date at once: they
    # wait for the next read
    many = Person.objects.bulk_create(
        Person(display_name=f"Vugar Huseynov{i % 30}", name_key=f"vugar huseynov{i % 30}",
               slug=f"vugar-huseynov-bulk-{i}", birth_date=factories.PartialDate.parse("1970").date,
               birth_date_precision=1)
        for i in range(150)
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_duplicate_pending")
        assert cursor.fetchone()[0] > 0
    assert_same_pairs_as_the_old_query()

    Person.objects.filter(pk__in=[p.pk for p in many[:120]]).update(name_key="vugar huseynov")
    assert_same_pairs_as_the_old_query()

    NameVariant.objects.bulk_create(
        NameVariant(person=p, name=f"Вугар Гусейнов {p.pk}", name_key="vugar guseinov")
        for p in many[100:]
    )
    assert_same_pairs_as_the_old_query()

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_person SET name_key = 'bakhtiyar hajiyev', birth_date = NULL,"
            " birth_date_precision = NULL WHERE id = %s", [varied["stranger"].pk]
        )  # fmt: skip
        cursor.execute("DELETE FROM cases_namevariant WHERE person_id = %s", [varied["keep"].pk])
        cursor.execute(
            "UPDATE cases_namevariant SET person_id = %s WHERE person_id = %s",
            [varied["other"].pk, varied["leyla"].pk],
        )
    assert_same_pairs_as_the_old_query()


def test_while_persons_wait_a_single_save_waits_with_them(varied):
    """While a bulk write's persons wait for the next read, their names' counts
    are behind: a person saved then waits too (migration 0028) rather than
    being paired at once against those counts, and the read brings everyone up
    to date."""
    names = [f"Rauf Aliyev{n}" for n in numbered(20)]
    Person.objects.bulk_create(
        Person(display_name=names[i % 20], name_key=name_key(names[i % 20]),
               slug=f"rauf-aliyev-bulk-{i}")
        for i in range(EAGER + 20)
    )  # fmt: skip
    single = factories.person(names[1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM cases_duplicate_pending WHERE person_id = %s", [single.pk])
        assert cursor.fetchall() == [(1,)]
    pairs = assert_same_pairs_as_the_old_query()
    assert any(single.pk in (p["first_id"], p["second_id"]) for p in pairs)
    with connection.cursor() as cursor:  # nothing waits now: a save is brought up to date
        cursor.execute("SELECT count(*) FROM cases_duplicate_pending")
        assert cursor.fetchone() == (0,)
    another = factories.person(names[2])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_duplicate_pending")
        assert cursor.fetchone() == (0,)
    assert any(another.pk in pair for pair in pair_ids())


def test_a_new_birth_year_moves_a_pair(varied):
    before = {frozenset((p["first_id"], p["second_id"])): p["score"]
              for p in possible_duplicates(limit=EVERY)}  # fmt: skip
    born(varied["stranger"], "1982")
    after = {frozenset((p["first_id"], p["second_id"])): p["score"]
             for p in assert_same_pairs_as_the_old_query()}  # fmt: skip
    pair = frozenset((varied["keep"].pk, varied["stranger"].pk))
    assert after[pair] > before[pair]


def test_pairs_follow_the_trash_and_a_restore(varied):
    keep = varied["keep"]
    services.records_trash(queryset=Person.objects.filter(pk=keep.pk))
    assert_same_pairs_as_the_old_query()
    assert not any(keep.pk in pair for pair in pair_ids())

    services.records_restore_from_trash(queryset=Person.objects.filter(pk=keep.pk))
    assert_same_pairs_as_the_old_query()
    assert frozenset((keep.pk, varied["other"].pk)) in pair_ids()

    spellings = NameVariant.objects.filter(person=varied["leyla"])
    services.records_trash(queryset=spellings)
    assert_same_pairs_as_the_old_query()
    services.records_restore_from_trash(queryset=NameVariant.objects.filter(person=varied["leyla"]))
    assert_same_pairs_as_the_old_query()


def test_visibility_changes_keep_the_pairs(varied):
    before = assert_same_pairs_as_the_old_query()
    services.records_publish(
        queryset=Person.objects.filter(pk=varied["internal"].pk), visibility="public"
    )
    services.records_publish(
        queryset=Person.objects.filter(pk=varied["leyla"].pk), visibility="internal"
    )
    assert assert_same_pairs_as_the_old_query() == before


def test_pairs_follow_a_merge_and_its_undo(varied):
    keep, other = varied["keep"], varied["other"]
    merge = services.persons_merge(keep=keep, other=other)
    assert_same_pairs_as_the_old_query()
    assert frozenset((keep.pk, other.pk)) not in pair_ids()

    services.merge_undo(merge=merge)
    assert_same_pairs_as_the_old_query()
    assert frozenset((keep.pk, other.pk)) in pair_ids()


def test_pairs_follow_an_import_of_a_list(varied):
    from lists.services import edition_import

    # new persons (more than are brought up to date at once), an alike name and
    # a person of the common surname
    rows = [{"name": f"Emin Huseynov{n}", "group": "Activists"} for n in numbered(120)]
    rows += [{"name": "Leyla Yunusa", "group": "Journalists"}, {"name": "Zaur Mammadov"}]
    result = edition_import(rows=rows, prisoner_list_slug="dups", published_on="2024-03-01")
    assert result.written, (result.errors, result.problems)

    assert_same_pairs_as_the_old_query()


def test_a_surname_shared_by_more_than_the_limit_loses_its_pairs_and_gets_them_back(varied):
    common = varied["common"]
    # BLOCK_LIMIT + 3 persons share the surname: two leave it
    for person in common[:2]:
        person.display_name = person.display_name.replace("Mammadov", "Mammadova")
        person.save()
    assert_same_pairs_as_the_old_query()
    # now BLOCK_LIMIT + 1: one more leaves, and the surname pairs its persons
    ali = varied["ali"]
    ali.display_name = "Ali Aliyev"
    ali.save()
    pairs = assert_same_pairs_as_the_old_query()
    assert any(p["first_id"] in {c.pk for c in common} for p in pairs)
    ali.display_name = "Ali Mammadov"
    ali.save()
    assert_same_pairs_as_the_old_query()


@pytest.mark.django_db(transaction=True)
def test_a_truncate_empties_the_pairs_and_new_names_pair_again(varied):
    assert possible_duplicates()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_person CASCADE")
    assert possible_duplicates() == []
    factories.person("Bakhtiyar Hajiyev")
    factories.person("Bəxtiyar Hacıyev")
    assert len(assert_same_pairs_as_the_old_query()) == 1


def test_the_stored_pairs_are_not_history_and_not_in_the_change_feed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relname LIKE 'cases_duplicate%%' AND NOT t.tgisinternal"
        )
        assert cursor.fetchall() == []
