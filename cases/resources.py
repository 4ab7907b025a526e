"""django-import-export resources.

CaseSheetResource is the flat case sheet of DESIGN.md (one row per detention).
Its import is not import-export's row-by-row save: `import_data` hands the whole
dataset to cases.case_sheet (the same checks as the admin preview and the
management command, then one set-based write) and reports the outcome as an
import-export Result, one RowResult or InvalidRow per row of the sheet."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.results import Result, RowResult

from cases.case_sheet import (
    COLUMNS,
    CaseSheetResult,
    RowPlan,
    case_sheet_import,
    case_sheet_preview,
)


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

    class Meta:
        name = _("Case sheet (one row per detention)")

    @classmethod
    def get_display_name(cls):
        return cls._meta.name

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
