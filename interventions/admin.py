"""Interventions in the admin: a proceeding with its persons, dates, outcome and
citations; and the "WGAD draft" on a person's change page, which downloads the
draft petition to the Working Group on Arbitrary Detention (interventions.wgad).
The draft is staff only: it may hold internal records."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from cases.admin_bases import (
    CitationInline,
    RecordAdmin,
    partial_date_column,
    primary_key,
    year_filter,
)
from cases.models import Person
from interventions.models import Intervention
from interventions.wgad import wgad_draft

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PERSON_CHANGE_FORM = "admin/interventions/person_change_form.html"


@admin.register(Intervention)
class InterventionAdmin(RecordAdmin):
    list_display = (
        "title",
        "kind",
        "body",
        "reference",
        "submitted_on_display",
        "decided_on_display",
        "status",
        "outcome",
        "visibility",
    )
    list_filter = (
        "kind",
        "status",
        "outcome",
        "visibility",
        year_filter("decided_on", _("year decided")),
    )
    submitted_on_display = partial_date_column("submitted_on", _("submitted on"))
    decided_on_display = partial_date_column("decided_on", _("decided on"))
    search_fields = ("title", "reference", "opinion_number", "persons__display_name")
    autocomplete_fields = ("body", "persons")
    list_select_related = ("body",)
    inlines = (CitationInline,)
    fieldsets = (
        (None, {"fields": ("kind", "body", "title", "reference", "persons")}),
        (
            _("Dates"),
            {
                "fields": (
                    ("submitted_on", "communicated_on"),
                    ("government_replied_on", "decided_on"),
                )
            },
        ),
        (
            _("Outcome"),
            {
                "fields": (
                    ("status", "outcome"),
                    ("opinion_number", "wgad_categories"),
                    ("articles_violated", "just_satisfaction"),
                    "outcome_summary",
                    ("released_after", "follow_up"),
                )
            },
        ),
        (_("Visibility"), {"fields": ("visibility",)}),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()  # searching by persons joins them

    def get_urls(self):
        return [
            path(
                "wgad-draft/<str:person_id>/",
                self.admin_site.admin_view(self.wgad_draft_view),
                name="interventions_wgad_draft",
            ),
            *super().get_urls(),
        ]

    def wgad_draft_view(self, request, person_id):
        """The draft of one person's petition, for staff who may view persons."""
        if not request.user.has_perm("cases.view_person"):
            raise PermissionDenied
        key = primary_key(person_id)
        person = Person.objects.filter(pk=key, deleted_at__isnull=True).first() if key else None
        if person is None:
            raise Http404(_("No such person."))
        response = HttpResponse(wgad_draft(person, user=request.user), content_type=DOCX)
        filename = f"{person.slug}-wgad-draft.docx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


def _add_the_draft_to_the_person_page(site) -> None:
    """The person's change page gets a "WGAD draft" object tool: its template
    extends the cases app's own and adds the link (without editing cases.admin)."""
    person_admin = site._registry.get(Person)
    if person_admin is not None:
        person_admin.change_form_template = PERSON_CHANGE_FORM


_add_the_draft_to_the_person_page(admin.site)
