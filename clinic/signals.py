"""A saved change to the site settings retires every cached page once it is committed, like any content change."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.content_version import bump_content_version

from .models import SiteSettings


@receiver([post_save, post_delete], sender=SiteSettings)
def site_settings_changed(sender, **kwargs):
    transaction.on_commit(bump_content_version)
