"""Importing an edition of a list from the admin: a page under the lists
(/admin/lists/prisonerlist/import-edition/) with the file and the edition's
options; submitting previews what lists.services.edition_import would do (a dry
run), and a confirmation imports it.

The upload waits between the two in the case sheet's upload storage (the media
volume, a folder no URL serves; removed once imported, refused, or a day old).
What the preview was run with is kept in the staff member's session under the
upload's random name, and the confirmation sends only that name: nobody can
confirm another person's upload, or change the options after the preview.

Wired into the lists' admin (lists/admin.py) with:

    class PrisonerListAdmin(EditionImportMixin, RecordAdmin): ...
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.admin_import import SHEET_ACCEPT, CaseSheetUploadStorage
from cases.case_sheet import case_sheet_upload_check
from cases.partial_dates import PartialDateFormField
from cases.visibility import Reader, visible
from cases.web_addresses import WebAddressFormField
from lists.models import PrisonerList
from lists.services import (
    COLUMN_HELP,
    COLUMNS,
    IMPORT_PERMISSIONS,
    VARIANT_SEPARATOR,
    CaseSheetFormatError,
    EditionImportResult,
    edition_import,
)

UPLOAD_FOLDER = "list-editions"
SESSION_KEY = "lists_edition_imports"  # upload name -> what its preview was run with
PREVIEW_ROWS = 1000  # rows shown in the preview; the counts and errors cover the whole file
_UPLOAD_NAME = re.compile(r"[0-9a-f]{32}")
# a problem's field (lists.services.Problem) -> the form's field that shows it
_FORM_FIELDS = {
    "list": "new_list_slug",
    "published_on": "published_on",
    "title": "title",
    "publisher": "publisher",
    "source": "source_url",
    "file": "file",
}


class EditionImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Edition (CSV or XLSX)"))
    prisoner_list = forms.ModelChoiceField(
        queryset=PrisonerList.objects.none(),
        required=False,
        label=gettext_lazy("List"),
        help_text=gettext_lazy("A list on record, or give a new list's slug below."),
    )
    new_list_slug = forms.SlugField(
        required=False,
        max_length=120,
        label=gettext_lazy("New list's slug"),
        help_text=gettext_lazy(
            "Creates the list, e.g. political-prisoners-azerbaijan (or the list with that slug)."
        ),
    )
    published_on = PartialDateFormField(
        label=gettext_lazy("Published on"),
        help_text=gettext_lazy("The edition's date: 2024-03-01, 2024-03 or 2024."),
    )
    title = forms.CharField(
        required=False,
        max_length=300,
        label=gettext_lazy("New list's title"),
        help_text=gettext_lazy("Default: the slug made readable."),
    )
    publisher = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("New list's publisher"),
        help_text=gettext_lazy(
            "An organization's name or abbreviation; a name not on record adds the organization."
        ),
    )
    source_url = WebAddressFormField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Published at (URL)"),
        help_text=gettext_lazy(
            "Where the publisher put out this edition: the source with that address (or a new "
            "one) is cited for the edition."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prisoner_list"].queryset = visible(PrisonerList.objects.all(), Reader.STAFF)
        self.fields["file"].help_text = _("CSV (UTF-8) or XLSX, at most %(limit)s.") % {
            "limit": filesizeformat(settings.CASE_SHEET_MAX_BYTES)
        }
        self.fields["file"].widget.attrs["accept"] = SHEET_ACCEPT

    def clean(self):
        cleaned = super().clean()
        chosen, slug = cleaned.get("prisoner_list"), cleaned.get("new_list_slug")
        if chosen and slug and slug != chosen.slug:
            raise forms.ValidationError(_("Choose a list or give a new list's slug, not both."))
        if not chosen and not slug and "new_list_slug" not in self.errors:
            raise forms.ValidationError(_("Choose a list, or give a new list's slug."))
        cleaned["slug"] = chosen.slug if chosen else slug
        return cleaned

    def options(self) -> dict[str, str]:
        """What the service is called with, as text (kept in the session)."""
        data = self.cleaned_data
        return {
            "prisoner_list_slug": data["slug"],
            "published_on": data["published_on"].isoformat(),
            "title": data.get("title") or "",
            "publisher_name": data.get("publisher") or "",
            "source_url": data.get("source_url") or "",
        }


class EditionImportMixin:
    """Adds "Import an edition" to the lists' admin: upload, preview, confirm."""

    change_list_template = "admin/lists/prisonerlist/change_list.html"
    edition_import_template = "admin/lists/prisonerlist/edition_import.html"

    def has_edition_import_permission(self, request) -> bool:
        """What every import needs (lists.services.IMPORT_PERMISSIONS); what a
        particular file needs beyond that (a new list, taking entries out...) is
        said in its preview."""
        return request.user.has_perms(IMPORT_PERMISSIONS)

    def get_urls(self):
        opts = self.model._meta
        view = path(
            "import-edition/",
            self.admin_site.admin_view(self.edition_import_view),
            name=f"{opts.app_label}_{opts.model_name}_import_edition",
        )
        return [view, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["has_edition_import_permission"] = self.has_edition_import_permission(request)
        return super().changelist_view(request, extra_context)

    def edition_upload_storage(self, name: str | None = None) -> CaseSheetUploadStorage:
        return CaseSheetUploadStorage(name=name, read_mode="rb", MEDIA_FOLDER=UPLOAD_FOLDER)

    # -- the page ------------------------------------------------------------------------

    def edition_import_view(self, request):
        if not self.has_edition_import_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self._edition_import_confirm(request)
        form = EditionImportForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
        context = {}
        if request.method == "POST" and form.is_valid():
            context = self._edition_import_preview(request, form)
        return self._render_edition_import(request, form, context)

    def _edition_import_preview(self, request, form: EditionImportForm) -> dict:
        upload = form.cleaned_data["file"]
        options = form.options()
        storage = self.edition_upload_storage()
        storage.remove_stale()
        try:
            # size and kind first: a file refused there is never stored
            case_sheet_upload_check(upload, file_name=upload.name)
            storage.save(upload)
            with storage.open() as stored:
                result = edition_import(
                    file=stored, file_name=upload.name, dry_run=True, user=request.user,
                    row_limit=PREVIEW_ROWS, **options,
                )  # fmt: skip
        except CaseSheetFormatError as error:
            if storage.name:
                storage.remove()
            form.add_error("file", str(error))
            return {}
        for problem in result.problems:
            form.add_error(_FORM_FIELDS.get(problem.field), problem.message)
        if not result.ok:
            storage.remove()  # nothing to confirm: the researcher corrects the file
            return {"result": result}
        pending = request.session.get(SESSION_KEY, {})
        pending[storage.name] = {"file_name": upload.name, "options": options}
        request.session[SESSION_KEY] = pending
        return {"result": result, "token": storage.name}

    def _edition_import_confirm(self, request):
        import_url = reverse(f"{self.admin_site.name}:lists_prisonerlist_import_edition")
        token = request.POST.get("token", "")
        pending = request.session.get(SESSION_KEY, {})
        waiting = pending.pop(token, None) if _UPLOAD_NAME.fullmatch(token) else None
        request.session[SESSION_KEY] = pending
        storage = self.edition_upload_storage(name=token) if waiting else None
        if storage is None or not storage.exists():
            messages.error(
                request,
                _("The uploaded edition is no longer waiting (uploads are kept for a day, and "
                  "only until imported). Upload it again."),
            )  # fmt: skip
            return HttpResponseRedirect(import_url)
        try:
            with storage.open() as stored:
                result = edition_import(
                    file=stored, file_name=waiting["file_name"], user=request.user,
                    row_limit=PREVIEW_ROWS, **waiting["options"],
                )  # fmt: skip
        except CaseSheetFormatError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(import_url)
        finally:
            storage.remove()
        if not result.written:
            # the database changed since the preview: nothing was written, say why
            messages.error(
                request,
                _("Nothing was imported: the file no longer fits the database (see the errors "
                  "below). Correct it and upload it again."),
            )  # fmt: skip
            form = EditionImportForm(initial=_initial(waiting["options"]))
            for problem in result.problems:
                form.add_error(None, problem.message)
            return self._render_edition_import(request, form, {"result": result})
        messages.success(
            request,
            _("Edition %(edition)s imported from %(file)s: %(summary)s")
            % {"edition": result.edition, "file": waiting["file_name"],
               "summary": result.summary()},
        )  # fmt: skip
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:lists_edition_change", args=[result.edition.pk])
        )

    def _render_edition_import(self, request, form, context):
        result: EditionImportResult | None = context.get("result")
        context.update(self.admin_site.each_context(request))
        context.update(
            {
                "title": _("Import an edition of a list"),
                "form": form,
                "opts": self.model._meta,
                "media": self.media + form.media,
                "columns": [(column, COLUMN_HELP[column]) for column in COLUMNS],
                "separator": VARIANT_SEPARATOR,
                "counts": _counts(result) if result else [],
                "preview_truncated": bool(result) and result.rows > len(result.row_plans),
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.edition_import_template], context)


def _initial(options: dict[str, str]) -> dict[str, str]:
    return {
        "new_list_slug": options["prisoner_list_slug"],
        "published_on": options["published_on"],
        "title": options["title"],
        "publisher": options["publisher_name"],
        "source_url": options["source_url"],
    }


def _counts(result: EditionImportResult) -> list[tuple[str, int]]:
    return [
        (_("rows"), result.rows),
        (_("persons matched"), result.matched),
        (_("new persons"), result.new_persons),
        (_("new spellings"), result.new_variants),
        (_("entries added"), result.added),
        (_("entries changed"), result.changed),
        (_("entries unchanged"), result.unchanged),
        (_("entries removed"), result.removed),
    ]
