"""Every invariant is refused by PostgreSQL itself, not only by a form: each
test writes around the model's validation (queryset.update or raw SQL)."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    Charge,
    Detention,
    NameVariant,
    Organization,
    Person,
    Statement,
)
from cases.partial_dates import PartialDate, Precision
from sources.models import Citation, Source
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def refused(constraint_name: str):
    """Assert the block is refused by the named database constraint."""

    class _Refused:
        def __enter__(self):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, exc_type, exc, tb):
            self.atomic.__exit__(exc_type, exc, tb)
            assert exc_type is not None and issubclass(exc_type, IntegrityError), (
                f"expected the database to refuse this with {constraint_name}"
            )
            assert constraint_name in str(exc)
            return True

    return _Refused()


def test_release_before_arrest_is_refused():
    detention = factories.detention(arrested="2023-11-21")
    with refused("detention_released_after_arrest"):
        Detention.objects.filter(pk=detention.pk).update(
            released_on=D(2023, 11, 20), released_on_precision=Precision.DAY
        )


def test_release_in_the_month_of_a_day_precise_arrest_is_allowed():
    detention = factories.detention(arrested="2023-11-21")
    Detention.objects.filter(pk=detention.pk).update(
        released_on=D(2023, 11, 1), released_on_precision=Precision.MONTH
    )
    detention.refresh_from_db()
    assert str(detention.released_on_partial) == "November 2023"


def test_release_in_an_earlier_year_than_a_year_precise_arrest_is_refused():
    detention = factories.detention(arrested="2023")
    with refused("detention_released_after_arrest"):
        Detention.objects.filter(pk=detention.pk).update(
            released_on=D(2022, 12, 1), released_on_precision=Precision.MONTH
        )


def test_allegation_ending_before_it_started_is_refused():
    allegation = factories.allegation()
    Allegation.objects.filter(pk=allegation.pk).update(
        started_on=D(2024, 6, 1), started_on_precision=Precision.MONTH
    )
    with refused("allegation_ends_after_start"):
        Allegation.objects.filter(pk=allegation.pk).update(
            ended_on=D(2024, 1, 1), ended_on_precision=Precision.MONTH
        )


def test_affiliation_ending_before_it_started_is_refused():
    affiliation = Affiliation.objects.create(
        person=factories.person(), organization=factories.organization()
    )
    affiliation.started_on = PartialDate.parse("2020")
    affiliation.save()
    with refused("affiliation_ends_after_start"):
        Affiliation.objects.filter(pk=affiliation.pk).update(
            ended_on=D(2019, 1, 1), ended_on_precision=Precision.YEAR
        )


def test_negative_count_is_refused():
    allegation = factories.allegation()
    with refused("allegation_count_not_negative"):
        Allegation.objects.filter(pk=allegation.pk).update(count=-1)


def test_negative_sentence_is_refused():
    detention = factories.detention()
    with refused("sentence"):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_detention SET sentence_months = -3 WHERE id = %s", [detention.pk]
            )
    event = factories.case_event(detention)
    with refused("sentence"):
        CaseEvent.objects.filter(pk=event.pk).update(sentence_months=-1)


@pytest.mark.parametrize(
    "model, field, constraint",
    [
        (Person, "display_name", "person_display_name_not_blank"),
        (Organization, "name", "organization_name_not_blank"),
        (Statement, "title", "statement_title_not_blank"),
        (Source, "title", "source_title_not_blank"),
    ],
)
@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_names_and_titles_are_refused(model, field, constraint, blank):
    builders = {
        Person: factories.person,
        Organization: factories.organization,
        Statement: factories.statement,
        Source: factories.source,
    }
    obj = builders[model]()
    with refused(constraint):
        model.objects.filter(pk=obj.pk).update(**{field: blank})


def test_blank_name_variant_and_charge_article_are_refused():
    person = factories.person(variants=["Variant"])
    with refused("namevariant_name_not_blank"):
        NameVariant.objects.filter(person=person).update(name=" ")
    charge = Charge.objects.create(detention=factories.detention(), article="206.3.2")
    with refused("charge_article_not_blank"):
        Charge.objects.filter(pk=charge.pk).update(article="")


@pytest.mark.parametrize(
    "date, precision",
    [
        (D(2023, 11, 5), Precision.MONTH),
        (D(2023, 11, 1), Precision.YEAR),
        (D(2023, 11, 1), None),
        (None, Precision.DAY),
    ],
)
def test_precision_inconsistent_with_the_date_is_refused(date, precision):
    detention = factories.detention()
    with refused("detention_arrested_on_precision_consistent"):
        Detention.objects.filter(pk=detention.pk).update(
            arrested_on=date, arrested_on_precision=precision
        )


def test_citation_must_support_exactly_one_fact():
    source = factories.source()
    with refused("citation_exactly_one_target"):
        Citation.objects.create(source=source)
    with refused("citation_exactly_one_target"):
        Citation.objects.create(
            source=source, detention=factories.detention(), statement=factories.statement()
        )


def test_citation_of_a_person_names_its_claim():
    with refused("citation_person_claim_named"):
        Citation.objects.create(source=factories.source(), person=factories.person(), claim="")


def test_allegation_needs_a_victim():
    allegation = factories.allegation()
    with refused("allegation_has_victim"):
        Allegation.objects.filter(pk=allegation.pk).update(person=None, victim_description="")


def test_statement_needs_an_issuer():
    statement = factories.statement()
    with refused("statement_has_issuer"):
        Statement.objects.filter(pk=statement.pk).update(issuer_organization=None)


def test_name_variant_is_unique_per_person_and_slugs_are_unique():
    person = factories.person(variants=["Same"])
    with refused("namevariant_unique_per_person"):
        NameVariant.objects.create(person=person, name="Same")
    other = factories.person()
    with refused("slug"):
        Person.objects.filter(pk=other.pk).update(slug=person.slug)
