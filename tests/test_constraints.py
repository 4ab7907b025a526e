"""Every invariant is refused by PostgreSQL itself, not only by a form: each
test writes around the model's validation (queryset.update or raw SQL)."""

import datetime
from pathlib import Path

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
    PaceAssessment,
    Person,
    Statement,
)
from cases.partial_dates import PartialDate, PartialDateField, Precision
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
    with refused("cases_allegation_count_check"):
        Allegation.objects.filter(pk=allegation.pk).update(count=-1)


def test_negative_sentence_is_refused():
    detention = factories.detention()
    with refused("cases_detention_sentence_months_check"):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_detention SET sentence_months = -3 WHERE id = %s", [detention.pk]
            )
    event = factories.case_event(detention)
    with refused("cases_caseevent_sentence_months_check"):
        CaseEvent.objects.filter(pk=event.pk).update(sentence_months=-1)


@pytest.mark.parametrize(
    "model, field, constraint",
    [
        (Person, "display_name", "person_display_name_not_blank"),
        (Organization, "name", "organization_name_not_blank"),
        (Statement, "title", "statement_title_not_blank"),
        # a source may have no title (sources.models.source_title names it)
    ],
)
@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_names_and_titles_are_refused(model, field, constraint, blank):
    builders = {
        Person: factories.person,
        Organization: factories.organization,
        Statement: factories.statement,
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


def _instance(model):
    builders = {
        Person: factories.person,
        Affiliation: lambda: Affiliation.objects.create(
            person=factories.person(), organization=factories.organization()
        ),
        Detention: factories.detention,
        CaseEvent: lambda: factories.case_event(factories.detention()),
        Allegation: factories.allegation,
        Statement: factories.statement,
        Source: factories.source,
    }
    return builders[model]()


PARTIAL_DATES = [
    (model, field.name)
    for model in (Person, Affiliation, Detention, CaseEvent, Allegation, Statement, Source)
    for field in model._meta.fields
    if isinstance(field, PartialDateField)
]


@pytest.mark.parametrize("model, field", PARTIAL_DATES, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize(
    "date, precision",
    [
        (D(2023, 11, 5), Precision.MONTH),
        (D(2023, 11, 1), Precision.YEAR),
        (D(2023, 11, 1), None),
        (None, Precision.DAY),
    ],
)
def test_precision_inconsistent_with_the_date_is_refused(model, field, date, precision):
    obj = _instance(model)
    with refused(f"{model._meta.model_name}_{field}_precision_consistent"):
        model.objects.filter(pk=obj.pk).update(**{field: date, f"{field}_precision": precision})


def test_charge_article_is_unique_per_detention():
    detention = factories.detention()
    Charge.objects.create(detention=detention, article="206.3.2")
    with refused("charge_unique_article"):
        Charge.objects.create(detention=detention, article="206.3.2")


def test_pace_criterion_is_assessed_once_per_detention_with_a_justification():
    detention = factories.detention()
    PaceAssessment.objects.create(detention=detention, criterion="a", justification="Because.")
    with refused("paceassessment_unique_criterion"):
        PaceAssessment.objects.create(detention=detention, criterion="a", justification="Again.")
    with refused("paceassessment_justification_not_blank"):
        PaceAssessment.objects.create(detention=detention, criterion="b", justification=" ")


def test_a_reported_count_says_what_it_counted_and_when_at_a_consistent_precision():
    from sources.models import ReportedCount

    count = ReportedCount(publisher=factories.organization(), number=254, counted="prisoners")
    count.as_of = PartialDate(D(2023, 12, 1), Precision.DAY)
    count.save()
    with refused("reported_count_counted_not_blank"):
        ReportedCount.objects.filter(pk=count.pk).update(counted="  ")
    for date, precision in ((D(2023, 11, 5), Precision.MONTH), (D(2023, 12, 1), None)):
        with refused("reported_count_as_of_precision_consistent"):
            ReportedCount.objects.filter(pk=count.pk).update(as_of=date, as_of_precision=precision)


def test_a_reported_age_comes_with_its_date_and_stays_within_130_years():
    person = factories.person()
    reported_on = {"reported_age_on": D(2024, 3, 1), "reported_age_on_precision": Precision.MONTH}
    with refused("person_reported_age_with_its_date"):
        Person.objects.filter(pk=person.pk).update(reported_age=34)
    with refused("person_reported_age_with_its_date"):
        Person.objects.filter(pk=person.pk).update(**reported_on)
    with refused("person_reported_age_plausible"):
        Person.objects.filter(pk=person.pk).update(reported_age=131, **reported_on)
    with refused("cases_person_reported_age_check"):
        Person.objects.filter(pk=person.pk).update(reported_age=-1, **reported_on)
    Person.objects.filter(pk=person.pk).update(reported_age=130, **reported_on)
    person.refresh_from_db()
    assert (person.reported_age, str(person.reported_age_on_partial)) == (130, "March 2024")


def test_every_database_constraint_has_a_test_here():
    """A new constraint must come with a test in this file that proves the
    database refuses what it forbids."""
    from django.apps import apps

    here = Path(__file__).read_text()
    covered_by_parametrize = {
        f"{model._meta.model_name}_{field}_precision_consistent" for model, field in PARTIAL_DATES
    }
    for app_label in ("cases", "sources"):
        for model in apps.get_app_config(app_label).get_models():
            for constraint in model._meta.constraints:
                assert constraint.name in here or constraint.name in covered_by_parametrize, (
                    f"constraint {constraint.name} has no test in {Path(__file__).name}"
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


def test_vocabulary_migration_loaded_every_starting_term():
    from django.apps import apps

    from cases.choices import VOCABULARIES

    for model_name, terms in VOCABULARIES.items():
        model = apps.get_model("cases", model_name)
        stored = dict(model.objects.values_list("code", "label"))
        assert stored == {**stored, **dict(terms)}, model_name


def test_web_addresses_are_http_or_https_only():
    """A `javascript:` link would run in a reader's browser (tests/test_web_addresses.py
    covers every path that writes one)."""
    source = factories.source()
    organization = factories.organization()
    statement = factories.statement(issuer=organization)
    for name, model, pk, field in (
        ("source_url_web_address", Source, source.pk, "url"),
        ("source_archive_url_web_address", Source, source.pk, "archive_url"),
        ("organization_url_web_address", Organization, organization.pk, "url"),
        ("statement_url_web_address", Statement, statement.pk, "url"),
    ):
        with refused(name):
            model.objects.filter(pk=pk).update(**{field: "javascript:alert(1)"})
