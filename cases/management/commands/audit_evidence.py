"""`manage.py audit_evidence`: every partners-level or public fact without a
citation its level's reader may see; exits 1 when there is one."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from cases import evidence


class Command(BaseCommand):
    help = (
        "List every partners-level or public fact (affiliation, detention, case event, "
        "allegation, statement, reported count) without a citation that its readers may see: data written "
        "around the publication rule (raw SQL, older data) or left so when its evidence was "
        "withdrawn. Exits 1 when there is one, 0 otherwise."
    )

    def handle(self, *args, **options):
        found = 0
        for model in evidence.fact_models():
            facts = evidence.published_without_support(model).order_by("pk")
            related = [f.name for f in model._meta.concrete_fields if f.many_to_one]
            change = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
            # a fact at a time: the audit holds no long list in memory
            for fact in facts.select_related(*related).iterator(chunk_size=500):
                found += 1
                self.stdout.write(
                    "\t".join(
                        [
                            model._meta.model_name,
                            str(fact.uuid),
                            fact.visibility,
                            str(fact),
                            reverse(change, args=[fact.pk]),
                        ]
                    )
                )
        if found:
            raise CommandError(
                f"{found} partners-level or public fact(s) without a citation their readers "
                "may see (listed above: kind, uuid, level, what it is, admin page). Cite each "
                "or make it internal; the admin's Needs sources page lists them too.",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Every partners-level and public fact has a citation its readers may see."
            )
        )
