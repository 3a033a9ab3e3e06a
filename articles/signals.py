"""The one receiver: a glossary change re-renders stored article HTML."""

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import GlossaryTerm, rerender_all

_state = threading.local()


@contextmanager
def rerender_once():
    """Hold back per-term re-rendering inside the block, then re-render once (bulk imports)."""
    _state.deferred = getattr(_state, "deferred", 0) + 1
    try:
        yield
    finally:
        _state.deferred -= 1
    if not _state.deferred:
        transaction.on_commit(rerender_all)


@receiver([post_save, post_delete], sender=GlossaryTerm)
def glossary_changed(sender, **kwargs):
    if getattr(_state, "deferred", 0):
        return
    transaction.on_commit(rerender_all)
