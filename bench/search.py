"""Search on the full guide: what 20 realistic queries find, and what a search request costs
against an article page served uncached (the page cache off for both).

    .venv/bin/python bench/search.py [--rounds 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a database of your own> .venv/bin/python bench/search.py

Runs through the real views with Django's test client on a throwaway SQLite database, or on
DATABASE_URL (migrated; the guide is imported into it and left there).
Exit status 1 if the median search is slower than 1.5x the median article page.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import harness  # noqa: E402

LIMIT = 1.5
QUERIES = {  # what the reader is doing: queries
    "crisis": ["suicide", "I want to die", "self harm"],
    "abbreviation": ["ECT", "TMS", "IFS", "EMDR", "TRD"],
    "brand name": ["Spravato", "Prozac"],
    "lay phrase": ["shock therapy", "magnetic therapy", "talking therapy"],
    "typo": ["ketmine", "depresion", "esketamin nasal spray"],
    "question": [
        "is my depression my fault?",
        "how long should an antidepressant take to work",
        "what if nothing works",
    ],
    "therapist": ["trauma-informed care"],
}


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    harness.throwaway_django(
        "trd-search-",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="bench-only-" + "x" * 40,
        TRD_PAGE_CACHE_SECONDS="0",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles import search as searching
    from articles.models import Article

    # No collectstatic here: plain static storage (the same for both pages measured).
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    call_command("import_content", stdout=io.StringIO())
    call_command("rebuild_search_index", stdout=io.StringIO())
    client = Client()
    article = Article.objects.published().order_by("order").first().get_absolute_url()
    queries = [(kind, query) for kind, some in QUERIES.items() for query in some]
    urls = [searching.search_url(query) for _, query in queries]

    def timed(url):
        start = time.perf_counter()
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise harness.HarnessError(f"{url} answered {response.status_code}")
        return time.perf_counter() - start

    for url in [article, *urls]:  # warm up: templates, connections, the vocabulary
        timed(url)
    page_times, search_times = [], []
    for _ in range(args.rounds):
        page_times.append(timed(article))
        search_times += [timed(url) for url in urls]
    with CaptureQueriesContext(connection) as captured:
        client.get(urls[3], secure=True)

    rows = []
    for kind, query in queries:
        found = searching.search(query)
        top = f"{found.results[0].title} ({found.results[0].kind.lower()})" if found.results else "(none)"
        rows.append((kind, query, "yes" if found.crisis else "", found.did_you_mean, top))
    page, search = statistics.median(page_times) * 1000, statistics.median(search_times) * 1000
    print(f"Database: {connection.vendor}. Full guide, {args.rounds} rounds; page cache off.\n")
    print(harness.table(["reader", "query", "crisis help", "did you mean", "top result"], rows).replace("---:", "---"))
    times = harness.table(
        ["request", "median ms"], [("article page, uncached", f"{page:.1f}"), ("search (20 queries)", f"{search:.1f}")]
    )
    print(
        f"\n{times}\n\nSearch / article: {search / page:.2f}x (limit {LIMIT}x); {len(captured)} queries for one search."
    )
    return 0 if search / page <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(harness.main(run))
