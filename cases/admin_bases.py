"""What every app's admin builds on: the base of every case table's admin, the
read-only base of the registers the system keeps, shared list columns and
filters, and the citation inline under every fact (cases' and sources')."""

from django.contrib import admin
from django.forms.models import InlineForeignKeyField
from django.utils.translation import gettext_lazy as _

from cases.admin_workflow import (
    CitationTrashingFormSet,
    RecordInlineMixin,
    VersionedModelForm,
    WorkflowAdminMixin,
)
from sources.models import Citation
from sources.templatetags.language_names import language_name


def partial_date_column(field_name: str, label):
    """A list column showing a partial date at its precision ("November 2023")."""

    @admin.display(description=label, ordering=field_name)
    def column(model_admin, obj):
        return getattr(obj, f"{field_name}_partial") or "—"

    column.__name__ = f"{field_name}_display"
    return column


def year_filter(field_name: str, label):
    """A list filter by year: the only grain every partial date has."""

    class YearFilter(admin.SimpleListFilter):
        title = label
        parameter_name = f"{field_name}_year"

        def lookups(self, request, model_admin):
            years = (
                model_admin.get_queryset(request)
                .filter(**{f"{field_name}__isnull": False})
                .dates(field_name, "year", order="DESC")
            )
            return [(str(day.year), str(day.year)) for day in years]

        def queryset(self, request, queryset):
            if self.value() and self.value().isdigit():
                return queryset.filter(**{f"{field_name}__year": int(self.value())})
            return queryset

    return YearFilter


def primary_key(value) -> int | None:
    """A primary key typed into a form or an address, or None: digits, at most 18
    of them (a bigint has 19; a larger number would be a database error)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


class RecordAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    """What every case table's admin shows and does: visibility and timestamps;
    versioned saves, the trash, history with restore, publishing, exports
    (cases.admin_workflow)."""

    readonly_fields = ("uuid", "created_at", "updated_at")
    list_per_page = 50
    save_on_top = True


class ReadOnlyRegisterAdmin(admin.ModelAdmin):
    """Registers the system keeps for itself; shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- citations under the fact they support (every app's facts) ---------------------


class CitationInlineForm(VersionedModelForm):
    """A citation row under the record it supports: that record is its fact.

    Citation.clean counts the facts chosen by their keys, and a record being added
    has no key until it is saved (after every form is checked), so its citations
    counted none. While the row is checked, a stand-in key says "the record being
    added"; the formset links the row to the saved record before saving it."""

    def _record_being_added(self) -> str | None:
        """The name of the row's link to its record, when that record is new."""
        for name, field in self.fields.items():
            if isinstance(field, InlineForeignKeyField) and field.parent_instance.pk is None:
                return name
        return None

    def clean(self):
        cleaned = super().clean()
        name = self._record_being_added()
        if name is not None:
            cleaned.pop(name, None)  # or building the row would reset the stand-in to None
            setattr(self.instance, f"{name}_id", RECORD_BEING_ADDED)
        return cleaned

    def _post_clean(self):
        try:
            super()._post_clean()
        finally:
            name = self._record_being_added()
            if name is not None and getattr(self.instance, f"{name}_id") is RECORD_BEING_ADDED:
                setattr(self.instance, f"{name}_id", None)


class _RecordBeingAdded:
    def __repr__(self) -> str:
        return "<the record being added>"


RECORD_BEING_ADDED = _RecordBeingAdded()


class CitationInline(RecordInlineMixin, admin.TabularInline):
    model = Citation
    form = CitationInlineForm
    formset = CitationTrashingFormSet  # a fact at partners or public level needs one of them
    template = "admin/casebook/citation_inline.html"  # with a link to the guide on citing
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "locator", "excerpt", "confidence", "visibility")
    verbose_name = _("citation")
    verbose_name_plural = _("citations (every public fact needs at least one)")


def language_column(field_name: str, label):
    """A list column showing a language code by its name in the reader's language."""

    @admin.display(description=label, ordering=field_name)
    def column(model_admin, obj):
        code = getattr(obj, field_name)
        return language_name(code) if code else "—"

    column.__name__ = f"{field_name}_name"
    return column


def language_filter(field_name: str, label):
    """A list filter by language, each choice named in the reader's language."""

    class LanguageFilter(admin.SimpleListFilter):
        title = label
        parameter_name = field_name

        def lookups(self, request, model_admin):
            codes = (
                model_admin.get_queryset(request)
                .exclude(**{field_name: ""})
                .values_list(field_name, flat=True)
                .distinct()
            )
            return sorted(((code, language_name(code)) for code in codes), key=lambda c: c[1])

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{field_name: self.value()})
            return queryset

    return LanguageFilter
