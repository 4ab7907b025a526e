"""Dates known only to a year, a month or a day ("2015", "November 2023",
"9 December 2015"): one value type, its model field, its form field and the
database constraints that keep the stored date consistent with its precision.

A partial date is stored as two columns: the first day of its period (so SQL
can filter and sort) and its precision.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from dataclasses import dataclass
from functools import total_ordering

from django import forms
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import TruncMonth, TruncYear
from django.dispatch import receiver
from django.utils import dateformat, formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class Precision(models.IntegerChoices):
    YEAR = 1, _("year")
    MONTH = 2, _("month")
    DAY = 3, _("day")


class PartialDateError(ValueError):
    """A text that is not a partial date; the message says what was expected, in
    the active language (the admin's, a page's; the API's is English)."""


# The format of each precision (casebook/formats/<language>/formats.py; YEAR_FORMAT
# is ours, not one of Django's).
_FORMAT_NAMES = {
    Precision.YEAR: "YEAR_FORMAT",
    Precision.MONTH: "YEAR_MONTH_FORMAT",
    Precision.DAY: "DATE_FORMAT",
}
# Languages that write a month in lower case in running text ("fevral 2024",
# "ноябрь 2023 г."), where Django's month names (`F`) are capitalised.
_MONTHS_IN_LOWER_CASE = frozenset({"az", "ru"})


@receiver(setting_changed)
def _formats_changed(**_kwargs) -> None:
    """A test's changed settings (formats, languages) write dates anew."""
    _date_text_in.cache_clear()


def _date_text(day: datetime.date, format_name: str) -> str:
    """`day` in the active language's format `format_name`, its month in lower
    case where the language writes it so: the one place a date is lower-cased.
    Remembered per language (a facility's page writes 338 dates, most of them
    the same few sources' dates: Django's formatting was a tenth of its time)."""
    return _date_text_in(day, format_name, translation.get_language() or "")


@functools.lru_cache(maxsize=8192)
def _date_text_in(day: datetime.date, format_name: str, _language: str) -> str:
    format_string = formats.get_format(format_name)
    if format_string == format_name:  # a language with no YEAR_FORMAT of ours
        format_string = "Y"
    text = dateformat.format(day, format_string)
    language = (translation.get_language() or "").split("-")[0]
    if language not in _MONTHS_IN_LOWER_CASE:
        return text
    if language == "az":  # dotted and dotless i: "İyun" is "iyun", not "i̇yun"
        text = text.replace("İ", "i").replace("I", "ı")
    return text.lower()


# Month names as researchers write them in English, Azerbaijani and Russian
# (nominative and genitive), each with its usual abbreviations.
_MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan yanvar yan январь января янв",
        "february feb fevral fev февраль февраля фев",
        "march mar mart март марта мар",
        "april apr aprel апрель апреля апр",
        "may may may май мая",
        "june jun iyun июнь июня июн",
        "july jul iyul июль июля июл",
        "august aug avqust avq август августа авг",
        "september sep sept sentyabr sen сентябрь сентября сен сент",
        "october oct oktyabr okt октябрь октября окт",
        "november nov noyabr noy ноябрь ноября ноя",
        "december dec dekabr dek декабрь декабря дек",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTH_NAMES[_name] = _number

FORMATS_HELP = _(
    "A year, a month or a day: 2023, 2023-11, 2023-11-21, 21.11.2023, November 2023, "
    "Nov 2023 or 21 November 2023."
)


def _with_formats_help(problem: str) -> PartialDateError:
    """An error saying what is wrong, then which formats are read."""
    return PartialDateError(f"{problem} {FORMATS_HELP}")


_YEAR = r"(?P<year>\d{4})"
_PATTERNS = [
    (re.compile(rf"^{_YEAR}$"), Precision.YEAR),
    (re.compile(rf"^{_YEAR}-(?P<month>\d{{1,2}})$"), Precision.MONTH),
    (re.compile(rf"^{_YEAR}-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}})$"), Precision.DAY),
    (re.compile(rf"^(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})\.{_YEAR}$"), Precision.DAY),
    (re.compile(rf"^(?P<month>\d{{1,2}})\.{_YEAR}$"), Precision.MONTH),
    (re.compile(rf"^(?P<monthname>[^\W\d_]+)\.?,?\s+{_YEAR}$"), Precision.MONTH),
    (
        re.compile(rf"^(?P<day>\d{{1,2}})\s+(?P<monthname>[^\W\d_]+)\.?,?\s+{_YEAR}$"),
        Precision.DAY,
    ),
    (
        re.compile(rf"^(?P<monthname>[^\W\d_]+)\.?\s+(?P<day>\d{{1,2}}),?\s+{_YEAR}$"),
        Precision.DAY,
    ),
]


@total_ordering
@dataclass(frozen=True)
class PartialDate:
    """A date known to a precision. `date` is the first day of the period."""

    date: datetime.date
    precision: Precision

    def __post_init__(self) -> None:
        object.__setattr__(self, "precision", Precision(self.precision))
        if self.precision <= Precision.MONTH and self.date.day != 1:
            raise PartialDateError(f"{self.date} is not the first day of its month")
        if self.precision == Precision.YEAR and self.date.month != 1:
            raise PartialDateError(f"{self.date} is not the first day of its year")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read any format of the design; raise PartialDateError saying what was expected."""
        cleaned = " ".join(str(text).strip().split())
        if not cleaned:
            raise _with_formats_help(gettext("The date is empty."))
        for pattern, precision in _PATTERNS:
            match = pattern.match(cleaned)
            if not match:
                continue
            parts = match.groupdict()
            year = int(parts["year"])
            if "monthname" in parts:
                # "İyun".lower() is "i̇yun" (a combining dot): fold the dotted capital first
                month = _MONTH_NAMES.get(parts["monthname"].replace("İ", "i").lower())
                if month is None:
                    raise _with_formats_help(
                        gettext("%(text)s: %(word)s is not a month name.")
                        % {"text": repr(cleaned), "word": repr(parts["monthname"])}
                    )
            else:
                month = int(parts["month"]) if parts.get("month") else 1
            day = int(parts["day"]) if parts.get("day") else 1
            return cls._checked(cleaned, year, month, day, precision)
        raise _with_formats_help(gettext("%(text)s is not a date.") % {"text": repr(cleaned)})

    @classmethod
    def _checked(cls, text: str, year: int, month: int, day: int, precision) -> PartialDate:
        if not 1 <= month <= 12:
            raise PartialDateError(
                gettext("%(text)s: there is no month %(month)s; months go from 1 to 12.")
                % {"text": repr(text), "month": month}
            )
        last_day = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last_day:
            raise PartialDateError(
                ngettext(
                    "%(text)s is not a real date: %(month)s has %(days)s day.",
                    "%(text)s is not a real date: %(month)s has %(days)s days.",
                    last_day,
                )
                % {
                    "text": repr(text),
                    "month": _date_text(datetime.date(year, month, 1), "YEAR_MONTH_FORMAT"),
                    "days": last_day,
                }
            )
        if year < 1800:
            raise PartialDateError(
                gettext("%(text)s: the year %(year)s is before 1800; check the year.")
                % {"text": repr(text), "year": year}
            )
        return cls(datetime.date(year, month, day), Precision(precision))

    @property
    def start(self) -> datetime.date:
        return self.date

    @property
    def end(self) -> datetime.date:
        """The last day of the period."""
        if self.precision == Precision.DAY:
            return self.date
        if self.precision == Precision.MONTH:
            last = calendar.monthrange(self.date.year, self.date.month)[1]
            return self.date.replace(day=last)
        return self.date.replace(month=12, day=31)

    def isoformat(self) -> str:
        """The ISO 8601 form at its precision: 2023, 2023-11 or 2023-11-21."""
        if self.precision == Precision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision == Precision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()

    def __str__(self) -> str:
        """The date at its precision in the active language, as running text writes
        it: "2023", "November 2023", "21 November 2023"; "2023", "noyabr 2023",
        "21 noyabr 2023"; "2023 г.", "ноябрь 2023 г.", "21 ноября 2023 г."."""
        return _date_text(self.date, _FORMAT_NAMES[self.precision])

    def __lt__(self, other: PartialDate) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return (self.date, self.precision) < (other.date, other.precision)


def from_columns(date, precision) -> PartialDate | None:
    """The value of a partial date's two columns as a row read them (None when no
    date): the pages show it at its precision, the API writes its ISO form."""
    return PartialDate(date, precision) if date else None


def precision_field_name(date_field_name: str) -> str:
    return f"{date_field_name}_precision"


class PrecisionField(models.PositiveSmallIntegerField):
    """The precision column beside a PartialDateField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", Precision.choices)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


class PartialDateDescriptor(models.query_utils.DeferredAttribute):
    """Reading gives the stored date (what the ORM needs); assigning a
    PartialDate sets the date and its precision column together."""

    def __set__(self, instance, value):
        precision_attname = precision_field_name(self.field.attname)
        if isinstance(value, PartialDate):
            instance.__dict__[self.field.attname] = value.date
            instance.__dict__[precision_attname] = int(value.precision)
        else:
            instance.__dict__[self.field.attname] = value
            if value is None and precision_attname in instance.__dict__:
                instance.__dict__[precision_attname] = None


class PartialDateField(models.DateField):
    """The date column of a partial date. Declare its precision beside it:

        arrested_on = PartialDateField(_("arrested on"))
        arrested_on_precision = PrecisionField()

    and read `obj.arrested_on_partial` for the PartialDate (or None).
    """

    descriptor_class = PartialDateDescriptor

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("help_text", FORMATS_HELP)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # __init__ makes a date optional by default, so a required one must say
        # null=False in its migration, or the migration would make it nullable
        name, path, args, kwargs = super().deconstruct()
        for flag in ("null", "blank"):
            if not getattr(self, flag):
                kwargs[flag] = False
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract:
            setattr(cls, f"{name}_partial", property(lambda obj: self.value_from_object(obj)))

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        companion = precision_field_name(self.name)
        try:
            field = self.model._meta.get_field(companion)
        except FieldDoesNotExist:
            field = None
        if not isinstance(field, PrecisionField):
            errors.append(
                checks.Error(
                    f"{self.model.__name__}.{self.name} needs a PrecisionField named {companion}.",
                    obj=self,
                    id="casebook.E001",
                )
            )
        return errors

    def value_from_object(self, obj) -> PartialDate | None:
        value = getattr(obj, self.attname)
        if value is None:
            return None
        precision = getattr(obj, precision_field_name(self.attname)) or Precision.DAY
        return PartialDate(value, precision)

    def value_to_string(self, obj) -> str:
        # the full date: dumpdata/loaddata carry the precision in its own column
        value = getattr(obj, self.attname)
        return value.isoformat() if value else ""

    def formfield(self, **kwargs):
        return PartialDateFormField(
            required=not self.blank, label=capfirst(self.verbose_name), help_text=self.help_text
        )


class PartialDateWidget(forms.TextInput):
    def format_value(self, value):
        if isinstance(value, PartialDate):
            return value.isoformat()
        return super().format_value(value)


class PartialDateFormField(forms.Field):
    """One text box: the researcher types the date as the source gives it."""

    widget = PartialDateWidget

    def to_python(self, value) -> PartialDate | None:
        if isinstance(value, PartialDate):
            return value
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime.date):
            return PartialDate(value, Precision.DAY)
        try:
            return PartialDate.parse(value)
        except PartialDateError as error:
            raise ValidationError(str(error), code="invalid_partial_date") from error


def partial_date_constraints(model_name: str, *field_names: str) -> list[models.CheckConstraint]:
    """One constraint per partial date: the date and its precision are both set
    or both empty, and a month or year is stored as the first day of its period."""
    constraints = []
    for name in field_names:
        precision = precision_field_name(name)
        # every branch is non-NULL, so a NULL precision beside a date cannot slip
        # through (a CHECK passes when its condition is NULL)
        condition = Q(**{f"{name}__isnull": True, f"{precision}__isnull": True}) | (
            Q(**{f"{name}__isnull": False, f"{precision}__isnull": False})
            & (
                Q(**{precision: Precision.DAY})
                | Q(**{precision: Precision.MONTH, f"{name}__day": 1})
                | Q(**{precision: Precision.YEAR, f"{name}__day": 1, f"{name}__month": 1})
            )
        )
        constraints.append(
            models.CheckConstraint(
                condition=condition,
                name=f"{model_name}_{name}_precision_consistent",
                violation_error_message=_(
                    "%(field)s: the date and its precision disagree (a month or a year must be "
                    "stored as the first day of its period)."
                )
                % {"field": name},
            )
        )
    return constraints


def period_not_before(start: str, end: str):
    """A Q true when the period of partial date `end` does not end before the
    period of `start` begins (either may be unknown). "Released in November 2023"
    is consistent with "arrested on 20 November 2023"."""
    end_precision = precision_field_name(end)
    start_at_end_precision = Case(
        When(**{end_precision: Precision.YEAR}, then=TruncYear(start)),
        When(**{end_precision: Precision.MONTH}, then=TruncMonth(start)),
        default=F(start),
        output_field=models.DateField(),
    )
    return (
        Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True})
        | Q(**{f"{end}__gte": start_at_end_precision})
    )


def period_ends_before(start: PartialDate | None, end: PartialDate | None) -> bool:
    """Python twin of period_not_before, for form messages before the database is asked."""
    if start is None or end is None:
        return False
    return end.end < start.start


def _years_earlier(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birth_year_range(age: int, reported_on: PartialDate) -> tuple[int, int]:
    """The first and last year a person of `age` on some day of `reported_on`
    can have been born in: someone 34 in March 2024 was born from 2 March 1989
    to 31 March 1990, so in 1989 or 1990. Two years whatever the precision,
    except a report on 31 December (born that very year)."""
    earliest = _years_earlier(reported_on.start, age + 1) + datetime.timedelta(days=1)
    latest = _years_earlier(reported_on.end, age)
    return earliest.year, latest.year
