"""Places of detention in the admin: a facility with its other names and
citations, who is held there now, and its custody periods; a custody period
with its citations and how to write to the person there (under its own level).
The custody periods of one detention are edited inline on the detention
(cases.admin); the kinds of facility are a vocabulary like the others."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.admin_bases import (
    CitationInline,
    RecordAdmin,
    language_column,
    partial_date_column,
    year_filter,
)
from cases.admin_workflow import RecordInlineMixin, VersionedModelForm
from cases.choices import Visibility
from cases.models import Person
from cases.search import SearchQueryError
from cases.visibility import Reader, visible
from places.models import CustodyPeriod, Facility, FacilityName
from places.reads import current_places, search_facilities

_REACH = {Visibility.INTERNAL: 0, Visibility.PARTNERS: 1, Visibility.PUBLIC: 2}


class FacilityNameInline(RecordInlineMixin, admin.TabularInline):
    model = FacilityName
    extra = 1
    fields = ("name", "language", "visibility")


class OpenCustodyFilter(admin.SimpleListFilter):
    title = _("still held there")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(held_until__isnull=self.value() == "yes")
        return queryset


@admin.register(Facility)
class FacilityAdmin(RecordAdmin):
    list_display = (
        "name",
        "other_names",
        "kind",
        "region",
        "locality",
        "custody_periods_column",
        "visibility",
        "updated_at",
    )
    list_filter = ("kind", "region", "visibility")
    search_fields = ("name",)  # widened to every spelling of every name in get_search_results
    search_help_text = _("Any spelling of any of its names (Prison No. 13, Тюрьма № 13).")
    autocomplete_fields = ("kind", "operator")
    list_select_related = ("kind",)
    readonly_fields = ("slug", "held_here_now", "uuid", "created_at", "updated_at")
    inlines = (FacilityNameInline, CitationInline)
    fieldsets = (
        (None, {"fields": ("name", "kind", "operator")}),
        (_("Where"), {"fields": ("country", "region", "locality", ("latitude", "longitude"))}),
        (
            _("Writing and parcels"),
            {
                "fields": (
                    ("postal_address", "address_confirmed_on"),
                    "letter_language",
                    "letter_rules",
                    "parcel_rules",
                    "rules_confirmed_on",
                )
            },
        ),
        (_("Public"), {"fields": ("description", "visibility")}),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Held here now"), {"fields": ("held_here_now",)}),
        (_("Identifiers"), {"fields": (("slug", "uuid"), ("created_at", "updated_at"))}),
    )

    def get_queryset(self, request):
        alive = Q(custody_periods__deleted_at__isnull=True)
        return (
            super()
            .get_queryset(request)
            .prefetch_related("names")
            .annotate(custody_count=Count("custody_periods", filter=alive, distinct=True))
            .order_by(*Facility._meta.ordering)  # a grouped query drops the model's ordering
        )

    def get_search_results(self, request, queryset, search_term):
        # any spelling of the name or of another name (places.reads, as the API searches)
        if not search_term.strip():
            return queryset, False
        try:
            return search_facilities(queryset, search_term, reader=Reader.STAFF), False
        except SearchQueryError as error:  # a pasted paragraph: say so, search nothing
            self.message_user(request, str(error), messages.WARNING)
            return queryset.none(), False

    @admin.display(description=_("other names"))
    def other_names(self, obj):
        return ", ".join(name.name for name in obj.names.all() if name.deleted_at is None)

    @admin.display(description=_("custody periods"), ordering="custody_count")
    def custody_periods_column(self, obj):
        count = getattr(obj, "custody_count", None)
        if count is None:
            count = obj.custody_periods.filter(deleted_at__isnull=True).count()
        if not count:
            return "0"
        url = reverse("admin:places_custodyperiod_changelist")
        return format_html('<a href="{}?facility__id__exact={}">{}</a>', url, obj.pk, count)

    @admin.display(description=_("held here now"))
    def held_here_now(self, obj):
        """The persons whose current place (places.reads: the open custody period
        with the newest source, as staff see it) is this facility."""
        if obj is None or obj.pk is None:
            return "—"
        candidates = visible(
            CustodyPeriod.objects.filter(facility=obj, held_until__isnull=True), Reader.STAFF
        ).values_list("detention__person_id", flat=True)
        places = current_places(sorted(set(candidates)), reader=Reader.STAFF)
        here = {pid: place for pid, place in places.items() if place.facility_id == obj.pk}
        if not here:
            return _("No one, as far as Casebook knows.")
        persons = Person.objects.filter(pk__in=here).order_by("display_name", "pk")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({}: {}; {}: {}; <a href="{}">{}</a>)</li>',
                (
                    (
                        reverse("admin:cases_person_change", args=[person.pk]),
                        person.display_name,
                        _("since"),
                        here[person.pk].held_from or "—",
                        _("last reported"),
                        here[person.pk].last_reported or "—",
                        reverse(
                            "admin:places_custodyperiod_change",
                            args=[here[person.pk].custody_id],
                        ),
                        _("custody period"),
                    )
                    for person in persons
                ),
            ),
        )


@admin.register(FacilityName)
class FacilityNameAdmin(RecordAdmin):
    list_display = ("name", "facility", "language_name", "visibility")
    list_filter = ("visibility",)
    language_name = language_column("language", _("language or script"))
    search_fields = ("name", "name_key", "facility__name")
    autocomplete_fields = ("facility",)
    list_select_related = ("facility",)


class CustodyPeriodForm(VersionedModelForm):
    """Widening who sees how to write to the person is publishing: editors only.
    Anyone may narrow it (researchers hide it when it would endanger the person
    or the family asks)."""

    may_widen_letter = False  # set per request by CustodyPeriodAdmin.get_form

    def clean_letter_visibility(self):
        new = self.cleaned_data["letter_visibility"]
        stored = self.instance.letter_visibility if self.instance.pk else Visibility.INTERNAL
        if not self.may_widen_letter and _REACH[new] > _REACH[stored]:
            raise forms.ValidationError(
                _(
                    "Only an editor may show how to write to this person to more readers; "
                    "ask an editor, or keep it at “%(level)s”."
                )
                % {"level": Visibility(stored).label}
            )
        return new


@admin.register(CustodyPeriod)
class CustodyPeriodAdmin(RecordAdmin):
    form = CustodyPeriodForm
    list_display = (
        "person",
        "facility",
        "held_from_display",
        "held_until_display",
        "visibility",
        "letter_visibility",
    )
    list_filter = (
        "visibility",
        "letter_visibility",
        OpenCustodyFilter,
        "facility__kind",
        year_filter("held_from", _("year held from")),
    )
    held_from_display = partial_date_column("held_from", _("held from"))
    held_until_display = partial_date_column("held_until", _("held until"))
    search_fields = ("detention__person__display_name", "facility__name", "note")
    autocomplete_fields = ("detention", "facility")
    list_select_related = ("detention__person", "facility")
    inlines = (CitationInline,)
    fieldsets = (
        (None, {"fields": ("detention", "facility", ("held_from", "held_until"))}),
        (_("Public"), {"fields": ("note", "visibility")}),
        (
            _("How to write"),
            {
                "fields": (
                    "recipient_line",
                    "letter_note",
                    ("letter_confirmed_on", "letter_visibility"),
                ),
                "description": _(
                    "Shown on the person's page with the facility's address, only where "
                    "its own visibility and the custody period's allow."
                ),
            },
        ),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.may_widen_letter = request.user.has_perm(services.PUBLISH_PERMISSION)
        return form

    @admin.display(description=_("person"), ordering="detention__person__display_name")
    def person(self, obj):
        return obj.detention.person
