"""The month names Django's `E` date format reads (context "alt. month"), kept in
our catalogs. Django's own Azerbaijani catalog capitalises them ("14 Fevral
2024"); Azerbaijani writes a month in lower case inside a date, so locale/az
translates them again, and our catalogs take precedence over Django's. Marking
them here keeps `make messages` from dropping those entries; Russian gives
Django's genitive ("14 февраля"), English the names as they are."""

from django.utils.translation import pgettext_lazy

MONTHS_IN_A_DATE = (
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)
