"""The page cache degrades, never fails: cache backend errors, a database outage, query-string floods
(articles/page_cache.py and content_version.py, with trd_site/cache_backend.py, configured by settings.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection

from articles import content_version, page_cache

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
def redis(settings, redis_caches, worker_id):
    """The real Redis, one database per test worker (cache.clear() empties only that one)."""
    import redis as redis_client

    try:
        redis_client.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis_client.RedisError:
        if os.environ.get("CI"):
            pytest.fail("CI=true and Redis does not answer at 127.0.0.1:6379")
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    number = 1 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    settings.CACHES = {"default": {**redis_caches["default"], "LOCATION": f"redis://127.0.0.1:6379/{number}"}}
    cache.clear()
    fresh_worker()
    yield redis_client.Redis(host="127.0.0.1", port=6379, db=number)
    cache.clear()


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
    fresh_worker()
    assert client.get("/")["X-Page-Cache"] == "hit"


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


def test_database_outage_gives_a_clean_503(client, db, monkeypatch):
    def unreachable():
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("articles.views.guide_pages", unreachable)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "taking a short break" in response.content.decode()
    assert 'href="tel:988"' in response.content.decode()
