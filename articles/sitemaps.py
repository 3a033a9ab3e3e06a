from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from .models import Article, GlossaryTerm


class SiteUrlSitemap(Sitemap):
    """Absolute URLs on settings.SITE_URL, never on whatever Host the request named."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(SiteUrlSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class TermSitemap(SiteUrlSitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return GlossaryTerm.objects.published().only("slug", "updated_at")

    def lastmod(self, term):
        return term.updated_at


SITEMAPS = {"articles": ArticleSitemap, "glossary": TermSitemap}
