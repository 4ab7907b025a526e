"""`cases_search_seen_by` (0025) called on NULL input: the same results (a NULL
level matches no WHEN and gives NULL, as STRICT did), but PostgreSQL inlines a
SQL function's CASE only when it is not STRICT. The words' trigger calls it for
every name and variant written: 712,000 calls, 4.2 s of a 100,000-row case sheet
on a loaded machine, before inlining."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0026_faster_name_prefixes_and_slugs")]

    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION cases_search_seen_by(text) CALLED ON NULL INPUT",
            "ALTER FUNCTION cases_search_seen_by(text) STRICT",
        )
    ]
