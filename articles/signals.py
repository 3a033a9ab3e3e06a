"""Receivers for invalidation only: a glossary change re-renders the stored HTML that can show it,
and any content change retires the cached pages once the change is committed."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import search_index
from .content_version import bump_content_version
from .models import Article, GlossaryTerm, Synonym, rerender_for_term

_state = threading.local()


@dataclass
class TermChanges:
    """What the glossary changes inside a `collected_term_changes()` block can affect."""

    names: set = field(default_factory=set)
    slugs: set = field(default_factory=set)


@contextmanager
def collected_term_changes():
    """Inside the block a glossary change re-renders nothing and is not indexed: it is noted in the
    yielded TermChanges, for the caller (the import) to render everything once at the end."""
    _state.collecting = changes = TermChanges()
    try:
        yield changes
    finally:
        _state.collecting = None


@receiver(post_save, sender=GlossaryTerm)
def glossary_saved(sender, instance, raw=False, **kwargs):
    # Inside the saving transaction: the term and the pages that link it change together.
    # (A fixture being loaded, raw, brings its own stored HTML and search passages.)
    if raw:
        transaction.on_commit(bump_content_version)
        return
    collecting = getattr(_state, "collecting", None)
    if collecting is None:
        search_index.sync(instance)
    if instance.links_changed:
        names = (*getattr(instance, "previous_names", ()), *instance.names)
        slugs = {instance.slug, getattr(instance, "previous_slug", None) or instance.slug}
        if collecting is None:
            rerender_for_term(names, slugs)
        else:
            collecting.names.update(names)
            collecting.slugs.update(slugs)
    transaction.on_commit(bump_content_version)


@receiver(post_delete, sender=GlossaryTerm)
def glossary_deleted(sender, instance, **kwargs):
    # A draft links from nowhere, so deleting one changes no other page.
    collecting = getattr(_state, "collecting", None)
    if instance.is_visible and collecting is None:
        rerender_for_term(instance.names, {instance.slug})
    elif instance.is_visible:
        collecting.names.update(instance.names)
        collecting.slugs.add(instance.slug)
    transaction.on_commit(bump_content_version)


@receiver(post_save, sender=Article)
def article_saved(sender, instance, raw=False, **kwargs):
    if not raw and getattr(_state, "collecting", None) is None:
        search_index.sync(instance)
    transaction.on_commit(bump_content_version)


@receiver(post_delete, sender=Article)
@receiver([post_save, post_delete], sender=Synonym)
def content_changed(sender, **kwargs):
    # A synonym changes what search finds, so cached search pages are retired too.
    transaction.on_commit(bump_content_version)
