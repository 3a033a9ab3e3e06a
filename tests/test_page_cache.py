"""The page cache (articles/page_cache.py and content_version.py, with trd_site/cache_backend.py, configured
by settings.py): pages cached whole and retired on any change, HTTP caching and compression, and a cache
that degrades, never fails: cache backend errors, a database outage, query-string floods."""

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import brotli
import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.http import http_date

from articles import content_version, page_cache
from articles.models import Article, ContentVersion

REPO = Path(__file__).resolve().parent.parent


def fresh_worker():
    """As a newly started worker: nothing in this process's memory."""
    content_version.forget_local_state()
    page_cache.forget_local_state()


def caches_from_settings(**env) -> dict:
    """CACHES exactly as settings.py builds it from these variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    code = "import json, trd_site.settings as s; print(json.dumps(s.CACHES))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, "DJANGO_DEBUG": "true", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def redis_caches():
    return caches_from_settings(REDIS_URL="redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_down(settings, redis_caches):
    """Redis configured as in production, at an address where nothing answers."""
    settings.CACHES = {"default": {**redis_caches["default"], "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.fixture
def redis(redis_cache):
    """The Redis database this test process's cache uses, to count its keys: only when the suite runs with
    REDIS_URL (conftest.py), as CI runs this file."""
    import redis as redis_client

    if redis_cache is None:
        pytest.skip("needs Redis: run with REDIS_URL=redis://127.0.0.1:6379/<db>, as CI does")
    return redis_client.Redis.from_url(redis_cache)


class Outage:
    """Makes the database stop answering: every new cursor fails as a refused connection would."""

    def __init__(self):
        self.patch = pytest.MonkeyPatch()

    def start(self):
        def refuse(*args, **kwargs):
            raise connection.Database.OperationalError("could not connect to server: Connection refused")

        self.patch.setattr(connection, "create_cursor", refuse)

    def end(self):
        self.patch.undo()


@pytest.fixture
def outage(db, settings):
    settings.CONTENT_VERSION_CHECK_SECONDS = 0  # ask the database on every request
    outage = Outage()
    yield outage
    outage.end()


# Pages cached whole, retired on any change


def test_a_cached_page_runs_no_query(client, big_site, django_assert_num_queries):
    client.get("/guide/part-25/")
    with django_assert_num_queries(0):
        response = client.get("/guide/part-25/")
    assert response["X-Page-Cache"] == "hit"


def test_editing_an_article_shows_on_the_next_view(client, make_article, django_capture_on_commit_callbacks):
    article = make_article(body="Old words.")
    assert "Old words." in client.get(article.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        article.body = "New words."
        article.save()
    assert "New words." in client.get(article.get_absolute_url()).content.decode()


def test_publishing_an_article_shows_it_on_the_home_page(client, make_article, django_capture_on_commit_callbacks):
    draft = make_article(title="Coming soon", status=Article.Status.DRAFT, published_at=None)
    assert "Coming soon" not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Article.Status.PUBLISHED
        draft.save()
    assert "Coming soon" in client.get("/").content.decode()


def test_editing_a_term_shows_on_the_next_article_view(
    client, make_article, make_term, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        term = make_term("Ketamine", definition="First definition.")
    article = make_article(body="Ketamine is an option.")
    assert "First definition." in client.get(article.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        term.definition = "Second definition."
        term.save()
    assert "Second definition." in client.get(article.get_absolute_url()).content.decode()


def test_deleting_a_term_updates_the_glossary_page(client, make_term, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        term = make_term("Ketamine")
    assert "Ketamine" in client.get("/glossary/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        term.delete()
    assert "Ketamine" not in client.get("/glossary/").content.decode()


def test_changing_site_settings_shows_on_the_next_view(client, make_article, settings):
    client.get("/")
    settings.CRISIS_TEXT = "Call the clinic's own line."
    assert "Call the clinic&#x27;s own line." in client.get("/").content.decode()


def test_scheduled_article_appears_on_time_without_any_save(client, make_article, monkeypatch):
    go_live = timezone.now() + timezone.timedelta(hours=1)
    make_article(title="Scheduled part", published_at=go_live)
    content_version.bump_content_version()
    assert "Scheduled part" not in client.get("/").content.decode()
    later = go_live + timezone.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(content_version.time, "time", lambda: later.timestamp())
    assert "Scheduled part" in client.get("/").content.decode()


def test_another_workers_change_is_seen_within_the_check_interval(client, make_article, settings):
    settings.CONTENT_VERSION_CHECK_SECONDS = 0
    article = make_article(body="Before.")
    client.get(article.get_absolute_url())
    # Another process saved and bumped the shared version: nothing in this process heard of it.
    Article.objects.filter(pk=article.pk).update(body_html="<p>Changed elsewhere.</p>")
    ContentVersion.objects.filter(pk=1).update(stamp=time.time() + 1)
    assert "Changed elsewhere." in client.get(article.get_absolute_url()).content.decode()


def test_not_found_pages_are_not_cached(client, make_article, django_capture_on_commit_callbacks):
    assert client.get("/guide/later/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        make_article(slug="later")
    assert client.get("/guide/later/").status_code == 200


def test_logged_in_staff_are_not_served_or_stored_in_the_page_cache(admin_client, client, make_article):
    article = make_article(body="Original.")
    client.get(article.get_absolute_url())  # cached for the public
    Article.objects.filter(pk=article.pk).update(body_html="<p>Changed behind the cache.</p>")
    staff_view = admin_client.get(article.get_absolute_url())
    assert "Changed behind the cache." in staff_view.content.decode()
    assert "private" in staff_view["Cache-Control"]
    assert "X-Page-Cache" not in staff_view


# HTTP caching and compression


def test_public_pages_are_cacheable_by_browsers_and_cdns(client, make_article, settings):
    response = client.get(make_article().get_absolute_url())
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert f"max-age={settings.HTTP_CACHE_MAX_AGE}" in cache_control
    assert f"stale-while-revalidate={settings.HTTP_CACHE_STALE_WHILE_REVALIDATE}" in cache_control
    assert response["ETag"] and response["Last-Modified"]


def test_if_none_match_gets_304(client, make_article):
    url = make_article().get_absolute_url()
    etag = client.get(url)["ETag"]
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_if_modified_since_gets_304(client, make_article):
    url = make_article().get_absolute_url()
    last_modified = client.get(url)["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304


def test_a_changed_page_gets_200_for_an_old_etag(client, make_article, django_capture_on_commit_callbacks):
    article = make_article(body="Before.")
    etag = client.get(article.get_absolute_url())["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        article.body = "After."
        article.save()
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_old_if_modified_since_gets_200(client, make_article):
    url = make_article().get_absolute_url()
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(time.time() - 86400 * 30)).status_code == 200


def test_pages_are_sent_compressed_when_the_browser_accepts_it(client, make_article):
    article = make_article(body="A longer body. " * 100)
    br = client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert br["Content-Encoding"] == "br"
    gz = client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    assert gz["Content-Encoding"] == "gzip"
    assert brotli.decompress(br.content) == gzip.decompress(gz.content)
    assert "Accept-Encoding" in br["Vary"]


# Cache backend errors


def test_settings_use_the_degrading_redis_backend(redis_caches):
    assert redis_caches["default"]["BACKEND"] == "trd_site.cache_backend.DegradingRedisCache"


def test_with_redis_down_public_pages_are_served(client, make_article, redis_down):
    make_article(slug="living-with-trd")
    assert client.get("/").status_code == 200
    assert client.get("/guide/living-with-trd/").status_code == 200


def test_with_redis_down_a_problem_report_is_still_saved(client, make_article, redis_down):
    from articles import reports
    from articles.models import ProblemReport

    article = make_article()
    token = reports.token_for(article.get_absolute_url())
    client.post("/report/", {"token": token, "message": "A broken link in part 2."})
    assert ProblemReport.objects.count() == 1


def test_a_redis_error_is_logged_once_per_rest_not_per_call(client, make_article, redis_down):
    import logging

    class Collect(logging.Handler):
        records = []

        def emit(self, record):
            self.records.append(record)

    logger, handler = logging.getLogger("trd_site.cache_backend"), Collect()
    logger.addHandler(handler)
    try:
        make_article()
        for _ in range(5):
            client.get("/")
    finally:
        logger.removeHandler(handler)
    assert len(handler.records) == 1


def test_with_real_redis_a_page_is_stored_once_and_served_from_it(client, make_article, redis):
    make_article()
    client.get("/")
    stored = redis.dbsize()
    fresh_worker()
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert stored > 0 and redis.dbsize() == stored


# Keys


def test_made_up_query_strings_share_the_pages_entry(client, make_article):
    make_article()
    client.get("/")
    assert client.get("/?utm_source=newsletter&c=1")["X-Page-Cache"] == "hit"


def test_a_query_string_flood_adds_no_keys_to_redis(client, make_article, redis):
    make_article()
    client.get("/")
    before = redis.dbsize()
    for n in range(300):
        client.get(f"/?c={n}")
    assert redis.dbsize() == before


def test_a_search_flood_adds_no_keys_to_redis(client, make_article, redis):
    make_article()
    client.get("/")
    before = redis.dbsize()
    for n in range(100):
        client.get(f"/search/?q=word{n}")
    assert redis.dbsize() == before


def test_a_search_flood_does_not_evict_the_guides_pages(client, make_article):
    make_article()
    client.get("/")
    for n in range(page_cache.LOCAL_QUERY_PAGES_MAX + 20):
        client.get(f"/search/?q=word{n}")
    cache.clear()  # only this process's own store can still hold the page
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_searches_differing_only_in_spacing_share_an_entry(client, make_article):
    make_article()
    client.get("/search/?q=ketamine")
    assert client.get("/search/?q=%20%20ketamine%20")["X-Page-Cache"] == "hit"


def test_different_searches_get_their_own_pages(client, make_article):
    make_article(title="Sleep and mood", slug="sleep")
    client.get("/search/?q=sleep")
    response = client.get("/search/?q=appointment")
    assert response["X-Page-Cache"] == "miss"
    assert "<title>Search: appointment" in response.content.decode()


# Database outage


def test_with_the_database_down_a_cached_page_is_served_stale(client, make_article, outage):
    make_article()
    client.get("/")
    outage.start()
    response = client.get("/")
    assert (response.status_code, response["X-Page-Cache"]) == (200, "stale")


def test_with_the_database_down_an_uncached_page_gets_the_503_page(client, make_article, outage):
    make_article()
    client.get("/")
    outage.start()
    response = client.get("/glossary/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "taking a short break" in response.content.decode()
    assert 'href="tel:988"' in response.content.decode()


def test_stale_pages_stop_after_the_grace(client, make_article, outage, settings):
    make_article()
    client.get("/")
    outage.start()
    settings.STALE_IF_ERROR_SECONDS = 0
    assert client.get("/").status_code == 503


def test_a_worker_started_during_the_outage_serves_what_the_shared_cache_holds(client, make_article, outage):
    make_article()
    client.get("/")
    outage.start()
    fresh_worker()
    assert client.get("/").status_code == 200


def test_once_the_database_answers_again_pages_are_fresh(client, make_article, outage):
    make_article()
    client.get("/")
    outage.start()
    client.get("/")
    outage.end()
    assert client.get("/")["X-Page-Cache"] == "hit"


# Hits answered before the rest of the stack


@pytest.fixture
def stack_off(monkeypatch):
    """After this, any request that reaches the session middleware or a view fails loudly."""
    from django.contrib.sessions.middleware import SessionMiddleware

    def reached(*args, **kwargs):
        raise AssertionError("the request went through the middleware stack")

    def switch_off():
        monkeypatch.setattr(SessionMiddleware, "process_request", reached)
        monkeypatch.setattr("articles.views.guide_pages", reached)

    return switch_off


def test_a_cached_hit_reaches_neither_the_session_middleware_nor_the_view(client, make_article, stack_off):
    make_article()
    client.get("/")
    stack_off()
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_a_304_is_answered_before_the_stack(client, make_article, stack_off):
    make_article()
    etag = client.get("/")["ETag"]
    stack_off()
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304


SECURITY_HEADERS = [
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
    "Content-Type",
]


@pytest.mark.parametrize("header", SECURITY_HEADERS)
def test_a_cached_hit_carries_the_header_the_stack_adds(client, make_article, header):
    make_article()
    miss = client.get("/")
    hit = client.get("/")
    assert (hit["X-Page-Cache"], hit[header]) == ("hit", miss[header])


def test_a_hit_over_https_carries_hsts(client, make_article, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    make_article()
    client.get("/", secure=True)
    hit = client.get("/", secure=True)
    assert hit["X-Page-Cache"] == "hit" and "max-age=31536000" in hit["Strict-Transport-Security"]


def test_a_views_own_headers_survive_caching(client, make_article):
    make_article()
    client.get("/sitemap.xml")
    hit = client.get("/sitemap.xml")
    assert hit["X-Page-Cache"] == "hit" and "noindex" in hit["X-Robots-Tag"]


def test_plain_http_is_still_redirected_when_the_https_page_is_cached(client, make_article, settings):
    settings.SECURE_SSL_REDIRECT = True  # before the first request: SecurityMiddleware reads it once
    make_article()
    client.get("/", secure=True)
    assert client.get("/").status_code == 301


def test_an_unknown_host_is_refused_even_for_a_cached_page(client, make_article):
    make_article()
    client.get("/")
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_a_page_tells_nginx_to_keep_it_until_the_next_second_at_most(client, make_article):
    import time

    make_article()
    client.get("/")
    expires = int(client.get("/")["X-Accel-Expires"].removeprefix("@"))
    assert time.time() < expires <= time.time() + 1
