"""Whole-page cache for anonymous readers, answered at the top of the middleware stack.

`@public_page` marks a view's complete 200 pages for anonymous GETs as cacheable.
`PageCacheMiddleware`, first in MIDDLEWARE, stores such a page on its way out, with every
header the rest of the stack added (security headers, CSP, a view's own X-Robots-Tag), and
answers later requests for it before any other middleware runs: no session, auth, CSRF or
view work for a hit, and 304s answered here too. Staff (a session cookie), other methods,
plain-HTTP requests that must be redirected and everything uncached go through the full stack.

Pages are keyed by the content version (content_version.py, handed in by apps.py: this
module knows nothing of models), the site settings shown on every page, the scheme and the
path, plus the query parameters a view declares, normalized (search's q). Any other query
string shares the page's entry. Two levels: a small LRU dict in each process (no pickling:
the cheapest hit), then the default cache (Redis when REDIS_URL is set, shared by all
servers). Pages that vary by a query stay in a separate per-process LRU and never reach the
shared cache, so a flood of searches or made-up query strings cannot grow it or evict pages.

A cache backend error is a miss (trd_site/cache_backend.py). While the database is down,
the content version's last known value is used, so cached pages are served, marked "stale".
"""

import functools
import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import brotli
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.http.response import ResponseHeaders
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_cache_control

MIN_COMPRESS_BYTES = 500
LOCAL_PAGES_MAX = 500
LOCAL_QUERY_PAGES_MAX = 200
# Set per response by _respond; every other header the stack added is stored with the page.
PER_RESPONSE_HEADERS = frozenset(
    {
        "cache-control",
        "content-encoding",
        "content-length",
        "etag",
        "last-modified",
        "set-cookie",
        "vary",
        "x-page-cache",
    }
)


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    gzip: bytes
    brotli: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str

    @functools.cached_property
    def prepared(self) -> dict[str, tuple[bytes, dict]]:
        """Per Content-Encoding: the body and every header but the per-request ones, already in the
        form Django's ResponseHeaders keeps them (lower-case name -> (name, value)): a hit copies
        them in one step instead of validating fifteen headers one by one."""
        fixed = [
            *self.headers,
            ("ETag", self.etag),
            ("Vary", "Accept-Encoding"),
            (
                "Cache-Control",
                (
                    f"public, max-age={settings.HTTP_CACHE_MAX_AGE}, "
                    f"stale-while-revalidate={settings.HTTP_CACHE_STALE_WHILE_REVALIDATE}"
                ),
            ),
        ]
        prepared = {}
        for encoding, body in (("br", self.brotli), ("gzip", self.gzip), ("", self.content)):
            headers = [*fixed, ("Content-Length", str(len(body)))] + (
                [("Content-Encoding", encoding)] if encoding else []
            )
            checked = ResponseHeaders(dict(headers))  # validated once, here
            prepared[encoding] = (body, dict(checked._store))
        return prepared


_source = {"version": None, "stale": lambda: False}
_pages: OrderedDict[tuple, CachedPage] = OrderedDict()  # least recently used first
_query_pages: OrderedDict[tuple, CachedPage] = OrderedDict()
_seen = {"stamp": None}
_lock = threading.Lock()
# path -> the query parameters its view declares, for the pages stored: a hit skips URL resolving.
_known_paths: dict[str, dict] = {}
_site: dict = {}


def configure(version, stale) -> None:
    """Where the content version comes from: version() -> an object with .stamp and .http_date
    (may raise DatabaseError), stale() -> whether that version is a last known one."""
    _source.update(version=version, stale=stale)


def public_page(view=None, *, query=None):
    """Mark a view's pages for the page cache. query maps the parameters that change the page to
    their normalizer (search: {"q": ...}). Page views answer GET and HEAD only."""
    if view is None:
        return functools.partial(public_page, query=query)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = view(request, *args, **kwargs)
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        elif response.status_code == 200 and not response.streaming:
            if hasattr(response, "render"):
                response.render()  # a TemplateResponse (the sitemap)
            response.public_page = True
        return response

    wrapped.public_page_query = query or {}
    # It answers anything but GET and HEAD with 405 and changes nothing, so the CSRF check (which
    # would answer a cookie-less POST with 403 first) has nothing to protect.
    wrapped.csrf_exempt = True
    return wrapped


def _site_settings() -> tuple:
    """Settings shown on every page: part of the key, so a clinic that changes them sees new pages.
    (The crisis and clinic ones are the defaults of the Site settings staff edit, whose saves bump the
    content version.) Read once per process (settings do not change while it runs; tests that change
    them reset it)."""
    if "key" not in _site:
        _site["key"] = (
            settings.SITE_NAME,
            settings.SITE_URL,
            settings.CLINIC_NAME,
            settings.CRISIS_TEXT,
            settings.CRISIS_LINE_NAME,
            settings.CRISIS_PHONE,
            settings.CRISIS_SMS,
            settings.EMERGENCY_NUMBER,
            settings.CRISIS_INTERNATIONAL_URL,
            settings.HTTP_CACHE_MAX_AGE,
            settings.HTTP_CACHE_STALE_WHILE_REVALIDATE,
        )
    return _site["key"]


def _settings_changed(**kwargs) -> None:
    _site.clear()


setting_changed.connect(_settings_changed)


def _page_query(request) -> dict | None:
    """The view's declared query parameters if this request may be answered from the cache, else None."""
    if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # the stack redirects it to https
    request.get_host()  # an unknown Host is refused (400) here as the stack would
    known = _known_paths.get(request.path_info)
    if known is not None:
        return known
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, "public_page_query", None)


def _compress(content: bytes) -> tuple[bytes, bytes]:
    if len(content) < MIN_COMPRESS_BYTES:
        return b"", b""
    # Once per page and content version; mid levels compress nearly as well at a fraction of the time.
    return gzip.compress(content, compresslevel=6, mtime=0), brotli.compress(content, quality=6)


def _store(response) -> CachedPage:
    content = response.content
    gz, br = _compress(content)
    headers = tuple((name, value) for name, value in response.items() if name.lower() not in PER_RESPONSE_HEADERS)
    # Weak: the same validator covers the plain, gzip and brotli bodies of one page.
    etag = 'W/"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    return CachedPage(content, gz, br, headers, etag)


def _respond(request, page: CachedPage, version, cached: str) -> HttpResponse:
    """The page in the best encoding the client accepts, with its stored headers and validators;
    304 when the client's copy is current."""
    accepted = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if page.brotli and "br" in accepted:
        encoding = "br"
    elif page.gzip and "gzip" in accepted:
        encoding = "gzip"
    else:
        encoding = ""
    body, headers = page.prepared[encoding]
    response = HttpResponse(body)
    response.headers._store.update(headers)  # validated when prepared (CachedPage.prepared)
    response["Last-Modified"] = version.http_date
    response["X-Page-Cache"] = cached  # hit, stale (database down), miss
    not_modified = get_conditional_response(
        request, etag=page.etag, last_modified=int(version.stamp), response=response
    )
    if not_modified is not response:
        for name, value in page.headers:
            if name.lower() != "content-type":
                not_modified[name] = value
    # For nginx's micro-cache (deploy/microcache.conf): keep this until the next whole second at most,
    # so with the content version's 1 s check a published change shows within 2 s. (nginx does not
    # pass X-Accel-* headers on to clients.)
    not_modified["X-Accel-Expires"] = f"@{int(time.time()) + 1}"
    return not_modified


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


def _retire_old_pages(stamp: float) -> None:
    """A new content version: this process's copies of older pages go at once."""
    if _seen["stamp"] != stamp:
        with _lock:
            _pages.clear()
            _query_pages.clear()
            _known_paths.clear()
            _seen["stamp"] = stamp


class PageCacheMiddleware:
    """Answers cached public pages before the rest of the stack; stores the pages it lets through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = _page_query(request)
        if query is None:
            return self.get_response(request)
        try:
            version = _source["version"]()
        except DatabaseError:
            return self.get_response(request)  # no stale grace left: the stack's 503 page
        params = tuple((name, normalize(request.GET.get(name, ""))) for name, normalize in query.items())
        shared = not any(value for _, value in params)
        key = (version.stamp, _site_settings(), request.is_secure(), request.path, params)
        caching = settings.PAGE_CACHE_SECONDS > 0
        if caching:
            _retire_old_pages(version.stamp)
            page = _cached_page(key, shared)
            if page is not None:
                return _respond(request, page, version, "stale" if _source["stale"]() else "hit")
        response = self.get_response(request)
        if not getattr(response, "public_page", False):
            return response
        page = _store(response)
        if caching:
            if shared:
                cache.set(_shared_key(key), page, timeout=settings.PAGE_CACHE_SECONDS)
            _keep_locally(key, page, shared)
            _known_paths[request.path_info] = query
        return _respond(request, page, version, "miss")


def forget_local_state() -> None:
    """Drop this process's page copies (tests start from a clean slate)."""
    with _lock:
        _pages.clear()
        _query_pages.clear()
        _known_paths.clear()
        _seen["stamp"] = None
    _site.clear()
