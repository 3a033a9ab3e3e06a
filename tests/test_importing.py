"""The content import and export (articles/importing.py, manage.py import_content and export_content):
a first import creates the guide and a second changes nothing; a bad file stops the import naming it,
with nothing written; an export is a backup an import restores exactly."""

import io
import os
import resource
import subprocess
import sys

import pytest
import yaml
from admin_forms import edit, reviewed
from django.core.management import CommandError, call_command
from django.utils import timezone
from payloads import PAYLOADS, inert_problems
from reversion.models import Version

from articles import reviews, workflow
from articles.models import ARTICLE_HISTORY, TERM_HISTORY, Article, GlossaryTerm, OldSlug


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_content", *args, path=path, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def snapshot():
    """Every row an import can write, whole: a failed import must leave all of it as it was."""
    return (
        list(Article.objects.order_by("pk").values()),
        list(GlossaryTerm.objects.order_by("pk").values()),
        list(OldSlug.objects.order_by("pk").values()),
        Version.objects.count(),
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
def test_first_import_creates_the_four_parts_the_questions_page_and_the_glossary(content_dir):
    output = run_import(content_dir)
    assert Article.objects.published().parts().count() == 4
    assert list(Article.objects.published().filter(kind="checklist").values_list("slug", flat=True)) == [
        "questions-for-your-appointment"
    ]
    assert GlossaryTerm.objects.count() >= 18
    assert f"{5 + GlossaryTerm.objects.count()} created, 0 updated" in output


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
    assert list(Article.objects.published().parts().values_list("order", flat=True)) == [1, 2, 3, 4]


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
def imported(content_dir, db):
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


# Bad files never crash the import: one line naming the file, nothing written.


def test_a_list_as_title_fails_naming_the_file(imported):
    (imported / "articles" / "05-new.md").write_text(ARTICLE.format(title="[one, two]", slug="new-article"))
    expect_failure(imported, "articles/05-new.md: title must be text")


def test_an_existing_term_name_under_another_slug_fails(imported):
    (imported / "glossary" / "ketamine-2.md").write_text(
        "---\nterm: Ketamine\nslug: ketamine-2\ndefinition: Again.\n---\n"
    )
    expect_failure(imported, "glossary/ketamine-2.md: term: Glossary term with this Term already exists.")


def test_deeply_nested_yaml_fails(imported):
    nested = "[" * 5000 + "]" * 5000
    (imported / "articles" / "05-new.md").write_text(
        ARTICLE.format(title="New", slug="new").replace("order: 9", f"order: {nested}")
    )
    expect_failure(imported, "articles/05-new.md: invalid YAML front matter: nested more than")


def test_yaml_aliases_fail(imported):
    text = ARTICLE.format(title="New", slug="new").replace(
        "summary: A summary.", "summary: &s A summary.\nsources: [*s]"
    )
    (imported / "articles" / "05-new.md").write_text(text)
    expect_failure(imported, "articles/05-new.md: invalid YAML front matter: anchors and aliases")


def test_a_folder_named_like_a_content_file_fails(imported):
    (imported / "articles" / "x.md").mkdir()
    expect_failure(imported, "articles/x.md: not a regular file")


def test_a_file_over_the_size_limit_fails(imported):
    body = ("Words and more words. " * 50 + "\n\n") * 28_000  # about 30 MB
    (imported / "articles" / "05-big.md").write_text(
        ARTICLE.format(title="Big", slug="big").replace("Body text.", body)
    )
    expect_failure(imported, "articles/05-big.md: larger than the limit of 1,000,000 bytes per file")


def test_a_symlink_to_a_file_outside_the_content_folder_fails(imported, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(ARTICLE.format(title="Outside", slug="outside"))
    (imported / "articles" / "05-outside.md").symlink_to(outside)
    expect_failure(imported, "articles/05-outside.md: points outside the content folder")


def test_a_symlink_inside_the_content_folder_is_imported(imported):
    (imported / "drafts").mkdir()
    (imported / "drafts" / "inside.md").write_text(ARTICLE.format(title="Inside", slug="inside"))
    (imported / "articles" / "05-inside.md").symlink_to(imported / "drafts" / "inside.md")
    run_import(imported)
    assert Article.objects.get(slug="inside").title == "Inside"


def run_import_process(path, timeout=60):
    """manage.py import_content in a child process that cannot hang the suite or eat the machine's memory."""

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "manage.py", "import_content", "--dry-run", f"--path={path}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit_memory,
        env={**os.environ, "DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{path.parent / 'db.sqlite3'}"},
    )


def test_a_symlink_to_dev_zero_fails_at_once_with_one_line(content_dir):
    (content_dir / "articles" / "05-zero.md").symlink_to("/dev/zero")
    result = run_import_process(content_dir)
    assert result.returncode == 1
    assert "articles/05-zero.md: points outside the content folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_named_pipe_fails_at_once_with_one_line(content_dir):
    os.mkfifo(content_dir / "articles" / "05-pipe.md")
    result = run_import_process(content_dir)
    assert result.returncode == 1
    assert "articles/05-pipe.md: not a regular file" in result.stderr


# The import refuses what the admin refuses.


def write_term(folder, name, slug, aliases="[]", body=""):
    (folder / "glossary" / f"{slug}.md").write_text(
        f"---\nterm: {name}\nslug: {slug}\ndefinition: A word.\naliases: {aliases}\n---\n{body}"
    )


def test_an_alias_that_is_another_terms_name_fails(imported):
    write_term(imported, "Special K", "special-k", aliases="[ketamine]")
    expect_failure(imported, "glossary/special-k.md: aliases: These names already link to another term")


def test_an_alias_that_is_another_terms_alias_fails(imported):
    write_term(imported, "Nasal spray", "nasal-spray", aliases="[Spravato]")
    expect_failure(imported, "glossary/nasal-spray.md: aliases: These names already link to another term")


def test_two_new_files_giving_the_same_alias_fail(imported):
    write_term(imported, "Alpha", "alpha", aliases="[Shared name]")
    write_term(imported, "Beta", "beta", aliases="[Shared name]")
    expect_failure(imported, "glossary/beta.md: aliases: These names already link to another term")


def test_a_link_to_a_missing_guide_page_fails(imported):
    text = ARTICLE.format(title="New", slug="new").replace("Body text.", "See [this](/guide/no-such-page/).")
    (imported / "articles" / "05-new.md").write_text(text)
    expect_failure(imported, "articles/05-new.md: body: the link “/guide/no-such-page/” does not lead to any article")


def test_a_link_to_a_missing_glossary_term_fails(imported):
    write_term(imported, "Alpha", "alpha", body="Compare [beta](/glossary/beta/).\n")
    expect_failure(imported, "glossary/alpha.md: explanation: the link “/glossary/beta/” does not lead to any")


def test_a_link_to_a_page_created_in_the_same_import_is_accepted(imported):
    text = ARTICLE.format(title="New", slug="new").replace("Body text.", "See [the next part](/guide/newer/).")
    (imported / "articles" / "05-new.md").write_text(text)
    (imported / "articles" / "06-newer.md").write_text(ARTICLE.format(title="Newer", slug="newer"))
    run_import(imported)
    assert Article.objects.filter(slug__in=["new", "newer"]).count() == 2


def test_a_number_as_slug_fails(imported):
    (imported / "articles" / "05-new.md").write_text(ARTICLE.format(title="New", slug="123"))
    expect_failure(imported, "articles/05-new.md: slug must be text")


def test_a_true_as_order_fails(imported):
    (imported / "articles" / "05-new.md").write_text(
        ARTICLE.format(title="New", slug="new").replace("order: 9", "order: true")
    )
    expect_failure(imported, "articles/05-new.md: order has the wrong type (bool)")


def test_an_order_too_large_for_the_database_fails(imported):
    (imported / "articles" / "05-new.md").write_text(
        ARTICLE.format(title="New", slug="new").replace("order: 9", f"order: {10**30}")
    )
    expect_failure(imported, "articles/05-new.md: order:")


def test_a_dangling_symlink_fails(imported):
    (imported / "articles" / "05-gone.md").symlink_to(imported / "articles" / "missing.md")
    expect_failure(imported, "articles/05-gone.md: cannot be opened")


def test_a_publish_time_with_a_utc_offset_is_unchanged_on_the_next_import(imported):
    text = ARTICLE.format(title="New", slug="new").replace(
        "order: 9", "order: 9\npublished_at: 2026-11-01 10:00:00-05:00"
    )
    (imported / "articles" / "05-new.md").write_text(text)
    run_import(imported)
    output = run_import(imported)
    assert "0 created, 0 updated" in output and "0 skipped" in output


# Each item is rendered once


def test_a_first_import_renders_each_item_once(db, content_dir, stored_renders):
    call_command("import_content", path=content_dir, stdout=io.StringIO())
    assert sorted(stored_renders) == sorted(
        [*Article.objects.values_list("slug", flat=True), *GlossaryTerm.objects.values_list("slug", flat=True)]
    )


def test_a_first_import_links_terms_defined_after_the_article_alphabetically(db, content_dir):
    call_command("import_content", path=content_dir, stdout=io.StringIO())
    assert all(article.term_anchors for article in Article.objects.all())


def test_reimporting_unchanged_content_renders_nothing(db, content_dir, stored_renders):
    call_command("import_content", path=content_dir, stdout=io.StringIO())
    stored_renders.clear()
    call_command("import_content", path=content_dir, stdout=io.StringIO())
    assert stored_renders == []


def test_an_imported_new_alias_renders_the_term_and_the_pages_using_it(db, content_dir, stored_renders):
    call_command("import_content", path=content_dir, stdout=io.StringIO())
    users = {a.slug for a in Article.objects.all() if "esketamine" in a.term_anchors}
    stored_renders.clear()
    path = content_dir / "glossary" / "esketamine.md"
    path.write_text(path.read_text().replace("- Spravato\n", "- Spravato\n- Esketamine nasal spray\n"))
    call_command("import_content", path=content_dir, stdout=io.StringIO())
    assert stored_renders.count("esketamine") == 1 and users <= set(stored_renders)
    assert len(stored_renders) == len(set(stored_renders))


def test_a_body_too_costly_to_render_fails_with_the_admins_message(imported):
    body = "[" * 20_000  # the admin refuses it too (markdown_limits)
    (imported / "articles" / "05-brackets.md").write_text(
        ARTICLE.format(title="Brackets", slug="brackets").replace("Body text.", body)
    )
    expect_failure(imported, "articles/05-brackets.md: body: The text has too many unclosed")


def test_a_body_over_the_markdown_length_limit_fails(imported):
    body = "Words and more words. " * 2_000  # 44,000 characters, under the file limit
    (imported / "articles" / "05-long.md").write_text(
        ARTICLE.format(title="Long", slug="long").replace("Body text.", body)
    )
    expect_failure(imported, "the limit is 40,000")


# The hostile-markup corpus through an import


def test_no_payload_survives_import_content(client, db, tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "glossary").mkdir()
    for i, payload in enumerate(PAYLOADS):
        article = {"title": payload[:200], "slug": f"x-{i}", "order": i, "summary": payload[:300]}
        (tmp_path / "articles" / f"x-{i}.md").write_text(
            f"---\n{yaml.safe_dump(article)}---\n{payload}\n", encoding="utf-8"
        )
        term = {"term": f"Hostile {i}", "slug": f"hostile-{i}", "definition": payload[:300]}
        (tmp_path / "glossary" / f"h-{i}.md").write_text(
            f"---\n{yaml.safe_dump(term)}---\n{payload}\n", encoding="utf-8"
        )
    call_command("import_content", path=tmp_path, stdout=io.StringIO())
    assert Article.objects.count() == len(PAYLOADS)
    for article in Article.objects.all():
        assert inert_problems(article.body_html) == [], article.body
    assert inert_problems(client.get("/").content.decode()) == []
    assert inert_problems(client.get("/glossary/").content.decode()) == []


# Export, and an import of the export restores it exactly


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


def test_export_with_force_over_a_folder_named_like_a_content_file_fails_naming_it(make_article, tmp_path):
    from django.core.management import CommandError

    make_article()
    (tmp_path / "articles" / "x.md").mkdir(parents=True)
    with pytest.raises(CommandError, match=r"articles/x.md: not a regular file"):
        call_command("export_content", "--force", path=tmp_path, stdout=io.StringIO())


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


def test_an_import_names_a_review_that_no_longer_covers_the_words_in_the_file(staff_edited, tmp_path):
    call_command("export_content", path=tmp_path, stdout=io.StringIO())
    path = next((tmp_path / "articles").glob("*renamed-by-staff.md"))
    path.write_text(path.read_text().replace("Staff summary.", "Summary changed in the file."))
    out = io.StringIO()
    call_command("import_content", "--force", path=tmp_path, stdout=out, stderr=out)
    assert "articles/renamed-by-staff: the review in the file does not cover its words" in out.getvalue()
