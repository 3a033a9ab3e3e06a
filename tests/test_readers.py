"""What readers and therapists get: links, sharing, previews, discovery, search, privacy."""

import re

import pytest

from articles.models import Article
from articles.share import qr_svg

SITE = "https://guide.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def meta(content, prop):
    match = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', content)
    return match and match.group(1)


def public_urls(guide):
    return ["/", "/glossary/", "/glossary/ketamine/", "/search/?q=ketamine", *[a.get_absolute_url() for a in guide]]


# Section links and sharing


def test_every_article_heading_has_a_section_link(client, guide):
    for article in guide:
        content = client.get(article.get_absolute_url()).content.decode()
        for entry in article.toc:
            assert f'<a class="section-link" href="#{entry["id"]}"' in content


def test_share_box_shows_the_canonical_url(client, guide):
    article = guide.first()
    content = client.get(article.get_absolute_url()).content.decode()
    assert f'id="share-url" type="text" value="{SITE}{article.get_absolute_url()}" readonly' in content


def test_share_box_has_a_server_made_qr_code_of_the_canonical_url(client, guide):
    article = guide.first()
    content = client.get(article.get_absolute_url()).content.decode()
    assert str(qr_svg(SITE + article.get_absolute_url())) in content
    assert '<svg width="' in content and "QR code of this page’s address" in content


def test_qr_codes_differ_per_page(guide):
    urls = [SITE + a.get_absolute_url() for a in guide]
    assert len({str(qr_svg(url)) for url in urls}) == len(urls)


def test_copy_button_is_hidden_until_javascript_enables_it(client, guide):
    content = client.get(guide.first().get_absolute_url()).content.decode()
    assert 'class="copy-button" data-copy-from="share-url" hidden' in content


# Link previews and discovery


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


def test_sitemap_lists_published_articles_and_terms_with_lastmod(client, guide, make_article):
    make_article(slug="hidden-draft", status=Article.Status.DRAFT, published_at=None)
    content = client.get("/sitemap.xml").content.decode()
    for article in guide:
        assert f"<loc>{SITE}{article.get_absolute_url()}</loc>" in content
    assert f"<loc>{SITE}/glossary/ketamine/</loc>" in content
    assert "hidden-draft" not in content
    assert content.count("<lastmod>") == content.count("<loc>")


def test_robots_txt_names_the_sitemap(client, db):
    content = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {SITE}/sitemap.xml" in content


def test_robots_txt_does_not_disclose_the_admin_address(client, db, settings):
    settings.ADMIN_URL = "staff-desk-7f3a/"
    assert "staff-desk-7f3a" not in client.get("/robots.txt").content.decode()


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


def test_footer_disclaimer_says_information_not_advice(client, guide):
    for url in public_urls(guide):
        assert "not medical advice" in client.get(url).content.decode()


# Navigation


def test_pages_have_skip_link_and_landmarks(client, guide):
    content = client.get(guide.first().get_absolute_url()).content.decode()
    assert '<a class="skip-link" href="#main-content">' in content
    for landmark in ("<header", "<nav", '<main id="main-content"', "<footer"):
        assert landmark in content


def test_article_has_breadcrumb_back_to_the_guide(client, guide):
    content = client.get(guide.get(order=2).get_absolute_url()).content.decode()
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in content
    assert "Part 2 of 4" in content


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
