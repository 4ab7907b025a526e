"""django-import-export resources: what the admin's persons page exports and imports.

PersonResource exports persons with their own fields, one row per person.

CaseSheetResource is the flat case sheet of DESIGN.md (one row per detention).
Its export fills the columns from the records, in the form the import reads,
so a sheet can be exported, corrected and imported again (importing it
unchanged changes nothing). Its import is not import-export's row-by-row save:
`import_data` hands the whole dataset to cases.case_sheet (the same checks as
the admin preview and the management command, then one set-based write) and
reports the outcome as an import-export Result, one RowResult or InvalidRow per
row of the sheet."""

from __future__ import annotations

from collections.abc import Iterator

import tablib
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.results import Result, RowResult

from cases.case_sheet import (
    COLUMNS,
    SEPARATOR,
    CaseSheetResult,
    RowPlan,
    case_sheet_import,
    case_sheet_preview,
)
from cases.models import Affiliation, Allegation, Charge, Detention, NameVariant, Person
from cases.visibility import Reader, visible
from lists.models import CaseGroupMember
from sources.models import Citation

STAFF = Reader.STAFF  # the exports are the admin's: staff see every level, nothing in the trash

# --- persons, one row each ------------------------------------------------------------


def _joined(values) -> str:
    return f" {SEPARATOR} ".join(values)


class PersonResource(resources.ModelResource):
    """A person's own fields, spellings, occupations and affiliations. The photo is
    a yes or no: its stored name is a random file name of no use outside."""

    name_variants = fields.Field(column_name="name_variants")
    birth_date = fields.Field(column_name="birth_date")
    occupations = fields.Field(column_name="occupations")
    affiliations = fields.Field(column_name="affiliations")
    detentions = fields.Field(column_name="detentions")
    photo = fields.Field(column_name="photo")

    class Meta:
        model = Person
        name = _("Persons (one row per person)")
        fields = (
            "uuid", "slug", "display_name", "name_variants", "gender", "birth_date",
            "citizenship", "occupations", "affiliations", "detentions", "summary", "photo",
            "photo_visibility", "visibility", "internal_notes", "created_at", "updated_at",
        )  # fmt: skip
        export_order = fields
        chunk_size = 2000

    @classmethod
    def get_display_name(cls):
        return cls._meta.name

    def filter_export(self, queryset, **kwargs):
        return _with_person_details(queryset).prefetch_related(
            Prefetch("detentions", queryset=visible(Detention.objects.only("pk", "person"), STAFF))
        )

    def dehydrate_name_variants(self, person):
        return _joined(variant.name for variant in person.name_variants.all())

    def dehydrate_birth_date(self, person):
        partial = person.birth_date_partial
        return partial.isoformat() if partial else ""

    def dehydrate_occupations(self, person):
        return _joined(occupation.code for occupation in person.occupations.all())

    def dehydrate_affiliations(self, person):
        return _joined(_affiliation_names(person))

    def dehydrate_detentions(self, person):
        return len(person.detentions.all())

    def dehydrate_photo(self, person):
        return "yes" if person.photo else "no"


def _with_person_details(persons: QuerySet[Person]) -> QuerySet[Person]:
    """Persons with what both exports read of them, each list in one query and
    as staff see it (nothing from the trash). The admin's own prefetches go:
    the same lookups with other querysets would clash."""
    return persons.prefetch_related(None).prefetch_related(
        Prefetch("name_variants", queryset=visible(NameVariant.objects.order_by("pk"), STAFF)),
        "occupations",
        Prefetch(
            "affiliations",
            queryset=visible(Affiliation.objects.select_related("organization"), STAFF).order_by(
                "pk"
            ),
        ),
    )


def _affiliation_names(person: Person) -> list[str]:
    names = []
    for affiliation in person.affiliations.all():
        if affiliation.organization.name not in names:
            names.append(affiliation.organization.name)
    return names


# --- the case sheet, one row per detention ----------------------------------------------


def _representable(value: str) -> bool:
    """A value of a |-separated cell that reads back as itself."""
    return bool(value.strip()) and SEPARATOR not in value


def _sentence(months: int | None) -> str:
    if months is None:
        return ""
    years, months = divmod(months, 12)
    if years and months:
        return f"{years} years {months} months"
    return f"{years} years" if years else f"{months} months"


def _charge(charge: Charge) -> str | None:
    """`206.3.2 (smuggling)`, as the import reads it; None for a charge the
    sheet cannot hold (parentheses in its article, or in its description)."""
    article, description = charge.article.strip(), " ".join(charge.description.split())
    if not _representable(article) or "(" in article or ")" in article:
        return None
    if ")" in description or SEPARATOR in description:
        return None
    return f"{article} ({description})" if description else article


def case_sheet_rows(persons: QuerySet[Person]) -> Iterator[dict[str, str]]:
    """The case sheet of `persons`: a row per detention (arrest date first), and
    a row of person columns alone for a person without one. Read as staff (nothing
    from the trash) in a fixed number of queries. The person's columns are on
    each row, their internal notes on the first only. Values the sheet cannot
    hold (a spelling, organization or case group name or URL containing |, a
    charge whose article or description has parentheses, a source without a web
    address) are left out; the persons' own export has them."""
    detentions = visible(
        Detention.objects.select_related("legal_stage", "release_reason"), STAFF
    ).order_by(F("arrested_on").asc(nulls_last=True), "arrested_on_precision", "pk")
    detentions = detentions.prefetch_related(
        Prefetch("charges", queryset=visible(Charge.objects.order_by("article", "pk"), STAFF)),
        Prefetch(
            "allegations",
            queryset=visible(Allegation.objects.select_related("kind"), STAFF).order_by("pk"),
        ),
        Prefetch(
            "citations",
            queryset=visible(Citation.objects.select_related("source"), STAFF).order_by("pk"),
        ),
    )
    # the case groups' names in the persons' own query (no query of their own)
    case_groups = (
        visible(CaseGroupMember.objects.filter(person=OuterRef("pk")), STAFF)
        .order_by("group__name")
        .values("group__name")
    )
    persons = (
        _with_person_details(persons)
        .prefetch_related(Prefetch("detentions", queryset=detentions))
        .annotate(case_group_names=ArraySubquery(case_groups))
    )
    for person in persons.iterator(chunk_size=2000):
        birth = person.birth_date_partial
        shared = {
            "person": person.display_name,
            "name_variants": _joined(
                v.name for v in person.name_variants.all()
                if _representable(v.name) and v.name != person.display_name
            ),
            "gender": person.gender,
            "birth_year": str(birth.date.year) if birth else "",
            "occupations": _joined(o.code for o in person.occupations.all()),
            "affiliations": _joined(n for n in _affiliation_names(person) if _representable(n)),
            "case_group": _joined(n for n in person.case_group_names if _representable(n)),
        }  # fmt: skip
        notes = person.internal_notes.strip()
        rows = [_detention_row(person, detention) for detention in person.detentions.all()]
        for number, row in enumerate(rows or [dict.fromkeys(COLUMNS, "")]):
            yield {**row, **shared, "notes": notes if number == 0 else ""}


def _detention_row(person: Person, detention: Detention) -> dict[str, str]:
    arrested, released = detention.arrested_on_partial, detention.released_on_partial
    kinds, urls = [], []
    for allegation in detention.allegations.all():
        if allegation.person_id == person.pk and allegation.kind.code not in kinds:
            kinds.append(allegation.kind.code)
    for citation in detention.citations.all():
        url = citation.source.url.strip()
        if url.lower().startswith(("http://", "https://")) and _representable(url):
            if url not in urls:
                urls.append(url)
    charges = [_charge(charge) for charge in detention.charges.all()]
    return {
        "arrested_on": arrested.isoformat() if arrested else "",
        "arrest_place": detention.arrest_place,
        "charges": _joined(charge for charge in charges if charge),
        "legal_stage": detention.legal_stage.code if detention.legal_stage else "",
        "sentence": _sentence(detention.sentence_months),
        "facility": detention.facility,
        "released_on": released.isoformat() if released else "",
        "release_reason": detention.release_reason.code if detention.release_reason else "",
        "allegations": _joined(kinds),
        "sources": _joined(urls),
        # custody periods are entered in the admin; a sheet's move columns stay blank
        "transferred_to": "",
        "transferred_on": "",
    }


class CaseSheetResource(resources.Resource):
    """The case sheet's columns, in their order; see DESIGN.md "Import and export"."""

    person = fields.Field(column_name="person")
    name_variants = fields.Field(column_name="name_variants")
    gender = fields.Field(column_name="gender")
    birth_year = fields.Field(column_name="birth_year")
    occupations = fields.Field(column_name="occupations")
    affiliations = fields.Field(column_name="affiliations")
    arrested_on = fields.Field(column_name="arrested_on")
    arrest_place = fields.Field(column_name="arrest_place")
    charges = fields.Field(column_name="charges")
    legal_stage = fields.Field(column_name="legal_stage")
    sentence = fields.Field(column_name="sentence")
    facility = fields.Field(column_name="facility")
    released_on = fields.Field(column_name="released_on")
    release_reason = fields.Field(column_name="release_reason")
    allegations = fields.Field(column_name="allegations")
    sources = fields.Field(column_name="sources")
    notes = fields.Field(column_name="notes")
    case_group = fields.Field(column_name="case_group")
    transferred_to = fields.Field(column_name="transferred_to")
    transferred_on = fields.Field(column_name="transferred_on")

    class Meta:
        name = _("Case sheet (one row per detention)")

    @classmethod
    def get_display_name(cls):
        return cls._meta.name

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        """The sheet of the persons in `queryset` (the admin list as filtered),
        in the columns chosen (all by default), in the import's order."""
        if queryset is None:
            queryset = visible(Person.objects.all(), STAFF)
        chosen = set(kwargs.get("export_fields") or COLUMNS)
        columns = [column for column in COLUMNS if column in chosen]
        dataset = tablib.Dataset(headers=columns)
        for row in case_sheet_rows(queryset):
            dataset.append([row[column] for column in columns])
        return dataset

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ) -> Result:
        """Preview (dry_run) or import the dataset, all or nothing: a sheet with any
        invalid row writes nothing, whatever rollback_on_validation_errors says."""
        file_name = kwargs.get("file_name") or ""
        if dry_run:
            sheet = case_sheet_preview(file=dataset, file_name=file_name, row_limit=None)
        else:
            sheet = case_sheet_import(
                file=dataset, user=kwargs.get("user"), file_name=file_name, row_limit=None
            )
        result = case_sheet_result_to_import_export(sheet, dataset)
        if raise_errors and result.has_validation_errors():
            first = result.invalid_rows[0]
            raise ValidationError(f"row {first.number}: {first.error_dict}")
        return result


def case_sheet_result_to_import_export(sheet: CaseSheetResult, dataset=None) -> Result:
    """The outcome of a case sheet as import-export reports one: a RowResult per
    valid row (new, update or skip), an InvalidRow with the column errors per
    invalid row."""
    result = Result()
    result.diff_headers = list(COLUMNS)
    result.total_rows = sheet.rows
    values_by_row = {}
    if dataset is not None:
        headers = [str(header or "").strip().lower() for header in dataset.headers or []]
        for number, cells in enumerate(dataset, start=2):
            values_by_row[number] = dict(zip(headers, cells, strict=False))
    for plan in sheet.row_plans:
        values = values_by_row.get(plan.row, {"person": plan.person})
        if plan.errors:
            messages: dict[str, list[str]] = {}
            for error in plan.errors:
                messages.setdefault(error.column, []).append(error.message)
            result.append_invalid_row(plan.row, values, ValidationError(messages))
            continue
        row_result = RowResult()
        row_result.import_type = _import_type(plan)
        row_result.object_id = plan.matched_person_id
        row_result.object_repr = plan.matched_person or plan.person
        row_result.diff = [values.get(column, "") for column in COLUMNS]
        row_result.row_values = values
        result.append_row_result(row_result)
        result.increment_row_result_total(row_result)
    return result


def _import_type(plan: RowPlan) -> str:
    if plan.person_action == "new" and not plan.same_as_row:
        return RowResult.IMPORT_TYPE_NEW
    if plan.detention_action == "new":
        return RowResult.IMPORT_TYPE_NEW
    if plan.detention_action == "updated" or plan.person_changes:
        return RowResult.IMPORT_TYPE_UPDATE
    return RowResult.IMPORT_TYPE_SKIP
