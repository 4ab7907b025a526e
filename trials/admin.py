"""Trials in the admin: a court case with its defendants (and the charges each
faces), its hearings, its citations and the officials' involvements in it (the
judges and prosecutors); a hearing with its citations. The next hearing is not
stored: it is the first hearing still to come, recorded as a scheduled hearing."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.admin_bases import CitationInline, RecordAdmin, partial_date_column, year_filter
from cases.admin_workflow import RecordInlineMixin
from officials.forms import InvolvementForm
from officials.models import Involvement
from trials.models import Hearing, Trial, TrialDefendant


class TrialDefendantInline(RecordInlineMixin, admin.TabularInline):
    model = TrialDefendant
    extra = 0
    fields = ("person", "detention", "charges", "visibility")
    autocomplete_fields = ("person", "detention")


class HearingInline(RecordInlineMixin, admin.TabularInline):
    model = Hearing
    extra = 0
    fields = ("held_on", "starts_at", "court_room", "status", "visibility")
    show_change_link = True  # what happened and its citations are on its own page
    verbose_name_plural = _("hearings (the next one: the first still to come)")


class TrialInvolvementInline(RecordInlineMixin, admin.TabularInline):
    """The judges and prosecutors: officials' involvements in this trial. Their
    citations are on each involvement's page (the link)."""

    model = Involvement
    form = InvolvementForm
    fk_name = "trial"
    extra = 0
    fields = ("official", "role", "description", "visibility")
    autocomplete_fields = ("official",)
    show_change_link = True
    verbose_name_plural = _("judges, prosecutors and other officials (cite each on its page)")


@admin.register(Trial)
class TrialAdmin(RecordAdmin):
    list_display = (
        "title",
        "number",
        "court",
        "instance",
        "opened_on_display",
        "closed_on_display",
        "visibility",
        "updated_at",
    )
    list_filter = ("instance", "visibility", year_filter("opened_on", _("year opened")))
    opened_on_display = partial_date_column("opened_on", _("opened on"))
    closed_on_display = partial_date_column("closed_on", _("verdict or closing on"))
    search_fields = ("title", "number", "court__name", "defendants__person__display_name")
    search_help_text = _("The title, the case number, the court or a defendant's name.")
    autocomplete_fields = ("court",)
    list_select_related = ("court",)
    readonly_fields = ("slug", "uuid", "created_at", "updated_at")
    inlines = (TrialDefendantInline, HearingInline, CitationInline, TrialInvolvementInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    ("number", "instance"),
                    ("court", "time_zone"),
                    ("opened_on", "closed_on"),
                )
            },
        ),
        (_("Public"), {"fields": ("summary", "visibility")}),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": (("slug", "uuid"), ("created_at", "updated_at"))}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()  # searching by defendants joins them


@admin.register(TrialDefendant)
class TrialDefendantAdmin(RecordAdmin):
    list_display = ("person", "trial", "charges", "visibility")
    list_filter = ("visibility",)
    search_fields = ("person__display_name", "trial__title", "trial__number", "charges")
    autocomplete_fields = ("trial", "person", "detention")
    list_select_related = ("person", "trial")


@admin.register(Hearing)
class HearingAdmin(RecordAdmin):
    list_display = (
        "trial_column",
        "held_on_display",
        "starts_at",
        "court_room",
        "status",
        "visibility",
    )
    list_filter = ("status", "visibility", year_filter("held_on", _("year")))
    held_on_display = partial_date_column("held_on", _("date"))
    search_fields = ("trial__title", "trial__number", "court_room", "what_happened")
    autocomplete_fields = ("trial",)
    list_select_related = ("trial",)
    inlines = (CitationInline,)
    fieldsets = (
        (
            None,
            {
                "fields": ("trial", ("held_on", "starts_at"), "court_room", "status"),
                "description": _(
                    "The time is the court's local time (the trial's time zone); give the day "
                    "before the time."
                ),
            },
        ),
        (_("Public"), {"fields": ("what_happened", "visibility")}),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )

    @admin.display(description=_("trial"), ordering="trial__title")
    def trial_column(self, obj):
        url = reverse("admin:trials_trial_change", args=[obj.trial_id])
        return format_html('<a href="{}">{}</a>', url, obj.trial)
