"""Officials in the admin: an official with the other spellings of the name,
positions, the official's own citations and the involvements in cases; a
position and an involvement each with their citations. Officials are found by
any spelling (officials.reads, the same name keys as persons). A photo is kept
only with its source and provenance (the form says so before the database
refuses it). An involvement is in exactly one fact of a case, chosen by
autocomplete and shown on its page; it starts internal, and only an editor makes
it public, by the evidence rule (cases.evidence: an alleged perpetrator needs
sources from two different publishers)."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.db.models.fields.files import ImageField
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases import evidence, services
from cases.admin_bases import CitationInline, RecordAdmin, language_column, partial_date_column
from cases.admin_workflow import RecordInlineMixin, VersionedModelForm
from cases.search import SearchQueryError
from cases.uploads import PhotoField
from cases.visibility import Reader
from officials.forms import InvolvementForm
from officials.models import INVOLVEMENT_TARGETS, Involvement, Official, OfficialName, Position
from officials.reads import search_officials

PHOTO_RULE = _(
    "A photo is kept only with where it was published (its source) and its provenance: an "
    "official's published photo once proved to be someone else's."
)


# --- the forms -----------------------------------------------------------------------------


class OfficialForm(VersionedModelForm):
    """An official; a photo only with its source and provenance, said on each
    field that is missing before the database's constraint
    (official_photo_has_provenance) would refuse the row."""

    def clean(self):
        cleaned = super().clean()
        self.photo_errors = {}
        photo = cleaned.get("photo", self.instance.photo)
        if not photo:  # no photo, or the photo being removed
            return cleaned
        if not cleaned.get("photo_source") and "photo_source" not in self.errors:
            self.photo_errors["photo_source"] = _(
                "A photo is kept only with its source: choose the source that published this "
                "photo naming this official, or remove the photo."
            )
        if not (cleaned.get("photo_provenance") or "").strip():
            self.photo_errors["photo_provenance"] = _(
                "A photo is kept only with its provenance: say who took or published it, when, "
                "and how you checked that it shows this official and not a namesake; or remove "
                "the photo."
            )
        for field, message in self.photo_errors.items():
            self.add_error(field, message)
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # The model's own check (Official.clean) repeats the messages above in fewer
        # words, on the provenance: where this form said which part is missing, its
        # messages alone stay.
        photo_errors = getattr(self, "photo_errors", {})
        if photo_errors:
            self._errors.pop("photo_provenance", None)
            for field, message in photo_errors.items():
                self._errors[field] = self.error_class([message])


# --- inlines -------------------------------------------------------------------------------


class OfficialNameInline(RecordInlineMixin, admin.TabularInline):
    model = OfficialName
    extra = 1
    fields = ("name", "language", "visibility")
    verbose_name_plural = _("other names and spellings (any script)")


class PositionInline(RecordInlineMixin, admin.TabularInline):
    model = Position
    extra = 0
    fields = ("organization", "title", "started_on", "ended_on", "visibility")
    autocomplete_fields = ("organization",)
    show_change_link = True  # its citations are on its own page


class InvolvementInline(RecordInlineMixin, admin.StackedInline):
    """The official's involvements, each in one fact of a case. Its citations are
    on its own page (the link): it is public only with them."""

    model = Involvement
    form = InvolvementForm
    extra = 0
    fields = (
        ("role", "visibility"),
        ("detention", "case_event"),
        ("allegation", "trial"),
        "description",
    )
    autocomplete_fields = INVOLVEMENT_TARGETS
    show_change_link = True
    verbose_name_plural = _("involvements in cases (each in exactly one fact; cite it on its page)")


class OfficialCitationInline(CitationInline):
    verbose_name_plural = _("citations of the official's identity (every public fact needs one)")


# --- the admins ----------------------------------------------------------------------------


class OfficialSearchMixin:
    """Searching a list by the official's name in any spelling (officials.reads)."""

    official_path = "pk"

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        try:
            found = search_officials(search_term, Reader.STAFF)
        except SearchQueryError as error:  # a pasted paragraph: say so, search nothing
            self.message_user(request, str(error), messages.WARNING)
            return queryset.none(), False
        return queryset.filter(**{f"{self.official_path}__in": found.values("pk")}), False


@admin.register(Official)
class OfficialAdmin(OfficialSearchMixin, RecordAdmin):
    form = OfficialForm
    list_display = (
        "name",
        "other_names",
        "nationality",
        "involvements_column",
        "visibility",
        "updated_at",
    )
    list_filter = ("visibility", "photo_visibility")
    search_fields = ("name",)  # widened to every spelling of every name in get_search_results
    search_help_text = _("Any spelling of any of the official's names (Əliyev, Aliyev, Алиев).")
    autocomplete_fields = ("photo_source",)
    readonly_fields = ("slug", "uuid", "created_at", "updated_at")
    # the photo: JPEG, PNG or WebP by content, within PHOTO_MAX_BYTES (cases.uploads)
    formfield_overrides = {ImageField: {"form_class": PhotoField}}
    inlines = (OfficialNameInline, PositionInline, OfficialCitationInline, InvolvementInline)
    fieldsets = (
        (None, {"fields": ("name", ("birth_date", "nationality"), "identifiers")}),
        (_("Public"), {"fields": ("description", "visibility")}),
        (
            _("Photo"),
            {
                "fields": (("photo", "photo_visibility"), "photo_source", "photo_provenance"),
                "description": PHOTO_RULE,
            },
        ),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": (("slug", "uuid"), ("created_at", "updated_at"))}),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(services.PUBLISH_PERMISSION):
            readonly.append("photo_visibility")  # showing the photo is publishing it
        return readonly

    def get_queryset(self, request):
        alive = Q(involvements__deleted_at__isnull=True)
        return (
            super()
            .get_queryset(request)
            .prefetch_related("names")
            .annotate(involvement_count=Count("involvements", filter=alive, distinct=True))
            .order_by(*Official._meta.ordering)  # a grouped query drops the model's ordering
        )

    @admin.display(description=_("other names"))
    def other_names(self, obj):
        return ", ".join(name.name for name in obj.names.all() if name.deleted_at is None)

    @admin.display(description=_("involvements"), ordering="involvement_count")
    def involvements_column(self, obj):
        count = getattr(obj, "involvement_count", None)
        if count is None:
            count = obj.involvements.filter(deleted_at__isnull=True).count()
        if not count:
            return "0"
        url = reverse("admin:officials_involvement_changelist")
        return format_html('<a href="{}?official__id__exact={}">{}</a>', url, obj.pk, count)


@admin.register(OfficialName)
class OfficialNameAdmin(OfficialSearchMixin, RecordAdmin):
    official_path = "official"
    list_display = ("name", "official", "language_name", "visibility")
    list_filter = ("visibility",)
    language_name = language_column("language", _("language or script"))
    search_fields = ("name",)  # any spelling of the official's names: get_search_results
    autocomplete_fields = ("official",)
    list_select_related = ("official",)


@admin.register(Position)
class PositionAdmin(OfficialSearchMixin, RecordAdmin):
    official_path = "official"
    list_display = (
        "official",
        "title",
        "organization",
        "started_on_display",
        "ended_on_display",
        "visibility",
    )
    list_filter = ("visibility",)
    started_on_display = partial_date_column("started_on", _("from"))
    ended_on_display = partial_date_column("ended_on", _("until"))
    search_fields = ("official__name",)  # any spelling: get_search_results
    search_help_text = _("Any spelling of the official's name.")
    autocomplete_fields = ("official", "organization")
    list_select_related = ("official", "organization")
    inlines = (CitationInline,)
    fieldsets = (
        (None, {"fields": ("official", "organization", "title", ("started_on", "ended_on"))}),
        (_("Visibility"), {"fields": ("visibility",)}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )


def describe_involvement_fact(involvement: Involvement) -> str:
    """The fact an involvement is in, linked to its admin page: its kind, what
    it is and whose case ("Detention “Bakhtiyar Hajiyev, 2024-03”")."""
    for target in INVOLVEMENT_TARGETS:
        if getattr(involvement, f"{target}_id"):
            fact = getattr(involvement, target)
            opts = fact._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[fact.pk])
            return format_html('<a href="{}">{}</a>', url, evidence.describe_fact(fact))
    return "—"


@admin.register(Involvement)
class InvolvementAdmin(OfficialSearchMixin, RecordAdmin):
    official_path = "official"
    form = InvolvementForm
    list_display = ("official", "role", "fact_column", "visibility", "updated_at")
    list_filter = ("role", "visibility")
    search_fields = ("official__name",)  # any spelling: get_search_results
    search_help_text = _("Any spelling of the official's name.")
    autocomplete_fields = ("official", *INVOLVEMENT_TARGETS, "reply_source")
    list_select_related = (
        "official",
        "detention__person",
        "case_event__detention__person",
        "case_event__kind",
        "allegation__person",
        "trial",
    )
    readonly_fields = ("fact_chosen", "uuid", "created_at", "updated_at")
    inlines = (CitationInline,)
    fieldsets = (
        (None, {"fields": ("official", "role")}),
        (
            _("The fact of a case"),
            {
                "fields": (("detention", "case_event"), ("allegation", "trial"), "fact_chosen"),
                "description": _(
                    "Exactly one: the detention, the case event (such as a sentencing), the "
                    "allegation or the trial the official was involved in."
                ),
            },
        ),
        (
            _("Public"),
            {
                "fields": ("description", "visibility"),
                "description": _(
                    "New involvements start internal; an editor makes them public when their "
                    "citations allow it. An alleged perpetrator is made public only on sources "
                    "from two different publishers."
                ),
            },
        ),
        (_("The official's reply or denial"), {"fields": ("reply", "reply_on", "reply_source")}),
        (_("Staff only"), {"fields": ("internal_notes",)}),
        (_("Identifiers"), {"fields": ("uuid", ("created_at", "updated_at"))}),
    )

    @admin.display(description=_("fact"))
    def fact_column(self, obj):
        return describe_involvement_fact(obj)

    @admin.display(description=_("fact chosen"))
    def fact_chosen(self, obj):
        if obj is None or obj.pk is None:
            return _("Saved with the involvement: the one fact chosen above.")
        return describe_involvement_fact(obj)
