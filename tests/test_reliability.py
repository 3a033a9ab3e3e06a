"""Nothing lost: concurrent writers and readers, and backups that restore exactly."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from admin_forms import edit, reviewed
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import reviews, workflow
from articles.models import ARTICLE_HISTORY, TERM_HISTORY, Article, GlossaryTerm

REPO = Path(__file__).resolve().parent.parent

WORKER = r"""
import os, sys, django
django.setup()
import reversion
from django.db import close_old_connections
from django.test import Client
from articles.models import Article
role, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = Client()
for i in range(rounds):
    if role == "writer":
        with reversion.create_revision():
            article = Article.objects.get(order=1 + (n % 4))
            article.body = article.body + f"\n\nWriter {n} edit {i}."
            article.save()
    else:
        for path in ["/", "/guide/what-is-treatment-resistant-depression/", "/glossary/", "/search/?q=ketamine"]:
            status = client.get(path).status_code
            assert status == 200, (path, status)
print("ok")
"""


def worker_env(database_url, static_root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="trd_site.settings",
        DJANGO_SECRET_KEY="test",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_STATIC_ROOT=str(static_root),
    )
    return env


@pytest.fixture
def shared_database(tmp_path, transactional_db):
    """(env for worker processes, with a database they can all open and collected static files)."""
    static_root = tmp_path / "static"
    if connection.vendor == "sqlite":
        env = worker_env(f"sqlite:///{tmp_path / 'shared.sqlite3'}", static_root)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, check=True
        )
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
        subprocess.run(
            [sys.executable, "manage.py", "import_content"], cwd=REPO, env=env, check=True, capture_output=True
        )
        return env
    call_command("import_content", path=REPO / "content", stdout=io.StringIO())
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = worker_env(url, static_root)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    return env


def test_simultaneous_staff_saves_and_reader_requests_never_fail(shared_database):
    env = shared_database
    rounds = 15
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, role, str(n), str(rounds)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role in ("writer", "reader")
        for n in range(4)
    ]
    # communicate() drains both pipes while waiting, so a chatty worker cannot block on a full pipe.
    outcomes = [(*w.communicate(timeout=300), w.returncode) for w in workers]
    outcomes = [(code, out, err) for out, err, code in outcomes]
    failures = [err[-2000:] for code, out, err in outcomes if code != 0]
    assert failures == []
    assert not any("database is locked" in err for _, _, err in outcomes)
    # Every writer's every save is there: none overwrote another's.
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from articles.models import Article; "
            "print(sum(a.body.count('Writer ') for a in Article.objects.all()))",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip() == str(4 * rounds)


def test_sqlite_uses_wal_a_busy_timeout_and_immediate_transactions(settings):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite settings only")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def fields(queryset, names):
    return sorted(tuple(str(getattr(obj, name)) for name in names) for obj in queryset)


ARTICLE_FIELDS = [
    "slug",
    "title",
    "summary",
    "body",
    "order",
    "status",
    "published_at",
    "last_reviewed",
    "next_review_due",
    "body_html",
]
TERM_FIELDS = ["slug", "term", "aliases", "definition", "explanation", "explanation_html"]


def test_export_then_import_into_an_empty_database_reproduces_the_content(guide, make_article, make_term, tmp_path):
    make_article(
        slug="a-draft",
        title="A draft “with” quotes: and colons",
        status=Article.Status.DRAFT,
        published_at=None,
        body="## Draft\n\nNot yet.\n\n- one\n- two",
    )
    make_term("Lithium", aliases=["lithium carbonate"], explanation="A *mood* stabilizer.")
    staff_edit = Article.objects.get(order=2)
    staff_edit.body += "\n\nAdded by staff."
    staff_edit.save()
    before = fields(Article.objects.all(), ARTICLE_FIELDS), fields(GlossaryTerm.objects.all(), TERM_FIELDS)

    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    Article.objects.all().delete()
    GlossaryTerm.objects.all().delete()
    call_command("import_content", path=tmp_path, stdout=io.StringIO())

    after = fields(Article.objects.all(), ARTICLE_FIELDS), fields(GlossaryTerm.objects.all(), TERM_FIELDS)
    assert after == before


def test_export_includes_drafts(make_article, tmp_path):
    make_article(slug="unfinished", status=Article.Status.DRAFT, published_at=None)
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    assert "status: draft" in next((tmp_path / "articles").glob("*unfinished.md")).read_text()


def test_export_refuses_to_overwrite_without_force(make_article, tmp_path):
    from django.core.management import CommandError

    make_article()
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    with pytest.raises(CommandError, match="already holds content files"):
        call_command("export_content", path=tmp_path, stdout=io.StringIO())


def test_reimporting_an_export_reports_no_changes(guide, tmp_path):
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_content", path=tmp_path, stdout=out)
    assert "0 created, 0 updated" in out.getvalue()


# A content export restores exactly what staff edited.


def staff_state():
    """Per item: every field staff edit, the old addresses that redirect to it, and the review patients see."""
    return {
        (model.__name__, obj.slug): (
            workflow.values_of(obj, names),
            sorted(obj.old_slugs.values_list("slug", flat=True)),
            reviews.public_review(obj),
        )
        for model, names in ((Article, ARTICLE_HISTORY), (GlossaryTerm, TERM_HISTORY))
        for obj in model.objects.all()
    }


@pytest.fixture
def staff_edited(guide, clinician, clinician_client, make_article):
    """The guide after staff worked on it in the admin: renamed, reviewed, reworded, drafts added."""
    renamed = Article.objects.get(order=2)
    response = edit(
        clinician_client,
        f"/admin/articles/article/{renamed.pk}/change/",
        **reviewed(clinician, title="Edited by staff", slug="renamed-by-staff", summary="Staff summary."),
    )
    assert response.status_code == 302
    term = GlossaryTerm.objects.get(slug="ketamine")
    response = edit(
        clinician_client,
        f"/admin/articles/glossaryterm/{term.pk}/change/",
        **reviewed(clinician, slug="ketamine-infusion", aliases="Ketalar", definition="Staff definition."),
    )
    assert response.status_code == 302
    # Words changed after a review (as an import does): the review no longer covers them.
    Article.objects.filter(order=3).update(
        reviewed_by=clinician,
        last_reviewed=timezone.localdate(),
        content_changed_at=timezone.now(),
        review_recorded_at=None,
    )
    indented = Article.objects.get(order=4)  # leading spaces, as a restore from history can leave them
    indented.body = "    an indented code block\n\n" + indented.body
    indented.save()
    make_article(
        slug="a-draft",
        title="A draft",
        status=Article.Status.DRAFT,
        published_at=None,
        order=9,
        body="## Draft\n\nNot yet.",
    )
    return staff_state()


def test_staff_edits_have_the_state_the_restore_tests_need(staff_edited):
    assert staff_edited[("Article", "renamed-by-staff")][1] == ["why-doesnt-treatment-work-for-everyone"]
    assert staff_edited[("Article", "renamed-by-staff")][2] is not None
    assert staff_edited[("GlossaryTerm", "ketamine-infusion")][2] is not None
    assert staff_edited[("Article", "what-does-treatment-look-like-for-trd")][2] is None


def test_export_then_import_into_an_empty_database_restores_everything_staff_edited(staff_edited, tmp_path):
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    Article.objects.all().delete()
    GlossaryTerm.objects.all().delete()
    call_command("import_content", path=tmp_path, stdout=io.StringIO())
    assert staff_state() == staff_edited


def test_export_then_forced_import_over_later_changes_restores_everything_staff_edited(
    staff_edited, clinician_client, tmp_path
):
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    article = Article.objects.get(slug="renamed-by-staff")
    edit(clinician_client, f"/admin/articles/article/{article.pk}/change/", slug="renamed-again", title="Later title")
    GlossaryTerm.objects.filter(slug="ketamine-infusion").update(aliases=[], reviewed_by=None, last_reviewed=None)
    Article.objects.filter(slug="a-draft").update(body="Changed later.", status=Article.Status.PUBLISHED)
    call_command("import_content", "--force", path=tmp_path, stdout=io.StringIO())
    assert staff_state() == staff_edited


def test_export_then_import_keeps_a_body_starting_with_an_indented_code_block(staff_edited, tmp_path):
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    Article.objects.all().delete()
    call_command("import_content", path=tmp_path, stdout=io.StringIO())
    assert Article.objects.get(order=4).body.startswith("    an indented code block\n\n")


def test_reimporting_an_export_of_staff_edits_reports_no_changes(staff_edited, tmp_path):
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_content", path=tmp_path, stdout=out, stderr=out)
    assert "0 created, 0 updated" in out.getvalue() and "0 skipped" in out.getvalue()


def test_a_restored_review_no_longer_counts_once_the_words_in_the_file_changed(staff_edited, tmp_path):
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    path = next((tmp_path / "articles").glob("*renamed-by-staff.md"))
    path.write_text(path.read_text().replace("Staff summary.", "Summary changed in the file."))
    Article.objects.all().delete()
    call_command("import_content", path=tmp_path, stdout=io.StringIO())
    assert staff_state()[("Article", "renamed-by-staff")][2] is None


def test_export_with_force_over_a_folder_named_like_a_content_file_fails_naming_it(make_article, tmp_path):
    from django.core.management import CommandError

    make_article()
    (tmp_path / "articles" / "x.md").mkdir(parents=True)
    with pytest.raises(CommandError, match=r"articles/x.md: not a regular file"):
        call_command("export_content", "--force", path=tmp_path, stdout=io.StringIO())


def test_an_import_names_a_review_that_no_longer_covers_the_words_in_the_file(staff_edited, tmp_path):
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    path = next((tmp_path / "articles").glob("*renamed-by-staff.md"))
    path.write_text(path.read_text().replace("Staff summary.", "Summary changed in the file."))
    out = io.StringIO()
    call_command("import_content", "--force", path=tmp_path, stdout=out, stderr=out)
    assert "articles/renamed-by-staff: the review in the file does not cover its words" in out.getvalue()
