"""The four roles as permission groups. `manage.py setup_roles` makes the groups
hold exactly these permissions; run it after adding a model (migrate does not)."""

from __future__ import annotations

import pghistory.models
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

RESEARCHER = "researcher"
EDITOR = "editor"
ADMINISTRATOR = "administrator"
PARTNER = "partner"

CASE_APPS = ("cases", "sources", "lists", "places", "interventions", "officials", "trials")
# Bookkeeping models no one edits by hand: history events, merges (undone by an
# action), withdrawals (written by triggers), issued slugs and the seed register.
_READ_ONLY = {"merge"}
_HIDDEN = {"withdrawal", "issuedslug", "seedrecord"}

EDITOR_EXTRA = ("cases.publish", "cases.restore", "cases.merge_persons")
ADMINISTRATOR_PERMISSIONS = (
    # users are deactivated, never deleted: the history names who changed what
    "auth.add_user",
    "auth.change_user",
    "auth.view_user",
    "auth.view_group",
    # tokens are revoked, never deleted: the record of who had access stays
    "access.add_partnertoken",
    "access.change_partnertoken",
    "access.view_partnertoken",
    # a colleague who lost phone and backup codes is reset by removing the devices
    "otp_totp.view_totpdevice",
    "otp_totp.delete_totpdevice",
    "otp_static.view_staticdevice",
    "otp_static.delete_staticdevice",
    # locked-out accounts are unlocked by removing their failed attempts
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accessfailurelog",
    "axes.view_accesslog",
)


def _case_models():
    for app_label in CASE_APPS:
        for model in apps.get_app_config(app_label).get_models():
            name = model._meta.model_name
            # history events are read only; a case event (cases.CaseEvent) is a record
            is_history = issubclass(model, pghistory.models.Event)
            if name in _HIDDEN:
                continue
            yield model, ("view" if is_history or name in _READ_ONLY else "edit")


def _codes(model, actions) -> list[str]:
    opts = model._meta
    return [f"{opts.app_label}.{action}_{opts.model_name}" for action in actions]


def role_permissions() -> dict[str, list[str]]:
    """Each role's permissions as "app_label.codename"."""
    researcher, deleting = [], []
    for model, kind in _case_models():
        if kind == "view":
            researcher += _codes(model, ["view"])
        else:
            researcher += _codes(model, ["add", "change", "view"])
            deleting += _codes(model, ["delete"])  # moves to the trash
    return {
        RESEARCHER: researcher,
        EDITOR: researcher + deleting + list(EDITOR_EXTRA),
        ADMINISTRATOR: list(ADMINISTRATOR_PERMISSIONS),
        PARTNER: [],  # partners read the API with a token and never sign in
    }


@transaction.atomic
def roles_apply() -> dict[str, int]:
    """Create the groups and set each one's permissions to exactly its list."""
    ContentType.objects.clear_cache()
    counts = {}
    for role, codes in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = [_permission(code) for code in codes]
        group.permissions.set(permissions)
        counts[role] = len(permissions)
    return counts


def _permission(code: str) -> Permission:
    app_label, codename = code.split(".")
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist:
        raise LookupError(f"permission {code} does not exist: run migrate first") from None
