"""Publishers read and change the site settings; Editors read them. Superusers keep every permission."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {"Editor": ["view_sitesettings"], "Publisher": ["view_sitesettings", "change_sitesettings"]}


def grant(apps, schema_editor):
    # Permissions are normally created after migrations; the groups need them now.
    app_config = apps.get_app_config("clinic")
    original = getattr(app_config, "models_module", None)
    app_config.models_module = original or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="clinic", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="clinic"))


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
        ("articles", "0012_markdown_limits"),  # the roles exist
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
