"""The one receiver: a glossary change re-renders stored article HTML."""

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import GlossaryTerm, rerender_all

_state = threading.local()


@contextmanager
def rerender_suppressed():
    """Hold back per-term re-rendering inside the block (bulk imports re-render once themselves)."""
    _state.suppressed = getattr(_state, "suppressed", 0) + 1
    try:
        yield
    finally:
        _state.suppressed -= 1


@receiver([post_save, post_delete], sender=GlossaryTerm)
def glossary_changed(sender, **kwargs):
    if getattr(_state, "suppressed", 0):
        return
    transaction.on_commit(rerender_all)
