"""Time the editorial operations on the full guide: import it into an empty database, a Publisher's
save of a term's definition and of a new alias, approve a term change, approve an article change,
restore an article's earlier words. Counts stored re-renders and queries for each.

    .venv/bin/python bench/editorial.py [--rounds 5]

Runs through the real admin views (Django's test client) on a throwaway SQLite database, or on
DATABASE_URL if set.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import harness  # noqa: E402

OPERATIONS = [  # each round, in this order
    "save a term's definition",
    "save a term with a new alias",
    "approve a term change",
    "approve an article change",
    "restore an article's words",
]


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    harness.throwaway_django("trd-editorial-", DJANGO_DEBUG="true", DJANGO_ALLOWED_HOSTS="testserver")
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from reversion.models import Version

    from articles.models import Article, GlossaryTerm, PendingChange, StaffProfile

    sys.path.insert(0, str(harness.ROOT / "tests"))
    from admin_forms import edit, open_form, review_url, reviewed, send

    setup_test_environment()
    renders = []
    for model in (Article, GlossaryTerm):
        model.render = lambda self, matcher, _render=model.render: renders.append(self.slug) or _render(self, matcher)

    def measure(action, *args, **kwargs):
        """(seconds, stored re-renders, queries) of one action; an admin view must answer 302."""
        renders.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = action(*args, **kwargs)
            elapsed = time.perf_counter() - start
        if getattr(response, "status_code", 302) != 302:
            raise harness.HarnessError(f"{args[1]} answered {response.status_code}")
        return elapsed, len(renders), len(queries)

    import_guide = measure(call_command, "import_content", stdout=io.StringIO())
    results = {"import the guide into an empty database": [import_guide]}
    editor = User.objects.create_user("bench-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    publisher = User.objects.create_user("bench-publisher", is_staff=True)
    publisher.groups.add(Group.objects.get(name="Publisher"))
    StaffProfile.objects.create(user=publisher, display_name="Bench Reviewer", credentials="benchmark only")
    erin, pat = Client(), Client()
    erin.force_login(editor)
    pat.force_login(publisher)
    review = reviewed(publisher)
    term = GlossaryTerm.objects.get(slug="ketamine")
    article = Article.objects.get(order=3)
    term_url = f"/admin/articles/glossaryterm/{term.pk}/change/"
    article_url = f"/admin/articles/article/{article.pk}/change/"

    def approve(**change):
        """Erin submits a change for review; the Publisher opens it (not timed) and approves it (timed)."""
        edit(erin, term_url if "explanation" in change else article_url, "_submit_review", **change)
        pending = PendingChange.objects.get(state="submitted")
        seen = open_form(pat, review_url(pending))
        return measure(send, pat, review_url(pending), {**seen, **review, "action": "approve"}, "_")

    for n in range(args.rounds):
        first = Version.objects.get_for_object(article).last()
        results_of_round = [
            measure(edit, pat, term_url, definition=f"{term.definition} (round {n})", **review),
            measure(edit, pat, term_url, aliases=f"Ketalar {n}", **review),
            approve(explanation=f"{term.explanation}\n\nBench round {n}."),
            approve(body=f"{article.body}\n\nRound {n}."),
            measure(edit, pat, f"/admin/articles/article/{article.pk}/history/{first.pk}/", **review),
        ]
        for label, result in zip(OPERATIONS, results_of_round, strict=True):
            results.setdefault(label, []).append(result)

    print(f"Full guide: {Article.objects.count()} articles, {GlossaryTerm.objects.count()} terms; {args.rounds} rounds")
    rows = []
    for label, measured in results.items():
        times, counts, queries = (statistics.median(column) for column in zip(*measured, strict=True))
        rows.append((label, f"{times * 1000:.0f}", f"{counts:.0f}", f"{queries:.0f}"))
    print(harness.table(["operation", "time ms (median)", "stored re-renders", "queries"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(harness.main(run))
