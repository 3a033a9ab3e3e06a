"""Receivers for invalidation only: a glossary change re-renders the stored HTML that can show it,
and any content change retires the cached pages once the change is committed."""

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import search_index
from .content_version import bump_content_version
from .models import Article, GlossaryTerm, Synonym, rerender_for_term

_state = threading.local()


@contextmanager
def rerender_suppressed():
    """Hold back per-term re-rendering inside the block (bulk imports re-render once themselves)."""
    _state.suppressed = getattr(_state, "suppressed", 0) + 1
    try:
        yield
    finally:
        _state.suppressed -= 1


@receiver(post_save, sender=GlossaryTerm)
def glossary_saved(sender, instance, raw=False, **kwargs):
    # Inside the saving transaction: the term and the pages that link it change together.
    # (A fixture being loaded, raw, brings its own stored HTML and search passages.)
    if raw:
        transaction.on_commit(bump_content_version)
        return
    search_index.sync(instance)
    if instance.links_changed and not getattr(_state, "suppressed", 0):
        names = (*getattr(instance, "previous_names", ()), *instance.names)
        slugs = {instance.slug, getattr(instance, "previous_slug", None) or instance.slug}
        rerender_for_term(names, slugs)
    transaction.on_commit(bump_content_version)


@receiver(post_delete, sender=GlossaryTerm)
def glossary_deleted(sender, instance, **kwargs):
    # A draft links from nowhere, so deleting one changes no other page.
    if instance.is_visible and not getattr(_state, "suppressed", 0):
        rerender_for_term(instance.names, {instance.slug})
    transaction.on_commit(bump_content_version)


@receiver(post_save, sender=Article)
def article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        search_index.sync(instance)
    transaction.on_commit(bump_content_version)


@receiver(post_delete, sender=Article)
@receiver([post_save, post_delete], sender=Synonym)
def content_changed(sender, **kwargs):
    # A synonym changes what search finds, so cached search pages are retired too.
    transaction.on_commit(bump_content_version)
