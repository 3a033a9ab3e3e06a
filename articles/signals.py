"""Receivers for invalidation only: a glossary change re-renders stored article HTML, and any
content change retires the cached pages (after the re-render, so no stale page is cached anew)."""

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .caching import bump_content_version
from .models import Article, GlossaryTerm, rerender_all

_state = threading.local()


@contextmanager
def rerender_suppressed():
    """Hold back per-term re-rendering inside the block (bulk imports re-render once themselves)."""
    _state.suppressed = getattr(_state, "suppressed", 0) + 1
    try:
        yield
    finally:
        _state.suppressed -= 1


def _rerender_and_bump():
    rerender_all()
    bump_content_version()


@receiver([post_save, post_delete], sender=GlossaryTerm)
def glossary_changed(sender, **kwargs):
    if getattr(_state, "suppressed", 0):
        transaction.on_commit(bump_content_version)
        return
    transaction.on_commit(_rerender_and_bump)


@receiver([post_save, post_delete], sender=Article)
def article_changed(sender, **kwargs):
    transaction.on_commit(bump_content_version)
