"""The two staff roles. Superusers keep every permission."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = [
    "view_article", "add_article", "change_article",
    "view_glossaryterm", "add_glossaryterm", "change_glossaryterm",
    "view_synonym",
]
PUBLISHER = EDITOR + [
    "publish_article", "restore_article", "delete_article",
    "publish_glossaryterm", "restore_glossaryterm", "delete_glossaryterm",
    "view_problemreport", "change_problemreport",
    "add_synonym", "change_synonym", "delete_synonym",
]


def create_roles(apps, schema_editor):
    # Custom permissions are normally created after migrations; this one needs them now.
    app_config = apps.get_app_config("articles")
    original = getattr(app_config, "models_module", None)
    app_config.models_module = original or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Editor", EDITOR), ("Publisher", PUBLISHER)):
        group, _ = Group.objects.get_or_create(name=name)
        # Later migrations run this again: it sets this app's permissions and leaves other apps' alone (clinic's).
        mine = {"content_type__app_label": "articles"}
        group.permissions.remove(*group.permissions.filter(**mine).exclude(codename__in=codenames))
        group.permissions.add(*Permission.objects.filter(**mine, codename__in=codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Publisher"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_editorial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
