import datetime
import re

from admin_forms import edit, open_form, reviewed, send
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from payloads import PAYLOADS, inert_problems
from reversion.models import Version

from articles.models import Article, GlossaryTerm, render_preview

ADD = "/admin/articles/article/add/"


NEW = {
    "title": "Sleep and TRD",
    "slug": "sleep-and-trd",
    "summary": "How sleep and depression affect each other.",
    "body": "## Sleep\n\nSleep matters.",
}


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def errors(response):
    return " ".join(
        re.sub(r"<[^>]+>", " ", m)
        for m in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    )


# Roles


def test_roles_are_created_by_a_migration(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"Editor", "Publisher"}


def test_editor_cannot_publish_or_restore_or_delete(editor):
    assert editor.has_perm("articles.change_article")
    assert not editor.has_perm("articles.publish_article")
    assert not editor.has_perm("articles.restore_article")
    assert not editor.has_perm("articles.delete_article")


def test_publisher_can_publish_and_restore(publisher):
    assert publisher.has_perm("articles.publish_article")
    assert publisher.has_perm("articles.restore_article")
    assert publisher.has_perm("articles.restore_glossaryterm")


def test_editor_cannot_manage_users(editor_client):
    assert editor_client.get("/admin/auth/user/").status_code == 403


def test_editor_creates_a_draft(editor_client):
    response = edit(editor_client, ADD, **NEW)
    assert response.status_code == 302
    assert Article.objects.get(slug="sleep-and-trd").status == Article.Status.DRAFT


def test_editors_attempt_to_publish_a_new_article_is_refused(editor_client, client):
    response = edit(
        editor_client, ADD, **NEW, status="published", published_at_0="2020-01-01", published_at_1="00:00:00"
    )
    assert "Only a Publisher can change" in errors(response)
    assert not Article.objects.filter(slug="sleep-and-trd").exists()


def test_editor_does_not_get_the_publish_action(editor_client, make_article):
    make_article(status=Article.Status.DRAFT, published_at=None)
    assert "publish_selected" not in editor_client.get("/admin/articles/article/").content.decode()


def test_publisher_publishes_a_reviewed_draft(clinician_client, clinician, client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    response = edit(clinician_client, change_url(article), status="published", **reviewed(clinician))
    assert response.status_code == 302
    assert client.get(article.get_absolute_url()).status_code == 200


def test_publish_action_publishes_reviewed_drafts(publisher_client, clinician, make_article):
    article = make_article(
        status=Article.Status.DRAFT,
        published_at=None,
        reviewed_by=clinician,
        last_reviewed=timezone.localdate(),
        next_review_due=timezone.localdate() + timezone.timedelta(days=365),
    )
    publisher_client.post("/admin/articles/article/", {"action": "publish_selected", "_selected_action": [article.pk]})
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_publish_action_refuses_unreviewed_drafts(publisher_client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    response = publisher_client.post(
        "/admin/articles/article/", {"action": "publish_selected", "_selected_action": [article.pk]}, follow=True
    )
    assert "A clinical review is needed" in response.content.decode()
    assert not Article.objects.published().filter(pk=article.pk).exists()


# Live preview


def test_preview_html_equals_the_published_page_html(make_article, make_term):
    make_term("Ketamine")
    body = "## Options\n\nKetamine is *one* option.\n\n- a\n- b\n"
    article = make_article(body=body)
    assert render_preview(body) == article.body_html


def test_preview_endpoint_uses_the_site_pipeline(publisher_client, make_term):
    make_term("Ketamine")
    response = publisher_client.post("/markdownx/markdownify/", {"content": "Ketamine <script>alert(1)</script>"})
    html = response.content.decode()
    assert 'href="/glossary/ketamine/"' in html
    assert "<script" not in html


def test_preview_endpoint_is_not_found_for_signed_in_users_who_are_not_staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader"))
    assert client.post("/markdownx/markdownify/", {"content": "hello"}).status_code == 404


def test_image_upload_endpoint_does_not_exist(admin_client):
    assert admin_client.post("/markdownx/upload/").status_code == 404


# Staff preview of drafts


def test_staff_can_open_a_draft_as_the_real_page(editor_client, make_article):
    article = make_article(title="Work in progress", status=Article.Status.DRAFT, published_at=None)
    response = editor_client.get(f"/preview/{article.slug}/")
    assert response.status_code == 200
    assert "Work in progress" in response.content.decode()
    assert "Patients cannot see this yet" in response.content.decode()


def test_staff_preview_of_a_draft_is_never_cached(admin_client, make_article):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    response = admin_client.get(f"/preview/{draft.slug}/")
    assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_draft_preview_is_not_found_for_the_public(client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    assert client.get(f"/preview/{article.slug}/").status_code == 404


def test_term_preview_is_not_found_for_the_public(client, make_term):
    term = make_term("Ketamine", status=GlossaryTerm.Status.DRAFT)
    assert client.get(f"/preview/glossary/{term.slug}/").status_code == 404


def test_draft_preview_is_not_found_for_signed_in_users_who_are_not_staff(client, make_article, django_user_model):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client.force_login(django_user_model.objects.create_user("reader"))
    assert client.get(f"/preview/{article.slug}/").status_code == 404


def test_staff_in_no_group_cannot_open_a_preview(client, make_staff, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client.force_login(make_staff("visitor"))
    assert client.get(f"/preview/{article.slug}/").status_code in (403, 404)


def test_staff_who_may_only_view_articles_cannot_preview_one(client, make_staff, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    viewer = make_staff("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(viewer)
    assert client.get(f"/preview/{article.slug}/").status_code == 403


def test_staff_who_may_only_view_terms_cannot_preview_one(client, make_staff, make_term):
    term = make_term("Ketamine", status=GlossaryTerm.Status.DRAFT)
    viewer = make_staff("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_glossaryterm"))
    client.force_login(viewer)
    assert client.get(f"/preview/glossary/{term.slug}/").status_code == 403


def test_view_on_site_of_a_draft_goes_to_the_staff_preview(editor_client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    assert f"/preview/{article.slug}/" in editor_client.get(change_url(article)).content.decode()


# Scheduling


def test_scheduled_article_is_hidden_before_its_time_and_visible_after(client, make_article, monkeypatch):
    go_live = timezone.now() + datetime.timedelta(hours=2)
    article = make_article(published_at=go_live)
    assert client.get(article.get_absolute_url()).status_code == 404
    monkeypatch.setattr(timezone, "now", lambda: go_live + datetime.timedelta(minutes=1))
    assert client.get(article.get_absolute_url()).status_code == 200


def test_scheduled_article_is_labelled_in_the_admin_list(publisher_client, make_article):
    make_article(published_at=timezone.now() + datetime.timedelta(days=3))
    assert "Scheduled for" in publisher_client.get("/admin/articles/article/").content.decode()


# Review


def test_overdue_filter_lists_only_overdue_articles(publisher_client, make_article):
    today = datetime.date.today()
    make_article(title="Overdue one", next_review_due=today - datetime.timedelta(days=1))
    make_article(title="Fine one", next_review_due=today + datetime.timedelta(days=200))
    content = publisher_client.get("/admin/articles/article/?review=overdue").content.decode()
    assert "Overdue one" in content and "Fine one" not in content


def test_overdue_review_is_highlighted_in_the_list(publisher_client, make_article):
    make_article(next_review_due=datetime.date.today() - datetime.timedelta(days=3))
    assert 'class="review-overdue"' in publisher_client.get("/admin/articles/article/").content.decode()


def test_change_form_shows_reading_level(publisher_client, make_article):
    article = make_article(body="The cat sat. It was warm. We were glad.")
    content = publisher_client.get(change_url(article)).content.decode()
    assert re.search(r"Grade -?\d+\.\d \(Flesch-Kincaid\) · about 1 min read", content)
    assert "reading-warning" not in content


def test_change_form_warns_above_grade_9(publisher_client, make_article):
    article = make_article(
        body="Pharmacological augmentation necessitates comprehensive multidisciplinary consideration "
        "of concomitant psychopathological comorbidities and individualized therapeutic objectives."
    )
    assert 'class="reading-warning"' in publisher_client.get(change_url(article)).content.decode()


# History and restore


def test_every_admin_save_is_kept_in_history(clinician_client, clinician):
    edit(clinician_client, ADD, **{**NEW, "body": "First text."})
    article = Article.objects.get(slug="sleep-and-trd")
    edit(clinician_client, change_url(article), body="Second text.")
    versions = Version.objects.get_for_object(article)
    assert [v.field_dict["body"] for v in versions] == ["Second text.", "First text."]
    assert versions[0].revision.user == clinician


def test_publisher_restores_an_earlier_version(clinician_client, clinician, client):
    edit(clinician_client, ADD, **{**NEW, "body": "Original wording."}, status="published", **reviewed(clinician))
    article = Article.objects.get(slug="sleep-and-trd")
    edit(clinician_client, change_url(article), body="A bad edit.", **reviewed(clinician))
    first = Version.objects.get_for_object(article).last()
    response = edit(
        clinician_client, f"/admin/articles/article/{article.pk}/history/{first.pk}/", **reviewed(clinician)
    )
    assert response.status_code == 302
    assert "Original wording." in client.get(article.get_absolute_url()).content.decode()


def test_versions_can_be_compared(clinician_client):
    edit(clinician_client, ADD, **{**NEW, "body": "Original wording."})
    article = Article.objects.get(slug="sleep-and-trd")
    edit(clinician_client, change_url(article), body="New wording.")
    old, new = Version.objects.get_for_object(article).order_by("pk")
    response = clinician_client.get(
        f"/admin/articles/article/{article.pk}/history/compare/", {"version_id1": old.pk, "version_id2": new.pk}
    )
    assert response.status_code == 200
    assert "Original" in response.content.decode() and "New" in response.content.decode()


def test_editor_cannot_recover_deleted_articles(editor_client):
    assert editor_client.get("/admin/articles/article/recover/").status_code == 403


def test_deleted_article_can_be_recovered(clinician_client):
    edit(clinician_client, ADD, **{**NEW, "body": "Precious text."})
    article = Article.objects.get(slug="sleep-and-trd")
    clinician_client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert not Article.objects.exists()
    version = Version.objects.get_deleted(Article).first()
    response = edit(clinician_client, f"/admin/articles/article/recover/{version.pk}/")
    assert response.status_code == 302
    assert Article.objects.get(slug="sleep-and-trd").body == "Precious text."


def test_recovering_one_deleted_article_brings_back_no_other(clinician_client, make_article):
    import reversion

    with reversion.create_revision():  # one revision holding two articles, as old imports made
        first, second = make_article(), make_article()
    Article.objects.filter(pk=second.pk).update(body="Edited since.")
    first.delete()
    version = Version.objects.get_deleted(Article).first()
    edit(clinician_client, f"/admin/articles/article/recover/{version.pk}/")
    assert Article.objects.get(pk=second.pk).body == "Edited since."


def test_deleted_term_can_be_recovered(clinician_client):
    edit(
        clinician_client,
        "/admin/articles/glossaryterm/add/",
        term="Ketamine",
        slug="ketamine",
        definition="A medicine.",
    )
    term = GlossaryTerm.objects.get(slug="ketamine")
    clinician_client.post(f"/admin/articles/glossaryterm/{term.pk}/delete/", {"post": "yes"})
    version = Version.objects.get_deleted(GlossaryTerm).first()
    edit(clinician_client, f"/admin/articles/glossaryterm/recover/{version.pk}/")
    assert GlossaryTerm.objects.filter(slug="ketamine").exists()


def test_imports_are_kept_in_history(guide):
    assert Version.objects.get_for_object(guide.first()).first().revision.comment.startswith("Imported from content/")


# Stable links


def test_old_article_slug_redirects_permanently(client, make_article):
    article = make_article(slug="old-name")
    article.slug = "new-name"
    article.save()
    response = client.get("/guide/old-name/")
    assert response.status_code == 301
    assert response["Location"] == "/guide/new-name/"


def test_every_earlier_slug_redirects_to_the_current_one(client, make_article):
    article = make_article(slug="first")
    for slug in ["second", "third"]:
        article.slug = slug
        article.save()
    assert client.get("/guide/first/")["Location"] == "/guide/third/"


def test_slug_reused_by_a_new_article_serves_that_article(client, make_article):
    article = make_article(slug="shared")
    article.slug = "moved"
    article.save()
    make_article(slug="shared", title="The new one")
    response = client.get("/guide/shared/")
    assert response.status_code == 200 and "The new one" in response.content.decode()


def test_old_term_slug_redirects_permanently(client, make_term):
    term = make_term("Ketamine", slug="ketamine-old")
    term.slug = "ketamine"
    term.save()
    response = client.get("/glossary/ketamine-old/")
    assert response.status_code == 301 and response["Location"] == "/glossary/ketamine/"


# Bad input: clear errors, nothing saved, text kept


def test_broken_internal_link_is_a_form_error_naming_the_link(publisher_client):
    response = edit(publisher_client, ADD, **{**NEW, "body": "See [this](/guide/no-such-article/) please."})
    assert response.status_code == 200
    assert "The link “/guide/no-such-article/” does not lead to any article or glossary term" in errors(response)
    assert "See [this](/guide/no-such-article/) please." in response.content.decode()
    assert not Article.objects.exists()


def test_broken_glossary_link_is_a_form_error(publisher_client):
    response = edit(publisher_client, ADD, **{**NEW, "body": "[x](/glossary/nothing-here/#top)"})
    assert "“/glossary/nothing-here/#top”" in errors(response)


def test_links_to_existing_pages_are_accepted(publisher_client, make_term):
    make_term("Ketamine")
    response = edit(
        publisher_client, ADD, **{**NEW, "body": "[k](/glossary/ketamine/) and [home](/) and [x](https://x.org)"}
    )
    assert response.status_code == 302


def test_duplicate_slug_is_a_form_error_and_keeps_the_text(publisher_client, make_article):
    make_article(slug="sleep-and-trd")
    response = edit(publisher_client, ADD, **{**NEW, "body": "My careful text."})
    assert "Article with this Slug already exists." in errors(response)
    assert "My careful text." in response.content.decode()
    assert Article.objects.count() == 1


def test_empty_title_is_a_form_error(publisher_client):
    response = edit(publisher_client, ADD, **{**NEW, "title": "", "body": "Kept text."})
    assert "This field is required." in errors(response)
    assert "Kept text." in response.content.decode()
    assert not Article.objects.exists()


def test_admin_refuses_a_long_definition_and_keeps_the_text(admin_client, db):
    response = admin_client.post(
        "/admin/articles/glossaryterm/add/",
        {"term": "Long", "slug": "long", "aliases": "", "definition": "y" * 301, "explanation": "kept"},
    )
    assert response.status_code == 200
    assert "at most 300 characters" in response.content.decode()
    assert "y" * 301 in response.content.decode()
    assert not GlossaryTerm.objects.exists()


def test_a_body_over_the_size_limit_is_a_form_error_and_nothing_is_saved(publisher_client):
    response = edit(publisher_client, ADD, **{**NEW, "body": "word " * 8_001})  # kept as typed, last space too
    assert "40,005 characters long; the limit is 40,000" in errors(response)
    assert not Article.objects.exists()


def test_a_deeply_nested_body_is_a_form_error_not_a_server_error(publisher_client):
    response = edit(publisher_client, ADD, **{**NEW, "body": "- " * 5_000 + "x"})
    assert "nests 5000 lists or quotes" in errors(response)
    assert not Article.objects.exists()


def test_a_run_of_open_brackets_is_a_form_error(publisher_client):
    response = edit(publisher_client, ADD, **{**NEW, "body": "[" * 10_000})
    assert "too many unclosed “[” or “(”" in errors(response)


def test_a_term_explanation_over_the_size_limit_is_a_form_error(publisher_client):
    form = {"term": "Long", "slug": "long", "aliases": "", "definition": "Short.", "explanation": "word " * 8_001}
    response = edit(publisher_client, "/admin/articles/glossaryterm/add/", **form)
    assert "the limit is 40,000" in errors(response)
    assert not GlossaryTerm.objects.exists()


def test_live_preview_says_why_a_body_is_refused(publisher_client):
    html = publisher_client.post("/markdownx/markdownify/", {"content": "[" * 10_000}).content.decode()
    assert "too many unclosed “[” or “(”" in html


def test_live_preview_without_content_is_a_bad_request(publisher_client):
    assert publisher_client.post("/markdownx/markdownify/", {}).status_code == 400


def test_live_preview_reports_reading_level_and_time(publisher_client):
    html = publisher_client.post("/markdownx/markdownify/", {"content": "The cat sat. " * 400}).content.decode()
    assert re.search(r'<p class="preview-stats">Grade -?\d+\.\d \(Flesch-Kincaid\) · about 6 min read\.</p>', html)


def test_live_preview_is_refused_to_staff_who_edit_nothing(client, make_staff):
    client.force_login(make_staff("visitor"))
    assert client.post("/markdownx/markdownify/", {"content": "hello"}).status_code == 403


def test_admin_pages_name_the_clinics_time_zone(publisher_client, settings):
    assert "Times: America/New_York" in publisher_client.get("/admin/").content.decode()


def test_saving_another_field_keeps_the_bodys_leading_indentation(publisher_client, clinician, make_article):
    body = "    code line one\n    code line two\n\nProse after."
    article = make_article(body=body)
    edit(
        publisher_client,
        f"/admin/articles/article/{article.pk}/change/",
        summary="A new summary.",
        **reviewed(clinician),
    )
    article.refresh_from_db()
    assert (article.summary, article.body) == ("A new summary.", body)


def test_a_publishers_article_save_parses_the_markdown_once(publisher_client, clinician, make_article, monkeypatch):
    import markdown

    article = make_article()
    form = open_form(publisher_client, f"/admin/articles/article/{article.pk}/change/")
    conversions = []
    real = markdown.Markdown.convert
    monkeypatch.setattr(markdown.Markdown, "convert", lambda self, text: conversions.append(text) or real(self, text))
    send(
        publisher_client,
        f"/admin/articles/article/{article.pk}/change/",
        {**form, **reviewed(clinician)},
        body=article.body + "\n\nA new sentence.",
    )
    assert len(conversions) == 1


# The hostile-markup corpus through the live preview


def test_no_payload_survives_the_admin_live_preview(admin_client):
    problems = {}
    for payload in PAYLOADS:
        found = inert_problems(admin_client.post("/markdownx/markdownify/", {"content": payload}).content.decode())
        if found:
            problems[payload] = found
    assert problems == {}


# Glossary terms


def test_admin_aliases_are_entered_one_per_line(admin_client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        edit(
            admin_client,
            "/admin/articles/glossaryterm/add/",
            term="Transcranial magnetic stimulation",
            slug="tms",
            aliases="TMS\r\nrTMS, TMS",
            definition="Magnetic pulses.",
        )
    assert GlossaryTerm.objects.get(slug="tms").aliases == ["TMS", "rTMS"]
