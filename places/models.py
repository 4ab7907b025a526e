"""Places of detention: facilities (with their names in any script, address and
the rules for writing there), and custody periods (a person held at a facility
during one detention: consecutive periods are transfers). Facilities and
custody periods are facts: cited, and shown to partners or the public only with
a citation they may see (cases.visibility). How to write to a person at a
facility (the recipient line) has its own level, `letter_visibility`, as a
person's photo has: researchers keep it internal when it would endanger the
person or the family asks."""

from __future__ import annotations

import pghistory
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.choices import Visibility
from cases.models import Detention, Organization, Record, _with_name_key, free_slug, not_blank
from cases.partial_dates import (
    PartialDateField,
    PrecisionField,
    partial_date_constraints,
    period_ends_before,
    period_not_before,
)
from cases.search import name_key
from cases.vocabularies import Vocabulary
from places.choices import FACILITY_KIND_CONTEXT


class FacilityKind(Vocabulary):
    """Police station or temporary detention isolator, pre-trial detention
    centre, prison, correctional colony by regime, psychiatric institution..."""

    translation_context = FACILITY_KIND_CONTEXT

    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of facility")
        verbose_name_plural = _("kinds of facility")


@pghistory.track()
class Facility(Record):
    """A place where persons are held: "Prison No. 13", "Baku Pre-trial Detention
    Centre No. 1". Found by any spelling of its name or of its other names
    (`FacilityName`), by the same name keys as persons."""

    name = models.CharField(pgettext_lazy("a facility's name", "name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name_key = models.CharField(max_length=400, editable=False, db_index=True)
    kind = models.ForeignKey(
        FacilityKind,
        verbose_name=_("kind"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
    )
    operator = models.ForeignKey(
        Organization,
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
        help_text=_("The organization that runs it, e.g. the Penitentiary Service."),
    )
    country = models.CharField(_("country"), max_length=100, blank=True)
    region = models.CharField(
        _("region"), max_length=120, blank=True, help_text=_("Baku, Absheron, Ganja...")
    )
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    postal_address = models.TextField(
        _("postal address"), blank=True, help_text=_("As letters to this facility are addressed.")
    )
    address_confirmed_on = PartialDateField(_("address last confirmed"))
    address_confirmed_on_precision = PrecisionField()
    letter_language = models.CharField(
        _("language of letters"),
        max_length=120,
        blank=True,
        help_text=_("The language letters must be written in, e.g. Azerbaijani or Russian."),
    )
    letter_rules = models.TextField(
        _("rules for letters"), blank=True, help_text=_("What is refused; how letters are read.")
    )
    parcel_rules = models.TextField(_("rules for parcels"), blank=True)
    rules_confirmed_on = PartialDateField(_("rules last confirmed"))
    rules_confirmed_on_precision = PrecisionField()
    description = models.TextField(_("public description"), blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            not_blank("name", "facility"),
            *partial_date_constraints("facility", "address_confirmed_on", "rules_confirmed_on"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="facility_coordinates_whole_and_on_earth",
                violation_error_message=_(
                    "Coordinates: give both latitude (-90 to 90) and longitude (-180 to 180), "
                    "or neither."
                ),
            ),
        ]
        indexes = [
            GinIndex(
                name="facility_name_key_trgm", fields=["name_key"], opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Coordinates: give both latitude and longitude, or neither."))

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        if not self.slug:
            self.slug = facility_slug(self.name)
        kwargs["update_fields"] = _with_name_key(kwargs.get("update_fields"), "name")
        super().save(*args, **kwargs)


def facility_slug(name: str) -> str:
    """A slug no facility has yet, from `name` (cases.models.free_slug)."""
    return free_slug(Facility, name, "facility")


@pghistory.track()
class FacilityName(Record):
    """Another name of a facility, in any script: "Тюрьма № 13", "13 saylı
    cəzaçəkmə müəssisəsi", a former or colloquial name."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="names"
    )
    name = models.CharField(pgettext_lazy("a facility's name", "name"), max_length=200)
    language = models.CharField(
        _("language or script"),
        max_length=20,
        blank=True,
        help_text=_("A language code such as az, ru or en, or a script such as az-Cyrl."),
    )
    name_key = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        ordering = ["facility", "language", "name"]
        verbose_name = _("other name of a facility")
        verbose_name_plural = _("other names of facilities")
        constraints = [
            not_blank("name", "facilityname"),
            models.UniqueConstraint(fields=["facility", "name"], name="facilityname_once"),
        ]
        indexes = [
            GinIndex(
                name="facilityname_name_key_trgm", fields=["name_key"], opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        kwargs["update_fields"] = _with_name_key(kwargs.get("update_fields"), "name")
        super().save(*args, **kwargs)


@pghistory.track()
class CustodyPeriod(Record):
    """A person held at a facility during one detention, from a date to a date
    (open while held). Consecutive periods of a detention are transfers. The
    person's current place is their open period with the newest source
    (places.reads)."""

    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.CASCADE,
        related_name="custody_periods",
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="custody_periods",
    )
    held_from = PartialDateField(_("held from"))
    held_from_precision = PrecisionField()
    held_until = PartialDateField(
        _("held until"), help_text=_("Empty while the person is held there.")
    )
    held_until_precision = PrecisionField()
    note = models.TextField(_("public note"), blank=True)
    # How to write to the person here: its own level, as a person's photo has.
    recipient_line = models.CharField(
        _("recipient line"),
        max_length=300,
        blank=True,
        help_text=_(
            "The addressee as the prison administration requires it: full name, year of "
            "birth, unit..."
        ),
    )
    letter_note = models.TextField(
        _("how to write: note"),
        blank=True,
        help_text=_("Anything else a letter writer must know for this person."),
    )
    letter_confirmed_on = PartialDateField(_("how to write: last confirmed"))
    letter_confirmed_on_precision = PrecisionField()
    letter_visibility = models.CharField(
        _("how to write: visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
        help_text=_(
            "Who may see how to write to this person. Keep it internal when it would "
            "endanger the person or the family asks."
        ),
    )
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["detention", "held_from", "id"]
        verbose_name = _("custody period")
        verbose_name_plural = _("custody periods")
        constraints = [
            *partial_date_constraints(
                "custodyperiod", "held_from", "held_until", "letter_confirmed_on"
            ),
            models.CheckConstraint(
                condition=period_not_before("held_from", "held_until"),
                name="custodyperiod_ends_after_start",
                violation_error_message=_("Held until: the end cannot be before the start."),
            ),
        ]
        indexes = [
            # a facility's custody periods newest first (its page's "held here before")
            models.Index(name="custody_by_facility_start", fields=["facility", "-held_from"]),
            models.Index(
                name="custody_open_by_facility",
                fields=["facility", "detention"],
                condition=Q(held_until__isnull=True, deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.detention.person} @ {self.facility}"

    def clean(self):
        if period_ends_before(self.held_from_partial, self.held_until_partial):
            raise ValidationError(
                {
                    "held_until": _("The end cannot be before the start (%(start)s).")
                    % {"start": self.held_from_partial}
                }
            )
