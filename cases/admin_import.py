"""The case-sheet import in the admin: upload a CSV or XLSX sheet on the persons'
page, read the preview row by row, confirm. Built on django-import-export's
ImportMixin (its URLs, forms, permission hook and upload storage); the preview
and the write are cases.case_sheet's, streamed from the stored upload.

Wired into the persons' admin (cases/admin.py) with:

    from cases.admin_import import CaseSheetImportMixin

    class PersonAdmin(CaseSheetImportMixin, RecordAdmin): ...
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.signals import post_import
from import_export.tmp_storages import MediaStorage

from cases.case_sheet import (
    COLUMN_HELP,
    COLUMNS,
    COUNT_LABELS,
    CaseSheetFormatError,
    case_sheet_import,
    case_sheet_preview,
    case_sheet_upload_check,
)
from cases.resources import CaseSheetResource

SAMPLE_SHEET = Path(__file__).resolve().parent.parent / "fixtures" / "case_sheet_sample.csv"
UPLOAD_FOLDER = "case-sheets"
UPLOAD_LIFETIME = datetime.timedelta(days=1)
PREVIEW_ROWS = 1000  # rows shown in the preview; the counts and errors cover the whole file
_UPLOAD_NAME = re.compile(r"[0-9a-f]{32}")
_FORMATS = {"csv": CSV, "xlsx": XLSX}
# what the file picker offers; the content is checked all the same (case_sheet_upload_check)
SHEET_ACCEPT = (
    ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)


class CaseSheetUploadStorage(MediaStorage):
    """Where an upload waits between the preview and the confirmation: the
    "import_export" storage of settings.STORAGES (a folder of the media volume
    that is never served), so the confirmation may reach another app server or
    come after a restart. Never a temporary folder. Uploads are streamed in and
    out, and removed once imported, refused, or a day old."""

    def __init__(self, **kwargs):
        kwargs.setdefault("MEDIA_FOLDER", UPLOAD_FOLDER)
        super().__init__(**kwargs)

    def save(self, data) -> None:
        """Store an upload (a file, streamed in chunks) or bytes under a new name."""
        self.name = uuid4().hex
        if isinstance(data, (bytes, str)):
            return super().save(data)
        data.seek(0)
        self._storage.save(self.get_full_path(), data)

    def open(self):
        return self._storage.open(self.get_full_path(), "rb")

    def exists(self) -> bool:
        return bool(self.name) and self._storage.exists(self.get_full_path())

    def remove_stale(self, *, older_than: datetime.timedelta = UPLOAD_LIFETIME) -> None:
        """Remove uploads nobody confirmed (best effort: another server may race us)."""
        try:
            _folders, names = self._storage.listdir(self.MEDIA_FOLDER)
        except (FileNotFoundError, NotImplementedError, OSError):
            return
        cutoff = timezone.now() - older_than
        for name in names:
            full = os.path.join(self.MEDIA_FOLDER, name)
            try:
                if self._storage.get_modified_time(full) < cutoff:
                    self._storage.delete(full)
            except (FileNotFoundError, NotImplementedError, OSError):
                continue


class CaseSheetImportForm(ImportForm):
    """The upload form; the format may be left for the file to tell."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].required = False
        self.fields["format"].help_text = gettext_lazy(
            "Leave blank to tell from the file (.csv or .xlsx)."
        )
        self.fields["import_file"].label = gettext_lazy("Case sheet (CSV or XLSX)")
        self.fields["import_file"].help_text = _("CSV (UTF-8) or XLSX, at most %(limit)s.") % {
            "limit": filesizeformat(settings.CASE_SHEET_MAX_BYTES)
        }
        self.fields["import_file"].widget.attrs["accept"] = SHEET_ACCEPT


class CaseSheetImportMixin(ImportMixin):
    """Adds "Import" to the persons' list: upload, preview, confirm."""

    resource_classes = [CaseSheetResource]
    # both buttons: RecordAdmin already exports (its ExportMixin), each shows on its permission
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    import_template_name = "admin/cases/person/case_sheet_import.html"
    import_form_class = CaseSheetImportForm

    def get_import_formats(self):
        return [CSV, XLSX]

    def has_import_permission(self, request) -> bool:
        """An import creates and changes persons and detentions."""
        return request.user.has_perms(
            ["cases.add_person", "cases.change_person", "cases.add_detention",
             "cases.change_detention"]
        )  # fmt: skip

    def get_urls(self):
        info = self.get_model_info()
        sample = path(
            "import/sample.csv",
            self.admin_site.admin_view(self.case_sheet_sample),
            name="{}_{}_case_sheet_sample".format(*info),
        )
        return [sample, *super().get_urls()]

    def case_sheet_sample(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        return FileResponse(
            SAMPLE_SHEET.open("rb"), as_attachment=True, filename="case_sheet_sample.csv"
        )

    def upload_storage(self, name: str | None = None) -> CaseSheetUploadStorage:
        """The storage of settings.IMPORT_EXPORT_TMP_STORAGE_CLASS; it must stream,
        so another class there is replaced by CaseSheetUploadStorage."""
        storage_class = self.get_tmp_storage_class()
        if not issubclass(storage_class, CaseSheetUploadStorage):
            storage_class = CaseSheetUploadStorage
        return storage_class(name=name, read_mode="rb", **self.get_tmp_storage_class_kwargs())

    # -- step 1: upload and preview ----------------------------------------------------

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        context = {}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            file_format = self._file_format(form, upload.name)
            storage = self.upload_storage()
            storage.remove_stale()
            try:
                # size and type first: a file refused there is never stored
                case_sheet_upload_check(upload, file_name=upload.name, file_format=file_format)
                storage.save(upload)
                with storage.open() as stored:
                    result = case_sheet_preview(
                        file=stored,
                        file_name=upload.name,
                        file_format=file_format,
                        row_limit=PREVIEW_ROWS,
                    )
            except CaseSheetFormatError as error:
                if storage.name:
                    storage.remove()
                form.add_error("import_file", str(error))
            else:
                context["result"] = result
                if result.ok:
                    context["confirm_form"] = ConfirmImportForm(
                        initial={
                            "import_file_name": storage.name,
                            "original_file_name": upload.name,
                            "format": file_format or "",
                            "resource": form.cleaned_data.get("resource", ""),
                        }
                    )
                else:
                    storage.remove()  # nothing to confirm: the researcher corrects the file
        return self._render(request, form, context)

    # -- step 2: confirm -------------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm = ConfirmImportForm(request.POST)
        import_url = reverse(self._url_name("import"))
        name = confirm.data.get("import_file_name", "")
        storage = self.upload_storage(name=name) if _UPLOAD_NAME.fullmatch(name) else None
        if not confirm.is_valid() or storage is None or not storage.exists():
            messages.error(
                request,
                _("The uploaded case sheet is no longer waiting (uploads are kept for a day, "
                  "and only until imported). Upload it again."),
            )  # fmt: skip
            return HttpResponseRedirect(import_url)
        original = confirm.cleaned_data["original_file_name"]
        file_format = confirm.cleaned_data["format"] or None
        try:
            with storage.open() as stored:
                result = case_sheet_import(
                    file=stored,
                    user=request.user,
                    file_name=original,
                    file_format=file_format if file_format in _FORMATS else None,
                    row_limit=PREVIEW_ROWS,
                )
        except CaseSheetFormatError as error:
            storage.remove()
            messages.error(request, str(error))
            return HttpResponseRedirect(import_url)
        storage.remove()
        if not result.written:
            # the database changed since the preview: nothing was written, say why
            messages.error(
                request,
                _("Nothing was imported: the case sheet no longer fits the database "
                  "(see the errors below). Correct it and upload it again."),
            )  # fmt: skip
            return self._render(request, self.create_import_form(request), {"result": result})
        post_import.send(sender=None, model=self.model)
        messages.success(
            request,
            _("Case sheet %(file)s imported: %(summary)s")
            % {"file": original, "summary": result.summary()},
        )
        return HttpResponseRedirect(reverse(self._url_name("changelist")))

    # -- rendering ---------------------------------------------------------------------------

    def _render(self, request, form, context):
        result = context.get("result")
        context.update(self.admin_site.each_context(request))
        context.update(
            {
                "title": _("Import a case sheet"),
                "form": form,
                "opts": self.model._meta,
                "media": self.media + form.media,
                "columns": [(column, COLUMN_HELP[column]) for column in COLUMNS],
                "counts": [
                    (COUNT_LABELS[key], number)
                    for key, number in (result.counts.items() if result else [])
                    if number
                ],
                "preview_truncated": bool(result) and result.rows > len(result.row_plans),
                "errors_truncated": bool(result) and result.error_count > len(result.errors),
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def _url_name(self, view: str) -> str:
        app_label, model_name = self.get_model_info()
        return f"{self.admin_site.name}:{app_label}_{model_name}_{view}"

    def _file_format(self, form, file_name: str) -> str | None:
        chosen = form.cleaned_data.get("format")
        if chosen not in (None, ""):
            return self.get_import_formats()[int(chosen)]().get_title().lower()
        extension = os.path.splitext(file_name)[1].lower().lstrip(".")
        return extension if extension in _FORMATS else None
