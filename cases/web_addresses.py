"""Links to other sites: only http:// and https:// addresses are stored or shown
as links, since a `javascript:` or `data:` address would run in a reader's
browser. The field validates forms and full_clean; the constraint holds for
every other path (raw SQL, bulk writes)."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import URLValidator
from django.db import migrations, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WEB_SCHEMES = ("http", "https")
# http or https, a host, and no white space anywhere (PostgreSQL and Python regex alike)
WEB_ADDRESS_REGEX = r"^https?://[^\s/?#]+[^\s]*$"


def is_web_address(value: str | None) -> bool:
    """Whether a stored value may be rendered as a link."""
    return bool(value) and re.match(WEB_ADDRESS_REGEX, value, re.IGNORECASE) is not None


class WebAddressFormField(forms.URLField):
    default_validators = [URLValidator(schemes=list(WEB_SCHEMES))]
    default_error_messages = {
        "invalid": _("Enter a web address starting with http:// or https://.")
    }


class WebAddressField(models.URLField):
    """A URLField that accepts http and https only (Django's also takes ftp)."""

    default_validators = [URLValidator(schemes=list(WEB_SCHEMES))]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebAddressFormField, **kwargs})


def web_address(field: str, model: str) -> models.CheckConstraint:
    """The address is empty or an http(s) address, whatever path wrote it."""
    return models.CheckConstraint(
        condition=Q(**{field: ""}) | Q(**{f"{field}__iregex": WEB_ADDRESS_REGEX}),
        name=f"{model}_{field}_web_address",
        violation_error_message=_(
            "%(field)s: enter a web address starting with http:// or https://."
        )
        % {"field": field.replace("_", " ")},
    )


def blank_unsafe_addresses(app_label: str, fields: dict[str, list[str]]) -> migrations.RunPython:
    """A migration step run before the constraints: addresses that are not
    http(s) are blanked. Nothing is lost: the history trigger keeps the old
    value, and a record with internal notes says there what was removed."""

    def run(apps, schema_editor):
        for model_name, names in fields.items():
            model = apps.get_model(app_label, model_name)
            for name in names:
                unsafe = model.objects.exclude(**{name: ""}).exclude(
                    **{f"{name}__iregex": WEB_ADDRESS_REGEX}
                )
                for record in unsafe:
                    value = getattr(record, name)
                    setattr(record, name, "")
                    if hasattr(record, "internal_notes"):
                        note = f"{name} removed (only http:// and https:// are accepted): {value}"
                        record.internal_notes = "\n\n".join(
                            part for part in (record.internal_notes, note) if part
                        )
                    record.save()

    return migrations.RunPython(run, migrations.RunPython.noop)
