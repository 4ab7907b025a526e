"""The dossiers in the admin: "Dossier (PDF)" and "Dossier (DOCX)" on a person's
and on an official's change page. Read as staff: internal records are included,
and the dossier says so on every page (a person's) or marks each fact not public
(an official's), so nothing internal is sent out by mistake. Staff who may view
persons (or officials) only; the response is never cached."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _

from cases.admin_bases import primary_key
from cases.models import Person
from cases.visibility import Reader, visible
from dossiers.official import official_dossier_docx, official_dossier_pdf
from dossiers.person import person_dossier_docx, person_dossier_pdf
from dossiers.render import DOCX, PDF
from officials.models import Official

READER = Reader.STAFF
CONTENT_TYPES = {"pdf": PDF, "docx": DOCX}
# kind -> (model, the permission to view it, {format: writer})
KINDS = {
    "person": (
        Person, "cases.view_person", {"pdf": person_dossier_pdf, "docx": person_dossier_docx}
    ),
    "official": (
        Official,
        "officials.view_official",
        {"pdf": official_dossier_pdf, "docx": official_dossier_docx},
    ),
}  # fmt: skip


def dossier_view(request, kind: str, key: str, file_format: str) -> HttpResponse:
    """The staff dossier of one person or official, as PDF or DOCX."""
    model, permission, writers = KINDS[kind]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    if file_format not in writers:
        raise Http404(_("No such format."))
    pk = primary_key(key)
    record = visible(model.objects.all(), READER).filter(pk=pk).first() if pk else None
    if record is None:
        raise Http404(_("No such record."))
    content = writers[file_format](record, reader=READER, site_url=request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    filename = f"{record.slug}-staff-dossier.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _add_the_dossier_views(site) -> None:
    """Adds the dossier views to the admin's addresses (admin:dossiers_person,
    admin:dossiers_official), behind the admin's sign-in; the change pages'
    templates link to them (admin/officials/official/change_form.html and the
    person's, admin/interventions/person_change_form.html)."""
    site_urls = site.get_urls

    def get_urls():
        return [
            path(
                f"dossiers/{kind}/<str:key>/<str:file_format>/",
                site.admin_view(dossier_view),
                {"kind": kind},
                name=f"dossiers_{kind}",
            )
            for kind in KINDS
        ] + site_urls()

    site.get_urls = get_urls


_add_the_dossier_views(admin.site)
