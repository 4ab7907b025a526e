"""The kinds of place of detention: a stable code and an English label each,
translated in the context "facility kind" (places.models.FacilityKind, whose
terms the migration 0002_facility_kinds writes)."""

from cases.choices import pgettext_noop

FACILITY_KIND_CONTEXT = "facility kind"

FACILITY_KINDS: list[tuple[str, str]] = [
    (
        "police-station",
        pgettext_noop("facility kind", "police station or temporary detention isolator"),
    ),
    ("pre-trial-detention-centre", pgettext_noop("facility kind", "pre-trial detention centre")),
    ("prison", pgettext_noop("facility kind", "prison")),
    ("colony-general", pgettext_noop("facility kind", "correctional colony, general regime")),
    ("colony-strict", pgettext_noop("facility kind", "correctional colony, strict regime")),
    ("colony-special", pgettext_noop("facility kind", "correctional colony, special regime")),
    ("colony-settlement", pgettext_noop("facility kind", "colony-settlement")),
    ("psychiatric-institution", pgettext_noop("facility kind", "psychiatric institution")),
    ("other", pgettext_noop("facility kind", "other")),
]
