"""What every app's admin builds on: the base of every case table's admin, the
read-only base of the registers the system keeps, and shared list columns and
filters."""

from django.contrib import admin

from cases.admin_workflow import WorkflowAdminMixin


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
