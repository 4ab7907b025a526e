"""Trials: a court case (its number, the court, the defendants and the charges
each faces) and its hearings (a partial date and a time, the court room, what
happened). The judges and prosecutors are officials' involvements in the trial
(officials.models.Involvement). A trial and a hearing are facts: cited, and
shown to partners or the public only with a citation they may see
(cases.visibility). The next hearing of a trial is its first hearing still to
come (trials.reads), so a researcher records it once, as a scheduled hearing."""

from __future__ import annotations

from zoneinfo import available_timezones

import pghistory
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Detention, Organization, Person, Record, free_slug, not_blank
from cases.partial_dates import (
    PartialDateField,
    Precision,
    PrecisionField,
    partial_date_constraints,
)
from trials.choices import HearingStatus, TrialInstance

DEFAULT_TIME_ZONE = "Asia/Baku"


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("Time zone: “%(value)s” is not a time zone name such as Asia/Baku."),
            params={"value": value},
        )


@pghistory.track()
class Trial(Record):
    """A court case: "The Abzas Media case, Baku Grave Crimes Court"."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    number = models.CharField(
        _("case number"),
        max_length=120,
        blank=True,
        help_text=_("The court's number, e.g. 1(101)-123/2024."),
    )
    court = models.ForeignKey(
        Organization,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trials",
    )
    instance = models.CharField(
        _("instance"), max_length=20, choices=TrialInstance.choices, default=TrialInstance.FIRST
    )
    opened_on = PartialDateField(_("opened on"))
    opened_on_precision = PrecisionField()
    closed_on = PartialDateField(_("verdict or closing on"))
    closed_on_precision = PrecisionField()
    time_zone = models.CharField(
        _("time zone of the court"),
        max_length=60,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("Hearing times are the court's local time (the calendar feed says which)."),
    )
    summary = models.TextField(_("public summary"), blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["-opened_on", "title", "id"]
        verbose_name = _("trial")
        verbose_name_plural = _("trials")
        constraints = [
            not_blank("title", "trial"),
            *partial_date_constraints("trial", "opened_on", "closed_on"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = trial_slug(self.title)
        super().save(*args, **kwargs)


def trial_slug(title: str) -> str:
    """A slug no trial has yet, from `title` (cases.models.free_slug)."""
    return free_slug(Trial, title, "trial")


@pghistory.track()
class TrialDefendant(Record):
    """A person tried in a trial, the detention the trial belongs to, and the
    charges as the court case lists them. Co-defendants are the other persons of
    the same trial (the persons filter `trial`)."""

    trial = models.ForeignKey(
        Trial, verbose_name=_("trial"), on_delete=models.CASCADE, related_name="defendants"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="trials_as_defendant",
    )
    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trial_defendants",
    )
    charges = models.CharField(
        _("charges"),
        max_length=500,
        blank=True,
        help_text=_("The articles as the court case lists them, e.g. 206.3.2, 193-1.3.1."),
    )

    class Meta:
        ordering = ["trial", "id"]
        verbose_name = _("defendant")
        verbose_name_plural = _("defendants")
        constraints = [
            models.UniqueConstraint(fields=["trial", "person"], name="trialdefendant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.trial})"


@pghistory.track()
class Hearing(Record):
    """One hearing of a trial: when (a partial date, and a time when known, in
    the court's time zone), where, what happened."""

    trial = models.ForeignKey(
        Trial, verbose_name=_("trial"), on_delete=models.CASCADE, related_name="hearings"
    )
    held_on = PartialDateField(_("date"), null=False, blank=False)
    held_on_precision = PrecisionField()
    starts_at = models.TimeField(_("time"), null=True, blank=True)
    court_room = models.CharField(_("court room"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=HearingStatus.choices, default=HearingStatus.SCHEDULED
    )
    what_happened = models.TextField(_("what happened"), blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["trial", "held_on", "starts_at", "id"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        constraints = [
            *partial_date_constraints("hearing", "held_on"),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(held_on_precision=Precision.DAY),
                name="hearing_time_needs_a_day",
                violation_error_message=_("Time: give the day of the hearing before its time."),
            ),
        ]
        indexes = [models.Index(fields=["held_on"], name="hearing_held_on_idx")]

    def __str__(self) -> str:
        return f"{self.trial}: {self.held_on}"
