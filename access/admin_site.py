"""Casebook's admin site: a staff member reaches it only after a password and a
second factor; partner accounts never do. Its index and side navigation list the
models by the work they serve (cases, sources, vocabularies, access), not by app."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.urls import path
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from access import views
from cases.vocabularies import Vocabulary

PARTNER_GROUP = "partner"


@dataclass(frozen=True)
class Section:
    """A heading of the admin index. `key` names it in the page (`app-<key>`)."""

    key: str
    title: str | Promise


CASES = Section("cases", _("Cases"))
SOURCES = Section("sources", _("Sources and evidence"))
PLACES = Section("places", _("Places of detention"))
INTERVENTIONS = Section("interventions", _("Interventions"))
ACCOUNTABILITY = Section("accountability", _("Officials and trials"))
VOCABULARIES = Section("vocabularies", _("Vocabularies"))
ACCESS = Section("access", _("Access"))
SYSTEM = Section("system", _("System registers"))
# Sections of apps not named below (officials, lists... as they arrive)
# come between these two groups, under their app's name, alphabetically.
LEADING = (CASES, PLACES, ACCOUNTABILITY, INTERVENTIONS, SOURCES)
TRAILING = (VOCABULARIES, ACCESS, SYSTEM)

# Which section lists a model: its label ("app.Model"), else its app's label. A
# model is listed in the order it has here; one found only by its app comes after
# those, alphabetically. A vocabulary term (cases.vocabularies) not named here
# goes to Vocabularies; a model of an app not named here to its app's own section.
SECTION_OF: dict[str, Section] = {
    "cases.Person": CASES,
    "cases.NameVariant": CASES,
    "cases.Affiliation": CASES,
    "cases.Detention": CASES,
    "cases.Charge": CASES,
    "cases.CaseEvent": CASES,
    "cases.PaceAssessment": CASES,
    "cases.Allegation": CASES,
    "cases.Statement": CASES,
    "cases.Organization": CASES,
    "cases.Merge": CASES,
    "sources.Source": SOURCES,
    "sources.Citation": SOURCES,
    "sources.ReportedCount": SOURCES,
    "places.Facility": PLACES,
    "places.CustodyPeriod": PLACES,
    "places.FacilityName": PLACES,
    "interventions.Intervention": INTERVENTIONS,
    "officials.Official": ACCOUNTABILITY,
    "officials.Involvement": ACCOUNTABILITY,
    "officials.Position": ACCOUNTABILITY,
    "trials.Trial": ACCOUNTABILITY,
    "trials.Hearing": ACCOUNTABILITY,
    "cases.Occupation": VOCABULARIES,
    "cases.LegalStage": VOCABULARIES,
    "cases.CaseEventKind": VOCABULARIES,
    "cases.ReleaseReason": VOCABULARIES,
    "cases.AllegationKind": VOCABULARIES,
    "cases.AllegationStatus": VOCABULARIES,
    "cases.StatementKind": VOCABULARIES,
    "cases.SourceKind": VOCABULARIES,
    "auth.User": ACCESS,
    "auth.Group": ACCESS,
    "access.PartnerToken": ACCESS,
    "otp_totp.TOTPDevice": ACCESS,
    "otp_static.StaticDevice": ACCESS,
    "axes.AccessAttempt": ACCESS,
    "axes.AccessFailureLog": ACCESS,
    "axes.AccessLog": ACCESS,
    "cases.IssuedSlug": SYSTEM,
    "cases.Withdrawal": SYSTEM,
    "cases.SeedRecord": SYSTEM,
    # whole apps: their models not named above
    "cases": CASES,
    "sources": SOURCES,
    "places": PLACES,
    "interventions": INTERVENTIONS,
    "officials": ACCOUNTABILITY,
    "trials": ACCOUNTABILITY,
    "auth": ACCESS,
    "access": ACCESS,
    "otp_totp": ACCESS,
    "otp_static": ACCESS,
    "axes": ACCESS,
    "sync": SYSTEM,
}

# Models of other packages, named on the index as a researcher would name them
# (Casebook's own models carry their names in their verbose names).
INDEX_NAMES: dict[str, str | Promise] = {
    "otp_totp.TOTPDevice": _("authenticator apps"),
    "otp_static.StaticDevice": _("backup codes"),
    "axes.AccessAttempt": _("sign-in lockouts"),
    "axes.AccessFailureLog": _("failed sign-ins"),
    "axes.AccessLog": _("sign-ins"),
}

_ORDER = {label: position for position, label in enumerate(SECTION_OF)}


def section_of(model) -> Section | None:
    """The section that lists `model`, or None for its app's own section."""
    opts = model._meta
    if opts.label in SECTION_OF:
        return SECTION_OF[opts.label]
    if issubclass(model, Vocabulary):
        return VOCABULARIES
    return SECTION_OF.get(opts.app_label)


def app_list_by_section(app_dict: dict[str, dict]) -> list[dict]:
    """Django's app dictionary (`AdminSite._build_app_dict`, already cut to what the
    user may see) regrouped into sections, in the shape the admin's templates read.
    A section has no `app_url`: it spans apps, and no one page lists it."""
    declared: dict[Section, list[dict]] = {}
    own: dict[str, dict] = {}
    for app in app_dict.values():
        for model in app["models"]:
            label = model["model"]._meta.label
            if label in INDEX_NAMES:
                model["name"] = capfirst(INDEX_NAMES[label])
            section = section_of(model["model"])
            if section is None:
                own.setdefault(app["app_label"], {**app, "models": []})["models"].append(model)
            else:
                declared.setdefault(section, []).append(model)

    def listed(section: Section) -> dict:
        models = sorted(
            declared[section],
            key=lambda m: (_ORDER.get(m["model"]._meta.label, len(_ORDER)), str(m["name"])),
        )
        return {
            "name": section.title,
            "app_label": section.key,
            "app_url": None,
            "has_module_perms": True,
            "models": models,
        }

    apps_own = sorted(own.values(), key=lambda app: str(app["name"]).lower())
    for app in apps_own:
        app["models"].sort(key=lambda m: str(m["name"]))
    return (
        [listed(section) for section in LEADING if section in declared]
        + apps_own
        + [listed(section) for section in TRAILING if section in declared]
    )


class CasebookAdminSite(admin.AdminSite):
    site_header = _("Casebook")
    site_title = _("Casebook admin")
    index_title = _("Cases, sources and citations")

    def has_permission(self, request):
        user = request.user
        return (
            super().has_permission(request)
            and user.is_verified()
            and not user.groups.filter(name=PARTNER_GROUP).exists()
        )

    def get_app_list(self, request, app_label=None):
        # One app's page (/admin/cases/) keeps Django's list of that app's models.
        if app_label is not None:
            return super().get_app_list(request, app_label)
        return app_list_by_section(self._build_app_dict(request))

    def get_urls(self):
        # Reached between the password and the second factor, so outside admin_view.
        own = [
            # Signing out needs no permission: someone stopped at the second factor may
            # leave. (The admin's own logout, behind admin_view, sends them back instead.)
            path("logout/", self.logout, name="logout"),
            path("two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
            path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
            path(
                "two-factor/backup-codes/",
                self.admin_view(views.backup_codes_renew),
                name="backup_codes_renew",
            ),
        ]
        return own + super().get_urls()
