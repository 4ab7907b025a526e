"""The controlled vocabularies of the case records (occupations, legal stages,
event, release, allegation, statement and source kinds): a stable code and an
English label each, translated where shown in the vocabulary's own context.
Models of the cases app, re-exported by cases.models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from cases.choices import OCCUPATION_CONTEXTS, STATUS_CONTEXTS, VOCABULARY_CONTEXTS


def person_form(
    message: str, gender: str | None, contexts: Mapping[str, str], otherwise: str | None = None
) -> str:
    """`message` as said of one person: translated in the context of their gender
    (`contexts`, by Gender value, "" for the neutral form used when none is recorded
    or it is "other"), else in the context `otherwise`, else as it is. A context
    with no entry for `message` translates it to itself, so the next is tried."""
    for context in (contexts.get(gender or "", contexts.get("")), otherwise):
        if context:
            translated = pgettext(context, message)
            if translated != message:
                return translated
    return message


class Vocabulary(models.Model):
    """A controlled term: a stable code and an English label (translated in the
    interface). Imports and API filters accept either, case-insensitively.

    A label is translated in its vocabulary's context (`translation_context`), so
    that "released" as a legal stage, a case event and a reason for release has a
    translation each; said of one person, in the context of their gender
    (`person_contexts`, cases.choices.STATUS_CONTEXTS). A term a researcher added
    and the catalogs lack shows its English label."""

    translation_context: ClassVar[str] = ""
    person_contexts: ClassVar[Mapping[str, str]] = {}

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
        return self.translate(self.label)

    @classmethod
    def translate(cls, label: str) -> str:
        """`label` (English, as stored) in the active language, in this vocabulary's context."""
        return pgettext(cls.translation_context, label)

    @classmethod
    def translate_of_person(cls, label: str, gender: str | None) -> str:
        """`label` said of one person of `gender` ("convicted": ru "осуждена" of a
        woman, "осуждён(а)" of a person whose gender is not recorded)."""
        return person_form(label, gender, cls.person_contexts, otherwise=cls.translation_context)

    @classmethod
    def lookup(cls, text: str):
        """The term whose code or label is `text`, case-insensitively, or None."""
        text = text.strip()
        return cls.objects.filter(Q(code__iexact=text) | Q(label__iexact=text)).first()


class Occupation(Vocabulary):
    translation_context = VOCABULARY_CONTEXTS["Occupation"]
    person_contexts = OCCUPATION_CONTEXTS

    class Meta(Vocabulary.Meta):
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")


class LegalStage(Vocabulary):
    translation_context = VOCABULARY_CONTEXTS["LegalStage"]
    person_contexts = STATUS_CONTEXTS
    in_detention = models.BooleanField(
        _("deprived of liberty"),
        default=False,
        help_text=_("Whether a person at this stage is held (prison, detention, house arrest)."),
    )

    class Meta(Vocabulary.Meta):
        verbose_name = _("legal stage")
        verbose_name_plural = _("legal stages")


class CaseEventKind(Vocabulary):
    translation_context = VOCABULARY_CONTEXTS["CaseEventKind"]

    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of case event")
        verbose_name_plural = _("kinds of case event")


class ReleaseReason(Vocabulary):
    translation_context = VOCABULARY_CONTEXTS["ReleaseReason"]

    class Meta(Vocabulary.Meta):
        verbose_name = _("reason for release")
        verbose_name_plural = _("reasons for release")


class AllegationKind(Vocabulary):
    translation_context = VOCABULARY_CONTEXTS["AllegationKind"]

    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of allegation")
        verbose_name_plural = _("kinds of allegation")


class AllegationStatus(Vocabulary):
    translation_context = VOCABULARY_CONTEXTS["AllegationStatus"]

    class Meta(Vocabulary.Meta):
        verbose_name = _("allegation status")
        verbose_name_plural = _("allegation statuses")


class StatementKind(Vocabulary):
    translation_context = VOCABULARY_CONTEXTS["StatementKind"]

    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of statement")
        verbose_name_plural = _("kinds of statement")


class SourceKind(Vocabulary):
    translation_context = VOCABULARY_CONTEXTS["SourceKind"]

    class Meta(Vocabulary.Meta):
        verbose_name = _("kind of source")
        verbose_name_plural = _("kinds of source")


class TermLabels(dict):
    """The labels of vocabularies by name and code in the active language: a dict
    of dicts, as the pages, filters and charts read them (`labels["legal_stage"]
    ["convicted"]`). It keeps the English labels too, to say a term of one person
    in the form of their gender (`of_person`)."""

    def __init__(self, vocabularies: Mapping[str, type[Vocabulary]]):
        super().__init__({name: {} for name in vocabularies})
        self.vocabularies = dict(vocabularies)
        self.english: dict[str, dict[str, str]] = {name: {} for name in vocabularies}

    def add(self, vocabulary: str, code: str, label: str) -> None:
        self.english[vocabulary][code] = label
        self[vocabulary][code] = self.vocabularies[vocabulary].translate(label)

    def of_person(self, vocabulary: str, code: str | None, gender: str | None) -> str:
        """The term `code` of `vocabulary` said of one person of `gender` ("" for
        no term; the code itself for one not in the labels)."""
        if not code:
            return ""
        label = self.english[vocabulary].get(code)
        if label is None:
            return code
        return self.vocabularies[vocabulary].translate_of_person(label, gender)
