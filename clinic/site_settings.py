"""The site settings every page shows, read cheaply and never failing.

`current()` reads the row once per content version (a save bumps the version: signals.py), so a
page render costs at most one query and a cached page none. If the database cannot be read (the
503 page, a page rendered during an outage), it gives the last values this process or any other
read (kept in the shared cache), else the environment's defaults: the crisis help always shows.
"""

from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError

from articles.content_version import content_version, is_stale, remember_per_version

from .models import SiteSettings

SHARED_KEY = "site-settings"

_memo = {"entry": None}  # (content version stamp, SiteSettings), replaced in one step


def current() -> SiteSettings:
    """The saved settings, or the environment's defaults while none are saved."""
    try:
        stamp = content_version().stamp
        entry = _memo["entry"]
        if entry is not None and entry[0] == stamp:
            return entry[1]
        if is_stale():  # the database is known not to answer: don't wait for it again
            return _last_known()
        values = SiteSettings.objects.filter(pk=1).first() or SiteSettings.from_environment()
    except DatabaseError:
        return _last_known()
    _memo["entry"] = (stamp, values)
    # For a process that starts while the database is down; the clinic's numbers never go stale.
    cache.set(SHARED_KEY, values, timeout=None)
    return values


def _last_known() -> SiteSettings:
    entry = _memo["entry"]
    if entry is not None:
        return entry[1]
    return cache.get(SHARED_KEY) or SiteSettings.from_environment()


@remember_per_version
def forget() -> None:
    """Drop this process's copy (tests start from a clean slate; a changed default is read again)."""
    _memo["entry"] = None


setting_changed.connect(lambda **kwargs: forget(), weak=False)
