"""The starting terms of every vocabulary, frozen as they were when this
migration was written (cases.choices.VOCABULARIES may grow later; new terms come
with a migration of their own)."""

from django.db import migrations

TERMS = {
    "Occupation": [
        ("journalist", "journalist"),
        ("human-rights-defender", "human rights defender"),
        ("activist", "activist"),
        ("academic", "academic"),
        ("economist", "economist"),
        ("opposition-politician", "opposition politician"),
        ("religious-believer", "religious believer"),
        ("lawyer", "lawyer"),
        ("blogger", "blogger"),
        ("lgbtq-person", "LGBTQ+ person"),
        ("student", "student"),
        ("other", "other"),
    ],
    "LegalStage": [
        ("pre-trial-detention", "pre-trial detention"),
        ("house-arrest", "house arrest"),
        ("on-trial", "on trial"),
        ("convicted", "convicted"),
        ("on-appeal", "on appeal"),
        ("released", "released"),
        ("pardoned", "pardoned"),
        ("acquitted", "acquitted"),
        ("in-exile", "in exile"),
        ("deceased", "deceased"),
    ],
    "CaseEventKind": [
        ("arrested", "arrested"),
        ("pre-trial-detention-ordered", "pre-trial detention ordered"),
        ("pre-trial-detention-extended", "pre-trial detention extended"),
        ("house-arrest-ordered", "house arrest ordered"),
        ("charged", "charged"),
        ("trial-opened", "trial opened"),
        ("sentenced", "sentenced"),
        ("appeal-rejected", "appeal rejected"),
        ("appeal-granted", "appeal granted"),
        ("transferred", "transferred"),
        ("released", "released"),
        ("pardoned", "pardoned"),
        ("award-received", "award received"),
    ],
    "ReleaseReason": [
        ("pardon", "pardon"),
        ("sentence-served", "sentence served"),
        ("acquitted", "acquitted"),
        ("released-to-house-arrest", "released to house arrest"),
        ("released-on-bail", "released on bail"),
        ("amnesty", "amnesty"),
        ("other", "other"),
    ],
    "AllegationKind": [
        ("torture", "torture"),
        ("ill-treatment", "ill-treatment"),
        ("hunger-strike", "hunger strike"),
        ("arbitrary-detention", "arbitrary detention"),
        ("incommunicado-detention", "incommunicado detention"),
        ("denial-of-medical-care", "denial of medical care"),
        ("denial-of-access-to-a-lawyer", "denial of access to a lawyer"),
        ("coerced-confession", "coerced confession"),
        ("threats-to-relatives", "threats to relatives"),
        ("other", "other"),
    ],
    "AllegationStatus": [
        ("reported", "reported"),
        ("corroborated", "corroborated"),
        ("denied-by-the-authorities", "denied by the authorities"),
        ("under-investigation", "under investigation"),
        ("prosecuted", "prosecuted"),
    ],
    "StatementKind": [
        ("call-for-release", "call for release"),
        ("report", "report"),
        ("concluding-observations", "concluding observations"),
        ("resolution", "resolution"),
        ("court-decision", "court decision"),
        ("award", "award"),
        ("government-reply", "government reply"),
        ("other", "other"),
    ],
    "SourceKind": [
        ("news-article", "news article"),
        ("ngo-report", "NGO report"),
        ("un-document", "UN document"),
        ("government-statement", "government statement"),
        ("court-document", "court document"),
        ("testimony", "testimony"),
        ("other", "other"),
    ],
}
IN_DETENTION_STAGES = {"pre-trial-detention", "house-arrest", "on-trial", "convicted", "on-appeal"}


def add_terms(apps, schema_editor):
    for model_name, terms in TERMS.items():
        model = apps.get_model("cases", model_name)
        for order, (code, label) in enumerate(terms, start=1):
            defaults = {"label": label, "sort_order": order * 10}
            if model_name == "LegalStage":
                defaults["in_detention"] = code in IN_DETENTION_STAGES
            model.objects.update_or_create(code=code, defaults=defaults)


def remove_terms(apps, schema_editor):
    for model_name, terms in TERMS.items():
        apps.get_model("cases", model_name).objects.filter(
            code__in=[code for code, _label in terms]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(add_terms, remove_terms)]
