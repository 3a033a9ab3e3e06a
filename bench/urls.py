"""The site's URLs plus /bench/bare/: pre-rendered article HTML through the full middleware stack.

The HTML file is read once, at import. Its path comes from BENCH_ARTICLE_HTML
(bench/run.py sets it), by default STATIC_ROOT/bench/article.html.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.urls import path

import trd_site.urls

HTML_PATH = Path(os.environ.get("BENCH_ARTICLE_HTML", Path(settings.STATIC_ROOT) / "bench" / "article.html"))
try:
    HTML = HTML_PATH.read_bytes()
except OSError as error:
    raise ImproperlyConfigured(f"bench.urls: cannot read the pre-rendered article {HTML_PATH}: {error}") from error


def bare(request):
    """The same bytes every time: the cost of Django itself, without queries or templates."""
    return HttpResponse(HTML, content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *trd_site.urls.urlpatterns]
handler500 = trd_site.urls.handler500
