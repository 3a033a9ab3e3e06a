"""Page views stay at the framework's floor: few queries, cached pages, HTTP caching, light pages."""

import gzip
import re
import time
from pathlib import Path

import brotli
import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.http import http_date

from articles import content_version
from articles.models import Article, ContentVersion, GlossaryTerm, rerender_all

PAGE_BUDGET_BYTES = 35 * 1024
PAGE_BUDGET_REQUESTS = 4


@pytest.fixture
def big_site(db, settings):
    """50 articles and 2,000 glossary terms, rendered once like after an import."""
    settings.CONTENT_VERSION_CHECK_SECONDS = 60  # the once-a-second version check is not what is measured
    GlossaryTerm.objects.bulk_create(
        GlossaryTerm(
            term=f"Term number {i}",
            slug=f"term-{i}",
            definition=f"Meaning {i}.",
            aliases=[f"tn{i}"],
            status=GlossaryTerm.Status.PUBLISHED,
        )
        for i in range(2000)
    )
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"Part {i}",
            slug=f"part-{i}",
            summary=f"Summary {i}.",
            order=i,
            status="published",
            published_at=now - timezone.timedelta(days=1),
            body=f"## Section {i}\n\nUses term number {i}, tn{i + 1} and term number {i + 2}.",
        )
        for i in range(50)
    )
    rerender_all()
    content_version.content_version()  # as on any running site: the version exists before readers come


@pytest.mark.parametrize("url", ["/", "/guide/part-25/", "/glossary/", "/glossary/term-26/", "/search/?q=term"])
def test_public_pages_run_at_most_3_queries_on_a_big_site(client, big_site, url, django_assert_max_num_queries):
    client.get("/search/?q=warm")  # search's lexicon is built once per content version (next test)
    with django_assert_max_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200


def test_search_builds_its_lexicon_once_per_content_version_in_4_queries(big_site, django_assert_num_queries):
    from articles import search

    with django_assert_num_queries(4):  # terms, synonyms, passages, parts: whatever the site's size
        search.lexicon()
    with django_assert_num_queries(0):
        search.lexicon()


def test_article_page_links_terms_from_a_big_glossary(client, big_site):
    content = client.get("/guide/part-25/").content.decode()
    assert 'data-term="term-25"' in content and 'data-term="term-26"' in content


def test_a_cached_page_runs_no_query(client, big_site, django_assert_num_queries):
    client.get("/guide/part-25/")
    with django_assert_num_queries(0):
        response = client.get("/guide/part-25/")
    assert response["X-Page-Cache"] == "hit"


# Invalidation


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


# HTTP caching


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


def test_staff_preview_of_a_draft_is_never_cached(admin_client, make_article):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    response = admin_client.get(f"/preview/{draft.slug}/")
    assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_logged_in_staff_are_not_served_or_stored_in_the_page_cache(admin_client, client, make_article):
    article = make_article(body="Original.")
    client.get(article.get_absolute_url())  # cached for the public
    Article.objects.filter(pk=article.pk).update(body_html="<p>Changed behind the cache.</p>")
    staff_view = admin_client.get(article.get_absolute_url())
    assert "Changed behind the cache." in staff_view.content.decode()
    assert "private" in staff_view["Cache-Control"]
    assert "X-Page-Cache" not in staff_view


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


# Page weight


ASSET = re.compile(r'<(?:link|script|img)\b[^>]*\b(?:href|src)="(/static/[^"]+)"')


def transferred_size(client, url):
    """Compressed bytes of the page and everything it loads, and how many requests that takes."""
    response = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip")
    html = (
        brotli.decompress(response.content).decode()
        if response.get("Content-Encoding") == "br"
        else response.content.decode()
    )
    total, requests = len(response.content), 1
    for asset in ASSET.findall(html):
        path = finders.find(asset.removeprefix("/static/"))
        data = Path(path).read_bytes()
        total += min(len(data), len(brotli.compress(data, quality=11)))
        requests += 1
    return total, requests


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/guide/what-does-treatment-look-like-for-trd/",
        "/glossary/",
        "/glossary/transcranial-magnetic-stimulation/",
        "/search/?q=ketamine",
    ],
)
def test_every_public_page_is_within_the_weight_budget(client, guide, path):
    total, requests = transferred_size(client, path)
    assert requests <= PAGE_BUDGET_REQUESTS, requests
    assert total <= PAGE_BUDGET_BYTES, total


def test_pages_load_no_web_fonts(client, guide):
    css = Path(finders.find("css/site.css")).read_text(encoding="utf-8")
    assert "@font-face" not in css and "@import" not in css


def test_static_files_are_hashed_compressed_and_immutable(settings, tmp_path, db):
    from django.core.management import call_command
    from django.templatetags.static import static
    from django.test import Client

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("css/site.css")
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url)
    client = Client()  # a new handler, so whitenoise scans the freshly collected files
    for encoding in ("br", "gzip"):
        response = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
        response.close()  # a file response: close the file it streams
        assert response["Content-Encoding"] == encoding
        assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
