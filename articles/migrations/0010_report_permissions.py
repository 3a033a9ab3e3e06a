"""Publishers read and handle readers' problem reports; Editors do not see them."""

from importlib import import_module

from django.db import migrations

roles = import_module("articles.migrations.0003_roles")


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_problem_reports")]

    operations = [migrations.RunPython(roles.create_roles, migrations.RunPython.noop)]
