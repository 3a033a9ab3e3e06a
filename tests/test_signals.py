"""Saves re-render only what they change, once (signals.py, models.GlossaryTerm.links_changed)."""

import io

import pytest
import reversion
from admin_forms import edit, reviewed
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pages import term_links

from articles.models import Article, GlossaryTerm


@pytest.fixture
def ketamine_site(make_article, make_term):
    make_term("Ketamine", explanation="A medicine given in a clinic.")
    make_term("Sleep")
    make_article(slug="uses", body="Ketamine can help some people.")
    make_article(slug="also-uses", body="Some clinics offer ketamine.")
    make_article(slug="other", body="Sleep matters.")


def save_term(slug, **changes):
    term = GlossaryTerm.objects.get(slug=slug)
    for name, value in changes.items():
        setattr(term, name, value)
    with reversion.create_revision():
        term.save()


def test_a_new_definition_renders_only_the_term_itself(
    ketamine_site, stored_renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        save_term("ketamine", definition="A medicine first used for anaesthesia.")
    assert stored_renders == ["ketamine"]


def test_a_new_explanation_renders_only_the_term_itself(ketamine_site, stored_renders):
    save_term("ketamine", explanation="Given under supervision.")
    assert stored_renders == ["ketamine"]


def test_a_new_alias_renders_the_term_and_each_article_using_it_once(ketamine_site, stored_renders):
    save_term("ketamine", aliases=["Ketalar"])
    assert sorted(stored_renders) == ["also-uses", "ketamine", "uses"]


def test_publishing_a_draft_term_renders_the_articles_that_mention_it(make_article, make_term, stored_renders):
    make_term("Ketamine", status=GlossaryTerm.Status.DRAFT)
    make_article(slug="uses", body="Ketamine can help some people.")
    make_article(slug="other", body="Sleep matters.")
    stored_renders.clear()
    save_term("ketamine", status=GlossaryTerm.Status.PUBLISHED)
    assert sorted(stored_renders) == ["ketamine", "uses"]
    assert 'href="/glossary/ketamine/"' in Article.objects.get(slug="uses").body_html


def test_deleting_a_draft_term_renders_nothing(make_article, make_term, stored_renders):
    make_term("Ketamine", status=GlossaryTerm.Status.DRAFT)
    make_article(slug="uses", body="Ketamine can help some people.")
    stored_renders.clear()
    GlossaryTerm.objects.get(slug="ketamine").delete()
    assert stored_renders == []


def test_deleting_a_live_term_unlinks_it_from_the_articles(ketamine_site, stored_renders):
    GlossaryTerm.objects.get(slug="ketamine").delete()
    assert sorted(stored_renders) == ["also-uses", "uses"]
    assert "/glossary/ketamine/" not in Article.objects.get(slug="uses").body_html


def test_an_article_save_renders_it_once(ketamine_site, stored_renders):
    article = Article.objects.get(slug="uses")
    article.body += "\n\nMore."
    article.save()
    assert stored_renders == ["uses"]


def test_a_publishers_term_save_in_the_admin_renders_once(guide, clinician_client, clinician, stored_renders):
    term = GlossaryTerm.objects.get(slug="ketamine")
    edit(
        clinician_client,
        f"/admin/articles/glossaryterm/{term.pk}/change/",
        definition=term.definition + " More.",
        **reviewed(clinician),
    )
    assert stored_renders == ["ketamine"]


def test_the_rerender_command_renders_everything_once(ketamine_site, stored_renders):
    call_command("rerender", stdout=io.StringIO())
    assert sorted(stored_renders) == ["also-uses", "ketamine", "other", "sleep", "uses"]


def test_pages_show_the_rerender_commands_output(client, make_article, django_capture_on_commit_callbacks):
    make_article(slug="uses", body="Ketamine can help some people.")
    Article.objects.filter(slug="uses").update(body_html="<p>Old stored HTML.</p>")  # as before a deploy
    assert "Old stored HTML" in client.get("/guide/uses/").content.decode()  # and now cached
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rerender", stdout=io.StringIO())
    assert "Ketamine can help" in client.get("/guide/uses/").content.decode()


def test_restoring_an_articles_earlier_words_renders_it_once(guide, clinician_client, clinician, stored_renders):
    from reversion.models import Version

    article = Article.objects.get(order=3)
    edit(
        clinician_client,
        f"/admin/articles/article/{article.pk}/change/",
        body=article.body + "\n\nMore.",
        **reviewed(clinician),
    )
    stored_renders.clear()
    first = Version.objects.get_for_object(article).last()
    response = edit(
        clinician_client, f"/admin/articles/article/{article.pk}/history/{first.pk}/", **reviewed(clinician)
    )
    assert response.status_code == 302
    assert stored_renders == [article.slug]


# A glossary change reaches every article


def test_adding_a_term_links_it_in_existing_articles(
    make_term, article_about_ketamine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_term("Ketamine")
    assert "ketamine" in term_links(Article.objects.get(pk=article_about_ketamine.pk).body_html)


def test_renaming_a_term_updates_its_links(make_term, article_about_ketamine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        term = make_term("Ketamine")
    with django_capture_on_commit_callbacks(execute=True):
        term.term, term.slug = "Brain stimulation", "brain-stimulation"
        term.save()
    links = term_links(Article.objects.get(pk=article_about_ketamine.pk).body_html)
    assert links == {"brain-stimulation": "Brain stimulation"}


def test_publishing_a_new_term_in_the_admin_shows_on_the_next_page_view(
    clinician, client, article_about_ketamine, django_capture_on_commit_callbacks
):
    staff = Client()
    staff.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = edit(
            staff,
            "/admin/articles/glossaryterm/add/",
            term="Ketamine",
            slug="ketamine",
            definition="A medicine.",
            status="published",
            reviewed_by=str(clinician.pk),
            last_reviewed=str(timezone.localdate()),
            next_review_due=str(timezone.localdate() + timezone.timedelta(days=365)),
        )
    assert response.status_code == 302
    content = client.get(article_about_ketamine.get_absolute_url()).content.decode()
    assert 'href="/glossary/ketamine/" data-term="ketamine">Ketamine</a>' in content
