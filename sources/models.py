"""Sources and citations: every fact shown publicly links to at least one source,
with a locator, an excerpt and how strongly the source supports it. Counts that
organizations publish (ReportedCount) are facts of the same kind: cited, never
mixed with Casebook's own counts."""

from __future__ import annotations

from urllib.parse import urlsplit

import pghistory
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.choices import Confidence, Reliability
from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    Detention,
    Organization,
    Person,
    Record,
    SourceKind,
    Statement,
    not_blank,
)
from cases.partial_dates import (
    PartialDate,
    PartialDateField,
    PrecisionField,
    partial_date_constraints,
)
from cases.web_addresses import WebAddressField, web_address


def source_title(
    title: str, *, publisher: str | None, published_on: PartialDate | None, url: str
) -> str:
    """What names a source wherever it is shown: its title, or for a source
    without one (a post, a court document known only by its link) its
    publisher and date ("Turan, 2024-03-15"), else its web address's host and
    date, else "Untitled source". The caller passes only what its reader may see
    (a publisher hidden from them is None)."""
    if title.strip():
        return title
    who = publisher or _host(url) or gettext("Untitled source")
    return f"{who}, {published_on.isoformat()}" if published_on else who


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


@pghistory.track()
class Source(Record):
    title = models.CharField(
        _("title"),
        max_length=400,
        blank=True,
        help_text=_(
            "As the source gives it. Leave empty when it has none: the source is then "
            "named by its publisher and date, or its web address."
        ),
    )
    publisher = models.ForeignKey(
        Organization,
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_sources",
    )
    author = models.CharField(_("author"), max_length=200, blank=True)
    url = WebAddressField(_("URL"), max_length=1000, blank=True)
    published_on = PartialDateField(_("published on"))
    published_on_precision = PrecisionField()
    accessed_on = models.DateField(_("accessed on"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=20, blank=True)
    kind = models.ForeignKey(
        SourceKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="sources"
    )
    reliability = models.CharField(
        _("reliability"), max_length=10, choices=Reliability.choices, default=Reliability.UNKNOWN
    )
    archive_url = WebAddressField(_("archived copy (URL)"), max_length=1000, blank=True)
    archive_file = models.FileField(_("archived copy (file)"), upload_to="sources/", blank=True)
    archive_text = models.TextField(_("archived copy (text)"), blank=True)
    is_confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "An interview whose speaker must stay unnamed. Shown publicly only as "
            '"confidential source on file"; every other field stays in the admin.'
        ),
    )
    internal_notes = models.TextField(
        _("internal notes (staff only)"),
        blank=True,
        help_text=_("Who the source is, how to reach them, what they asked of us. Never public."),
    )

    class Meta:
        ordering = [models.F("published_on").desc(nulls_last=True), "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            web_address("url", "source"),
            web_address("archive_url", "source"),
            *partial_date_constraints("source", "published_on"),
        ]
        indexes = [models.Index(fields=["url"], name="source_url_idx")]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title, or what stands for it (source_title). Reads the publisher
        only when there is no title."""
        if self.title.strip():
            return self.title
        return source_title(
            self.title,
            publisher=self.publisher.name if self.publisher_id else None,
            published_on=self.published_on_partial,
            url=self.url,
        )


@pghistory.track()
class ReportedCount(Record):
    """A count an organization published: "approximately 254 political prisoners
    and detainees as of December 1, 2023". Shown beside Casebook's own count for
    the same date, never added to it: the publisher counted by its own rules."""

    publisher = models.ForeignKey(
        Organization,
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        related_name="reported_counts",
        help_text=_("The organization that published the number."),
    )
    as_of = PartialDateField(
        _("as of"), null=False, blank=False, help_text=_("The date the number holds for.")
    )
    as_of_precision = PrecisionField()
    # PositiveIntegerField: PostgreSQL refuses a negative number (CHECK "number" >= 0)
    number = models.PositiveIntegerField(_("number"))
    approximate = models.BooleanField(
        _("approximate"),
        default=False,
        help_text=_('The publisher gave the number as an estimate ("approximately", "about").'),
    )
    counted = models.CharField(
        _("what was counted"),
        max_length=300,
        help_text=_("In the publisher's words: political prisoners and detainees in Azerbaijan."),
    )
    notes = models.TextField(
        _("notes (public)"),
        blank=True,
        help_text=_(
            "How the number or its date was established, e.g. a year inferred from the "
            "report's title. Shown with the number."
        ),
    )

    class Meta:
        ordering = [models.F("as_of").desc(), "id"]
        verbose_name = _("reported count")
        verbose_name_plural = _("reported counts")
        constraints = [
            not_blank("counted", "reported_count"),
            *partial_date_constraints("reported_count", "as_of"),
        ]

    def __str__(self) -> str:
        number = (
            _("approximately %(number)s") % {"number": self.number}
            if self.approximate
            else str(self.number)
        )
        return _("%(number)s %(counted)s as of %(as_of)s (%(publisher)s)") % {
            "number": number,
            "counted": self.counted,
            "as_of": self.as_of_partial,
            "publisher": self.publisher,
        }


CITATION_TARGETS = (
    "person", "affiliation", "detention", "case_event", "allegation", "statement",
    "reported_count", "edition", "case_group", "facility", "custody_period",
    "intervention", "official", "position", "involvement", "trial", "hearing",
)  # fmt: skip


@pghistory.track()
class Citation(Record):
    """Links one fact to a source. Exactly one of the target fields is set; a
    citation of a person names the biographical claim it supports."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="citations"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    claim = models.CharField(
        _("claim"),
        max_length=200,
        blank=True,
        help_text=_("For a person: which biographical claim this supports (name, occupation...)."),
    )
    affiliation = models.ForeignKey(
        Affiliation,
        verbose_name=_("affiliation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    case_event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("case event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    allegation = models.ForeignKey(
        Allegation,
        verbose_name=_("allegation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    statement = models.ForeignKey(
        Statement,
        verbose_name=_("statement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    reported_count = models.ForeignKey(
        ReportedCount,
        verbose_name=_("reported count"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    # the lists app's facts, named by label: that app's models import this one
    edition = models.ForeignKey(
        "lists.Edition",
        verbose_name=_("edition of a list"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    case_group = models.ForeignKey(
        "lists.CaseGroup",
        verbose_name=_("case group"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    # the places app's facts, by label as well
    facility = models.ForeignKey(
        "places.Facility",
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    custody_period = models.ForeignKey(
        "places.CustodyPeriod",
        verbose_name=_("custody period"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    # the interventions app's fact, by label as well
    intervention = models.ForeignKey(
        "interventions.Intervention",
        verbose_name=_("intervention"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    # the officials and trials apps' facts, by label as well
    official = models.ForeignKey(
        "officials.Official",
        verbose_name=_("official"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    position = models.ForeignKey(
        "officials.Position",
        verbose_name=_("position"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    involvement = models.ForeignKey(
        "officials.Involvement",
        verbose_name=_("involvement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    trial = models.ForeignKey(
        "trials.Trial",
        verbose_name=_("trial"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    hearing = models.ForeignKey(
        "trials.Hearing",
        verbose_name=_("hearing"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    locator = models.CharField(
        _("locator"), max_length=200, blank=True, help_text=_("Page, paragraph or timestamp.")
    )
    excerpt = models.TextField(_("quoted excerpt"), blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = [
            models.CheckConstraint(
                condition=Exact(
                    models.Func(
                        *[models.F(target) for target in CITATION_TARGETS],
                        function="num_nonnulls",
                        output_field=models.IntegerField(),
                    ),
                    1,
                ),
                name="citation_exactly_one_target",
                violation_error_message=_(
                    "A citation supports exactly one fact: choose one of person, affiliation, "
                    "detention, case event, allegation, statement, reported count, edition of "
                    "a list, case group, facility, custody period, intervention, official, position, "
                    "involvement, trial or hearing."
                ),
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True) | ~Q(claim__regex=r"^\s*$"),
                name="citation_person_claim_named",
                violation_error_message=_("Claim: say which claim about the person this supports."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"

    @property
    def target(self):
        for name in CITATION_TARGETS:
            value = getattr(self, name)
            if value is not None:
                return value
        return None

    def clean(self):
        chosen = [name for name in CITATION_TARGETS if getattr(self, f"{name}_id") is not None]
        if len(chosen) != 1:
            raise ValidationError(
                _(
                    "A citation supports exactly one fact: choose one of person, affiliation, "
                    "detention, case event, allegation, statement, reported count, edition of "
                    "a list, case group, facility, custody period or intervention (chosen: %(n)s)."
                )
                % {"n": len(chosen)}
            )
        if self.person_id and not self.claim.strip():
            raise ValidationError({"claim": _("Say which claim about the person this supports.")})
