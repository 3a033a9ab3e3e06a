"""Time the editorial operations on the full guide: import it into an empty database, a Publisher's
save of a term's definition and of a new alias, approve a term change, approve an article change,
restore an article's earlier words. Counts stored re-renders and queries for each.

    .venv/bin/python bench/editorial.py [--rounds 5]

Runs on a throwaway SQLite database (or DATABASE_URL if set), through the real admin views.
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="trd-editorial-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.update(DJANGO_SETTINGS_MODULE="trd_site.settings", DJANGO_DEBUG="true")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from reversion.models import Version

    from articles.models import Article, GlossaryTerm, PendingChange

    sys.path.insert(0, str(ROOT / "tests"))
    from admin_forms import edit, open_form, review_url, reviewed, send

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    renders = []
    for model in (Article, GlossaryTerm):
        original = model.render
        model.render = lambda self, matcher, _o=original: renders.append(self.slug) or _o(self, matcher)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        call_command("import_content", path=ROOT / "content", stdout=open(os.devnull, "w"))
        imported = (time.perf_counter() - start, len(renders), len(queries))
    from django.contrib.auth.models import Group, User

    from articles.models import StaffProfile

    editor = User.objects.create_user("bench-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    publisher = User.objects.create_user("bench-publisher", is_staff=True)
    publisher.groups.add(Group.objects.get(name="Publisher"))
    StaffProfile.objects.create(user=publisher, display_name="Bench Reviewer", credentials="benchmark only")
    erin, pat = Client(), Client()
    erin.force_login(editor)
    pat.force_login(publisher)
    review = reviewed(publisher)

    def measure(label, action):
        renders.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = action()
            elapsed = time.perf_counter() - start
        assert response.status_code == 302, (label, response.status_code)
        return elapsed, len(renders), len(queries)

    results = {
        "import the guide into an empty database": [imported],
        "save a term's definition": [],
        "save a term with a new alias": [],
        "approve a term change": [],
        "approve an article change": [],
        "restore an article's words": [],
    }
    term = GlossaryTerm.objects.get(slug="ketamine")
    article = Article.objects.get(order=3)
    term_url = f"/admin/articles/glossaryterm/{term.pk}/change/"
    for n in range(args.rounds):
        results["save a term's definition"].append(
            measure(
                "term definition",
                lambda n=n: edit(pat, term_url, definition=f"{term.definition} (round {n})", **review),
            )
        )
        results["save a term with a new alias"].append(
            measure("term alias", lambda n=n: edit(pat, term_url, aliases=f"Ketalar {n}", **review))
        )
        edit(
            erin,
            f"/admin/articles/glossaryterm/{term.pk}/change/",
            "_submit_review",
            explanation=term.explanation + f"\n\nBench round {n}.",
        )
        change = PendingChange.objects.get(term=term, state="submitted")
        seen = open_form(pat, review_url(change))  # as the Publisher opens it; not timed
        results["approve a term change"].append(
            measure(
                "approve term",
                lambda change=change, seen=seen: send(
                    pat, review_url(change), {**seen, **review, "action": "approve"}, "_"
                ),
            )
        )
        edit(
            erin,
            f"/admin/articles/article/{article.pk}/change/",
            "_submit_review",
            body=article.body + f"\n\nRound {n}.",
        )
        change = PendingChange.objects.get(article=article, state="submitted")
        seen = open_form(pat, review_url(change))
        results["approve an article change"].append(
            measure(
                "approve article",
                lambda change=change, seen=seen: send(
                    pat, review_url(change), {**seen, **review, "action": "approve"}, "_"
                ),
            )
        )
        first = Version.objects.get_for_object(article).last()
        url = f"/admin/articles/article/{article.pk}/history/{first.pk}/"
        results["restore an article's words"].append(measure("restore", lambda url=url: edit(pat, url, **review)))

    print(
        f"Full guide: {Article.objects.count()} articles, {GlossaryTerm.objects.count()} terms; "
        f"{args.rounds} rounds, median"
    )
    print("| operation | time ms | stored re-renders | queries |")
    print("| --- | ---: | ---: | ---: |")
    for label, rows in results.items():
        times, counts, queries = zip(*rows, strict=True)
        print(
            f"| {label} | {statistics.median(times) * 1000:.0f} | {statistics.median(counts):.0f} "
            f"| {statistics.median(queries):.0f} |"
        )


if __name__ == "__main__":
    main()
