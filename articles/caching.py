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
"""

import functools
import gzip
import hashlib
import threading
import time
from dataclasses import dataclass
from functools import wraps

import brotli
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

MIN_COMPRESS_BYTES = 500
LOCAL_PAGES_MAX = 500


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


_memo = {"version": None, "checked": 0.0}
_pages: dict[tuple, CachedPage] = {}
_lock = threading.Lock()


def _site_settings() -> tuple:
    """Settings shown on every page: part of the key, so a clinic that changes them sees new pages."""
    return (settings.SITE_NAME, settings.SITE_URL, settings.CRISIS_TEXT, settings.CRISIS_LINE_NAME,
            settings.CRISIS_PHONE, settings.CRISIS_SMS, settings.EMERGENCY_NUMBER, settings.CRISIS_INTERNATIONAL_URL)


def _remember(version: Version) -> Version:
    with _lock:
        if _memo["version"] != version:
            _pages.clear()
        _memo["version"] = version
        _memo["checked"] = time.monotonic()
    return version


def bump_content_version() -> Version:
    """Retire every cached page (called once content changes are committed)."""
    from .models import Article, ContentVersion

    upcoming = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
    first = upcoming.order_by("published_at").values_list("published_at", flat=True).first()
    version = Version(stamp=time.time(), next_scheduled=first.timestamp() if first else None)
    ContentVersion.objects.update_or_create(pk=1, defaults={"stamp": version.stamp, "next_scheduled": version.next_scheduled})
    return _remember(version)


def content_version() -> Version:
    from .models import ContentVersion

    version = _memo["version"]
    if version is None or time.monotonic() - _memo["checked"] > settings.CONTENT_VERSION_CHECK_SECONDS:
        row = ContentVersion.objects.filter(pk=1).values_list("stamp", "next_scheduled").first()
        version = _remember(Version(*row)) if row else bump_content_version()
    if version.next_scheduled and time.time() >= version.next_scheduled:
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


def _respond(request, page: CachedPage, version: Version, cached: bool) -> HttpResponse:
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
    response["X-Page-Cache"] = "hit" if cached else "miss"
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = (
        f"public, max-age={settings.HTTP_CACHE_MAX_AGE}, "
        f"stale-while-revalidate={settings.HTTP_CACHE_STALE_WHILE_REVALIDATE}"
    )
    return response


def _shared_key(key: tuple) -> str:
    return "page:" + hashlib.sha256(repr(key).encode()).hexdigest()


def _cached_page(key: tuple) -> CachedPage | None:
    page = _pages.get(key)
    if page is None:
        page = cache.get(_shared_key(key))
        if page is not None:
            _keep_locally(key, page)
    return page


def _keep_locally(key: tuple, page: CachedPage) -> None:
    with _lock:
        if len(_pages) >= LOCAL_PAGES_MAX:
            _pages.clear()
        _pages[key] = page


def _respond_uncached(request, response):
    """Page cache switched off (TRD_PAGE_CACHE_SECONDS=0): the same HTTP caching headers, rendered every time."""
    if response.status_code == 200 and not response.streaming:
        if hasattr(response, "render"):
            response.render()
        response = _respond(request, _store(response), content_version(), cached=False)
    return response


def public_page(view):
    """Serve a public page from the page cache; only complete 200 pages for anonymous GETs are kept."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # No session cookie means an anonymous reader, without touching the session store.
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated
        if request.method not in ("GET", "HEAD") or signed_in:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if settings.PAGE_CACHE_SECONDS <= 0:
            return _respond_uncached(request, view(request, *args, **kwargs))
        version = content_version()
        key = (version.stamp, _site_settings(), request.get_full_path())
        page = _cached_page(key)
        if page is not None:
            return _respond(request, page, version, cached=True)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render"):
            response.render()  # a TemplateResponse (the sitemap)
        page = _store(response)
        cache.set(_shared_key(key), page, timeout=settings.PAGE_CACHE_SECONDS)
        _keep_locally(key, page)
        return _respond(request, page, version, cached=False)

    return wrapped


_forgetters = []


def remember_per_version(forget):
    """Register a function that drops another module's per-content-version memo."""
    _forgetters.append(forget)
    return forget


def forget_local_state() -> None:
    """Drop this process's memo and page copies (tests start from a clean slate)."""
    with _lock:
        _memo.update(version=None, checked=0.0)
        _pages.clear()
    for forget in _forgetters:
        forget()
