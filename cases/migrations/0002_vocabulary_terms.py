"""The starting terms of every vocabulary (cases.choices.VOCABULARIES)."""

from django.db import migrations

# Frozen here: later edits to choices.py must come with a migration of their own.
IN_DETENTION_STAGES = {"pre-trial-detention", "house-arrest", "on-trial", "convicted", "on-appeal"}


def add_terms(apps, schema_editor):
    from cases.choices import VOCABULARIES

    for model_name, terms in VOCABULARIES.items():
        model = apps.get_model("cases", model_name)
        for order, (code, label) in enumerate(terms, start=1):
            defaults = {"label": label, "sort_order": order * 10}
            if model_name == "LegalStage":
                defaults["in_detention"] = code in IN_DETENTION_STAGES
            model.objects.update_or_create(code=code, defaults=defaults)


def remove_terms(apps, schema_editor):
    from cases.choices import VOCABULARIES

    for model_name, terms in VOCABULARIES.items():
        apps.get_model("cases", model_name).objects.filter(
            code__in=[code for code, _label in terms]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(add_terms, remove_terms)]
