"""The case data: persons and their names, organizations, detentions with their
charges and events, allegations and statements. Invariants are database
constraints, so no code path (admin, import, raw SQL) can break them."""

from __future__ import annotations

import re
import uuid

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.choices import (
    Gender,
    NameVariantKind,
    OrganizationKind,
    PaceCriterion,
    Visibility,
)
from cases.partial_dates import (
    PartialDateField,
    PrecisionField,
    birth_year_range,
    partial_date_constraints,
    period_ends_before,
    period_not_before,
)
from cases.search import name_key, readable_ascii
from cases.uploads import person_photo_path
from cases.vocabularies import (  # noqa: F401 (every model of the app is named here)
    AllegationKind,
    AllegationStatus,
    CaseEventKind,
    LegalStage,
    Occupation,
    ReleaseReason,
    SourceKind,
    StatementKind,
    Vocabulary,
)
from cases.web_addresses import WebAddressField, web_address

# the oldest age a source can plausibly report (person_reported_age_plausible)
MAX_REPORTED_AGE = 130


def not_blank(field: str, model: str) -> models.CheckConstraint:
    """The text is not empty and not only white space."""
    return models.CheckConstraint(
        condition=~Q(**{f"{field}__regex": r"^\s*$"}),
        name=f"{model}_{field}_not_blank",
        violation_error_message=_("%(field)s may not be blank.")
        % {"field": field.replace("_", " ")},
    )


class Record(models.Model):
    """What every table has: a public identifier, timestamps and a visibility level."""

    uuid = models.UUIDField(_("public identifier"), default=uuid.uuid4, unique=True, editable=False)
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
        db_index=True,
        help_text=_(
            "Who may see this record. New records stay internal until an editor publishes them."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    # The admin never deletes: a deleted record moves to the trash, hidden from
    # every reader (cases.visibility) until an editor restores it.
    deleted_at = models.DateTimeField(
        _("moved to the trash at"), null=True, blank=True, editable=False, db_index=True
    )

    class Meta:
        abstract = True


# --- Organizations and persons ---------------------------------------------


@pghistory.track()
class Organization(Record):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=40, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.OTHER
    )
    country = models.CharField(_("country"), max_length=100, blank=True)
    url = WebAddressField(_("website"), blank=True)
    description = models.TextField(_("public description"), blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [not_blank("name", "organization"), web_address("url", "organization")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(readable_ascii(self.name))[:120] or "organization"
        super().save(*args, **kwargs)


# The name a numbered slug was issued under ("ali-gasanov" of "ali-gasanov-3"; NULL
# for a slug without a number). Indexed (IssuedSlug.Meta), so that the slugs issued
# under a name are found in the index rather than by matching every slug ever issued
# (0.4 s a new person at 100,000 persons); queries must use this very expression.
NUMBERED_SLUG_BASE = models.Func(
    models.F("slug"), models.Value(r"^(.*)-[0-9]{1,9}$"), function="substring",
    output_field=models.CharField(),
)  # fmt: skip


class IssuedSlug(models.Model):
    """Every person slug ever issued, so that a slug is never given to anyone else,
    even after the person it named is merged or deleted."""

    slug = models.SlugField(max_length=120, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("slug issued")
        verbose_name_plural = _("slugs issued")
        indexes = [models.Index(NUMBERED_SLUG_BASE, name="issuedslug_numbered_base")]

    def __str__(self) -> str:
        return self.slug


class SeedRecord(models.Model):
    """Every record the seed loader ever created, so that one an editor deleted
    is not brought back by the next `load_seed`."""

    uuid = models.UUIDField(unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seed record")
        verbose_name_plural = _("seed records")

    def __str__(self) -> str:
        return str(self.uuid)


@pghistory.track()
class Person(Record):
    display_name = models.CharField(
        _("display name"), max_length=200, help_text=_("The name as usually written in English.")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        editable=False,
        help_text=_("Stable public identifier used in page URLs and the API; never reused."),
    )
    name_key = models.CharField(max_length=400, editable=False, db_index=True)
    is_unnamed = models.BooleanField(
        _("unnamed in the sources"),
        default=False,
        help_text=_(
            "The sources do not name this person. The display name describes them "
            "(for example: Unnamed Radio Free Europe journalist); it is never a name to "
            "search for, so the person has no name key and no spellings."
        ),
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = PartialDateField(_("birth date"))
    birth_date_precision = PrecisionField()
    # An age is what many sources give instead of a birth date ("Ilgar, 34, ...").
    # It is kept as reported, with its date, and never turned into a birth date:
    # it only bounds the birth year (birth_year_range).
    reported_age = models.PositiveSmallIntegerField(
        _("age as reported"),
        null=True,
        blank=True,
        help_text=_(
            "The age a source gave, e.g. 34; with the date it was reported, below. "
            "Never used to invent a birth date."
        ),
    )
    reported_age_on = PartialDateField(_("age reported on"))
    reported_age_on_precision = PrecisionField()
    citizenship = models.CharField(_("citizenship"), max_length=100, blank=True)
    occupations = models.ManyToManyField(
        Occupation, verbose_name=_("occupations"), blank=True, related_name="persons"
    )
    summary = models.TextField(_("public summary"), blank=True)
    internal_notes = models.TextField(
        _("internal notes (staff only)"),
        blank=True,
        help_text=_("Never shown outside the admin: contacts, sensitive context, open questions."),
    )
    # stored under a random name (cases.uploads); the admin checks size and content
    photo = models.ImageField(_("photo"), upload_to=person_photo_path, blank=True)
    photo_visibility = models.CharField(
        _("photo visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
        help_text=_("Show the photo only where the person or family agreed."),
    )

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        permissions = [
            ("publish", _("Can publish records (set who may see them)")),
            ("restore", _("Can restore records from the trash and from their history")),
            ("merge_persons", _("Can merge duplicate persons and undo merges")),
        ]
        constraints = [
            not_blank("display_name", "person"),
            *partial_date_constraints("person", "birth_date", "reported_age_on"),
            models.CheckConstraint(
                condition=Q(reported_age__isnull=True, reported_age_on__isnull=True)
                | Q(reported_age__isnull=False, reported_age_on__isnull=False),
                name="person_reported_age_with_its_date",
                violation_error_message=_(
                    "Age as reported: give the age and the date it was reported together."
                ),
            ),
            models.CheckConstraint(
                condition=Q(reported_age__lte=MAX_REPORTED_AGE),
                name="person_reported_age_plausible",
                violation_error_message=_("Age as reported: at most 130 years."),
            ),
        ]
        indexes = [
            GinIndex(name="person_name_key_trgm", fields=["name_key"], opclasses=["gin_trgm_ops"]),
            # the public case list's default order: a page is read from the index
            models.Index(fields=["display_name", "id"], name="person_name_order_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def birth_year_range(self) -> tuple[int, int] | None:
        """The years the reported age allows the person to have been born in, or None."""
        if self.reported_age is None or self.reported_age_on_partial is None:
            return None
        return birth_year_range(self.reported_age, self.reported_age_on_partial)

    def clean(self):
        if (self.reported_age is None) != (self.reported_age_on is None):
            missing = "reported_age" if self.reported_age is None else "reported_age_on"
            raise ValidationError(
                {missing: _("Give the age and the date it was reported together.")}
            )

    def save(self, *args, **kwargs):
        # a description ("Unnamed ... journalist") is not a name: nothing to find it by
        self.name_key = "" if self.is_unnamed else name_key(self.display_name)
        kwargs["update_fields"] = _with_name_key(
            kwargs.get("update_fields"), "display_name", "is_unnamed"
        )
        with transaction.atomic():
            if not self.slug:
                self.slug = issue_person_slug(self.display_name)
            super().save(*args, **kwargs)


def _with_name_key(update_fields, *name_fields: str):
    """save(update_fields=[name]) must write the recomputed key too. (Bulk writes,
    queryset.update and raw SQL bypass save(): recompute keys after them.)"""
    if update_fields is None or not set(name_fields) & set(update_fields):
        return update_fields
    return {*update_fields, "name_key"}


def free_slug(model: type[models.Model], text: str, fallback: str) -> str:
    """A slug no record of `model` has yet (in the trash too), from `text`:
    "prison-no-13", then "prison-no-13-2"...; `fallback` when `text` has no
    letter or digit to keep. For records whose slugs may be reused once deleted
    (facilities, trials, officials); a person's is issued once (IssuedSlug)."""
    base = slugify(readable_ascii(text))[:110] or fallback
    taken = set(
        model.objects.filter(slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$").values_list(
            "slug", flat=True
        )
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def issue_person_slug(display_name: str) -> str:
    """A slug no person has ever had: the name, then -2, -3... Recorded at once."""
    return issue_person_slugs([display_name])[0]


def issue_person_slugs(display_names: list[str]) -> list[str]:
    """issue_person_slug for many names at once (bulk imports): one query for the
    slugs already issued under these names, one insert for the new ones. Names that
    give the same slug get -2, -3... in the order given."""
    bases = [(slugify(readable_ascii(name)) or "person")[:110] for name in display_names]
    unique = sorted(set(bases))
    taken = set(
        IssuedSlug.objects.annotate(base=NUMBERED_SLUG_BASE)
        .filter(models.Q(slug__in=unique) | models.Q(base__in=unique))
        .values_list("slug", flat=True)
    )
    slugs = []
    for base in bases:
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base}-{number}"
        taken.add(candidate)
        slugs.append(candidate)
    IssuedSlug.objects.bulk_create([IssuedSlug(slug=slug) for slug in slugs])
    return slugs


@pghistory.track()
class NameVariant(Record):
    """Another spelling of a person's name: native script, transliteration, alias."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="name_variants"
    )
    # a person's name: not the word for an organization's name ("название")
    name = models.CharField(pgettext_lazy("a person's name", "name"), max_length=200)
    language = models.CharField(
        _("language or script"),
        max_length=20,
        blank=True,
        help_text=_("A language code such as az, ru or en, or a script such as az-Cyrl."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=NameVariantKind.choices,
        default=NameVariantKind.TRANSLITERATION,
    )
    name_key = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        ordering = ["person", "language", "name"]
        verbose_name = _("name spelling")
        verbose_name_plural = _("name spellings")
        constraints = [
            not_blank("name", "namevariant"),
            models.UniqueConstraint(
                fields=["person", "name"], name="namevariant_unique_per_person"
            ),
        ]
        indexes = [
            GinIndex(
                name="namevariant_name_key_trgm", fields=["name_key"], opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        kwargs["update_fields"] = _with_name_key(kwargs.get("update_fields"), "name")
        super().save(*args, **kwargs)


@pghistory.track()
class Affiliation(Record):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="affiliations"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="affiliations",
    )
    role = models.CharField(_("role"), max_length=200, blank=True)
    started_on = PartialDateField(_("started on"))
    started_on_precision = PrecisionField()
    ended_on = PartialDateField(_("ended on"))
    ended_on_precision = PrecisionField()

    class Meta:
        ordering = ["person", "started_on"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            *partial_date_constraints("affiliation", "started_on", "ended_on"),
            models.CheckConstraint(
                condition=period_not_before("started_on", "ended_on"),
                name="affiliation_ends_after_start",
                violation_error_message=_(
                    "Ended on: the affiliation cannot end before it started."
                ),
            ),
        ]

    def __str__(self) -> str:
        role = f", {self.role}" if self.role else ""
        return f"{self.person} at {self.organization}{role}"

    def clean(self):
        if period_ends_before(self.started_on_partial, self.ended_on_partial):
            raise ValidationError({"ended_on": _("The affiliation cannot end before it started.")})


# --- Detentions -------------------------------------------------------------


@pghistory.track()
class Detention(Record):
    """One episode of deprivation of liberty of one person."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="detentions"
    )
    arrested_on = PartialDateField(_("arrested on"))
    arrested_on_precision = PrecisionField()
    arrest_place = models.CharField(_("place of arrest"), max_length=200, blank=True)
    arresting_authority = models.ForeignKey(
        Organization,
        verbose_name=_("arresting authority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="arrests",
    )
    legal_stage = models.ForeignKey(
        LegalStage,
        verbose_name=_("current legal stage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detentions",
    )
    facility = models.CharField(_("facility"), max_length=200, blank=True)
    sentence_months = models.PositiveIntegerField(
        _("sentence (months)"),
        null=True,
        blank=True,
        help_text=_("The sentence in months: 7 years 6 months is 90."),
    )
    released_on = PartialDateField(_("released on"))
    released_on_precision = PrecisionField()
    release_reason = models.ForeignKey(
        ReleaseReason,
        verbose_name=_("release reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detentions",
    )
    summary = models.TextField(_("public summary"), blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["person", "arrested_on"]
        verbose_name = _("detention")
        verbose_name_plural = _("detentions")
        constraints = [
            *partial_date_constraints("detention", "arrested_on", "released_on"),
            models.CheckConstraint(
                condition=period_not_before("arrested_on", "released_on"),
                name="detention_released_after_arrest",
                violation_error_message=_("Released on: the release cannot be before the arrest."),
            ),
        ]

    def __str__(self) -> str:
        when = self.arrested_on_partial
        if when:
            return _("%(person)s, arrested %(date)s") % {"person": self.person, "date": when}
        return _("%(person)s, detention") % {"person": self.person}

    def clean(self):
        if period_ends_before(self.arrested_on_partial, self.released_on_partial):
            raise ValidationError(
                {
                    "released_on": _("The release cannot be before the arrest (%(arrest)s).")
                    % {"arrest": self.arrested_on_partial}
                }
            )


@pghistory.track()
class Charge(Record):
    """A criminal-code article a person is charged under in one detention."""

    detention = models.ForeignKey(
        Detention, verbose_name=_("detention"), on_delete=models.CASCADE, related_name="charges"
    )
    article = models.CharField(_("article"), max_length=40, help_text=_("For example 206.3.2"))
    description = models.CharField(
        _("description"), max_length=300, blank=True, help_text=_("For example smuggling")
    )

    class Meta:
        ordering = ["detention", "article"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        constraints = [
            not_blank("article", "charge"),
            models.UniqueConstraint(fields=["detention", "article"], name="charge_unique_article"),
        ]
        indexes = [models.Index(fields=["article"], name="charge_article_idx")]

    def __str__(self) -> str:
        return f"{self.article} ({self.description})" if self.description else self.article


@pghistory.track()
class CaseEvent(Record):
    """A dated event of a detention: ordered, extended, sentenced, released..."""

    detention = models.ForeignKey(
        Detention, verbose_name=_("detention"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.ForeignKey(
        CaseEventKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="events"
    )
    occurred_on = PartialDateField(_("date"))
    occurred_on_precision = PrecisionField()
    sentence_months = models.PositiveIntegerField(
        _("length ordered (months)"),
        null=True,
        blank=True,
        help_text=_(
            "The term the decision ordered, in months: four months of pre-trial detention "
            "is 4; a sentence of 7 years 6 months is 90."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("decided by (court or body)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        help_text=_("The court or other body that took the decision: Baku Court of Grave Crimes."),
    )

    class Meta:
        ordering = ["detention", models.F("occurred_on").asc(nulls_last=True), "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        constraints = [
            *partial_date_constraints("caseevent", "occurred_on"),
        ]

    def __str__(self) -> str:
        when = self.occurred_on_partial
        return f"{self.kind} ({when})" if when else str(self.kind)


@pghistory.track()
class PaceAssessment(Record):
    """A criterion of PACE Resolution 1900 (2012) that a detention meets, and why."""

    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.CASCADE,
        related_name="pace_assessments",
    )
    criterion = models.CharField(_("criterion"), max_length=1, choices=PaceCriterion.choices)
    justification = models.TextField(_("justification"))

    class Meta:
        ordering = ["detention", "criterion"]
        verbose_name = _("PACE criterion")
        verbose_name_plural = _("PACE criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["detention", "criterion"], name="paceassessment_unique_criterion"
            ),
            not_blank("justification", "paceassessment"),
        ]

    def __str__(self) -> str:
        return self.get_criterion_display()


# --- Allegations and statements ---------------------------------------------


@pghistory.track()
class Allegation(Record):
    """Something done to a person (or to unnamed detainees a person reported)."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("person it was done to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="allegations",
    )
    victim_description = models.CharField(
        _("victims, when not one recorded person"),
        max_length=300,
        blank=True,
        help_text=_("For example: fellow detainees at the facility (unnamed)."),
    )
    reported_by = models.ForeignKey(
        Person,
        verbose_name=_("reported by (person)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_allegations",
    )
    reported_by_description = models.CharField(
        _("reported by, when not a recorded person"),
        max_length=300,
        blank=True,
        help_text=_("Who reported it, as the source says: for example her lawyer."),
    )
    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allegations",
    )
    kind = models.ForeignKey(
        AllegationKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="allegations"
    )
    # where it happened, when the source says (the places app's model, by label)
    facility = models.ForeignKey(
        "places.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations",
        help_text=_("The place of detention where it is reported to have happened."),
    )
    started_on = PartialDateField(_("started on"))
    started_on_precision = PrecisionField()
    ended_on = PartialDateField(_("ended on"))
    ended_on_precision = PrecisionField()
    # PositiveIntegerField: PostgreSQL refuses a negative count (CHECK "count" >= 0)
    count = models.PositiveIntegerField(
        _("count"), null=True, blank=True, help_text=_("Where the source gives one: 58 instances.")
    )
    perpetrator = models.CharField(_("alleged perpetrator"), max_length=300, blank=True)
    perpetrator_organization = models.ForeignKey(
        Organization,
        verbose_name=_("alleged perpetrator (organization)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alleged_acts",
    )
    description = models.TextField(_("description"), blank=True)
    status = models.ForeignKey(
        AllegationStatus,
        verbose_name=_("status"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations",
    )
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = [models.F("started_on").asc(nulls_last=True), "id"]
        verbose_name = _("allegation")
        verbose_name_plural = _("allegations")
        constraints = [
            *partial_date_constraints("allegation", "started_on", "ended_on"),
            models.CheckConstraint(
                condition=period_not_before("started_on", "ended_on"),
                name="allegation_ends_after_start",
                violation_error_message=_("Ended on: the allegation cannot end before it started."),
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(victim_description__regex=r"^\s*$"),
                name="allegation_has_victim",
                violation_error_message=_(
                    "Person: name the person it was done to, or describe the victims."
                ),
            ),
        ]

    def __str__(self) -> str:
        who = self.person or self.victim_description
        return f"{self.kind}: {who}"

    def clean(self):
        errors = {}
        if period_ends_before(self.started_on_partial, self.ended_on_partial):
            errors["ended_on"] = _("The allegation cannot end before it started.")
        if self.person_id is None and not self.victim_description.strip():
            errors["person"] = _("Name the person it was done to, or describe the victims.")
        if errors:
            raise ValidationError(errors)


@pghistory.track()
class Statement(Record):
    """A dated public statement, report, resolution, court decision, award or reply."""

    issued_on = PartialDateField(_("issued on"))
    issued_on_precision = PrecisionField()
    kind = models.ForeignKey(
        StatementKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="statements"
    )
    title = models.CharField(_("title"), max_length=300)
    issuer_organization = models.ForeignKey(
        Organization,
        verbose_name=_("issuer (organization)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
    )
    issuer_person = models.ForeignKey(
        Person,
        verbose_name=_("issuer (person)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_statements",
    )
    speaker = models.CharField(
        _("speaker"),
        max_length=200,
        blank=True,
        help_text=_(
            "Who spoke for the issuer, e.g. Secretary of State Antony Blinken. When the "
            "source names no issuer, who spoke as the source describes them, e.g. "
            "participants in a government meeting (unnamed)."
        ),
    )
    quote = models.TextField(_("quote"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    url = WebAddressField(_("link"), blank=True, max_length=500)
    persons = models.ManyToManyField(
        Person, verbose_name=_("persons concerned"), blank=True, related_name="statements"
    )

    class Meta:
        ordering = [models.F("issued_on").desc(nulls_last=True), "title"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            not_blank("title", "statement"),
            web_address("url", "statement"),
            *partial_date_constraints("statement", "issued_on"),
            models.CheckConstraint(
                condition=Q(issuer_organization__isnull=False)
                | Q(issuer_person__isnull=False)
                | ~Q(speaker__regex=r"^\s*$"),
                name="statement_has_issuer",
                violation_error_message=_(
                    "Issuer: a statement needs an issuing organization or person, or, when "
                    "the source names neither, a description of who spoke."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Withdrawal(models.Model):
    """A record deleted, or moved to a more restricted visibility: what a
    partner's copy must drop on its next incremental sync. Written by database
    triggers (migration 0004), so deletes and updates from any path count."""

    kind = models.CharField(max_length=40)
    uuid = models.UUIDField()
    previous_visibility = models.CharField(max_length=10, choices=Visibility.choices)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, null=True, help_text=_("Empty: deleted.")
    )
    withdrawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["withdrawn_at", "id"]
        verbose_name = _("withdrawal (for partners' sync)")
        verbose_name_plural = _("withdrawals (for partners' sync)")
        indexes = [models.Index(fields=["withdrawn_at", "id"], name="withdrawal_sync_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid} withdrawn {self.withdrawn_at:%Y-%m-%d %H:%M}"


class Merge(models.Model):
    """Two records of one person made one: what moved from `merged` to `kept`
    (ids by table), so that the merge can be undone."""

    kept = models.ForeignKey(
        Person, verbose_name=_("kept"), on_delete=models.PROTECT, related_name="merges_kept"
    )
    merged = models.ForeignKey(
        Person, verbose_name=_("merged away"), on_delete=models.PROTECT, related_name="merges_away"
    )
    moved = models.JSONField(_("what moved"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("undone by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged} → {self.kept}"


# Changes to the many-to-many links are history too (who added which occupation,
# which person a statement concerns).
pghistory.track(
    pghistory.InsertEvent(), pghistory.DeleteEvent(), model_name="PersonOccupationsEvent"
)(Person.occupations.through)
pghistory.track(
    pghistory.InsertEvent(), pghistory.DeleteEvent(), model_name="StatementPersonsEvent"
)(Statement.persons.through)
