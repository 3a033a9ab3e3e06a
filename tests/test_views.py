"""Public pages (articles/views.py and the templates it renders): the home page, articles and glossary
pages, link previews, crisis help and the disclaimer, privacy, errors and hostile URLs, queries per page."""

import html
import re
from pathlib import Path

import pytest
from django.db import connection
from pages import SITE, TREATMENT
from payloads import PAYLOADS, inert_problems

from articles.models import Article, GlossaryTerm

SEED = Path(__file__).parent / "data" / "seed.txt"

pytestmark = pytest.mark.usefixtures("site_url")  # canonical links and previews, as in production


def page_text(response):
    """What a reader sees: the page's text without tags, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"</?a\b[^>]*>", "", body)  # links are inline: no space around them
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def seed_sentences():
    text = SEED.read_text(encoding="utf-8").replace("Scroll to Top", "")
    sentences = []
    for line in text.splitlines():
        line = line.strip().lstrip("•").strip()
        sentences += [s for s in re.split(r"(?<=[.!?:])\s+", line) if s]
    return sentences


def test_home_lists_published_articles_in_order(client, guide):
    response = client.get("/")
    titles = [a.title for a in guide]
    positions = [response.content.decode().index(html.escape(t)) for t in titles]
    assert response.status_code == 200
    assert positions == sorted(positions)


def test_home_shows_each_summary(client, guide):
    content = client.get("/").content.decode()
    assert all(html.escape(a.summary) in content for a in guide)


def test_every_article_page_answers_200(client, guide):
    assert {client.get(a.get_absolute_url()).status_code for a in guide} == {200}


def test_every_sentence_of_the_seed_is_on_the_site(client, guide):
    text = " ".join(page_text(client.get(url)) for url in ["/", *[a.get_absolute_url() for a in guide]])
    missing = [s for s in seed_sentences() if s not in text]
    assert missing == []


def test_article_page_shows_reading_time(client, guide):
    text = page_text(client.get(guide.get(order=1).get_absolute_url()))
    assert "1 min read" in text


def test_article_page_has_a_table_of_contents_linking_to_sections(client, guide):
    content = client.get(guide.get(order=1).get_absolute_url()).content.decode()
    assert '<a href="#what-the-term-means">What the term means</a>' in content
    assert '<h2 id="what-the-term-means">' in content


def test_article_page_links_previous_and_next_parts(client, guide):
    content = client.get(guide.get(order=2).get_absolute_url()).content.decode()
    assert f'href="{guide.get(order=1).get_absolute_url()}" rel="prev"' in content
    assert f'href="{guide.get(order=3).get_absolute_url()}" rel="next"' in content


def test_first_article_has_no_previous_link(client, guide):
    content = client.get(guide.get(order=1).get_absolute_url()).content.decode()
    assert 'rel="prev"' not in content and 'rel="next"' in content


def test_draft_article_is_a_404(client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_draft_article_is_not_listed(client, make_article):
    make_article(title="Hidden draft", status=Article.Status.DRAFT, published_at=None)
    assert "Hidden draft" not in client.get("/").content.decode()


def test_prev_next_skips_drafts(client, make_article):
    first = make_article(order=1)
    make_article(order=2, status=Article.Status.DRAFT, published_at=None)
    third = make_article(order=3)
    content = client.get(first.get_absolute_url()).content.decode()
    assert f'href="{third.get_absolute_url()}" rel="next"' in content


def test_unknown_url_gets_the_site_404_page(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_404_page_still_shows_crisis_help(client, db):
    assert 'href="tel:988"' in client.get("/no/such/page/").content.decode()


def test_every_page_shows_crisis_help_and_disclaimer(client, guide):
    for url in public_urls(guide):
        content = client.get(url).content.decode()
        assert 'href="tel:988"' in content and 'href="sms:988"' in content, url
        assert "not medical advice" in content, url


def test_healthz_is_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"database: ok\ncache: ok\n"


def test_healthz_reports_the_cache_apart_from_the_database(client, db, settings):
    settings.CACHES = {
        "default": {"BACKEND": "trd_site.cache_backend.DegradingRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"database: ok\ncache: unavailable\n")


def test_healthz_answers_over_plain_http_when_https_is_enforced(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production; the exemption is settings.py's own
    assert client.get("/healthz").status_code == 200


def test_pages_still_redirect_to_https_when_it_is_enforced(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301


@pytest.mark.parametrize("method", ["post", "put", "delete", "options", "trace"])
def test_page_views_answer_only_get_and_head(client, make_article, method):
    article = make_article()
    for url in ["/", article.get_absolute_url(), "/glossary/", "/search/?q=sleep", "/sitemap.xml", "/robots.txt"]:
        assert getattr(client, method)(url).status_code == 405, url


def test_head_is_answered_on_page_views(client, make_article):
    assert client.head("/").status_code == 200


def test_healthz_is_503_when_the_database_does_not_answer(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise connection.Database.OperationalError("database is down")

    monkeypatch.setattr("articles.views.connection", Unreachable())
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (503, b"database: unavailable\ncache: ok\n")


def test_page_view_does_not_parse_markdown(client, guide, monkeypatch):
    import markdown

    def fail(*args, **kwargs):
        raise AssertionError("markdown parsed on a page view")

    monkeypatch.setattr(markdown.Markdown, "convert", fail)
    assert client.get(guide.first().get_absolute_url()).status_code == 200


def test_an_article_heading_cannot_take_the_crisis_links_target(client, make_article):
    article = make_article(body="## Get help\n\nCall your clinic if you feel unsafe.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count('id="get-help"') == 1


@pytest.fixture
def browserlike(db):
    """A client that, like a browser or curl, gets the CSRF check (the test client skips it by default)."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("url", ["/", "/glossary/", "/search/?q=sleep", "/robots.txt", "/healthz", "/sitemap.xml"])
def test_a_cookieless_post_to_a_page_gets_405_not_a_csrf_403(browserlike, make_article, url):
    make_article()
    assert browserlike.post(url).status_code == 405


def test_a_strangers_post_to_the_live_preview_gets_404_not_a_csrf_403(browserlike):
    # A redirect to the sign-in page would reveal where the admin lives (DJANGO_ADMIN_URL).
    assert browserlike.post("/markdownx/markdownify/", {"content": "hi"}).status_code == 404


def test_the_live_preview_still_checks_csrf_for_staff(browserlike, make_staff):
    browserlike.force_login(make_staff("erin", "Editor"))
    assert browserlike.post("/markdownx/markdownify/", {"content": "hi"}).status_code == 403


# The hostile-markup corpus through every public page


def test_no_payload_survives_an_article_page(client, make_article):
    article = make_article(body="\n\n".join(PAYLOADS), summary="Safe summary.")
    content = client.get(article.get_absolute_url()).content.decode()
    assert inert_problems(content) == []


def test_no_payload_survives_as_an_article_summary_or_title(client, make_article):
    for i, payload in enumerate(PAYLOADS):
        make_article(title=payload[:200], summary=payload[:300], slug=f"a-{i}", order=i)
    content = client.get("/").content.decode()
    assert inert_problems(content) == []


def test_no_payload_survives_a_glossary_definition_or_explanation(client, make_term):
    for i, payload in enumerate(PAYLOADS):
        make_term(f"Term {i}", slug=f"term-{i}", definition=payload[:300], explanation=payload)
    assert inert_problems(client.get("/glossary/").content.decode()) == []
    problems = {}
    for i in range(len(PAYLOADS)):
        found = inert_problems(client.get(f"/glossary/term-{i}/").content.decode())
        if found:
            problems[PAYLOADS[i]] = found
    assert problems == {}


# Hostile URLs and errors


@pytest.mark.parametrize(
    "url",
    [
        "/guide/" + "a" * 10_000 + "/",
        "/glossary/" + "b" * 10_000 + "/",
        "/guide/%00/",
        "/glossary/ket%00amine/",
        "/guide/%ff%fe/",
        "/guide/../../etc/passwd",
        "/guide/%2e%2e/%2e%2e/etc/passwd",
        "/static/../trd_site/settings.py",
        "/glossary/ｋetamine/",
        "/guide/what-is-treatment-resistant-depression%c0%af/",
        "/preview/%00/",
        "/" + "x" * 10_000,
    ],
)
def test_a_hostile_path_gets_the_sites_404_page(client, guide, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_a_search_for_a_nul_and_a_byte_that_is_not_utf8_gets_the_normal_no_results_page(client, guide):
    response = client.get("/search/?q=%00%ff")
    assert response.status_code == 200
    assert "No pages matched “\ufffd”." in response.content.decode()  # the NUL dropped, the byte replaced


def test_error_pages_show_no_stack_trace_or_settings(client, db, monkeypatch, settings):
    def explode():
        raise RuntimeError("internal detail " + settings.SECRET_KEY)

    monkeypatch.setattr("articles.views.guide_pages", explode)
    client.raise_request_exception = False
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in content
    assert "Traceback" not in content and "internal detail" not in content and settings.SECRET_KEY not in content


# Link previews, discovery and the page's outline (SITE_URL set, as in production)


def meta(content, prop):
    match = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', content)
    return match and match.group(1)


def public_urls(guide):
    return ["/", "/glossary/", "/glossary/ketamine/", "/search/?q=ketamine", *[a.get_absolute_url() for a in guide]]


def test_every_article_heading_has_a_section_link(client, guide):
    for article in guide:
        content = client.get(article.get_absolute_url()).content.decode()
        for entry in article.toc:
            assert f'<a class="section-link" href="#{entry["id"]}"' in content


def test_each_page_has_a_unique_title(client, guide):
    titles = [
        re.search(r"<title>(.*?)</title>", client.get(url).content.decode()).group(1) for url in public_urls(guide)
    ]
    assert len(set(titles)) == len(titles)


def test_article_description_is_its_summary(client, guide):
    article = guide.first()
    content = client.get(article.get_absolute_url()).content.decode()
    assert meta(content, "description") == article.summary
    assert meta(content, "og:description") == article.summary


def test_article_has_canonical_and_open_graph_tags(client, guide):
    article = guide.first()
    url = SITE + article.get_absolute_url()
    content = client.get(article.get_absolute_url()).content.decode()
    assert f'<link rel="canonical" href="{url}">' in content
    assert meta(content, "og:url") == url
    assert meta(content, "og:title") == article.title
    assert meta(content, "og:type") == "article"
    assert meta(content, "og:site_name") == "Understanding Treatment-Resistant Depression"
    assert meta(content, "og:image").startswith(f"{SITE}/static/img/share")


def test_article_has_twitter_card_tags(client, guide):
    content = client.get(guide.first().get_absolute_url()).content.decode()
    assert meta(content, "twitter:card") == "summary_large_image"
    assert meta(content, "twitter:title") == guide.first().title


def test_canonical_url_ignores_the_query_string(client, guide):
    content = client.get("/glossary/?utm_source=x").content.decode()
    assert f'<link rel="canonical" href="{SITE}/glossary/">' in content


def test_pages_declare_their_language(client, guide):
    for url in public_urls(guide):
        assert client.get(url).content.decode().startswith('<!doctype html>\n<html lang="en">')


def test_robots_txt_names_the_sitemap(client, db):
    content = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {SITE}/sitemap.xml" in content


def test_robots_txt_does_not_disclose_the_admin_address(client, db, settings):
    settings.ADMIN_URL = "staff-desk-7f3a/"
    assert "staff-desk-7f3a" not in client.get("/robots.txt").content.decode()


def test_pages_have_skip_link_and_landmarks(client, guide):
    content = client.get(guide.first().get_absolute_url()).content.decode()
    assert '<a class="skip-link" href="#main-content">' in content
    for landmark in ("<header", "<nav", '<main id="main-content"', "<footer"):
        assert landmark in content


def test_article_has_breadcrumb_back_to_the_guide(client, guide):
    content = client.get(guide.get(order=2).get_absolute_url()).content.decode()
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in content
    assert "Part 2 of 4" in content


# Crisis help and disclaimer


def test_crisis_text_is_set_per_clinic(client, db, settings):
    settings.CRISIS_TEXT = "Need help now? Call the clinic line."
    settings.CRISIS_PHONE = "0800 123"
    content = client.get("/").content.decode()
    assert "Need help now? Call the clinic line." in content
    assert 'href="tel:0800123"' in content


def test_default_crisis_help_names_988_911_and_an_international_directory(client, db):
    content = client.get("/").content.decode()
    assert "988 Suicide &amp; Crisis Lifeline" in content
    assert 'href="tel:911"' in content
    assert 'href="https://findahelpline.com/"' in content


def test_crisis_notice_comes_before_the_page_header(client, db):
    content = client.get("/").content.decode()
    assert content.index('class="crisis"') < content.index('class="site-header"')


# Privacy


def test_no_public_page_sets_a_cookie(client, guide):
    for url in [*public_urls(guide), "/sitemap.xml", "/robots.txt", "/nope/"]:
        assert client.get(url).cookies == {}, url


def test_public_pages_load_nothing_from_another_host(client, guide):
    pattern = re.compile(r'<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*\b(?:src|href)="([^"]+)"')
    for url in public_urls(guide):
        content = client.get(url).content.decode()
        loaded = [u for u in pattern.findall(content) if not u.startswith("/")]
        # canonical link is not a load; everything else must be same-origin relative.
        assert [u for u in loaded if not u.startswith(SITE)] == [], url


# Queries per page on a big site


@pytest.mark.parametrize("url", ["/", "/guide/part-25/", "/glossary/", "/glossary/term-26/", "/search/?q=term"])
def test_public_pages_run_at_most_3_queries_on_a_big_site(client, big_site, url, django_assert_max_num_queries):
    client.get("/search/?q=warm")  # search's lexicon is built once per content version (next test)
    with django_assert_max_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200


# Glossary pages, and the terms on article pages


def test_article_page_carries_the_definitions_of_terms_it_uses(client, guide):
    content = client.get(guide.get(slug=TREATMENT).get_absolute_url()).content.decode()
    ketamine = GlossaryTerm.objects.get(slug="ketamine")
    assert 'id="word-ketamine"' in content
    assert ketamine.definition in content
    assert 'href="/glossary/ketamine/">More about Ketamine</a>' in content


def test_page_view_does_not_match_glossary_terms(client, make_term, article_about_ketamine, monkeypatch):
    from articles.rendering import GlossaryMatcher

    make_term("Ketamine")

    def fail(*args, **kwargs):
        raise AssertionError("glossary matched on a page view")

    monkeypatch.setattr(GlossaryMatcher, "find", fail)
    assert client.get(article_about_ketamine.get_absolute_url()).status_code == 200


def test_glossary_lists_every_term_with_its_definition(client, guide):
    content = client.get("/glossary/").content.decode()
    for term in GlossaryTerm.objects.all():
        assert f'<a href="{term.get_absolute_url()}">{term.term}</a>' in content
        assert term.definition in content


def test_glossary_groups_terms_by_first_letter_in_order(client, make_term):
    for name in ["Zeta", "alpha", "Beta", "Bravo"]:
        make_term(name)
    content = client.get("/glossary/").content.decode()
    assert re.findall(r'<h2 id="letter-(.)-title">', content) == ["A", "B", "Z"]
    assert content.index(">Beta<") < content.index(">Bravo<") < content.index(">Zeta<")


def test_glossary_has_a_letter_jump_bar(client, make_term):
    make_term("Alpha")
    make_term("Zeta")
    content = client.get("/glossary/").content.decode()
    assert 'href="#letter-A"' in content and 'href="#letter-Z"' in content
    assert 'id="letter-A"' in content


def test_term_page_shows_term_aliases_definition_and_explanation(client, make_term):
    term = make_term(
        "Transcranial magnetic stimulation",
        slug="tms",
        aliases=["TMS", "rTMS"],
        definition="Uses magnetic pulses.",
        explanation="Done **awake**.",
    )
    content = client.get(term.get_absolute_url()).content.decode()
    assert "<h1>Transcranial magnetic stimulation</h1>" in content
    assert "Also called: TMS, rTMS" in content
    assert "Uses magnetic pulses." in content
    assert "Done <strong>awake</strong>." in content


def test_term_page_links_to_the_section_where_each_article_uses_it(client, guide):
    content = client.get("/glossary/electroconvulsive-therapy/").content.decode()
    assert f'href="/guide/{TREATMENT}/#paths-forward">What Does Treatment Look Like for TRD?</a>' in content


def test_term_page_lists_only_published_articles(client, make_term, make_article):
    make_term("Ketamine")
    make_article(title="Draft about it", body="Ketamine.", status=Article.Status.DRAFT, published_at=None)
    assert "Draft about it" not in client.get("/glossary/ketamine/").content.decode()


def test_unknown_term_is_a_404(client, db):
    assert client.get("/glossary/no-such-term/").status_code == 404
