import datetime

import pytest
from django.utils import translation

from cases.models import Detention
from cases.partial_dates import PartialDate, PartialDateError, PartialDateFormField, Precision
from tests import factories

D = datetime.date


@pytest.mark.parametrize(
    "text, date, precision",
    [
        ("2023", D(2023, 1, 1), Precision.YEAR),
        ("2023-11", D(2023, 11, 1), Precision.MONTH),
        ("2023-11-21", D(2023, 11, 21), Precision.DAY),
        ("21.11.2023", D(2023, 11, 21), Precision.DAY),
        ("1.2.2024", D(2024, 2, 1), Precision.DAY),
        ("November 2023", D(2023, 11, 1), Precision.MONTH),
        ("november 2023", D(2023, 11, 1), Precision.MONTH),
        ("Nov 2023", D(2023, 11, 1), Precision.MONTH),
        ("Nov. 2023", D(2023, 11, 1), Precision.MONTH),
        ("Sept 2023", D(2023, 9, 1), Precision.MONTH),
        ("11.2023", D(2023, 11, 1), Precision.MONTH),
        ("9 December 2015", D(2015, 12, 9), Precision.DAY),
        ("December 9, 2015", D(2015, 12, 9), Precision.DAY),
        ("noyabr 2023", D(2023, 11, 1), Precision.MONTH),
        ("ноябрь 2023", D(2023, 11, 1), Precision.MONTH),
        ("21 ноября 2023", D(2023, 11, 21), Precision.DAY),
        ("  2023-11  ", D(2023, 11, 1), Precision.MONTH),
    ],
)
def test_parse_reads_every_format_of_the_design(text, date, precision):
    value = PartialDate.parse(text)
    assert value.date == date
    assert value.precision == precision


@pytest.mark.parametrize(
    "text, message",
    [
        ("31.02.2024", "February 2024 has 29 days"),
        ("2023-02-30", "February 2023 has 28 days"),
        ("2023-13", "there is no month 13"),
        ("Novembre 2023", "'Novembre' is not a month name"),
        ("yesterday", "is not a date"),
        ("", "The date is empty"),
        ("11/21/2023", "is not a date"),
        ("0999", "before 1800"),
    ],
)
def test_parse_refuses_impossible_dates_saying_what_was_expected(text, message):
    with pytest.raises(PartialDateError) as error:
        PartialDate.parse(text)
    assert message in str(error.value)


def test_display_is_at_the_precision_never_a_full_date():
    assert str(PartialDate.parse("2015")) == "2015"
    assert str(PartialDate.parse("2023-11")) == "November 2023"
    assert str(PartialDate.parse("2015-12-09")) == "9 December 2015"
    assert "2023-11-01" not in str(PartialDate.parse("2023-11"))


def test_display_follows_the_interface_language():
    with translation.override("ru"):
        assert "2023" in str(PartialDate.parse("2023-11"))
        assert "ноя" in str(PartialDate.parse("2023-11")).lower()


def test_a_date_written_again_in_another_language_is_written_in_that_one():
    """Dates are remembered per language (cases.partial_dates._date_text): the
    same date in English, Azerbaijani, Russian and English again."""
    day = PartialDate.parse("2024-06-03")
    written = {}
    for language in ("en", "az", "ru", "en", "az"):
        with translation.override(language):
            written.setdefault(language, set()).add(str(day))
    assert written == {"en": {"3 June 2024"}, "az": {"3 iyun 2024"}, "ru": {"3 июня 2024 г."}}


def test_isoformat_round_trips_at_each_precision():
    for text in ("2023", "2023-11", "2023-11-21"):
        assert PartialDate.parse(text).isoformat() == text
        assert PartialDate.parse(PartialDate.parse(text).isoformat()) == PartialDate.parse(text)


def test_start_and_end_span_the_period():
    assert PartialDate.parse("2024-02").end == D(2024, 2, 29)
    assert PartialDate.parse("2023").end == D(2023, 12, 31)
    assert PartialDate.parse("2023-05-04").end == D(2023, 5, 4)
    assert PartialDate.parse("2023-05").start == D(2023, 5, 1)


def test_ordering_puts_earlier_periods_first_and_coarser_first_on_ties():
    values = [PartialDate.parse(t) for t in ("2023-11-21", "2023", "2023-11", "2022-12-31")]
    assert [v.isoformat() for v in sorted(values)] == [
        "2022-12-31",
        "2023",
        "2023-11",
        "2023-11-21",
    ]


def test_value_type_refuses_a_date_inconsistent_with_its_precision():
    with pytest.raises(PartialDateError):
        PartialDate(D(2023, 11, 5), Precision.MONTH)
    with pytest.raises(PartialDateError):
        PartialDate(D(2023, 3, 1), Precision.YEAR)


@pytest.mark.django_db
def test_assigning_a_partial_date_sets_date_and_precision_together():
    detention = factories.detention(arrested="November 2023")
    detention.refresh_from_db()
    assert detention.arrested_on == D(2023, 11, 1)
    assert detention.arrested_on_precision == Precision.MONTH
    assert detention.arrested_on_partial == PartialDate.parse("2023-11")
    assert str(detention.arrested_on_partial) == "November 2023"


@pytest.mark.django_db
def test_partial_dates_sort_and_filter_in_sql():
    person = factories.person("Sort Test")
    for text in ("2023-11-21", "2015", "2023-11", "2019-06-01"):
        factories.detention(person, arrested=text)
    ordered = Detention.objects.filter(person=person).order_by(
        "arrested_on", "arrested_on_precision"
    )
    assert [d.arrested_on_partial.isoformat() for d in ordered] == [
        "2015",
        "2019-06-01",
        "2023-11",
        "2023-11-21",
    ]
    in_2023 = Detention.objects.filter(person=person, arrested_on__year=2023)
    assert in_2023.count() == 2


def test_form_field_parses_and_reports_errors():
    field = PartialDateFormField(required=False)
    assert field.clean("Nov 2023") == PartialDate.parse("2023-11")
    assert field.clean("") is None
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        field.clean("31.02.2024")
    assert "February 2024 has 29 days" in str(error.value)
