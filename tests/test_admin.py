import datetime
import re

from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, GlossaryTerm, render_preview

ADD = "/admin/articles/article/add/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def article_form(article=None, **overrides):
    """The POST data of the article change form, as a browser would send it."""
    data = {
        "title": "Sleep and TRD",
        "slug": "sleep-and-trd",
        "summary": "How sleep and depression affect each other.",
        "body": "## Sleep\n\nSleep matters.",
        "order": "5",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "last_reviewed": "",
        "next_review_due": "",
        "reviewed_by": "",
        "lock_version": "",
    }
    if article is not None:
        data.update(
            title=article.title, slug=article.slug, summary=article.summary, body=article.body,
            order=str(article.order), status=article.status, lock_version=str(article.version),
        )
        if article.published_at:
            local = timezone.localtime(article.published_at)
            data.update(published_at_0=local.strftime("%Y-%m-%d"), published_at_1=local.strftime("%H:%M:%S"))
    data.update(overrides)
    return data


def lock_from(response):
    """The version a rendered change form carries, as the browser would send it back."""
    return re.search(r'name="lock_version" value="(\d+)"', response.content.decode()).group(1)


def errors(response):
    return " ".join(re.sub(r"<[^>]+>", " ", m) for m in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S))


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
    response = editor_client.post(ADD, article_form())
    assert response.status_code == 302
    assert Article.objects.get(slug="sleep-and-trd").status == Article.Status.DRAFT


def test_editors_attempt_to_publish_is_refused(editor_client, client):
    editor_client.post(ADD, article_form(status="published", published_at_0="2020-01-01", published_at_1="00:00:00"))
    article = Article.objects.get(slug="sleep-and-trd")
    assert article.status == Article.Status.DRAFT
    assert client.get("/guide/sleep-and-trd/").status_code == 404


def test_editor_cannot_change_a_published_article(editor_client, make_article):
    article = make_article()
    response = editor_client.post(change_url(article), article_form(article, body="Edited by an editor."))
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).body != "Edited by an editor."


def test_editor_does_not_get_the_publish_action(editor_client, make_article):
    make_article(status=Article.Status.DRAFT, published_at=None)
    assert "publish_selected" not in editor_client.get("/admin/articles/article/").content.decode()


def test_publisher_publishes_a_draft(publisher_client, client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    response = publisher_client.post(change_url(article), article_form(article, status="published"))
    assert response.status_code == 302
    assert client.get(article.get_absolute_url()).status_code == 200


def test_publish_action_publishes_selected_drafts(publisher_client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    publisher_client.post("/admin/articles/article/", {"action": "publish_selected", "_selected_action": [article.pk]})
    assert Article.objects.published().filter(pk=article.pk).exists()


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


def test_preview_endpoint_is_closed_to_anonymous_visitors(client, db):
    response = client.post("/markdownx/markdownify/", {"content": "hello"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_image_upload_endpoint_does_not_exist(admin_client):
    assert admin_client.post("/markdownx/upload/").status_code == 404


# Staff preview of drafts


def test_staff_can_open_a_draft_as_the_real_page(editor_client, make_article):
    article = make_article(title="Work in progress", status=Article.Status.DRAFT, published_at=None)
    response = editor_client.get(f"/preview/{article.slug}/")
    assert response.status_code == 200
    assert "Work in progress" in response.content.decode()
    assert "Patients cannot see this article yet" in response.content.decode()


def test_draft_preview_is_never_cached(editor_client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    assert "no-cache" in editor_client.get(f"/preview/{article.slug}/")["Cache-Control"]


def test_draft_preview_is_closed_to_the_public(client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    assert client.get(f"/preview/{article.slug}/").status_code == 302


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


def test_setting_last_reviewed_records_the_reviewer(publisher_client, publisher, make_article):
    article = make_article()
    publisher_client.post(change_url(article), article_form(article, last_reviewed="2026-11-01"))
    assert Article.objects.get(pk=article.pk).reviewed_by == publisher


def test_change_form_shows_reading_level(publisher_client, make_article):
    article = make_article(body="The cat sat. It was warm. We were glad.")
    content = publisher_client.get(change_url(article)).content.decode()
    assert re.search(r"Grade -?\d+\.\d \(Flesch-Kincaid\) · about 1 min read", content)
    assert "reading-warning" not in content


def test_change_form_warns_above_grade_9(publisher_client, make_article):
    article = make_article(body="Pharmacological augmentation necessitates comprehensive multidisciplinary consideration "
                                "of concomitant psychopathological comorbidities and individualized therapeutic objectives.")
    assert 'class="reading-warning"' in publisher_client.get(change_url(article)).content.decode()


# History and restore


def test_every_admin_save_is_kept_in_history(publisher_client, publisher):
    publisher_client.post(ADD, article_form(body="First text."))
    article = Article.objects.get(slug="sleep-and-trd")
    publisher_client.post(change_url(article), article_form(article, body="Second text."))
    versions = Version.objects.get_for_object(article)
    assert [v.field_dict["body"] for v in versions] == ["Second text.", "First text."]
    assert versions[0].revision.user == publisher


def test_publisher_restores_an_earlier_version(publisher_client, client):
    publisher_client.post(ADD, article_form(body="Original wording.", status="published"))
    article = Article.objects.get(slug="sleep-and-trd")
    publisher_client.post(change_url(article), article_form(article, body="A bad edit."))
    first = Version.objects.get_for_object(article).last()
    article.refresh_from_db()
    url = f"/admin/articles/article/{article.pk}/history/{first.pk}/"
    lock = lock_from(publisher_client.get(url))
    response = publisher_client.post(url, article_form(article, body="Original wording.", lock_version=lock))
    assert response.status_code == 302
    assert "Original wording." in client.get(article.get_absolute_url()).content.decode()


def test_versions_can_be_compared(publisher_client):
    publisher_client.post(ADD, article_form(body="Original wording."))
    article = Article.objects.get(slug="sleep-and-trd")
    publisher_client.post(change_url(article), article_form(article, body="New wording."))
    old, new = Version.objects.get_for_object(article).order_by("pk")
    response = publisher_client.get(
        f"/admin/articles/article/{article.pk}/history/compare/", {"version_id1": old.pk, "version_id2": new.pk}
    )
    assert response.status_code == 200
    assert "Original" in response.content.decode() and "New" in response.content.decode()


def test_editor_cannot_restore(client, publisher_client, make_staff):
    publisher_client.post(ADD, article_form(body="Original wording."))
    article = Article.objects.get(slug="sleep-and-trd")
    version = Version.objects.get_for_object(article).first()
    client.force_login(make_staff("ed2", "Editor"))
    assert client.get(f"/admin/articles/article/{article.pk}/history/{version.pk}/").status_code == 403


def test_deleted_article_can_be_recovered(publisher_client):
    publisher_client.post(ADD, article_form(body="Precious text."))
    article = Article.objects.get(slug="sleep-and-trd")
    publisher_client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert not Article.objects.exists()
    version = Version.objects.get_deleted(Article).first()
    url = f"/admin/articles/article/recover/{version.pk}/"
    lock = lock_from(publisher_client.get(url))
    response = publisher_client.post(url, article_form(body="Precious text.", lock_version=lock))
    assert response.status_code == 302
    assert Article.objects.get(slug="sleep-and-trd").body == "Precious text."


def test_deleted_term_can_be_recovered(publisher_client):
    form = {"term": "Ketamine", "slug": "ketamine", "aliases": "", "definition": "A medicine.", "explanation": "",
            "lock_version": ""}
    publisher_client.post("/admin/articles/glossaryterm/add/", form)
    term = GlossaryTerm.objects.get(slug="ketamine")
    publisher_client.post(f"/admin/articles/glossaryterm/{term.pk}/delete/", {"post": "yes"})
    version = Version.objects.get_deleted(GlossaryTerm).first()
    url = f"/admin/articles/glossaryterm/recover/{version.pk}/"
    publisher_client.post(url, {**form, "lock_version": lock_from(publisher_client.get(url))})
    assert GlossaryTerm.objects.filter(slug="ketamine").exists()


def test_imports_are_kept_in_history(guide):
    assert Version.objects.get_for_object(guide.first()).first().revision.comment == "Imported from content/"


# No lost updates


def test_second_of_two_concurrent_saves_is_refused_and_keeps_its_text(publisher_client, make_article, make_staff):
    article = make_article(body="Start.")
    opened = article_form(article)  # both staff open the form at the same version
    sam = Client()
    sam.force_login(make_staff("sam", "Publisher"))
    assert sam.post(change_url(article), {**opened, "body": "Sam's edit."}).status_code == 302
    response = publisher_client.post(change_url(article), {**opened, "body": "Pat's edit."})
    assert response.status_code == 200
    assert "Sam saved a newer version" in response.content.decode()
    assert "Pat&#x27;s edit." in response.content.decode()
    assert Article.objects.get(pk=article.pk).body == "Sam's edit."


def test_saving_again_after_a_refusal_replaces_the_newer_version(publisher_client, make_article):
    article = make_article(body="Start.")
    opened = article_form(article)
    Article.objects.get(pk=article.pk).save()  # someone else saved meanwhile
    refused = publisher_client.post(change_url(article), {**opened, "body": "Mine."})
    publisher_client.post(change_url(article), {**opened, "body": "Mine.", "lock_version": lock_from(refused)})
    assert Article.objects.get(pk=article.pk).body == "Mine."


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
    response = publisher_client.post(ADD, article_form(body="See [this](/guide/no-such-article/) please."))
    assert response.status_code == 200
    assert "The link “/guide/no-such-article/” does not lead to any article or glossary term" in errors(response)
    assert "See [this](/guide/no-such-article/) please." in response.content.decode()
    assert not Article.objects.exists()


def test_broken_glossary_link_is_a_form_error(publisher_client):
    response = publisher_client.post(ADD, article_form(body="[x](/glossary/nothing-here/#top)"))
    assert "“/glossary/nothing-here/#top”" in errors(response)


def test_links_to_existing_pages_are_accepted(publisher_client, make_term):
    make_term("Ketamine")
    response = publisher_client.post(ADD, article_form(body="[k](/glossary/ketamine/) and [home](/) and [x](https://x.org)"))
    assert response.status_code == 302


def test_duplicate_slug_is_a_form_error_and_keeps_the_text(publisher_client, make_article):
    make_article(slug="sleep-and-trd")
    response = publisher_client.post(ADD, article_form(body="My careful text."))
    assert "Article with this Slug already exists." in errors(response)
    assert "My careful text." in response.content.decode()
    assert Article.objects.count() == 1


def test_empty_title_is_a_form_error(publisher_client):
    response = publisher_client.post(ADD, article_form(title="", body="Kept text."))
    assert "This field is required." in errors(response)
    assert "Kept text." in response.content.decode()
    assert not Article.objects.exists()


def test_long_term_definition_is_a_form_error(publisher_client):
    form = {"term": "Long", "slug": "long", "aliases": "", "definition": "z" * 301, "explanation": "", "lock_version": ""}
    response = publisher_client.post("/admin/articles/glossaryterm/add/", form)
    assert "at most 300 characters" in errors(response)
    assert not GlossaryTerm.objects.exists()
