from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.admin_bases import (
    CitationInline,
    RecordAdmin,
    language_filter,
    partial_date_column,
    year_filter,
)
from sources.models import Citation, ReportedCount, Source


@admin.register(Source)
class SourceAdmin(RecordAdmin):
    list_display = (
        "display_title",
        "publisher",
        "published",
        "kind",
        "is_confidential",
        "visibility",
    )
    list_filter = (
        "kind",
        "is_confidential",
        "reliability",
        "visibility",
        language_filter("language", _("language")),
    )
    published = partial_date_column("published_on", _("published on"))
    search_fields = ("title", "author", "url", "publisher__name")
    autocomplete_fields = ("publisher", "kind")
    list_select_related = ("publisher", "kind")
    fieldsets = (
        (
            None,
            {"fields": ("title", ("publisher", "author"), "url", ("published_on", "accessed_on"))},
        ),
        (_("Kind"), {"fields": (("kind", "language", "reliability"),)}),
        (_("Archived copy"), {"fields": ("archive_url", "archive_file", "archive_text")}),
        (_("Confidentiality"), {"fields": ("is_confidential", "internal_notes", "visibility")}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )

    @admin.display(description=_("title"), ordering="title")
    def display_title(self, obj):
        return obj.display_title  # an untitled source by its publisher and date, or its host


@admin.register(Citation)
class CitationAdmin(RecordAdmin):
    list_display = ("source", "target_display", "locator", "confidence", "visibility")
    list_filter = ("confidence", "visibility")
    search_fields = ("excerpt", "claim", "source__title", "person__display_name")
    autocomplete_fields = (
        "source",
        "person",
        "affiliation",
        "detention",
        "case_event",
        "allegation",
        "statement",
        "reported_count",
        "edition",
        "case_group",
        "facility",
        "custody_period",
        "intervention",
        "official",
        "position",
        "involvement",
        "trial",
        "hearing",
    )
    # everything target.__str__ reads, so a page of citations is one query
    list_select_related = (
        "source__publisher",  # an untitled source is named by its publisher
        "person",
        "affiliation__person",
        "affiliation__organization",
        "detention__person",
        "case_event__kind",
        "allegation__kind",
        "allegation__person",
        "statement",
        "reported_count__publisher",
        "edition__prisoner_list",
        "case_group",
        "facility",
        "custody_period__detention__person",
        "custody_period__facility",
        "intervention",
        "official",
        "position__organization",
        "involvement__official",
        "trial",
        "hearing__trial",
    )
    fieldsets = (
        (None, {"fields": ("source", ("locator", "confidence"), "excerpt")}),
        (
            _("The fact it supports (exactly one)"),
            {
                "fields": (
                    ("person", "claim"),
                    "affiliation",
                    "detention",
                    "case_event",
                    "allegation",
                    "statement",
                    "edition",
                    "case_group",
                    "facility",
                    "custody_period",
                    "intervention",
                    "reported_count",
                )
            },
        ),
        (None, {"fields": ("visibility", ("uuid", "created_at", "updated_at"))}),
    )

    @admin.display(description=_("supports"))
    def target_display(self, obj):
        return obj.target


@admin.register(ReportedCount)
class ReportedCountAdmin(RecordAdmin):
    """Counts that organizations published, each cited like any other fact."""

    list_display = ("number", "approximate", "counted", "as_of_display", "publisher", "visibility")
    list_filter = ("visibility", "publisher", year_filter("as_of", _("year")))
    as_of_display = partial_date_column("as_of", _("as of"))
    search_fields = ("counted", "notes", "publisher__name")
    autocomplete_fields = ("publisher",)
    list_select_related = ("publisher",)
    inlines = (CitationInline,)
    fieldsets = (
        (None, {"fields": ("publisher", "as_of", ("number", "approximate"), "counted", "notes")}),
        (_("Visibility"), {"fields": ("visibility",)}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )
