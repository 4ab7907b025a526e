"""Name keys fold the Azerbaijani, English and Russian spellings of a name to
one key; the person search ranks by trigram similarity over those keys."""

import pytest
from django.db import connection

from cases.models import NameVariant, Person
from cases.reads.search import search_persons
from cases.search import name_key
from cases.visibility import Reader
from tests import factories

# Azerbaijani Latin, English transliteration(s), Russian Cyrillic of seed names
# (and of others' spellings of them: the Russian-style "y" for ы/ı, issue 13).
SPELLINGS = [
    ("Bəxtiyar Hacıyev", "Bakhtiyar Hajiyev", "Bakhtiyar Hajiev", "Бахтияр Гаджиев"),
    ("Sevinc Vaqifqızı", "Sevinj Vagifgizi", "Sevinj Vagifqizi", "Севиндж Вагифгызы"),
    ("Qubad İbadoğlu", "Gubad Ibadoghlu", "Gubad Ibadoglu", "Губад Ибадоглу"),
    ("Ülvi Həsənli", "Ulvi Hassanli", "Ulvi Hasanli", "Ульви Гасанлы"),
    ("Fərid Mehralızadə", "Farid Mehralizada", "Farid Mehralizade", "Фарид Мехрализаде"),
    ("Rüfət Səfərov", "Rufat Safarov", "Rufat Safarov", "Руфат Сафаров"),
    ("Azər Qasımlı", "Azer Gasimli", "Azer Qasimli", "Азер Гасымлы"),
    ("İlqar Məmmədov", "Ilgar Mammadov", "Ilgar Mamedov", "Ильгар Мамедов"),
    ("İntiqam Əliyev", "Intigam Aliyev", "Intigam Aliev", "Интигам Алиев"),
    ("Rəşadət Axundov", "Rashadat Akhundov", "Rashadat Akhundov", "Рашадат Ахундов"),
    ("Rəşad Həsənov", "Rashad Hassanov", "Rashad Hasanov", "Рашад Гасанов"),
    ("Əli Əliyev", "Ali Aliyev", "Ali Aliev", "Али Алиев"),
    ("Leyla Yunus", "Leyla Yunus", "Leila Yunus", "Лейла Юнус"),
    ("Arif Yunus", "Arif Yunus", "Arif Yunus", "Ариф Юнус"),
    ("Fazil Qasımov", "Fazil Gasimov", "Fazil Gasymov", "Фазиль Гасымов"),
    ("Ülvi Həsənli", "Ulvi Hasanly", "Ulvi Hassanly", "Ульви Гасанлы"),
    ("Azər Qasımlı", "Azer Gasymly", "Azer Gasimly", "Азер Гасымлы"),
    ("Məhəmməd Əzizov", "Mahammad Azizov", "Mahamad Azizov", "Магаммад Азизов"),
    ("Məmməd Əzizov", "Mammad Azizov", "Mamed Azizov", "Мамед Азизов"),
    ("Tofiq Yaqublu", "Tofik Yagublu", "Tofig Yagublu", "Тофик Ягублу"),
    ("Xədicə İsmayılova", "Khadija Ismayilova", "Khadija Ismailova", "Хадиджа Исмаилова"),
    ("Əli Əliyev", "Ali Alyev", "Ali Aliyev", "Али Алиев"),
]


@pytest.mark.parametrize("spellings", SPELLINGS, ids=lambda s: s[1])
def test_spellings_of_one_name_fold_to_the_same_key(spellings):
    keys = {name_key(spelling) for spelling in spellings}
    assert len(keys) == 1, keys


@pytest.mark.django_db
@pytest.mark.parametrize("spellings", SPELLINGS, ids=lambda s: s[1])
def test_spellings_of_one_name_are_close_by_trigram_similarity(spellings):
    # the database's own similarity between the keys, as search uses it
    keys = [name_key(spelling) for spelling in spellings]
    with connection.cursor() as cursor:
        for key in keys[1:]:
            cursor.execute("SELECT similarity(%s, %s)", [keys[0], key])
            assert cursor.fetchone()[0] >= 0.6


def test_a_y_after_a_consonant_before_no_vowel_is_the_russian_hard_i():
    # ы written y (Gasymov, Hasanly) meets Azerbaijani ı and English i; the
    # Russian-style "-ly" ending is the Azerbaijani "-lı", the English "-li"
    assert name_key("Gasymov") == name_key("Qasımov") == name_key("Gasimov") == "gasimov"
    for spelling in ("Hasanly", "Hassanly", "Həsənlı", "Hasanli", "Гасанлы"):
        assert name_key(spelling) == "gasanli", spelling
    # before a vowel a y is a consonant and stays: Ilyas is not Ilias
    assert name_key("Ilyas") == "ilyas" != name_key("Ilias")
    assert name_key("Yunus") == "yunus"


def test_different_names_keep_different_keys():
    assert name_key("Leyla Yunus") != name_key("Arif Yunus")
    assert name_key("Rashad Hassanov") != name_key("Rashadat Akhundov")


def test_other_scripts_keep_a_key_of_their_own():
    # folded only by case and doubled letters, but findable
    assert name_key("მიხეილ სააკაშვილი") == "მიხეილ საკაშვილი"


def test_key_ignores_case_punctuation_and_marks():
    assert name_key("  HAJIYEV, Bakhtiyar! ") == name_key("hajiyev bakhtiyar")
    assert name_key("") == ""
    assert name_key("—") == ""


@pytest.mark.django_db
def test_keys_are_kept_in_sync_on_save():
    person = factories.person("Bakhtiyar Hajiyev", variants=["Бахтияр Гаджиев"])
    assert person.name_key == name_key("Bakhtiyar Hajiyev")
    person.display_name = "Leyla Yunus"
    person.save()
    person.refresh_from_db()
    assert person.name_key == name_key("Leyla Yunus")
    assert person.name_variants.get().name_key == name_key("Бахтияр Гаджиев")


@pytest.mark.django_db
def test_search_finds_a_name_stored_in_one_script_from_another():
    factories.person("Sevinj Vagifgizi")
    factories.person("Gubad Ibadoghlu")
    for query in ("Sevinc Vaqifqızı", "Севиндж Вагифгызы", "vagif"):
        found = list(search_persons(Person.objects.all(), query, reader=Reader.STAFF))
        assert [p.display_name for p in found] == ["Sevinj Vagifgizi"], query


@pytest.mark.django_db
def test_search_finds_a_russian_style_spelling_that_is_in_no_variant():
    # stored only as the articles write them: no variant holds these spellings
    factories.person("Azer Gasimli")
    factories.person("Fassil Gassimov")
    factories.person("Ulvi Hassanli")
    for query, expected in (
        ("Gasymly", "Azer Gasimli"),
        ("Azer Gasymly", "Azer Gasimli"),
        ("Гасымлы", "Azer Gasimli"),
        ("Gassymov", "Fassil Gassimov"),
        ("Hasanly", "Ulvi Hassanli"),
    ):
        found = list(search_persons(Person.objects.all(), query, reader=Reader.STAFF))
        assert [p.display_name for p in found][:1] == [expected], query
        assert found[0].score == pytest.approx(1.0), query


@pytest.mark.django_db
def test_an_unnamed_person_is_never_found_by_name():
    # "Unnamed Radio Free Europe journalist" describes her; it is not a name
    unnamed = factories.person("Unnamed Radio Free Europe journalist", is_unnamed=True)
    assert unnamed.name_key == ""
    for query in ("Unnamed Radio Free Europe journalist", "journalist", "Unnamed"):
        assert not search_persons(Person.objects.all(), query, reader=Reader.STAFF).exists()
    unnamed.is_unnamed = False
    unnamed.save(update_fields=["is_unnamed"])
    unnamed.refresh_from_db()
    assert unnamed.name_key == name_key("Unnamed Radio Free Europe journalist")


@pytest.mark.django_db
def test_search_scores_and_ranks_closer_names_first():
    factories.person("Rashad Hassanov")
    factories.person("Rashadat Akhundov")
    found = list(search_persons(Person.objects.all(), "Rəşad Həsənov", reader=Reader.STAFF))
    assert found[0].display_name == "Rashad Hassanov"
    assert found[0].score == pytest.approx(1.0)
    assert all(found[i].score >= found[i + 1].score for i in range(len(found) - 1))


@pytest.mark.django_db
def test_name_keys_are_trigram_indexed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s",
            ["%name_key_trgm"],
        )
        indexes = dict(cursor.fetchall())
    # persons and their name variants; facilities and their other names (places)
    assert set(indexes) == {
        "person_name_key_trgm",
        "namevariant_name_key_trgm",
        "facility_name_key_trgm",
        "facilityname_name_key_trgm",
        "official_name_key_trgm",
        "officialname_name_key_trgm",
    }
    assert all("gin" in d and "gin_trgm_ops" in d for d in indexes.values())


@pytest.mark.django_db
def test_slugs_are_readable_stable_and_never_reused():
    first = factories.person("Bəxtiyar Hacıyev")
    assert first.slug == "baxtiyar-haciyev"
    assert factories.person("Бахтияр Гаджиев").slug == "bakhtiyar-gadzhiev"
    assert factories.person("Bəxtiyar Hacıyev").slug == "baxtiyar-haciyev-2"
    first.display_name = "Bakhtiyar Hajiyev"
    first.save()
    assert first.slug == "baxtiyar-haciyev", "renaming keeps the public identifier"
    first.delete()
    assert factories.person("Bəxtiyar Hacıyev").slug == "baxtiyar-haciyev-3", (
        "a slug is never reused"
    )
    assert factories.organization("Gözətçi").slug == "gozatchi"


@pytest.mark.django_db
def test_a_hidden_variant_never_matches_for_a_reader_who_may_not_see_it():
    person = factories.person("Public Name")
    NameVariant.objects.create(person=person, name="Secret Alias", visibility="internal")
    assert list(search_persons(Person.objects.all(), "Secret Alias", reader=Reader.STAFF)) == [
        person
    ]
    assert list(search_persons(Person.objects.all(), "Secret Alias", reader=Reader.PUBLIC)) == []
    assert list(search_persons(Person.objects.all(), "Secret Alias", reader=Reader.PARTNER)) == []


@pytest.mark.django_db
def test_the_migration_recomputes_keys_stored_with_the_older_folding():
    # keys written before the Russian-style "y" was folded (0012 recomputes them)
    from importlib import import_module

    from django.apps import apps

    migration = import_module("cases.migrations.0012_evidence_terms_and_name_keys")
    person = factories.person("Azer Gasymly", variants=["Ulvi Hasanly"])
    unnamed = factories.person("Unnamed journalist", is_unnamed=True)
    Person.objects.filter(pk=person.pk).update(name_key="azar gasymly")
    NameVariant.objects.filter(person=person).update(name_key="ulvi gasanly")
    Person.objects.filter(pk=unnamed.pk).update(name_key="unamad journalist")
    migration.recompute_name_keys(apps, None)
    person.refresh_from_db()
    unnamed.refresh_from_db()
    assert person.name_key == "azar gasimli"
    assert person.name_variants.get().name_key == "ulvi gasanli"
    assert unnamed.name_key == ""
