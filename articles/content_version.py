"""The content version: when guide content last changed, as every worker and server sees it.

A timestamp in one database row (models.ContentVersion) that any save or delete of an
article, glossary term or synonym bumps once the change is committed (signals.py). Each
process re-reads it at most every CONTENT_VERSION_CHECK_SECONDS, so a change reaches every
worker and every server within that time, with or without Redis. The row also holds the
next scheduled publication, so a scheduled article appears on time although nothing was saved.

Pages are cached under it (page_cache.py, which is given `content_version` at start-up and
knows nothing of models), and other per-version memos (search's lexicon) register to be
dropped with `remember_per_version`.

With the database unreachable, the version it last gave stays in use for up to
STALE_IF_ERROR_SECONDS (so cached pages are still served, marked stale); it is also copied
to the shared cache, for a process that starts during an outage.
"""

import functools
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone
from django.utils.http import http_date

from .models import Article, ContentVersion

SHARED_VERSION_KEY = "content-version"
SHARED_VERSION_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Version:
    stamp: float
    next_scheduled: float | None

    @functools.cached_property
    def http_date(self) -> str:
        return http_date(self.stamp)


# version: in use; checked: when last decided (monotonic); confirmed: when the database last
# answered (epoch); shared: when last copied to the cache; stale: the database did not answer.
_memo = {"version": None, "checked": 0.0, "confirmed": 0.0, "shared": 0.0, "stale": False}
_lock = threading.Lock()
_forgetters = []


def _remember(version: Version) -> Version:
    """Use `version`, which the database just gave."""
    now = time.time()
    with _lock:
        changed = _memo["version"] != version
        share = changed or now - _memo["shared"] > SHARED_VERSION_EVERY_SECONDS
        _memo.update(version=version, checked=time.monotonic(), confirmed=now, stale=False)
        if share:
            _memo["shared"] = now
    if share:
        cache.set(SHARED_VERSION_KEY, (version, now), timeout=settings.STALE_IF_ERROR_SECONDS)
    return version


def bump_content_version() -> Version:
    """Retire every cached page (called once content changes are committed)."""
    upcoming = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
    first = upcoming.order_by("published_at").values_list("published_at", flat=True).first()
    version = Version(stamp=time.time(), next_scheduled=first.timestamp() if first else None)
    ContentVersion.objects.update_or_create(
        pk=1, defaults={"stamp": version.stamp, "next_scheduled": version.next_scheduled}
    )
    return _remember(version)


def _last_known_version(error: DatabaseError) -> Version:
    """The database did not answer: the version it last gave, if that was within the grace; else re-raise."""
    version, confirmed = _memo["version"], _memo["confirmed"]
    if version is None:
        version, confirmed = cache.get(SHARED_VERSION_KEY) or (None, 0.0)
    if version is None or time.time() - confirmed > settings.STALE_IF_ERROR_SECONDS:
        raise error
    with _lock:
        if _memo["version"] is None:
            _memo.update(version=version, confirmed=confirmed)
        # Ask the database again after the usual interval, not on every request.
        _memo.update(checked=time.monotonic(), stale=True)
    return version


def content_version() -> Version:
    version = _memo["version"]
    if version is None or time.monotonic() - _memo["checked"] > settings.CONTENT_VERSION_CHECK_SECONDS:
        try:
            row = ContentVersion.objects.filter(pk=1).values_list("stamp", "next_scheduled").first()
            version = _remember(Version(*row)) if row else bump_content_version()
        except DatabaseError as error:
            version = _last_known_version(error)
    if version.next_scheduled and time.time() >= version.next_scheduled and not _memo["stale"]:
        version = bump_content_version()
    return version


def is_stale() -> bool:
    """True while the database does not answer and the last version it gave is in use."""
    return _memo["stale"]


def remember_per_version(forget):
    """Register a function that drops another module's per-content-version memo."""
    _forgetters.append(forget)
    return forget


def forget_local_state() -> None:
    """Drop this process's memos (tests start from a clean slate)."""
    with _lock:
        _memo.update(version=None, checked=0.0, confirmed=0.0, shared=0.0, stale=False)
    for forget in _forgetters:
        forget()
