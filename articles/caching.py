"""Whole-page cache for anonymous readers, plus the HTTP headers that let browsers and CDNs cache.

Pages are cached under the current *content version*: a timestamp in one database row
(models.ContentVersion) that any save or delete of an article or glossary term bumps
(signals.py). Each process re-reads it at most every CONTENT_VERSION_CHECK_SECONDS, so a
change reaches every worker and every server within that time, with or without Redis.
The row also holds the next scheduled publication, so a scheduled article appears on
time although nothing was saved.

Two levels: a small dict in each process (no pickling: the cheapest possible hit), then the
default cache (Redis when REDIS_URL is set, shared by all servers; local memory otherwise).
Logged-in staff are never served from, nor stored in, either.

A page's key is its path (plus the query parameters the view declares, normalized: search's q),
so a flood of made-up query strings shares one entry. Pages that vary by a query stay in a
small per-process store and never reach the shared cache.

It degrades rather than fails: a cache backend error is a miss (trd_site/cache_backend.py);
with the database unreachable, the last content version it gave stays in use for up to
STALE_IF_ERROR_SECONDS, so pages already cached are still served (marked "stale").
"""

import functools
import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

import brotli
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

MIN_COMPRESS_BYTES = 500
LOCAL_PAGES_MAX = 500
LOCAL_QUERY_PAGES_MAX = 200
SHARED_VERSION_KEY = "content-version"
SHARED_VERSION_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Version:
    stamp: float
    next_scheduled: float | None

    @functools.cached_property
    def http_date(self) -> str:
        return http_date(self.stamp)


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    gzip: bytes
    brotli: bytes
    content_type: str
    etag: str


# version: the content version in use; checked: when it was last decided (monotonic);
# confirmed: when the database last answered (epoch); shared: when it was last copied to the cache.
_memo = {"version": None, "checked": 0.0, "confirmed": 0.0, "shared": 0.0, "stale": False}
_pages: OrderedDict[tuple, CachedPage] = OrderedDict()  # least recently used first
_query_pages: OrderedDict[tuple, CachedPage] = OrderedDict()
_lock = threading.Lock()


def _site_settings() -> tuple:
    """Settings shown on every page: part of the key, so a clinic that changes them sees new pages."""
    return (settings.SITE_NAME, settings.SITE_URL, settings.CRISIS_TEXT, settings.CRISIS_LINE_NAME,
            settings.CRISIS_PHONE, settings.CRISIS_SMS, settings.EMERGENCY_NUMBER, settings.CRISIS_INTERNATIONAL_URL)


def _remember(version: Version) -> Version:
    """Use `version`, which the database just gave."""
    now = time.time()
    with _lock:
        changed = _memo["version"] != version
        if changed:
            _pages.clear()
            _query_pages.clear()
        share = changed or now - _memo["shared"] > SHARED_VERSION_EVERY_SECONDS
        _memo.update(version=version, checked=time.monotonic(), confirmed=now, stale=False)
        if share:
            _memo["shared"] = now
    if share:
        # For a process that starts while the database is down (see _last_known_version).
        cache.set(SHARED_VERSION_KEY, (version, now), timeout=settings.STALE_IF_ERROR_SECONDS)
    return version


def bump_content_version() -> Version:
    """Retire every cached page (called once content changes are committed)."""
    from .models import Article, ContentVersion

    upcoming = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
    first = upcoming.order_by("published_at").values_list("published_at", flat=True).first()
    version = Version(stamp=time.time(), next_scheduled=first.timestamp() if first else None)
    ContentVersion.objects.update_or_create(pk=1, defaults={"stamp": version.stamp, "next_scheduled": version.next_scheduled})
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
    from .models import ContentVersion

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


def _compress(content: bytes) -> tuple[bytes, bytes]:
    if len(content) < MIN_COMPRESS_BYTES:
        return b"", b""
    # Once per page and content version; mid levels compress nearly as well at a fraction of the time.
    return gzip.compress(content, compresslevel=6, mtime=0), brotli.compress(content, quality=6)


def _store(response) -> CachedPage:
    content = response.content
    gz, br = _compress(content)
    # Weak: the same validator covers the plain, gzip and brotli bodies of one page.
    etag = 'W/"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    return CachedPage(content, gz, br, response["Content-Type"], etag)


def _respond(request, page: CachedPage, version: Version, cached: str) -> HttpResponse:
    """The page in the best encoding the client accepts, with validators and Cache-Control set directly
    (this is the hot path of every cached view)."""
    accepted = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if page.brotli and "br" in accepted:
        response = HttpResponse(page.brotli, content_type=page.content_type)
        response["Content-Encoding"] = "br"
    elif page.gzip and "gzip" in accepted:
        response = HttpResponse(page.gzip, content_type=page.content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(page.content, content_type=page.content_type)
    response["ETag"] = page.etag
    response["Last-Modified"] = version.http_date
    response["X-Page-Cache"] = cached  # hit, stale (database down), miss
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = (
        f"public, max-age={settings.HTTP_CACHE_MAX_AGE}, "
        f"stale-while-revalidate={settings.HTTP_CACHE_STALE_WHILE_REVALIDATE}"
    )
    return response


def _shared_key(key: tuple) -> str:
    return "page:" + hashlib.sha256(repr(key).encode()).hexdigest()


def _cached_page(key: tuple, shared: bool) -> CachedPage | None:
    store = _pages if shared else _query_pages
    with _lock:
        page = store.get(key)
        if page is not None:
            store.move_to_end(key)
            return page
    if not shared:
        return None
    page = cache.get(_shared_key(key))
    if page is not None:
        _keep_locally(key, page, shared)
    return page


def _keep_locally(key: tuple, page: CachedPage, shared: bool) -> None:
    store, limit = (_pages, LOCAL_PAGES_MAX) if shared else (_query_pages, LOCAL_QUERY_PAGES_MAX)
    with _lock:
        store[key] = page
        store.move_to_end(key)
        while len(store) > limit:
            store.popitem(last=False)


def _respond_uncached(request, response):
    """Page cache switched off (TRD_PAGE_CACHE_SECONDS=0): the same HTTP caching headers, rendered every time."""
    if response.status_code == 200 and not response.streaming:
        if hasattr(response, "render"):
            response.render()
        response = _respond(request, _store(response), content_version(), cached="miss")
    return response


def public_page(view=None, *, query=None):
    """Serve a public page from the page cache; only complete 200 pages for anonymous GETs are kept.

    query maps the query parameters that change the page to their normalizer (search: {"q": ...});
    every other query string is ignored, so it shares the page's entry. Page views answer GET
    and HEAD only.
    """
    if view is None:
        return functools.partial(public_page, query=query)
    query = query or {}

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        # No session cookie means an anonymous reader, without touching the session store.
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated
        if signed_in:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if settings.PAGE_CACHE_SECONDS <= 0:
            return _respond_uncached(request, view(request, *args, **kwargs))
        version = content_version()
        params = tuple((name, normalize(request.GET.get(name, ""))) for name, normalize in query.items())
        shared = not any(value for _, value in params)
        key = (version.stamp, _site_settings(), request.path, params)
        page = _cached_page(key, shared)
        if page is not None:
            return _respond(request, page, version, cached="stale" if _memo["stale"] else "hit")
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render"):
            response.render()  # a TemplateResponse (the sitemap)
        page = _store(response)
        if shared:
            cache.set(_shared_key(key), page, timeout=settings.PAGE_CACHE_SECONDS)
        _keep_locally(key, page, shared)
        return _respond(request, page, version, cached="miss")

    return wrapped


_forgetters = []


def remember_per_version(forget):
    """Register a function that drops another module's per-content-version memo."""
    _forgetters.append(forget)
    return forget


def forget_local_state() -> None:
    """Drop this process's memo and page copies (tests start from a clean slate)."""
    with _lock:
        _memo.update(version=None, checked=0.0, confirmed=0.0, shared=0.0, stale=False)
        _pages.clear()
        _query_pages.clear()
    for forget in _forgetters:
        forget()
