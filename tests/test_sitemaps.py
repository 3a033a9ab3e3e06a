"""The sitemap (articles/sitemaps.py)."""

import pytest
from pages import SITE

from articles.models import Article

pytestmark = pytest.mark.usefixtures("site_url")


def test_sitemap_lists_published_articles_and_terms_with_lastmod(client, guide, make_article):
    make_article(slug="hidden-draft", status=Article.Status.DRAFT, published_at=None)
    content = client.get("/sitemap.xml").content.decode()
    for article in guide:
        assert f"<loc>{SITE}{article.get_absolute_url()}</loc>" in content
    assert f"<loc>{SITE}/glossary/ketamine/</loc>" in content
    assert "hidden-draft" not in content
    assert content.count("<lastmod>") == content.count("<loc>")
