"""The starting kinds of facility, frozen as they were when this migration was
written (places.choices.FACILITY_KINDS may grow later; new terms come with a
migration of their own)."""

from django.db import migrations

TERMS = [
    ("police-station", "police station or temporary detention isolator"),
    ("pre-trial-detention-centre", "pre-trial detention centre"),
    ("prison", "prison"),
    ("colony-general", "correctional colony, general regime"),
    ("colony-strict", "correctional colony, strict regime"),
    ("colony-special", "correctional colony, special regime"),
    ("colony-settlement", "colony-settlement"),
    ("psychiatric-institution", "psychiatric institution"),
    ("other", "other"),
]


def add_terms(apps, schema_editor):
    FacilityKind = apps.get_model("places", "FacilityKind")
    for order, (code, label) in enumerate(TERMS, start=1):
        FacilityKind.objects.update_or_create(
            code=code, defaults={"label": label, "sort_order": order * 10}
        )


def remove_terms(apps, schema_editor):
    apps.get_model("places", "FacilityKind").objects.filter(
        code__in=[code for code, _ in TERMS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("places", "0001_facilities")]

    operations = [migrations.RunPython(add_terms, remove_terms)]
