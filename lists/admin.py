"""The lists in the admin: a list with its editions; an edition with its
entries and citations; case groups with their members and citations. Importing
an edition from a file: lists.admin_import."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.admin_bases import CitationInline, RecordAdmin, partial_date_column
from cases.admin_workflow import RecordInlineMixin
from lists.admin_import import EditionImportMixin
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList


class EditionInline(RecordInlineMixin, admin.TabularInline):
    model = Edition
    extra = 0
    fields = ("published_on", "title", "visibility")
    show_change_link = True


@admin.register(PrisonerList)
class PrisonerListAdmin(EditionImportMixin, RecordAdmin):
    list_display = ("title", "publisher", "criteria", "visibility")
    list_filter = ("visibility",)
    search_fields = ("title", "publisher__name", "criteria")
    autocomplete_fields = ("publisher",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = (EditionInline,)


class ListEntryInline(RecordInlineMixin, admin.TabularInline):
    model = ListEntry
    extra = 0
    autocomplete_fields = ("person",)
    fields = ("person", "listed_name", "group", "status", "note", "visibility")


@admin.register(Edition)
class EditionAdmin(RecordAdmin):
    list_display = ("prisoner_list", "published", "title", "visibility")
    list_filter = ("prisoner_list", "visibility")
    published = partial_date_column("published_on", _("published on"))
    search_fields = ("prisoner_list__title", "title")
    autocomplete_fields = ("prisoner_list",)
    list_select_related = ("prisoner_list",)
    inlines = (ListEntryInline, CitationInline)


@admin.register(ListEntry)
class ListEntryAdmin(RecordAdmin):
    list_display = ("person", "edition", "group", "status", "visibility")
    list_filter = ("edition__prisoner_list", "visibility")
    search_fields = ("person__display_name", "listed_name", "group")
    autocomplete_fields = ("person", "edition")
    list_select_related = ("person", "edition__prisoner_list")


class CaseGroupMemberInline(RecordInlineMixin, admin.TabularInline):
    model = CaseGroupMember
    extra = 1
    autocomplete_fields = ("person",)
    fields = ("person", "role", "visibility")


@admin.register(CaseGroup)
class CaseGroupAdmin(RecordAdmin):
    list_display = ("name", "visibility", "updated_at")
    list_filter = ("visibility",)
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (CaseGroupMemberInline, CitationInline)
