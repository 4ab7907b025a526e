"""Issue 13: the terms the corrected seed needs (torture or ill-treatment when a
source does not tell them apart, disbarment, calls for sanctions or other
measures), and every stored name key recomputed with the folding of Russian-style
"y" for ы/ı (Gasymov, Hasanly) that cases.search.name_key now applies."""

from django.db import migrations

from cases.search import name_key

NEW_TERMS = {
    "AllegationKind": [
        ("torture-or-ill-treatment", "torture or ill-treatment", 25),
        ("disbarment", "disbarment of a lawyer", 95),
    ],
    "StatementKind": [("call-for-measures", "call for sanctions or other measures", 15)],
}


def add_terms(apps, schema_editor):
    for model_name, terms in NEW_TERMS.items():
        model = apps.get_model("cases", model_name)
        for code, label, order in terms:
            model.objects.get_or_create(code=code, defaults={"label": label, "sort_order": order})


def remove_terms(apps, schema_editor):
    for model_name, terms in NEW_TERMS.items():
        model = apps.get_model("cases", model_name)
        # a term in use stays: PROTECT would refuse, and the records need it
        for code, _label, _order in terms:
            term = model.objects.filter(code=code).first()
            if term is not None and not any(
                rel.related_model.objects.filter(**{rel.field.name: term}).exists()
                for rel in model._meta.related_objects
            ):
                term.delete()


def recompute_name_keys(apps, schema_editor):
    """With the current folding (the key is for finding, so the newest rules
    apply to old names too). An unnamed person keeps an empty key."""
    Person = apps.get_model("cases", "Person")
    NameVariant = apps.get_model("cases", "NameVariant")
    for person in Person.objects.only("id", "display_name", "is_unnamed", "name_key"):
        key = "" if person.is_unnamed else name_key(person.display_name)
        if key != person.name_key:
            Person.objects.filter(pk=person.pk).update(name_key=key)
    for variant in NameVariant.objects.only("id", "name", "name_key"):
        key = name_key(variant.name)
        if key != variant.name_key:
            NameVariant.objects.filter(pk=variant.pk).update(name_key=key)


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_unnamed_persons_and_described_speakers")]

    operations = [
        migrations.RunPython(add_terms, remove_terms),
        # backwards: the keys stay as they are (a coarser key still finds the person)
        migrations.RunPython(recompute_name_keys, migrations.RunPython.noop),
    ]
