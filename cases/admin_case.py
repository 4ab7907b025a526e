"""Publishing a case from its person (issue 15, item 3): one page lists
everything under the person (cases.reads.case_records) with each record's level
and whether the evidence rule can allow it, and publishes the chosen records
together (cases.services.case_publish) after one password confirmation, saying
what stays below the level and why."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from access.forms import PasswordConfirmationForm
from cases import evidence
from cases.choices import Visibility
from cases.reads.case_records import CASE_MODELS, case_records
from cases.services import case_publish
from sources.models import Citation

LEVELS = (Visibility.PUBLIC, Visibility.PARTNERS)
_RANK = {Visibility.INTERNAL: 0, Visibility.PARTNERS: 1, Visibility.PUBLIC: 2}


def _key(record) -> str:
    return f"{record.model._meta.label_lower}:{record.pk}"


class CasePublishingMixin:
    """For the person admin: /<id>/publish-case/."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/publish-case/",
                self.admin_site.admin_view(self.publish_case_view),
                name="{}_{}_publish_case".format(*info),
            ),
            *super().get_urls(),
        ]

    def publish_case_view(self, request, object_id):
        person = self.get_object(request, object_id)
        if person is None or not self.has_publish_permission(request):
            raise PermissionDenied
        level = request.POST.get("level") or request.GET.get("level") or Visibility.PUBLIC
        if level not in LEVELS:
            level = Visibility.PUBLIC
        records = case_records(person)
        uncited = _uncited(records)
        if request.method == "POST":
            chosen_keys = set(request.POST.getlist("record"))
            form = PasswordConfirmationForm(request.POST, request=request)
            if form.is_valid():
                chosen: dict = {}
                for record in records:
                    if _key(record) in chosen_keys:
                        chosen.setdefault(record.model, []).append(record.pk)
                try:
                    changed = case_publish(
                        person=person, chosen=chosen, visibility=level, user=request.user
                    )
                except ValidationError as error:
                    for message in error.messages:
                        self.message_user(request, message, messages.ERROR)
                else:
                    self._report(request, person, level, sum(changed.values()))
                    return redirect(reverse("admin:cases_person_change", args=[person.pk]))
        else:
            form = PasswordConfirmationForm(request=request)
            chosen_keys = {
                _key(r)
                for r in records
                if _RANK[r.visibility] < _RANK[level] and _key(r) not in uncited
            }
        groups = []
        for model in CASE_MODELS:
            rows = [
                {
                    "key": _key(r),
                    "label": r.label,
                    "level": Visibility(r.visibility).label,
                    "at_level": _RANK[r.visibility] >= _RANK[level],
                    "chosen": _key(r) in chosen_keys,
                    "uncited": _key(r) in uncited,
                }
                for r in records
                if r.model is model
            ]
            if rows:
                groups.append({"name": model._meta.verbose_name_plural, "rows": rows})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Publish the case of %(name)s") % {"name": person},
            "opts": self.opts,
            "original": person,
            "groups": groups,
            "form": form,
            "level": level,
            "levels": [(value, Visibility(value).label) for value in LEVELS],
        }
        return TemplateResponse(request, "admin/cases/person/publish_case.html", context)

    def _report(self, request, person, level, changed: int) -> None:
        below = [r for r in case_records(person) if _RANK[r.visibility] < _RANK[level]]
        self.message_user(
            request,
            _("%(n)d record(s) of the case now %(level)s.")
            % {"n": changed, "level": Visibility(level).label},
            messages.SUCCESS,
        )
        if below:
            self.message_user(
                request,
                _("Still below that level (not chosen): %(records)s.")
                % {"records": "; ".join(r.label for r in below)},
                messages.WARNING,
            )


def _uncited(records) -> set[str]:
    """The facts of the case with no citation in the case at all: the evidence
    rule cannot let them out whatever is chosen with them."""
    keys = set()
    for record in records:
        if evidence.is_fact(record.model):
            field = evidence.citation_field(record.model)
            if not Citation.objects.filter(deleted_at__isnull=True, **{field: record.pk}).exists():
                keys.add(_key(record))
    return keys
