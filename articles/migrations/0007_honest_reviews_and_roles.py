"""Review dates that name no reviewer were never a clinical review: clear them (the page then says
"Not yet reviewed by a clinician at this clinic"). Publishers may now publish and approve terms."""

from importlib import import_module

from django.db import migrations

roles = import_module("articles.migrations.0003_roles")


def forward(apps, schema_editor):
    for name in ("Article", "GlossaryTerm"):
        apps.get_model("articles", name).objects.filter(reviewed_by__isnull=True).update(
            last_reviewed=None, next_review_due=None
        )
    roles.create_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_review_workflow")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
