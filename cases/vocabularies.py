"""The controlled vocabularies of the case records (occupations, legal stages,
event, release, allegation, statement and source kinds): a stable code and an
English label each. Models of the cases app, re-exported by cases.models."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Vocabulary(models.Model):
    """A controlled term: a stable code and an English label (translated in the
    interface). Imports and API filters accept either, case-insensitively."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("label (English)"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "label"]

    def __str__(self) -> str:
        return gettext(self.label)

    @classmethod
    def lookup(cls, text: str):
        """The term whose code or label is `text`, case-insensitively, or None."""
        text = text.strip()
        return cls.objects.filter(Q(code__iexact=text) | Q(label__iexact=text)).first()


class Occupation(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")


class LegalStage(Vocabulary):
    in_detention = models.BooleanField(
        _("deprived of liberty"),
        default=False,
        help_text=_("Whether a person at this stage is held (prison, detention, house arrest)."),
    )

    class Meta(Vocabulary.Meta):
        verbose_name = _("legal stage")
        verbose_name_plural = _("legal stages")


class CaseEventKind(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of case event")
        verbose_name_plural = _("kinds of case event")


class ReleaseReason(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("reason for release")
        verbose_name_plural = _("reasons for release")


class AllegationKind(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of allegation")
        verbose_name_plural = _("kinds of allegation")


class AllegationStatus(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("allegation status")
        verbose_name_plural = _("allegation statuses")


class StatementKind(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of statement")
        verbose_name_plural = _("kinds of statement")


class SourceKind(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of source")
        verbose_name_plural = _("kinds of source")
