"""Officials: persons acting for the state (judges, prosecutors, investigators,
police and security officers, heads of facilities), with their names in any
script (found by the same name keys as persons), their positions over time, and
their involvements: an official in a role in one fact of a case (a detention, a
case event such as a sentencing, an allegation, or a trial). An official, a
position and an involvement are facts: cited, and shown to partners or the
public only with a citation they may see (cases.visibility). An involvement as
alleged perpetrator is public only on sources from two different publishers
(officials.choices.TWO_PUBLISHER_ROLES). New records start internal, as every
record does. A photo of an official is kept only with its provenance: an
official's published photo once proved to be someone else's."""

from __future__ import annotations

import pghistory
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, IntegerField, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.choices import Visibility
from cases.models import (
    Allegation,
    CaseEvent,
    Detention,
    Organization,
    Record,
    _with_name_key,
    free_slug,
    not_blank,
)
from cases.partial_dates import (
    PartialDateField,
    PrecisionField,
    partial_date_constraints,
    period_not_before,
)
from cases.search import name_key
from cases.uploads import person_photo_path
from officials.choices import InvolvementRole
from sources.models import Source

# the facts an involvement may be in: exactly one is set
INVOLVEMENT_TARGETS = ("detention", "case_event", "allegation", "trial")


@pghistory.track()
class Official(Record):
    """A person acting for the state. Identity and identifiers as a sanctions
    submission needs them; each claim is cited (Citation.official, its claim)."""

    name = models.CharField(pgettext_lazy("an official's name", "name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name_key = models.CharField(max_length=400, editable=False, db_index=True)
    birth_date = PartialDateField(_("date of birth"))
    birth_date_precision = PrecisionField()
    nationality = models.CharField(_("nationality"), max_length=100, blank=True)
    identifiers = models.TextField(
        _("identifiers"),
        blank=True,
        help_text=_("Published identifiers only: a service number, a tax number, a rank."),
    )
    description = models.TextField(_("public description"), blank=True)
    photo = models.ImageField(_("photo"), upload_to=person_photo_path, blank=True)
    photo_visibility = models.CharField(
        _("photo visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
    )
    photo_source = models.ForeignKey(
        Source,
        verbose_name=_("photo's source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="official_photos",
        help_text=_("Where the photo was published, naming this official."),
    )
    photo_provenance = models.TextField(
        _("photo's provenance"),
        blank=True,
        help_text=_(
            "Who took or published it, when, and how you checked it shows this official "
            "(and not a namesake)."
        ),
    )
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        constraints = [
            not_blank("name", "official"),
            *partial_date_constraints("official", "birth_date"),
            models.CheckConstraint(
                condition=Q(photo="")
                | (Q(photo_source__isnull=False) & ~Q(photo_provenance__regex=r"^\s*$")),
                name="official_photo_has_provenance",
                violation_error_message=_(
                    "Photo: give the photo's source and its provenance, or no photo."
                ),
            ),
        ]
        indexes = [
            GinIndex(
                name="official_name_key_trgm", fields=["name_key"], opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.photo and (self.photo_source_id is None or not self.photo_provenance.strip()):
            raise ValidationError(
                {"photo_provenance": _("Give the photo's source and its provenance, or no photo.")}
            )

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        if not self.slug:
            self.slug = official_slug(self.name)
        kwargs["update_fields"] = _with_name_key(kwargs.get("update_fields"), "name")
        super().save(*args, **kwargs)


def official_slug(name: str) -> str:
    """A slug no official has yet, from `name` (cases.models.free_slug)."""
    return free_slug(Official, name, "official")


@pghistory.track()
class OfficialName(Record):
    """Another spelling or name of an official, in any script."""

    official = models.ForeignKey(
        Official, verbose_name=_("official"), on_delete=models.CASCADE, related_name="names"
    )
    name = models.CharField(pgettext_lazy("an official's name", "name"), max_length=200)
    language = models.CharField(
        _("language or script"),
        max_length=20,
        blank=True,
        help_text=_("A language code such as az, ru or en, or a script such as az-Cyrl."),
    )
    name_key = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        ordering = ["official", "language", "name"]
        verbose_name = _("other name of an official")
        verbose_name_plural = _("other names of officials")
        constraints = [
            not_blank("name", "officialname"),
            models.UniqueConstraint(fields=["official", "name"], name="officialname_once"),
        ]
        indexes = [
            GinIndex(
                name="officialname_name_key_trgm", fields=["name_key"], opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        kwargs["update_fields"] = _with_name_key(kwargs.get("update_fields"), "name")
        super().save(*args, **kwargs)


@pghistory.track()
class Position(Record):
    """An official's post: a title in an organization, from a partial date to a
    partial date (open while held). A cited fact."""

    official = models.ForeignKey(
        Official, verbose_name=_("official"), on_delete=models.CASCADE, related_name="positions"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    title = models.CharField(
        _("title"), max_length=200, help_text=_("Judge, head of department...")
    )
    started_on = PartialDateField(_("from"))
    started_on_precision = PrecisionField()
    ended_on = PartialDateField(_("until"))
    ended_on_precision = PrecisionField()

    class Meta:
        ordering = ["official", "-started_on", "id"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            not_blank("title", "position"),
            *partial_date_constraints("position", "started_on", "ended_on"),
            models.CheckConstraint(
                condition=period_not_before("started_on", "ended_on"),
                name="position_ends_after_start",
                violation_error_message=_("Until: the end cannot be before the start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.organization}"


@pghistory.track()
class Involvement(Record):
    """An official in a role in one fact of a case: the judge of a trial, the
    investigator of a detention, the alleged perpetrator of an allegation. What
    the official did, as the sources say; the official's reply or denial, where
    one was published (with its source)."""

    official = models.ForeignKey(
        Official, verbose_name=_("official"), on_delete=models.PROTECT, related_name="involvements"
    )
    role = models.CharField(_("role"), max_length=30, choices=InvolvementRole.choices)
    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="involvements",
    )
    case_event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("case event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="involvements",
    )
    allegation = models.ForeignKey(
        Allegation,
        verbose_name=_("allegation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="involvements",
    )
    trial = models.ForeignKey(
        "trials.Trial",
        verbose_name=_("trial"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="involvements",
    )
    description = models.TextField(
        _("what the official did"), blank=True, help_text=_("As the sources say it, no more.")
    )
    reply = models.TextField(
        _("the official's reply or denial"),
        blank=True,
        help_text=_("Where the official or their office answered or denied it."),
    )
    reply_on = PartialDateField(_("replied on"))
    reply_on_precision = PrecisionField()
    reply_source = models.ForeignKey(
        Source,
        verbose_name=_("source of the reply"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="official_replies",
    )
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["official", "id"]
        verbose_name = _("involvement")
        verbose_name_plural = _("involvements")
        constraints = [
            *partial_date_constraints("involvement", "reply_on"),
            models.CheckConstraint(
                condition=Q(
                    models.lookups.Exact(
                        Func(
                            *[F(target) for target in INVOLVEMENT_TARGETS],
                            function="num_nonnulls",
                            output_field=IntegerField(),
                        ),
                        1,
                    )
                ),
                name="involvement_exactly_one_fact",
                violation_error_message=_(
                    "An involvement is in exactly one fact: a detention, a case event, an "
                    "allegation or a trial."
                ),
            ),
            models.CheckConstraint(
                condition=Q(reply_source__isnull=True) | ~Q(reply__regex=r"^\s*$"),
                name="involvement_reply_source_has_a_reply",
                violation_error_message=_("Source of the reply: give the reply too."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.official}: {self.get_role_display()}"

    @property
    def fact(self):
        """The one fact of a case the involvement is in."""
        return next(
            getattr(self, target) for target in INVOLVEMENT_TARGETS if getattr(self, f"{target}_id")
        )
