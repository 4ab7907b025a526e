"""The slug of a person a case sheet creates: worked out when the person is
written (cases.case_sheet.write.PlanWriter.issue_slugs), from the spelling of the
person's first row, after every slug Casebook has issued."""

from __future__ import annotations

import datetime

import pytest

from cases.case_sheet import case_sheet_import
from cases.models import Person
from tests import factories
from tests.test_case_sheet import sheet

pytestmark = pytest.mark.django_db

ROWS = (
    {"person": "Али Гасанов", "name_variants": "Əli Həsənov", "arrested_on": "2023"},
    {"person": "Əli Həsənov", "arrested_on": "2019"},
)


def test_a_new_person_of_two_rows_takes_the_slug_of_its_first_rows_spelling():
    trashed = factories.person("Ali Gasanov")  # its slug stays issued
    Person.objects.filter(pk=trashed.pk).update(deleted_at=datetime.datetime.now(datetime.UTC))

    result = case_sheet_import(file=sheet(*ROWS))

    assert result.written and result.counts["new_persons"] == 1
    person = Person.objects.get(deleted_at__isnull=True)
    assert (person.display_name, person.slug) == ("Али Гасанов", "ali-gasanov-2")
