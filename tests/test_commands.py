import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, GlossaryTerm


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_content", *args, path=path, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def snapshot():
    return (
        list(Article.objects.order_by("slug").values_list("slug", "title", "body", "updated_at")),
        list(GlossaryTerm.objects.order_by("slug").values_list("slug", "term", "definition", "updated_at")),
    )


ARTICLE = """---
title: {title}
slug: {slug}
order: 9
summary: A summary.
---
Body text.
"""


@pytest.mark.django_db
def test_first_import_creates_the_four_articles_and_the_glossary(content_dir):
    output = run_import(content_dir)
    assert Article.objects.published().count() == 4
    assert GlossaryTerm.objects.count() >= 18
    assert f"{4 + GlossaryTerm.objects.count()} created, 0 updated" in output


@pytest.mark.django_db
def test_second_import_reports_no_changes(content_dir):
    run_import(content_dir)
    output = run_import(content_dir)
    assert "0 created, 0 updated" in output


@pytest.mark.django_db
def test_second_import_writes_nothing(content_dir):
    run_import(content_dir)
    before = snapshot()
    run_import(content_dir)
    assert snapshot() == before


@pytest.mark.django_db
def test_changed_file_is_updated(content_dir):
    run_import(content_dir)
    path = content_dir / "articles" / "04-the-emotional-weight-of-trd.md"
    path.write_text(path.read_text().replace("It’s not your fault", "It is not your fault"))
    output = run_import(content_dir)
    assert "0 created, 1 updated" in output
    assert "It is not your fault" in Article.objects.get(slug="the-emotional-weight-of-trd").body


@pytest.mark.django_db
def test_articles_are_imported_in_order(content_dir):
    run_import(content_dir)
    assert list(Article.objects.published().values_list("order", flat=True)) == [1, 2, 3, 4]


@pytest.mark.django_db
def test_staff_edit_is_kept_without_force(content_dir):
    run_import(content_dir)
    article = Article.objects.get(order=1)
    article.title = "Edited by staff"
    article.save()
    path = content_dir / "articles" / "01-what-is-treatment-resistant-depression.md"
    path.write_text(path.read_text().replace("First things first", "First of all"))
    output = run_import(content_dir)
    assert Article.objects.get(order=1).title == "Edited by staff"
    assert "skipped articles/what-is-treatment-resistant-depression" in output


@pytest.mark.django_db
def test_staff_edit_is_kept_even_when_the_file_did_not_change(content_dir):
    run_import(content_dir)
    term = GlossaryTerm.objects.get(slug="ketamine")
    term.definition = "Staff wording."
    term.save()
    output = run_import(content_dir)
    assert GlossaryTerm.objects.get(slug="ketamine").definition == "Staff wording."
    assert "skipped glossary/ketamine" in output


@pytest.mark.django_db
def test_force_overwrites_staff_edits(content_dir):
    run_import(content_dir)
    Article.objects.filter(order=1).update(title="Edited by staff")
    run_import(content_dir, "--force")
    assert Article.objects.get(order=1).title == "What is Treatment-Resistant Depression?"


@pytest.mark.django_db
def test_dry_run_writes_nothing(content_dir):
    output = run_import(content_dir, "--dry-run")
    assert Article.objects.count() == 0
    assert "dry run" in output


def expect_failure(content_dir, message):
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run_import(content_dir)
    assert message in str(error.value)
    assert snapshot() == before
    return str(error.value)


@pytest.fixture
def imported(content_dir):
    run_import(content_dir)
    return content_dir


@pytest.mark.django_db
def test_broken_yaml_fails_naming_the_file_and_writes_nothing(imported):
    (imported / "articles" / "05-bad.md").write_text("---\ntitle: [unclosed\nslug: bad\n---\nBody\n")
    expect_failure(imported, "articles/05-bad.md: invalid YAML front matter")


@pytest.mark.django_db
def test_missing_front_matter_fails(imported):
    (imported / "articles" / "05-bad.md").write_text("Just text, no front matter.\n")
    expect_failure(imported, "articles/05-bad.md: missing front matter")


@pytest.mark.django_db
def test_duplicate_slug_fails_naming_both_files(imported):
    (imported / "articles" / "05-dup.md").write_text(ARTICLE.format(title="Dup", slug="the-emotional-weight-of-trd"))
    message = expect_failure(imported, "articles/05-dup.md: duplicate slug 'the-emotional-weight-of-trd'")
    assert "04-the-emotional-weight-of-trd.md" in message


@pytest.mark.django_db
def test_unknown_key_fails(imported):
    text = ARTICLE.format(title="New", slug="new-article").replace("order: 9", "order: 9\nauthor: someone")
    (imported / "articles" / "05-new.md").write_text(text)
    expect_failure(imported, "articles/05-new.md: unknown front-matter key author")


@pytest.mark.django_db
def test_empty_file_fails(imported):
    (imported / "glossary" / "empty.md").write_text("")
    expect_failure(imported, "glossary/empty.md: the file is empty")


@pytest.mark.django_db
def test_missing_title_fails(imported):
    (imported / "articles" / "05-new.md").write_text(ARTICLE.format(title="", slug="new-article"))
    expect_failure(imported, "articles/05-new.md: missing title")


@pytest.mark.django_db
def test_missing_slug_fails(imported):
    (imported / "articles" / "05-new.md").write_text(ARTICLE.format(title="New", slug=""))
    expect_failure(imported, "articles/05-new.md: missing slug")


@pytest.mark.django_db
def test_invalid_slug_fails(imported):
    (imported / "articles" / "05-new.md").write_text(ARTICLE.format(title="New", slug="Not a slug!"))
    expect_failure(imported, "articles/05-new.md: slug:")


@pytest.mark.django_db
def test_empty_body_fails(imported):
    (imported / "articles" / "05-new.md").write_text(ARTICLE.format(title="New", slug="new").replace("Body text.", ""))
    expect_failure(imported, "articles/05-new.md: the body is empty")


@pytest.mark.django_db
def test_definition_over_300_characters_fails(imported):
    (imported / "glossary" / "long.md").write_text(f"---\nterm: Long\nslug: long\ndefinition: {'x' * 301}\n---\n")
    expect_failure(imported, "glossary/long.md: definition:")


@pytest.mark.django_db
def test_every_problem_is_reported_not_just_the_first(imported):
    (imported / "articles" / "05-a.md").write_text("")
    (imported / "articles" / "06-b.md").write_text("no front matter")
    message = expect_failure(imported, "articles/05-a.md: the file is empty")
    assert "articles/06-b.md: missing front matter" in message


@pytest.mark.django_db
def test_a_bad_file_keeps_good_new_files_out_too(imported):
    (imported / "articles" / "05-good.md").write_text(ARTICLE.format(title="Good", slug="good"))
    (imported / "articles" / "06-bad.md").write_text("")
    expect_failure(imported, "06-bad.md")
    assert not Article.objects.filter(slug="good").exists()


def test_command_exits_with_status_1_on_bad_content(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "bad.md").write_text("")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_content", "--dry-run", f"--path={tmp_path}"],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert result.returncode == 1
    assert "articles/bad.md: the file is empty" in result.stderr
