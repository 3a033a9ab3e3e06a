"""Search on the full guide: what 20 realistic queries find, and what a search request costs
against an article page served uncached (the page cache off for both).

    .venv/bin/python bench/search.py [--rounds 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/search.py

Runs through the real views with Django's test client on a throwaway SQLite database, or on
DATABASE_URL (its tables are created by migrate and left for the next run to reuse).
Exit status 1 if the median search is slower than 1.5x the median article page.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIMIT = 1.5
# (what the reader is doing, query)
QUERIES = [
    ("crisis", "suicide"),
    ("crisis", "I want to die"),
    ("crisis", "self harm"),
    ("abbreviation", "ECT"),
    ("abbreviation", "TMS"),
    ("abbreviation", "IFS"),
    ("abbreviation", "EMDR"),
    ("abbreviation", "TRD"),
    ("brand name", "Spravato"),
    ("brand name", "Prozac"),
    ("lay phrase", "shock therapy"),
    ("lay phrase", "magnetic therapy"),
    ("lay phrase", "talking therapy"),
    ("typo", "ketmine"),
    ("typo", "depresion"),
    ("typo", "esketamin nasal spray"),
    ("question", "is my depression my fault?"),
    ("question", "how long should an antidepressant take to work"),
    ("question", "what if nothing works"),
    ("therapist", "trauma-informed care"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="trd-search-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="trd_site.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="bench-only-" + "x" * 40,
        TRD_PAGE_CACHE_SECONDS="0",
        DJANGO_ALLOWED_HOSTS="testserver",
    )

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles import search as searching
    from articles.models import Article

    # No collectstatic here: plain static storage (the same for both pages measured).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    call_command("import_content", path=ROOT / "content", stdout=open(os.devnull, "w"))
    call_command("rebuild_search_index", stdout=open(os.devnull, "w"))
    client = Client()
    article = Article.objects.published().order_by("order").first().get_absolute_url()

    def timed(url):
        start = time.perf_counter()
        response = client.get(url, secure=True)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        return elapsed

    urls = [searching.search_url(q) for _, q in QUERIES]
    for url in [article, *urls]:  # warm up: templates, connections, the vocabulary
        timed(url)
    page_times, search_times = [], []
    for _ in range(args.rounds):
        page_times.append(timed(article))
        search_times += [timed(url) for url in urls]
    with CaptureQueriesContext(connection) as queries:
        client.get(urls[3], secure=True)

    print(f"Database: {connection.vendor}. Full guide, {args.rounds} rounds; page cache off.\n")
    print("| reader | query | crisis help | did you mean | top result |")
    print("| --- | --- | --- | --- | --- |")
    for kind, query in QUERIES:
        found = searching.search(query)
        top = f"{found.results[0].title} ({found.results[0].kind.lower()})" if found.results else "(none)"
        print(f"| {kind} | {query} | {'yes' if found.crisis else ''} | {found.did_you_mean} | {top} |")
    page, search = statistics.median(page_times) * 1000, statistics.median(search_times) * 1000
    ratio = search / page
    print(
        f"\n| request | median ms |\n| --- | ---: |\n| article page, uncached | {page:.1f} |"
        f"\n| search (20 queries) | {search:.1f} |\n\nSearch / article: {ratio:.2f}x (limit {LIMIT}x); "
        f"{len(queries.captured_queries)} queries for one search."
    )
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
