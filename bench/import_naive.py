"""The baseline of the import benchmark: the case sheet through django-import-export's
default row-by-row import, as one would first write it. A ModelResource for
Detention; widgets parse dates, terms and sentences; each row's person is found or
created by display name, and its variants, occupations, charges, allegations and
sources are found or created with the ORM after the detention is saved. Every row
is its own queries, inside import-export's transaction. Defined here only: it is
the yardstick, not part of the app."""

from __future__ import annotations

from import_export import fields, resources, widgets

from cases.case_sheet.cells import parse_sentence
from cases.models import (
    AllegationKind,
    Charge,
    Detention,
    LegalStage,
    NameVariant,
    Occupation,
    Organization,
    Person,
    ReleaseReason,
    SourceKind,
)
from cases.partial_dates import PartialDate
from sources.models import Citation, Source


def _parts(value) -> list[str]:
    return [part.strip() for part in str(value or "").split("|") if part.strip()]


class PartialDateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return PartialDate.parse(str(value)) if value not in (None, "") else None


class TermWidget(widgets.Widget):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        term = self.model.lookup(str(value))
        if term is None:
            raise ValueError(f"unknown {self.model.__name__} {value!r}")
        return term


class SentenceWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_sentence(str(value)) if value not in (None, "") else None


class PersonWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        person = Person.objects.filter(display_name=value).first()
        if person is None:
            person = Person.objects.create(display_name=value)
        return person


class NaiveCaseSheetResource(resources.ModelResource):
    person = fields.Field(attribute="person", column_name="person", widget=PersonWidget())
    arrested_on = fields.Field(
        attribute="arrested_on", column_name="arrested_on", widget=PartialDateWidget()
    )
    released_on = fields.Field(
        attribute="released_on", column_name="released_on", widget=PartialDateWidget()
    )
    legal_stage = fields.Field(
        attribute="legal_stage", column_name="legal_stage", widget=TermWidget(LegalStage)
    )
    release_reason = fields.Field(
        attribute="release_reason", column_name="release_reason", widget=TermWidget(ReleaseReason)
    )
    sentence = fields.Field(
        attribute="sentence_months", column_name="sentence", widget=SentenceWidget()
    )

    class Meta:
        model = Detention
        fields = ("person", "arrested_on", "arrest_place", "legal_stage", "sentence", "facility",
                  "released_on", "release_reason")  # fmt: skip
        import_id_fields = ("person", "arrested_on")
        skip_unchanged = True

    def get_instance(self, instance_loader, row):
        person = self.fields["person"].clean(row)
        arrested = self.fields["arrested_on"].clean(row)
        return Detention.objects.filter(
            person=person,
            arrested_on=arrested.date if arrested else None,
            arrested_on_precision=arrested.precision if arrested else None,
        ).first()

    def after_save_instance(self, instance, row, **kwargs):
        person = instance.person
        for name in _parts(row.get("name_variants")):
            NameVariant.objects.get_or_create(person=person, name=name)
        for text in _parts(row.get("occupations")):
            person.occupations.add(Occupation.lookup(text))
        for name in _parts(row.get("affiliations")):
            organization = Organization.objects.filter(name__iexact=name).first()
            if organization is None:
                organization = Organization.objects.create(name=name)
            person.affiliations.get_or_create(organization=organization)
        for text in _parts(row.get("charges")):
            article, _, description = text.partition("(")
            Charge.objects.get_or_create(
                detention=instance,
                article=article.strip(),
                defaults={"description": description.rstrip(")").strip()},
            )
        for text in _parts(row.get("allegations")):
            instance.allegations.get_or_create(person=person, kind=AllegationKind.lookup(text))
        for url in _parts(row.get("sources")):
            source = Source.objects.filter(url=url).first()
            if source is None:
                source = Source.objects.create(
                    title=url, url=url, kind=SourceKind.objects.get(code="other")
                )
            Citation.objects.get_or_create(source=source, detention=instance)
