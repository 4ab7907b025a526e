"""The periodic political-prisoner lists that human rights groups publish, their
editions and the persons each edition names, and case groups (persons prosecuted
together or for one cause). Editions and case groups are facts: cited, and
shown to partners or the public only with a citation they may see
(cases.visibility)."""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cases.models import Organization, Person, Record, not_blank
from cases.partial_dates import PartialDateField, PrecisionField, partial_date_constraints
from cases.search import readable_ascii


@pghistory.track()
class PrisonerList(Record):
    """A list an organization publishes in editions: "List of political prisoners
    in Azerbaijan" by the Union "For Freedom of Political Prisoners"."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    publisher = models.ForeignKey(
        Organization,
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prisoner_lists",
    )
    criteria = models.CharField(
        _("criteria"),
        max_length=300,
        blank=True,
        help_text=_("The definition the list applies, e.g. PACE Resolution 1900 (2012)."),
    )
    description = models.TextField(_("public description"), blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("political-prisoner list")
        verbose_name_plural = _("political-prisoner lists")
        constraints = [not_blank("title", "prisonerlist")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(readable_ascii(self.title))[:120] or "list"
        super().save(*args, **kwargs)


@pghistory.track()
class Edition(Record):
    """One publication of a list, on a date; cited to where it was published."""

    prisoner_list = models.ForeignKey(
        PrisonerList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="editions"
    )
    published_on = PartialDateField(_("published on"), null=False, blank=False)
    published_on_precision = PrecisionField()
    title = models.CharField(_("title"), max_length=300, blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["prisoner_list", "published_on", "id"]
        verbose_name = _("edition of a list")
        verbose_name_plural = _("editions of lists")
        constraints = [
            *partial_date_constraints("edition", "published_on"),
            models.UniqueConstraint(
                fields=["prisoner_list", "published_on"], name="edition_one_per_list_and_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prisoner_list}, {self.published_on_partial}"


@pghistory.track()
class ListEntry(Record):
    """A person named in an edition, in a group of the list, as the list spells
    the name."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="entries"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="list_entries"
    )
    listed_name = models.CharField(
        _("name as listed"), max_length=200, blank=True, help_text=_("As the edition spells it.")
    )
    group = models.CharField(
        _("group"), max_length=200, blank=True, help_text=_("Journalists; Abzas Media case...")
    )
    status = models.CharField(
        _("status in the list"), max_length=120, blank=True, help_text=_("under monitoring...")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["edition", "group", "person__display_name", "id"]
        verbose_name = _("entry of an edition")
        verbose_name_plural = _("entries of editions")
        constraints = [
            models.UniqueConstraint(fields=["edition", "person"], name="entry_once_per_edition")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.edition})"


@pghistory.track()
class CaseGroup(Record):
    """Persons prosecuted together or for one cause: "Abzas Media case"."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("public description"), blank=True)
    internal_notes = models.TextField(_("internal notes (staff only)"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("case group")
        verbose_name_plural = _("case groups")
        constraints = [not_blank("name", "casegroup")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(readable_ascii(self.name))[:120] or "group"
        super().save(*args, **kwargs)


@pghistory.track()
class CaseGroupMember(Record):
    group = models.ForeignKey(
        CaseGroup, verbose_name=_("case group"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="case_groups"
    )
    role = models.CharField(_("role"), max_length=200, blank=True)

    class Meta:
        ordering = ["group", "person__display_name", "id"]
        verbose_name = _("member of a case group")
        verbose_name_plural = _("members of case groups")
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="casegroupmember_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.group})"
