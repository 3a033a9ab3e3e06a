"""Helpers for tests that read pages: the site's address, two parts of the real guide, the term links in
some HTML, and what a page weighs."""

import re
from pathlib import Path

import brotli
from django.contrib.staticfiles import finders

SITE = "https://guide.example.org"  # SITE_URL in the tests that use the site_url fixture (conftest.py)

# Two parts of the real guide (content/articles/).
TREATMENT = "what-does-treatment-look-like-for-trd"
DEFINITION = "what-is-treatment-resistant-depression"
# The four parts' addresses, in order.
PARTS = [
    "/guide/what-is-treatment-resistant-depression/",
    "/guide/why-doesnt-treatment-work-for-everyone/",
    "/guide/what-does-treatment-look-like-for-trd/",
    "/guide/the-emotional-weight-of-trd/",
]


def term_links(html):
    """{slug: linked text} for every term link in a piece of HTML."""
    return dict(re.findall(r'<a class="term" href="/glossary/([^/]+)/" data-term="[^"]+">([^<]+)</a>', html))


# What one public page may cost a reader on a slow phone connection: compressed bytes, and requests.
PAGE_BUDGET_BYTES = 35 * 1024
PAGE_BUDGET_REQUESTS = 4

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
