"""The researchers' workflow in the admin, shared by every case table's admin:
no lost edits (a save over someone else's newer save is refused and shows
their change), the trash instead of deletes, each record's history with
restore, publishing by editors only, and exports limited to what the list
shows, with spreadsheet formulae escaped."""

from __future__ import annotations

import datetime

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin
from import_export.formats import base_formats
from pghistory.models import Events

from access.forms import PasswordConfirmationForm
from cases import evidence, services
from cases.choices import Visibility
from cases.models import Allegation, CaseEvent, Detention, Statement
from cases.spreadsheets import escape_formula
from cases.visibility import Reader, visible

HIDDEN_FIELDS = ("name_key", "deleted_at")
PROBLEMS_SHOWN = 20  # facts named in a refused bulk publish; the rest on Needs sources


# --- no lost edits ---------------------------------------------------------------------


def _saved_at(event) -> datetime.datetime | None:
    value = (event.pgh_data or {}).get("updated_at")
    return parse_datetime(value) if isinstance(value, str) else None


def changes_since(obj, since: datetime.datetime | None) -> list[dict]:
    """The history of `obj` saved after `since` (by the saved row's updated_at:
    the event time is its transaction's start), newest first: who, when, what."""
    rows = list(Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:200])
    if since is not None:
        rows = [e for e in rows if (_saved_at(e) or e.pgh_created_at) > since]
    return _described(rows)


def _described(rows: list) -> list[dict]:
    users = {
        u.pk: u.get_username()
        for u in get_user_model().objects.filter(
            pk__in={(e.pgh_context or {}).get("user") for e in rows} - {None}
        )
    }
    return [
        {
            "event": e,
            "at": e.pgh_created_at,
            "label": e.pgh_label,
            "who": users.get((e.pgh_context or {}).get("user"), ""),
            "where": (e.pgh_context or {}).get("url")
            or (e.pgh_context or {}).get("command")
            or (e.pgh_context or {}).get("action", ""),
            "action": (e.pgh_context or {}).get("action", ""),
            "diff": {
                field: values
                for field, values in (e.pgh_diff or {}).items()
                if field not in ("updated_at", *HIDDEN_FIELDS)
            },
        }
        for e in rows
    ]


CASE_HISTORY_LIMIT = 300


def case_changes(person) -> list[dict]:
    """The changes to a person and to everything under them (name variants,
    affiliations, detentions and their charges, events and PACE criteria,
    allegations, the statements naming them, the citations of all of these),
    newest first, each with the record it changed (`record`) and whether it is
    a version of the person that may be restored (`restorable`)."""
    sources = [person]
    for queryset in (
        Detention.objects.filter(person=person),
        CaseEvent.objects.filter(detention__person=person),
        Allegation.objects.filter(person=person),
        Statement.objects.filter(persons=person),
    ):
        if queryset.exists():
            sources.append(queryset)
    seen: dict = {}
    for referenced in sources:
        query = Events.objects.references(referenced)
        for event in query.order_by("-pgh_created_at", "-pgh_id")[:CASE_HISTORY_LIMIT]:
            seen[(event.pgh_model, event.pgh_id)] = event
    rows = sorted(seen.values(), key=lambda e: (e.pgh_created_at, e.pgh_id), reverse=True)
    rows = rows[:CASE_HISTORY_LIMIT]
    names = _record_names(rows)
    person_model = f"{person._meta.app_label}.{person._meta.object_name}"
    newest_own = True
    changes = _described(rows)
    for change in changes:
        e = change["event"]
        own = e.pgh_obj_model == person_model and str(e.pgh_obj_id) == str(person.pk)
        change["record"] = names.get((e.pgh_obj_model, str(e.pgh_obj_id)), "")
        change["restorable"] = own and not newest_own and e.pgh_label != "delete"
        if own:
            newest_own = False
    return changes


def _record_names(rows) -> dict:
    """(model label, id) -> "Detention: …" for the records the events changed
    (one query per kind of record; a record deleted since is named by its id)."""
    wanted: dict = {}
    for e in rows:
        wanted.setdefault(e.pgh_obj_model, set()).add(str(e.pgh_obj_id))
    names = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        found = model._base_manager.in_bulk([int(i) for i in ids if str(i).isdigit()])
        kind = str(model._meta.verbose_name).capitalize()
        for record_id in ids:
            record = found.get(int(record_id)) if str(record_id).isdigit() else None
            names[(label, record_id)] = f"{kind}: {record}" if record else f"{kind} #{record_id}"
    return names


def describe_changes(changes: list[dict]) -> str:
    parts = []
    for change in changes:
        fields = "; ".join(
            f"{field}: {before!r} → {after!r}" for field, (before, after) in change["diff"].items()
        )
        parts.append(
            _("%(who)s at %(at)s changed %(fields)s")
            % {
                "who": change["who"] or _("someone"),
                "at": change["at"].strftime("%Y-%m-%d %H:%M:%S"),
                "fields": fields or _("the record"),
            }
        )
    return " ".join(parts)


class VersionedModelForm(forms.ModelForm):
    """Carries the `updated_at` the researcher started from. Saving over a newer
    save is refused with the other change shown; the form keeps what this
    researcher typed, so nothing is lost on either side. The row is locked
    while checking, so two saves cannot both pass."""

    edit_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.updated_at:
            self.fields["edit_version"].initial = self.instance.updated_at.isoformat()
        # The evidence rule (cases.evidence) reads the level the fact had before this
        # save; a citation formset under this form finds the form through its record.
        self.stored_visibility = self.instance.visibility if self.instance.pk else None
        self.citation_formset = None
        self.instance._admin_form = self

    def clean(self):
        cleaned = super().clean()
        if self.citation_formset is None:  # else the formset checks, with its rows
            self.refuse_uncited(cleaned.get("visibility", self.instance.visibility))
        if not self.instance.pk:
            return cleaned
        started_from = parse_datetime(self.data.get(self.add_prefix("edit_version"), "") or "")
        model = type(self.instance)
        current = (
            model.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if started_from is None or current is None or current <= started_from:
            return cleaned
        changes = changes_since(self.instance, started_from)
        raise ValidationError(
            _(
                "%(record)s was changed by someone else while you were editing it: %(changes)s "
                "Your changes were not saved and are still in the form. Open the record in a "
                "new tab to see the current version, then save again."
            )
            % {"record": self.instance, "changes": describe_changes(changes)},
            code="edit_conflict",
        )

    def refuse_uncited(self, visibility: str, citations=None) -> bool:
        """The evidence rule for this save: a fact is saved at partners or public
        level only with a citation that level's reader may see (`citations`: the
        fact's citations as the citation formset would leave them; None: as
        stored). The message goes on the visibility field; True when refused."""
        problems = evidence.publication_problems(
            self.instance,
            visibility,
            stored_visibility=self.stored_visibility,
            citations=citations,
        )
        for problem in problems:
            self.add_error("visibility" if "visibility" in self.fields else None, problem)
        return bool(problems)


class CitationFormSet(BaseInlineFormSet):
    """The citations under a fact, checked with the fact: a fact at partners or
    public level needs one of them (as this form leaves them: rows added,
    changed, kept; not those deleted) that the level's reader may see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fact_form = getattr(self.instance, "_admin_form", None)
        if self.fact_form is not None:
            self.fact_form.citation_formset = self

    def citations_as_saved(self) -> list:
        """The fact's citations as saving this formset would leave them."""
        kept = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty extra row
            kept.append(form.instance)
        return kept

    def clean(self):
        super().clean()
        form = self.fact_form
        if form is None or not evidence.is_fact(type(self.instance)):
            return
        visibility = self.instance.visibility  # the fact form's value, applied to it
        if form.refuse_uncited(visibility, self.citations_as_saved()):
            raise ValidationError(
                _("The record above cannot be saved at this level with these citations: "
                  "see its visibility field."),
                code="uncited",
            )  # fmt: skip


# --- the trash instead of deletes ------------------------------------------------------


class TrashingInlineFormSet(BaseInlineFormSet):
    """ "Delete" on an inline row moves the row to the trash."""

    def delete_existing(self, obj, commit=True):
        if commit:
            services.records_trash(
                queryset=type(obj).objects.filter(pk=obj.pk), user=getattr(self, "user", None)
            )


class CitationTrashingFormSet(CitationFormSet, TrashingInlineFormSet):
    """The citation inline's formset: the evidence rule, and deletes to the trash."""


class RecordInlineMixin:
    """For inlines of case tables: versioned rows, the trash, visibility for editors."""

    form = VersionedModelForm
    formset = TrashingInlineFormSet

    def get_queryset(self, request):
        return visible(super().get_queryset(request), Reader.STAFF)

    def get_fields(self, request, obj=None):
        return [*super().get_fields(request, obj), "edit_version"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(services.PUBLISH_PERMISSION):
            readonly.append("visibility")
        return readonly

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset


# --- exports ---------------------------------------------------------------------------


class _EscapingFormat:
    """A spreadsheet format whose text cells beginning with =, +, -, @ (or a tab
    or carriage return) are prefixed with ' so that a spreadsheet shows them
    instead of running them."""

    def export_data(self, dataset, **kwargs):
        escaped = dataset.__class__(headers=dataset.headers)
        for row in dataset:
            escaped.append([escape_formula(c) if isinstance(c, str) else c for c in row])
        return super().export_data(escaped, **kwargs)


class EscapedCSV(_EscapingFormat, base_formats.CSV):
    pass


class EscapedXLSX(_EscapingFormat, base_formats.XLSX):
    pass


EXPORT_FORMATS = [EscapedCSV, EscapedXLSX, base_formats.JSON]


# --- the admin of a case table ---------------------------------------------------------


class WorkflowAdminMixin(ExportMixin):
    """Every case table's admin: see the module docstring."""

    form = VersionedModelForm
    formats = EXPORT_FORMATS
    delete_confirmation_template = "admin/casebook/trash_confirmation.html"
    delete_selected_confirmation_template = "admin/casebook/trash_selected_confirmation.html"
    object_history_template = "admin/casebook/history.html"
    actions = ["publish_public", "publish_partners", "make_internal"]

    def get_queryset(self, request):
        # staff see every level, but nothing in the trash or under a trashed record
        return visible(super().get_queryset(request), Reader.STAFF)

    def get_export_queryset(self, request):
        # the list as the user sees it (filters, search; nothing in the trash)
        return visible(super().get_export_queryset(request), Reader.STAFF)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        return [*fieldsets, (None, {"fields": ("edit_version",), "classes": ("hidden",)})]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(services.PUBLISH_PERMISSION):
            readonly.append("visibility")  # records start internal; editors publish
        return readonly

    # the trash

    def get_deleted_objects(self, objs, request):
        # nothing cascades: the records move to the trash, their children stay with them
        to_trash = [str(obj) for obj in objs]
        has_permission = self.has_delete_permission(request)
        return to_trash, {}, (set() if has_permission else {self.opts.verbose_name}), []

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request,
            _("“%s” is in the trash now. An editor can restore it from there.") % obj_display,
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        )

    def delete_model(self, request, obj):
        services.records_trash(queryset=type(obj).objects.filter(pk=obj.pk), user=request.user)

    def delete_queryset(self, request, queryset):
        services.records_trash(queryset=queryset, user=request.user)

    # publishing

    def has_publish_permission(self, request):
        return request.user.has_perm(services.PUBLISH_PERMISSION)

    def _publish(self, request, queryset, visibility):
        try:
            changed = services.records_publish(
                queryset=queryset, visibility=visibility, user=request.user
            )
        except ValidationError as error:
            self._refuse_publishing(request, error.messages)
            return
        self.message_user(
            request,
            _("%(n)d record(s) now %(level)s.")
            % {"n": changed, "level": Visibility(visibility).label},
            messages.SUCCESS,
        )

    def _refuse_publishing(self, request, problems: list[str]) -> None:
        """The evidence rule refused: an error naming each fact (the first few) and
        where to see them all."""
        shown = problems[:PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        self.message_user(
            request,
            format_html(
                "{}<ul>{}</ul>{}",
                _("Nothing was published: %(n)d selected record(s) lack the evidence "
                  "readers at that level must be able to see.") % {"n": len(problems)},
                format_html_join("", "<li>{}</li>", ((problem,) for problem in shown)),
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("and %(n)d more.") % {"n": more} if more else "",
                    reverse("admin:cases_needs_sources"),
                    _("Needs sources: every fact that lacks one"),
                ),
            ),
            messages.ERROR,
        )  # fmt: skip

    def _publish_confirmed(self, request, queryset, visibility, action):
        """Publishing many records at once is confirmed on a second page that lists
        them and asks for the editor's password again. Facts that may not be
        published (cases.evidence) are named before that page, and nothing is."""
        refusals = evidence.publication_refusals(
            queryset.exclude(visibility=visibility), visibility
        )
        if refusals:
            self._refuse_publishing(request, [refusal.message for refusal in refusals])
            return None
        if request.POST.get("post") == "yes":
            form = PasswordConfirmationForm(request.POST, request=request)
            if form.is_valid():
                self._publish(request, queryset, visibility)
                return None
        else:
            form = PasswordConfirmationForm(request=request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Confirm publishing"),
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action": action,
            "level": Visibility(visibility).label,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/casebook/publish_confirmation.html", context)

    @admin.action(description=gettext_lazy("Publish selected (public)"), permissions=["publish"])
    def publish_public(self, request, queryset):
        return self._publish_confirmed(request, queryset, Visibility.PUBLIC, "publish_public")

    @admin.action(description=gettext_lazy("Share selected with partners"), permissions=["publish"])
    def publish_partners(self, request, queryset):
        return self._publish_confirmed(request, queryset, Visibility.PARTNERS, "publish_partners")

    # taking records out of public view is never slowed down by a confirmation
    @admin.action(description=gettext_lazy("Make selected internal"), permissions=["publish"])
    def make_internal(self, request, queryset):
        self._publish(request, queryset, Visibility.INTERNAL)

    # history and restore

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/<int:event_id>/restore/",
                self.admin_site.admin_view(self.restore_version_view),
                name=f"{info[0]}_{info[1]}_restore_version",
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        case = self.opts.model_name == "person"  # a person's page: the whole case
        changes = case_changes(obj) if case else changes_since(obj, None)
        if not case:
            for index, change in enumerate(changes):
                change["restorable"] = index > 0 and change["label"] != "delete"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "case": case,
            "title": _("History: %s") % obj,
            "changes": changes,
            "can_restore": request.user.has_perm(services.RESTORE_PERMISSION),
            "restore_url_name": f"admin:{self.opts.app_label}_{self.opts.model_name}"
            "_restore_version",
        }
        return TemplateResponse(request, self.object_history_template, context)

    def restore_version_view(self, request, object_id, event_id):
        if request.method != "POST":
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise PermissionDenied
        event_model = apps.get_model(self.opts.app_label, f"{self.opts.object_name}Event")
        event = get_object_or_404(event_model, pk=event_id, pgh_obj_id=obj.pk)
        try:
            services.record_restore_version(obj=obj, event=event, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                format_html(_("Restored the version of {}."), event.pgh_created_at),
                messages.SUCCESS,
            )
        return HttpResponseRedirect(
            reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[obj.pk],
            )
        )
