from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ArticlesConfig(AppConfig):
    default = True
    name = "articles"
    verbose_name = "Guide content"

    def ready(self):
        from . import content_version, page_cache, signals  # noqa: F401  (signals connects the receivers)

        page_cache.configure(version=content_version.content_version, stale=content_version.is_stale)


class StaffAdminConfig(admin_apps.AdminConfig):
    """The admin, with the staff home (dashboard.py) as its index."""

    default = False
    default_site = "articles.dashboard.StaffAdminSite"
