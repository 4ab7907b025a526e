"""The researchers' admin: persons with their names, affiliations and
detentions inline; detentions with charges, events and citations; every
foreign key an autocomplete; the person search finds any spelling."""

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ImageField
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import admin_evidence, evidence, services
from cases.admin_bases import (
    CitationInline,
    ReadOnlyRegisterAdmin,
    RecordAdmin,
    language_column,
    language_filter,
    partial_date_column,
    primary_key,
    year_filter,
)
from cases.admin_case import CasePublishingMixin
from cases.admin_entry import CaseEntryMixin
from cases.admin_import import CaseSheetImportMixin
from cases.admin_workflow import RecordInlineMixin
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    AllegationStatus,
    CaseEvent,
    CaseEventKind,
    Charge,
    Detention,
    IssuedSlug,
    LegalStage,
    Merge,
    NameVariant,
    Occupation,
    Organization,
    PaceAssessment,
    Person,
    ReleaseReason,
    SeedRecord,
    SourceKind,
    Statement,
    StatementKind,
    Withdrawal,
)
from cases.reads.duplicates import possible_duplicates
from cases.reads.search import search_persons
from cases.resources import CaseSheetResource, PersonResource
from cases.search import SearchQueryError
from cases.uploads import PhotoField
from cases.visibility import Reader, visible
from places.models import CustodyPeriod, FacilityKind


class PersonCitationInline(CitationInline):
    fields = ("claim", "source", "locator", "excerpt", "confidence", "visibility")
    verbose_name_plural = _("citations of biographical claims (name, occupation, summary...)")


class VocabularyAdmin(admin.ModelAdmin):
    # a term in use cannot be deleted (protected foreign keys); rename its label instead
    list_display = ("label", "code", "sort_order")
    search_fields = ("label", "code")
    ordering = ("sort_order", "label")
    prepopulated_fields = {"code": ("label",)}


for vocabulary in (
    Occupation,
    CaseEventKind,
    ReleaseReason,
    AllegationKind,
    AllegationStatus,
    StatementKind,
    SourceKind,
    FacilityKind,  # the places app's: one vocabulary admin for every vocabulary
):
    admin.site.register(vocabulary, VocabularyAdmin)


@admin.register(LegalStage)
class LegalStageAdmin(VocabularyAdmin):
    list_display = ("label", "code", "in_detention", "sort_order")
    list_filter = ("in_detention",)


# --- organizations and persons -------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(RecordAdmin):
    list_display = ("name", "abbreviation", "kind", "country", "visibility", "updated_at")
    list_filter = ("kind", "visibility")
    search_fields = ("name", "abbreviation", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        ("name", "abbreviation"),
        "slug",
        ("kind", "country"),
        "url",
        "description",
        "internal_notes",
        "visibility",
        ("uuid", "created_at", "updated_at"),
    )


class NameVariantInline(RecordInlineMixin, admin.TabularInline):
    model = NameVariant
    extra = 1
    fields = ("name", "language", "kind", "visibility")


class AffiliationInline(RecordInlineMixin, admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ("organization",)
    fields = ("organization", "role", "started_on", "ended_on", "visibility")
    show_change_link = True


class DetentionInline(RecordInlineMixin, admin.TabularInline):
    model = Detention
    extra = 0
    autocomplete_fields = ("legal_stage", "release_reason", "arresting_authority")
    fields = ("arrested_on", "legal_stage", "facility", "released_on", "visibility")
    show_change_link = True


class HasDetentionFilter(admin.SimpleListFilter):
    # a question about each person, answered yes or no (ru "лишён(а) свободы сейчас"),
    # not the home page's count of persons
    title = pgettext_lazy("admin filter: is the person deprived of liberty", "in detention now")
    parameter_name = "in_detention"

    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request, queryset):
        held = {"detentions__legal_stage__in_detention": True, "detentions__released_on": None}
        if self.value() == "yes":
            return queryset.filter(**held).distinct()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.filter(**held).values("pk"))
        return queryset


@admin.register(Person)
class PersonAdmin(CaseEntryMixin, CasePublishingMixin, CaseSheetImportMixin, RecordAdmin):
    list_display = ("display_name", "variant_names", "gender", "visibility", "updated_at")
    list_filter = (
        "visibility",
        HasDetentionFilter,
        "occupations",
        "gender",
        "detentions__legal_stage",
    )
    search_fields = ("display_name",)  # widened to every spelling in get_search_results
    search_help_text = _(
        "Any spelling: Azerbaijani, English or Russian (Hacıyev, Hajiyev, Гаджиев)."
    )
    filter_horizontal = ("occupations",)
    # the photo: JPEG, PNG or WebP by content, within PHOTO_MAX_BYTES (cases.uploads)
    formfield_overrides = {ImageField: {"form_class": PhotoField}}
    readonly_fields = ("slug", "uuid", "created_at", "updated_at")
    inlines = (NameVariantInline, AffiliationInline, DetentionInline, PersonCitationInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("display_name", "is_unnamed"),
                    ("gender", "birth_date", "citizenship"),
                    ("reported_age", "reported_age_on"),
                    "occupations",
                )
            },
        ),
        (_("Public"), {"fields": ("summary", ("photo", "photo_visibility"), "visibility")}),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": (("slug", "uuid"), ("created_at", "updated_at"))}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("name_variants")

    def get_export_resource_classes(self, request):
        # the persons with their fields, or the case sheet to correct and import again
        return [PersonResource, CaseSheetResource]

    @admin.display(description=_("other spellings"))
    def variant_names(self, obj):
        return ", ".join(variant.name for variant in obj.name_variants.all())

    change_list_template = "admin/cases/person/change_list.html"

    def get_urls(self):
        return [
            path("trash/", self.admin_site.admin_view(self.trash_view), name="cases_trash"),
            path(
                "needs-sources/",
                self.admin_site.admin_view(partial(admin_evidence.needs_sources_view, self)),
                name="cases_needs_sources",
            ),
            path(
                "how-to-cite/",
                self.admin_site.admin_view(partial(admin_evidence.citing_guide_view, self)),
                name="cases_citing_guide",
            ),
            path(
                "duplicates/",
                self.admin_site.admin_view(self.duplicates_view),
                name="cases_person_duplicates",
            ),
            path(
                "duplicates/merge/",
                self.admin_site.admin_view(self.merge_view),
                name="cases_person_merge",
            ),
            *super().get_urls(),
        ]

    def trash_view(self, request):
        """Every record in the trash, newest first; editors restore them."""
        models = [m for m in admin.site._registry if hasattr(m, "deleted_at")]
        if request.method == "POST":
            record = request.POST.get("record", "")
            label, _colon, pk = record.rpartition(":")
            model = next((m for m in models if m._meta.label_lower == label), None)
            lowered = []
            try:
                key = primary_key(pk)
                if model is not None and key is not None:
                    # comes back internal: no citation its level may see (cases.evidence)
                    lowered = evidence.publication_refusals(
                        model.objects.filter(pk=key, deleted_at__isnull=False)
                    )
                if (
                    model is None
                    or key is None
                    or not services.records_restore_from_trash(
                        queryset=model.objects.filter(pk=key), user=request.user
                    )
                ):
                    raise ValidationError(
                        _("%(record)r is not a record in the trash; choose one from this list.")
                        % {"record": record}
                    )
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, " ".join(getattr(error, "messages", [str(error)])),
                                  messages.ERROR)  # fmt: skip
            else:
                self.message_user(request, _("Restored from the trash."), messages.SUCCESS)
                for refusal in lowered:
                    self.message_user(
                        request,
                        _("It is internal now. %(problem)s") % {"problem": refusal.message},
                        messages.WARNING,
                    )
            return HttpResponseRedirect(request.path)
        groups = []
        for model in sorted(models, key=lambda m: str(m._meta.verbose_name_plural)):
            rows = list(
                model.objects.filter(deleted_at__isnull=False).order_by("-deleted_at")[:200]
            )
            if rows:
                groups.append({"model": model._meta, "rows": rows})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Trash"),
            "groups": groups,
            "can_restore": request.user.has_perm(services.RESTORE_PERMISSION),
        }
        return TemplateResponse(request, "admin/casebook/trash.html", context)

    def duplicates_view(self, request):
        """Pairs of persons that may be one person, best first; an editor picks the
        one to keep and confirms the merge on the next page (merge_view)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Possible duplicates"),
            "pairs": possible_duplicates(limit=100),
            "can_merge": request.user.has_perm(services.MERGE_PERMISSION),
        }
        return TemplateResponse(request, "admin/casebook/duplicates.html", context)

    def merge_view(self, request):
        """GET: what merging `other` into `keep` moves and copies, and a button to
        confirm. POST (that button): the merge. A GET never merges."""
        if not request.user.has_perm(services.MERGE_PERMISSION):
            raise PermissionDenied
        given = request.POST if request.method == "POST" else request.GET
        keep, other = self._merge_person(given.get("keep")), self._merge_person(given.get("other"))
        duplicates = reverse("admin:cases_person_duplicates")
        if keep is None or other is None:
            self.message_user(
                request,
                _(
                    "Choose the two persons to merge on this page: keep=%(keep)r and "
                    "other=%(other)r do not both name a person outside the trash."
                )
                % {"keep": given.get("keep", ""), "other": given.get("other", "")},
                messages.ERROR,
            )
            return HttpResponseRedirect(duplicates)
        try:
            if request.method == "POST":
                merge = services.persons_merge(keep=keep, other=other, user=request.user)
            else:
                plan = services.persons_merge_plan(keep=keep, other=other)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, " ".join(getattr(error, "messages", [str(error)])),
                              messages.ERROR)  # fmt: skip
            return HttpResponseRedirect(duplicates)
        if request.method == "POST":
            self.message_user(
                request,
                format_html(
                    _('Merged “{}” into “{}”. <a href="{}">Undo</a> from the merges list.'),
                    merge.merged, merge.kept,
                    reverse("admin:cases_merge_changelist"),
                ),
                messages.SUCCESS,
            )  # fmt: skip
            return HttpResponseRedirect(reverse("admin:cases_person_change", args=[keep.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Confirm the merge"),
            "plan": plan,
        }
        return TemplateResponse(request, "admin/casebook/merge_confirmation.html", context)

    @staticmethod
    def _merge_person(value) -> Person | None:
        key = primary_key(value)
        return None if key is None else visible(Person.objects.filter(pk=key), Reader.STAFF).first()

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        try:
            results = search_persons(queryset, search_term, reader=Reader.STAFF)  # best first
        except SearchQueryError as error:  # a pasted paragraph: say so, search nothing
            self.message_user(request, str(error), messages.WARNING)
            return queryset.none(), False
        if ORDER_VAR in request.GET:  # unless the researcher sorted by a column
            results = results.order_by(*queryset.query.order_by)
        return results, False


@admin.register(NameVariant)
class NameVariantAdmin(RecordAdmin):
    list_display = ("name", "person", "language_name", "kind", "visibility")
    list_filter = (language_filter("language", _("language or script")), "kind", "visibility")
    language_name = language_column("language", _("language or script"))
    search_fields = ("name", "name_key", "person__display_name")
    autocomplete_fields = ("person",)


@admin.register(Affiliation)
class AffiliationAdmin(RecordAdmin):
    list_display = ("person", "organization", "role", "started", "ended", "visibility")
    list_filter = ("visibility", "organization__kind")
    list_select_related = ("person", "organization")
    started = partial_date_column("started_on", _("started on"))
    ended = partial_date_column("ended_on", _("ended on"))
    search_fields = ("person__display_name", "organization__name", "role")
    autocomplete_fields = ("person", "organization")
    inlines = (CitationInline,)


# --- detentions -------------------------------------------------------------------


class ChargeInline(RecordInlineMixin, admin.TabularInline):
    model = Charge
    extra = 1
    fields = ("article", "description", "visibility")


class CaseEventInline(RecordInlineMixin, admin.TabularInline):
    model = CaseEvent
    extra = 1
    autocomplete_fields = ("kind", "organization")
    fields = (
        "kind", "occurred_on", "organization", "sentence_months", "description", "visibility",
    )  # fmt: skip
    show_change_link = True


class CustodyPeriodInline(RecordInlineMixin, admin.TabularInline):
    """Where the person was held during this detention; the change link opens the
    custody period, where its citations and how to write to the person are edited."""

    model = CustodyPeriod
    extra = 0
    autocomplete_fields = ("facility",)
    fields = ("facility", "held_from", "held_until", "visibility")
    show_change_link = True
    verbose_name_plural = _("custody periods (where held; consecutive periods are transfers)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("facility", "detention__person")


class PaceAssessmentInline(RecordInlineMixin, admin.TabularInline):
    model = PaceAssessment
    extra = 0
    fields = ("criterion", "justification", "visibility")


@admin.register(Detention)
class DetentionAdmin(RecordAdmin):
    list_display = (
        "person",
        "arrested",
        "legal_stage",
        "facility",
        "released",
        "visibility",
    )
    list_filter = (
        "visibility",
        "legal_stage",
        "release_reason",
        year_filter("arrested_on", _("year of arrest")),
    )
    arrested = partial_date_column("arrested_on", _("arrested on"))
    released = partial_date_column("released_on", _("released on"))
    search_fields = ("person__display_name", "facility", "arrest_place", "charges__article")
    autocomplete_fields = ("person", "legal_stage", "release_reason", "arresting_authority")
    list_select_related = ("person", "legal_stage")
    inlines = (
        ChargeInline,
        CaseEventInline,
        CustodyPeriodInline,
        PaceAssessmentInline,
        CitationInline,
    )
    fieldsets = (
        (None, {"fields": ("person", ("arrested_on", "arrest_place"), "arresting_authority")}),
        (_("Proceedings"), {"fields": ("legal_stage", "facility", "sentence_months")}),
        (_("Release"), {"fields": (("released_on", "release_reason"),)}),
        (_("Public"), {"fields": ("summary", "visibility")}),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )


@admin.register(Charge)
class ChargeAdmin(RecordAdmin):
    list_display = ("article", "description", "detention", "visibility")
    search_fields = ("article", "description", "detention__person__display_name")
    autocomplete_fields = ("detention",)


@admin.register(CaseEvent)
class CaseEventAdmin(RecordAdmin):
    list_display = ("kind", "occurred", "detention", "visibility")
    list_filter = ("kind", "visibility", year_filter("occurred_on", _("year")))
    occurred = partial_date_column("occurred_on", _("date"))
    search_fields = ("detention__person__display_name", "description")
    autocomplete_fields = ("detention", "kind", "organization")
    list_select_related = ("kind", "detention__person")
    inlines = (CitationInline,)


@admin.register(PaceAssessment)
class PaceAssessmentAdmin(RecordAdmin):
    list_display = ("criterion", "detention", "visibility")
    list_filter = ("criterion",)
    search_fields = ("detention__person__display_name", "justification")
    autocomplete_fields = ("detention",)


# --- allegations and statements ----------------------------------------------------


@admin.register(Allegation)
class AllegationAdmin(RecordAdmin):
    list_display = ("kind", "victim", "started", "count", "status", "visibility")
    list_filter = ("kind", "status", "visibility", year_filter("started_on", _("year")))
    started = partial_date_column("started_on", _("started on"))
    search_fields = ("person__display_name", "victim_description", "description", "perpetrator")
    autocomplete_fields = (
        "person",
        "reported_by",
        "detention",
        "kind",
        "status",
        "perpetrator_organization",
        "facility",
    )
    list_select_related = ("kind", "status", "person")
    inlines = (CitationInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "kind",
                    ("person", "victim_description"),
                    ("reported_by", "reported_by_description"),
                    ("detention", "facility"),
                )
            },
        ),
        (_("What happened"), {"fields": (("started_on", "ended_on", "count"), "description")}),
        (_("Perpetrator"), {"fields": (("perpetrator", "perpetrator_organization"),)}),
        (_("Status"), {"fields": ("status", "visibility")}),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )

    @admin.display(description=_("done to"))
    def victim(self, obj):
        return obj.person or obj.victim_description


@admin.register(Statement)
class StatementAdmin(RecordAdmin):
    list_display = ("title", "kind", "issued", "issuer", "visibility")
    list_filter = ("kind", "visibility", "issuer_organization", year_filter("issued_on", _("year")))
    issued = partial_date_column("issued_on", _("issued on"))
    search_fields = ("title", "quote", "summary", "speaker", "issuer_organization__name")
    autocomplete_fields = ("kind", "issuer_organization", "issuer_person", "persons")
    list_select_related = ("kind", "issuer_organization", "issuer_person")
    inlines = (CitationInline,)

    @admin.display(description=_("issuer"))
    def issuer(self, obj):
        return obj.issuer_organization or obj.issuer_person


@admin.register(IssuedSlug)
class IssuedSlugAdmin(ReadOnlyRegisterAdmin):
    """Every person slug ever issued: none is given to anyone else."""

    list_display = ("slug", "issued_at")
    search_fields = ("slug",)


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyRegisterAdmin):
    """Deletes and visibility downgrades, written by database triggers for partner sync."""

    list_display = ("kind", "uuid", "previous_visibility", "visibility", "withdrawn_at")
    list_filter = ("kind",)
    search_fields = ("uuid",)


@admin.register(Merge)
class MergeAdmin(admin.ModelAdmin):
    """Merges of duplicate persons; an editor can undo one."""

    list_display = ("merged", "kept", "merged_by", "merged_at", "undone_at")
    list_select_related = ("merged", "kept", "merged_by")
    actions = ["undo"]
    readonly_fields = (
        "kept",
        "merged",
        "moved",
        "merged_by",
        "merged_at",
        "undone_at",
        "undone_by",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_merge_persons_permission(self, request):
        return request.user.has_perm(services.MERGE_PERMISSION)

    @admin.action(description=_("Undo the selected merges"), permissions=["merge_persons"])
    def undo(self, request, queryset):
        for merge in queryset.filter(undone_at__isnull=True):
            services.merge_undo(merge=merge, user=request.user)
        self.message_user(request, _("Undone."), messages.SUCCESS)


@admin.register(SeedRecord)
class SeedRecordAdmin(ReadOnlyRegisterAdmin):
    """Records the seed loader created: one deleted since is not brought back."""

    list_display = ("uuid", "loaded_at")
    search_fields = ("uuid",)
