"""Whole-page cache for anonymous readers, plus the HTTP headers that let browsers and CDNs cache.

A page is cached under the current *content version*, a number kept in the default cache
(Redis when REDIS_URL is set, so every app server sees the same one). Any save or delete of
an article or glossary term bumps it (signals.py), which retires every cached page at once.
The version also carries the next scheduled publication time, so a scheduled article
appears on time although nothing was saved. Logged-in staff are never served from, nor
stored in, the cache.
"""

import gzip
import hashlib
import time
from dataclasses import dataclass
from functools import wraps

import brotli
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date

VERSION_KEY = "content-version"
MIN_COMPRESS_BYTES = 500


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    gzip: bytes
    brotli: bytes
    content_type: str
    etag: str


def _site_fingerprint() -> str:
    """Settings shown on every page: a clinic that changes them must not see old pages."""
    shown = (settings.SITE_NAME, settings.SITE_URL, settings.CRISIS_TEXT, settings.CRISIS_LINE_NAME,
             settings.CRISIS_PHONE, settings.CRISIS_SMS, settings.EMERGENCY_NUMBER, settings.CRISIS_INTERNATIONAL_URL)
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:12]


def _next_scheduled():
    from .models import Article

    upcoming = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
    first = upcoming.order_by("published_at").values_list("published_at", flat=True).first()
    return first.timestamp() if first else None


def bump_content_version() -> dict:
    """Retire every cached page (called after content changes are committed)."""
    version = {"stamp": time.time(), "next_scheduled": _next_scheduled()}
    cache.set(VERSION_KEY, version, timeout=None)
    return version


def content_version() -> dict:
    version = cache.get(VERSION_KEY)
    if version is None or (version["next_scheduled"] and time.time() >= version["next_scheduled"]):
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


def _respond(request, page: CachedPage, version: dict, cached: bool) -> HttpResponse:
    accepted = request.headers.get("Accept-Encoding", "")
    if page.brotli and "br" in accepted:
        response = HttpResponse(page.brotli, content_type=page.content_type)
        response["Content-Encoding"] = "br"
    elif page.gzip and "gzip" in accepted:
        response = HttpResponse(page.gzip, content_type=page.content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(page.content, content_type=page.content_type)
    response["ETag"] = page.etag
    response["Last-Modified"] = http_date(version["stamp"])
    response["X-Page-Cache"] = "hit" if cached else "miss"
    patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(
        response, public=True, max_age=settings.HTTP_CACHE_MAX_AGE,
        stale_while_revalidate=settings.HTTP_CACHE_STALE_WHILE_REVALIDATE,
    )
    return response


def public_page(view):
    """Serve a public page from the page cache; only complete 200 pages for anonymous GETs are kept."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        version = content_version()
        path_hash = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{version['stamp']}:{_site_fingerprint()}:{path_hash}"
        page = cache.get(key)
        if page is not None:
            return _respond(request, page, version, cached=True)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render"):
            response.render()  # a TemplateResponse (the sitemap)
        page = _store(response)
        cache.set(key, page, timeout=settings.PAGE_CACHE_SECONDS)
        return _respond(request, page, version, cached=False)

    return wrapped
