"""A language code as its name in the reader's language: `{{ source.language|language_name }}`
gives "Azerbaijani", "Азербайджанский" or "Azərbaycan dili" for "az", and
"Azerbaijani (Cyrillic)" for "az-Cyrl". The admin may call `language_name` too."""

from django import template
from django.utils.translation import get_language_info, pgettext_lazy
from django.utils.translation import gettext as _

register = template.Library()

# The scripts a language tag may name (ISO 15924), as the sources use them.
SCRIPT_NAMES = {
    "cyrl": pgettext_lazy("script", "Cyrillic"),
    "latn": pgettext_lazy("script", "Latin"),
    "arab": pgettext_lazy("script", "Arabic"),
}


def _known_name(code: str) -> str | None:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return None


@register.filter
def language_name(code: str) -> str:
    """The name of a language tag in the active language; a tag Django does not
    know is shown as it is written, so nothing recorded is hidden."""
    code = (code or "").strip()
    if not code:
        return ""
    subtags = code.lower().replace("_", "-").split("-")
    script = next((s for s in subtags[1:] if s in SCRIPT_NAMES), None)
    if script:
        name = _known_name(subtags[0])
        if name:
            return _("%(language)s (%(script)s)") % {
                "language": name,
                "script": SCRIPT_NAMES[script],
            }
    return _known_name("-".join(subtags)) or code
