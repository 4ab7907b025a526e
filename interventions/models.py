"""Interventions: proceedings on behalf of one or more persons before a UN body, a
court or a parliament (a Working Group on Arbitrary Detention petition and its
opinion, a special procedures urgent appeal, an ECtHR application and its
judgment, a treaty body's review, a resolution, a trial observation): what was
sent, to whom, when, what the government answered and what was decided. An
intervention is a fact: cited, and shown to partners or the public only with a
citation they may see (cases.visibility). Submissions in progress are usually
internal."""

from __future__ import annotations

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Organization, Person, Record, not_blank
from cases.partial_dates import PartialDateField, PrecisionField, partial_date_constraints
from interventions.choices import (
    InterventionKind,
    InterventionOutcome,
    InterventionStatus,
    WgadCategory,
)


@pghistory.track()
class Intervention(Record):
    kind = models.CharField(_("kind"), max_length=30, choices=InterventionKind.choices)
    body = models.ForeignKey(
        Organization,
        verbose_name=_("body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
        help_text=_("The body it was brought before: the Working Group, the Court, a parliament."),
    )
    title = models.CharField(_("title"), max_length=300)
    reference = models.CharField(
        _("reference number"),
        max_length=120,
        blank=True,
        help_text=_("The body's number: an application number, AL AZE 1/2024, CAT/C/AZE/CO/4."),
    )
    persons = models.ManyToManyField(
        Person, verbose_name=_("persons"), related_name="interventions", blank=True
    )
    submitted_on = PartialDateField(_("submitted on"))
    submitted_on_precision = PrecisionField()
    communicated_on = PartialDateField(_("communicated to the government on"))
    communicated_on_precision = PrecisionField()
    government_replied_on = PartialDateField(_("government replied on"))
    government_replied_on_precision = PrecisionField()
    decided_on = PartialDateField(_("decided on"))
    decided_on_precision = PrecisionField()
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=InterventionStatus.choices,
        default=InterventionStatus.SUBMITTED,
    )
    outcome = models.CharField(
        _("outcome"), max_length=30, choices=InterventionOutcome.choices, blank=True
    )
    # the Working Group's opinion
    opinion_number = models.CharField(
        _("opinion number"), max_length=40, blank=True, help_text=_("For example 23/2024.")
    )
    wgad_categories = ArrayField(
        models.CharField(max_length=3, choices=WgadCategory.choices),
        verbose_name=_("categories found"),
        default=list,
        blank=True,
        help_text=_("The categories of arbitrary detention the Working Group found (I to V)."),
    )
    # the European Court's judgment
    articles_violated = models.CharField(
        _("articles violated"),
        max_length=200,
        blank=True,
        help_text=_("For the ECtHR: the articles of the Convention, e.g. 5 § 1, 18."),
    )
    just_satisfaction = models.CharField(
        _("just satisfaction"), max_length=200, blank=True, help_text=_("For example EUR 20,000.")
    )
    outcome_summary = models.TextField(_("what was decided"), blank=True)
    released_after = models.BooleanField(
        _("released after"),
        null=True,
        blank=True,
        help_text=_("Whether the person was released after the decision; empty when not known."),
    )
    follow_up = models.TextField(_("follow-up"), blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["-decided_on", "-submitted_on", "id"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        constraints = [
            not_blank("title", "intervention"),
            *partial_date_constraints(
                "intervention",
                "submitted_on",
                "communicated_on",
                "government_replied_on",
                "decided_on",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(wgad_categories__contained_by=[c.value for c in WgadCategory]),
                name="intervention_wgad_categories_known",
                violation_error_message=_("Categories found: each is one of I, II, III, IV, V."),
            ),
        ]

    def __str__(self) -> str:
        return self.title
