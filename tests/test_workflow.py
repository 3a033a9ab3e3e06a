"""The review workflow, played as staff do it: an Editor and a Publisher (and sometimes a second
colleague) working on the same live content over time, through the real admin forms."""

import datetime
import io

import pytest
from admin_forms import decide, edit, form_data, open_form, review_url, reviewed, send
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, GlossaryTerm, PendingChange

TODAY = lambda: timezone.localdate()  # noqa: E731


def article_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def term_url(term):
    return f"/admin/articles/glossaryterm/{term.pk}/change/"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def text_of(response):
    return response.content.decode()


@pytest.fixture
def live(make_article, make_term):
    """A live article that uses a live term."""
    term = make_term("Ketamine", definition="A medicine first made for anesthesia.")
    article = make_article(title="Options", body="## Choices\n\nKetamine is one option. Sleep helps too.")
    return article, term


@pytest.fixture
def publisher_client(clinician_client):
    """Here the Publisher is Dr. Rao, a clinician who can record reviews."""
    return clinician_client


@pytest.fixture
def second_editor_client(make_staff):
    client = Client()
    client.force_login(make_staff("sam", "Editor"))
    return client


# Pending changes of live content


def test_editors_save_of_a_live_article_leaves_the_public_page_unchanged(editor_client, live):
    article, _ = live
    edit(editor_client, article_url(article), body="## Choices\n\nA proposed new sentence.")
    assert "A proposed new sentence" not in page(Client(), article.get_absolute_url())


def test_editors_save_of_a_live_article_becomes_a_pending_change(editor_client, editor, live):
    article, _ = live
    edit(editor_client, article_url(article), body="## Choices\n\nA proposed new sentence.")
    change = PendingChange.objects.get(article=article)
    assert (change.state, change.author, change.proposed["body"]) == (
        "draft",
        editor,
        "## Choices\n\nA proposed new sentence.",
    )


def test_editors_save_of_a_live_term_does_not_change_the_articles_that_use_it(editor_client, live):
    article, term = live
    edit(editor_client, term_url(term), definition="An edited definition nobody approved.")
    assert "An edited definition nobody approved." not in page(Client(), article.get_absolute_url())
    assert GlossaryTerm.objects.get(pk=term.pk).definition == "A medicine first made for anesthesia."


def test_editor_reopening_a_live_article_continues_their_pending_change(editor_client, live):
    article, _ = live
    edit(editor_client, article_url(article), body="My pending words.")
    assert open_form(editor_client, article_url(article))["body"] == "My pending words."


def test_a_plain_save_does_not_submit_for_review(editor_client, live):
    article, _ = live
    edit(editor_client, article_url(article), body="Not ready yet.")
    assert PendingChange.objects.get(article=article).state == PendingChange.State.DRAFT


def test_submit_for_review_is_an_explicit_button(editor_client, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Ready.")
    assert PendingChange.objects.get(article=article).state == PendingChange.State.SUBMITTED


def test_editor_may_keep_several_items_pending(editor_client, live, make_article):
    article, term = live
    other = make_article()
    edit(editor_client, article_url(article), body="One.")
    edit(editor_client, article_url(other), body="Two.")
    edit(editor_client, term_url(term), definition="Three.")
    assert PendingChange.objects.filter(state="draft").count() == 3


def test_staff_preview_shows_the_pending_article_as_patients_will_see_it(editor_client, live):
    article, _ = live
    edit(editor_client, article_url(article), body="## Choices\n\nKetamine, proposed wording.")
    change = PendingChange.objects.get(article=article)
    html = page(editor_client, f"/preview/{article.slug}/?change={change.pk}")
    assert "Ketamine</a>, proposed wording." in html
    assert "once the pending change" in html


def test_a_term_change_is_previewed_on_an_article_that_uses_it(editor_client, live):
    article, term = live
    edit(editor_client, term_url(term), definition="The proposed definition.")
    change = PendingChange.objects.get(term=term)
    assert "The proposed definition." in page(editor_client, f"/preview/{article.slug}/?change={change.pk}")


def test_a_term_change_is_previewed_on_the_terms_own_page(editor_client, live):
    _, term = live
    edit(editor_client, term_url(term), definition="The proposed definition.")
    change = PendingChange.objects.get(term=term)
    assert "The proposed definition." in page(editor_client, f"/preview/glossary/{term.slug}/?change={change.pk}")
    assert "The proposed definition." not in page(Client(), term.get_absolute_url())


def test_previews_are_for_staff_only(editor_client, live):
    _, term = live
    edit(editor_client, term_url(term), definition="The proposed definition.")
    change = PendingChange.objects.get(term=term)
    assert Client().get(f"/preview/glossary/{term.slug}/?change={change.pk}").status_code == 404


def test_the_review_screen_links_a_term_change_to_the_articles_that_use_it(editor_client, publisher_client, live):
    article, term = live
    edit(editor_client, term_url(term), button="_submit_review", definition="The proposed definition.")
    change = PendingChange.objects.get(term=term)
    assert f"/preview/{article.slug}/?change={change.pk}" in page(publisher_client, review_url(change))


def test_publisher_approval_puts_the_change_live(editor_client, publisher_client, clinician, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="## Choices\n\nApproved words.")
    change = PendingChange.objects.get(article=article)
    response = decide(publisher_client, change, **reviewed(clinician))
    assert response.status_code == 302
    assert "Approved words." in page(Client(), article.get_absolute_url())


def test_approval_is_kept_in_history_naming_author_and_approver(editor_client, publisher_client, clinician, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Approved words.")
    change = PendingChange.objects.get(article=article)
    decide(publisher_client, change, **reviewed(clinician))
    latest = Version.objects.get_for_object(article).first()
    assert (latest.field_dict["body"], latest.revision.user) == ("Approved words.", clinician)
    assert "Approved change by Erin" in latest.revision.comment


def test_approving_a_term_change_updates_the_article_that_uses_it(editor_client, publisher_client, clinician, live):
    article, term = live
    edit(editor_client, term_url(term), button="_submit_review", definition="The approved definition.")
    change = PendingChange.objects.get(term=term)
    decide(publisher_client, change, **reviewed(clinician))
    assert "The approved definition." in page(Client(), article.get_absolute_url())


def test_sending_back_shows_the_comment_to_the_editor(editor_client, publisher_client, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Unsourced claim.")
    change = PendingChange.objects.get(article=article)
    decide(publisher_client, change, "send_back", comment="Please add the NICE source.")
    assert "Please add the NICE source." in page(editor_client, "/admin/")
    assert "Please add the NICE source." in page(editor_client, article_url(article))


def test_sending_back_without_a_comment_is_refused(editor_client, publisher_client, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Words.")
    change = PendingChange.objects.get(article=article)
    response = decide(publisher_client, change, "send_back", comment="")
    assert "Say what needs to change" in text_of(response)
    assert PendingChange.objects.get(pk=change.pk).state == PendingChange.State.SUBMITTED


def test_publishers_own_reviewed_edit_of_a_live_article_goes_live_directly(publisher_client, clinician, live):
    article, _ = live
    response = edit(publisher_client, article_url(article), **reviewed(clinician, body="Direct fix."))
    assert response.status_code == 302
    assert "Direct fix." in page(Client(), article.get_absolute_url())


def test_new_glossary_term_is_a_draft(publisher_client):
    form = open_form(publisher_client, "/admin/articles/glossaryterm/add/")
    send(publisher_client, "/admin/articles/glossaryterm/add/", form, term="Sleep", slug="sleep", definition="Rest.")
    assert GlossaryTerm.objects.get(slug="sleep").status == GlossaryTerm.Status.DRAFT


def test_a_draft_term_links_from_no_public_page(publisher_client, make_article, make_term):
    make_term("Insomnia", status=GlossaryTerm.Status.DRAFT)
    article = make_article(body="Insomnia is common.")
    assert 'href="/glossary/insomnia/"' not in page(Client(), article.get_absolute_url())
    assert Client().get("/glossary/insomnia/").status_code == 404


def test_publishing_a_term_links_it_from_the_articles_that_use_it(publisher_client, clinician, make_article, make_term):
    term = make_term("Insomnia", status=GlossaryTerm.Status.DRAFT)
    article = make_article(body="Insomnia is common.")
    edit(publisher_client, term_url(term), **reviewed(clinician, status="published"))
    assert 'href="/glossary/insomnia/"' in page(Client(), article.get_absolute_url())


# Where work is


def test_admin_home_shows_a_publisher_what_awaits_review(editor_client, publisher_client, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Words.")
    html = page(publisher_client, "/admin/")
    assert "Awaiting your review (1)" in html and "from Erin" in html


def test_admin_home_shows_an_editor_their_own_pending_changes(editor_client, live):
    article, _ = live
    edit(editor_client, article_url(article), body="Words.")
    html = page(editor_client, "/admin/")
    assert "Your pending changes (1)" in html and "Not yet submitted" in html


def test_admin_home_tells_an_editor_what_they_can_do_next(editor_client):
    assert "What you can do next" in page(editor_client, "/admin/")


def test_admin_home_lists_live_content_no_clinician_has_reviewed(publisher_client, guide):
    html = page(publisher_client, "/admin/")
    assert "Live, but not yet reviewed by a clinician (27)" in html


def test_admin_home_lists_overdue_reviews(publisher_client, clinician, make_article):
    make_article(
        title="Stale page",
        reviewed_by=clinician,
        last_reviewed=TODAY() - datetime.timedelta(400),
        next_review_due=TODAY() - datetime.timedelta(35),
    )
    assert "Stale page" in page(publisher_client, "/admin/").split("Reviews overdue")[1]


def test_admin_home_lists_scheduled_articles(publisher_client, make_article):
    make_article(title="Coming soon", published_at=timezone.now() + datetime.timedelta(days=2))
    assert "Coming soon" in page(publisher_client, "/admin/").split("Scheduled (1)")[1]


def test_change_list_marks_items_with_pending_changes(editor_client, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Words.")
    assert 'class="pending-badge pending-submitted"' in page(editor_client, "/admin/articles/article/")


# Review before publish


def test_publishers_edit_of_live_words_without_a_review_is_refused(publisher_client, live):
    article, _ = live
    response = edit(publisher_client, article_url(article), body="Unreviewed words.")
    assert "A clinical review is needed before this goes live" in text_of(response)
    assert Article.objects.get(pk=article.pk).body != "Unreviewed words."


def test_a_review_dated_before_the_words_changed_does_not_cover_them(publisher_client, clinician, live):
    article, _ = live
    old = (TODAY() - datetime.timedelta(days=3)).isoformat()
    response = edit(publisher_client, article_url(article), **reviewed(clinician, last_reviewed=old, body="New."))
    assert "The review date is before these words were written" in text_of(response)


def test_only_staff_with_credentials_can_be_named_as_reviewer(publisher_client, publisher, live):
    article, _ = live
    response = edit(publisher_client, article_url(article), **reviewed(publisher, body="New."))
    assert "Select a valid choice" in text_of(response)
    assert Article.objects.get(pk=article.pk).body != "New."


def test_the_page_names_the_reviewer_with_credentials_and_dates(publisher_client, clinician, live):
    article, _ = live
    due = (TODAY() + datetime.timedelta(days=365)).isoformat()
    edit(publisher_client, article_url(article), **reviewed(clinician, body="Reviewed words.", next_review_due=due))
    html = page(Client(), article.get_absolute_url())
    assert f"Reviewed by Dr. Rao, MD, psychiatrist on {TODAY():%B} {TODAY().day}, {TODAY().year}" in html
    assert "Next review due" in html


def test_approval_without_a_review_is_refused(editor_client, publisher_client, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Words.")
    change = PendingChange.objects.get(article=article)
    response = decide(publisher_client, change)
    assert "A clinical review is needed" in text_of(response)
    assert Article.objects.get(pk=article.pk).body != "Words."


@pytest.fixture
def nurses_reviewed_change(make_staff, live):
    """Nia, an Editor who is a psychiatric nurse, submits a change with her own review recorded."""
    article, _ = live
    nurse = make_staff("nia", "Editor", credentials="RN, psychiatric nurse")
    client = Client()
    client.force_login(nurse)
    edit(client, article_url(article), button="_submit_review", **reviewed(nurse, body="Checked words."))
    return article, nurse, PendingChange.objects.get(article=article)


def test_a_clinician_editor_records_their_own_review_in_the_change(publisher_client, nurses_reviewed_change):
    article, nurse, change = nurses_reviewed_change
    decide(publisher_client, change)
    assert Article.objects.get(pk=article.pk).reviewed_by == nurse


def test_approving_with_the_editors_own_review_keeps_it_as_theirs(publisher_client, nurses_reviewed_change):
    article, nurse, change = nurses_reviewed_change
    decide(publisher_client, change)
    assert "recorded by" not in Version.objects.get_for_object(article).first().revision.comment
    assert Article.objects.get(pk=article.pk).reviewed_by == nurse


def test_publisher_records_a_colleagues_review_and_history_names_the_publisher(
    editor_client, publisher, make_staff, live
):
    article, _ = live
    colleague = make_staff("lee", credentials="PhD, clinical psychologist")
    client = Client()
    client.force_login(publisher)
    edit(editor_client, article_url(article), button="_submit_review", body="Words.")
    change = PendingChange.objects.get(article=article)
    decide(client, change, **reviewed(colleague))
    latest = Version.objects.get_for_object(article).first()
    assert latest.revision.user == publisher
    assert "Review by Dr. Lee, PhD, clinical psychologist" in latest.revision.comment
    assert "recorded by Pat" in latest.revision.comment


def test_imported_guide_says_honestly_that_no_clinician_here_has_reviewed_it(client, guide):
    assert "Not yet reviewed by a clinician at this clinic." in page(client, guide.first().get_absolute_url())


def test_shipped_content_claims_no_review(guide):
    assert not Article.objects.filter(last_reviewed__isnull=False).exists()
    assert not GlossaryTerm.objects.filter(last_reviewed__isnull=False).exists()


# Restore without surprises


def test_an_import_saves_one_revision_per_item(guide):
    article = guide.first()
    assert Version.objects.get_for_object(article).first().revision.version_set.count() == 1


def restore(client, article, version, **changes):
    url = f"/admin/articles/article/{article.pk}/history/{version.pk}/"
    return edit(client, url, **changes)


def test_restore_brings_back_words_but_not_status_address_order_or_publish_time(publisher_client, clinician, live):
    article, _ = live
    first = Version.objects.get_for_object(article).last()
    edit(publisher_client, article_url(article), **reviewed(clinician, title="Renamed", slug="renamed", body="New."))
    moved = Article.objects.get(pk=article.pk)
    restore(publisher_client, moved, first, **reviewed(clinician))
    restored = Article.objects.get(pk=article.pk)
    assert (restored.title, restored.body) == ("Options", article.body)
    assert (restored.slug, restored.status, restored.order, restored.published_at) == (
        "renamed",
        "published",
        moved.order,
        moved.published_at,
    )


def test_restore_keeps_the_current_url_and_every_old_one_working(publisher_client, clinician, live):
    article, _ = live
    first = Version.objects.get_for_object(article).last()
    edit(publisher_client, article_url(article), **reviewed(clinician, slug="renamed"))
    restore(publisher_client, Article.objects.get(pk=article.pk), first, **reviewed(clinician))
    assert Client().get("/guide/renamed/").status_code == 200
    assert Client().get(f"/guide/{article.slug}/")["Location"] == "/guide/renamed/"


def test_restoring_one_imported_article_leaves_the_others_alone(publisher_client, clinician, guide):
    first, second = list(guide[:2])
    Article.objects.filter(pk=second.pk).update(body="Staff wording of part two.")  # as if edited since
    version = Version.objects.get_for_object(first).first()
    restore(publisher_client, first, version, **reviewed(clinician))
    assert Article.objects.get(pk=second.pk).body == "Staff wording of part two."


def test_an_editors_restore_of_a_live_article_becomes_a_pending_change(
    editor_client, publisher_client, clinician, live
):
    article, _ = live
    first = Version.objects.get_for_object(article).last()
    edit(publisher_client, article_url(article), **reviewed(clinician, body="Current live words."))
    restore(editor_client, article, first)
    assert Article.objects.get(pk=article.pk).body == "Current live words."
    assert PendingChange.objects.get(article=article).proposed["body"] == article.body


def test_restore_rerenders_only_the_restored_article(publisher_client, clinician, guide, stored_renders):
    first = guide.first()
    restore(publisher_client, first, Version.objects.get_for_object(first).first(), **reviewed(clinician))
    assert stored_renders == [first.slug]


def test_a_term_save_rerenders_only_what_uses_the_term(publisher_client, clinician, guide, stored_renders):
    term = GlossaryTerm.objects.get(slug="esketamine")
    users = sorted(a.slug for a in Article.objects.all() if "esketamine" in a.term_anchors)
    # A new name changes how pages link it (a new definition alone re-renders only the term: test_signals.py).
    edit(publisher_client, term_url(term), **reviewed(clinician, aliases='["Esketamine spray"]'))
    assert stored_renders[0] == "esketamine"
    assert sorted(s for s in stored_renders[1:] if s in users) == users
    assert len(stored_renders) < Article.objects.count() + GlossaryTerm.objects.count()


# URLs never break


def test_a_draft_cannot_take_the_old_address_of_a_live_article(editor_client, publisher_client, clinician, live):
    article, _ = live
    edit(publisher_client, article_url(article), **reviewed(clinician, slug="options-explained"))
    form = open_form(editor_client, "/admin/articles/article/add/")
    response = send(
        editor_client, "/admin/articles/article/add/", form, title="New", slug=article.slug, summary="S.", body="B."
    )
    assert "used to belong to “Options”" in text_of(response)
    assert Client().get(f"/guide/{article.slug}/")["Location"] == "/guide/options-explained/"


def test_a_publisher_may_take_over_an_old_address_deliberately(publisher_client, clinician, live):
    article, _ = live
    edit(publisher_client, article_url(article), **reviewed(clinician, slug="options-explained"))
    form = open_form(publisher_client, "/admin/articles/article/add/")
    send(
        publisher_client,
        "/admin/articles/article/add/",
        form,
        title="New",
        slug=article.slug,
        summary="S.",
        body="B.",
        take_over_address="on",
    )
    assert Article.objects.filter(slug=article.slug, title="New").exists()


# Order


def test_a_new_article_goes_to_the_end_of_the_guide(editor_client, guide):
    form = open_form(editor_client, "/admin/articles/article/add/")
    send(editor_client, "/admin/articles/article/add/", form, title="Sleep", slug="sleep", summary="S.", body="B.")
    assert Article.objects.get(slug="sleep").order == 5


def test_publishing_a_new_article_does_not_renumber_the_guide(publisher_client, clinician, guide):
    form = open_form(publisher_client, "/admin/articles/article/add/")
    send(
        publisher_client,
        "/admin/articles/article/add/",
        form,
        title="Sleep",
        slug="sleep",
        summary="S.",
        body="B.",
        status="published",
        **reviewed(clinician),
    )
    assert "Part 1 of 5" in page(Client(), guide.get(order=1).get_absolute_url())
    assert "Part 5 of 5" in page(Client(), "/guide/sleep/")


def test_the_form_says_which_part_a_draft_will_be(publisher_client, guide, make_article):
    draft = make_article(status=Article.Status.DRAFT, published_at=None, order=0)
    assert "Will be Part 5 of 5 when published." in page(publisher_client, article_url(draft))


def test_a_publisher_moves_an_article_up(publisher_client, guide):
    third = guide.get(order=3)
    publisher_client.post("/admin/articles/article/", {"_move": f"up:{third.pk}"})
    assert Article.objects.get(pk=third.pk).order == 2
    assert "Part 2 of 4" in page(Client(), third.get_absolute_url())


def test_an_editor_cannot_reorder(editor_client, guide):
    third = guide.get(order=3)
    editor_client.post("/admin/articles/article/", {"_move": f"up:{third.pk}"})
    assert Article.objects.get(pk=third.pk).order == 3


# Conflicts merge by field


@pytest.fixture
def both_open(publisher_client, make_staff, live):
    """Pat (the clinician) and Sam, another Publisher, open the same live article's form."""
    article, _ = live
    sam = Client()
    sam.force_login(make_staff("sam", "Publisher"))
    return article, sam, open_form(publisher_client, article_url(article)), open_form(sam, article_url(article))


def test_fields_each_person_changed_are_merged(publisher_client, clinician, both_open):
    article, sam, pats_form, sams_form = both_open
    send(sam, article_url(article), sams_form, **reviewed(clinician, summary="Sam's summary."))
    send(publisher_client, article_url(article), pats_form, **reviewed(clinician, body="Pat's body."))
    saved = Article.objects.get(pk=article.pk)
    assert (saved.summary, saved.body) == ("Sam's summary.", "Pat's body.")


def test_a_merge_says_which_fields_came_from_the_colleague(publisher_client, clinician, both_open):
    article, sam, pats_form, sams_form = both_open
    send(sam, article_url(article), sams_form, **reviewed(clinician, summary="Sam's summary."))
    response = send(publisher_client, article_url(article), pats_form, **reviewed(clinician, body="Pat's body."))
    follow = publisher_client.get(response["Location"])
    assert "Merged with the version Sam saved at" in text_of(follow) and "kept their Summary" in text_of(follow)


def test_a_field_both_changed_shows_both_values_and_saves_nothing(publisher_client, clinician, both_open):
    article, sam, pats_form, sams_form = both_open
    send(sam, article_url(article), sams_form, **reviewed(clinician, summary="Sam's summary."))
    response = send(publisher_client, article_url(article), pats_form, summary="Pat's summary.")
    html = text_of(response)
    assert "Changed by both of you" in html
    assert "Sam&#x27;s summary." in html and "Pat&#x27;s summary." in html
    assert Article.objects.get(pk=article.pk).summary == "Sam's summary."


def test_saving_again_after_a_conflict_never_reverts_the_colleagues_other_field(publisher_client, clinician, both_open):
    article, sam, pats_form, sams_form = both_open
    send(sam, article_url(article), sams_form, **reviewed(clinician, title="Sam's title", summary="Sam's summary."))
    refused = send(publisher_client, article_url(article), pats_form, summary="Pat's summary.")
    send(publisher_client, article_url(article), form_data(refused, "article_form"), **reviewed(clinician))
    saved = Article.objects.get(pk=article.pk)
    assert (saved.title, saved.summary) == ("Sam's title", "Pat's summary.")


def test_the_conflict_screen_opens_history_in_a_new_tab(publisher_client, clinician, both_open):
    article, sam, pats_form, sams_form = both_open
    send(sam, article_url(article), sams_form, **reviewed(clinician, summary="Sam's summary."))
    html = text_of(send(publisher_client, article_url(article), pats_form, summary="Pat's summary."))
    assert f'href="/admin/articles/article/{article.pk}/history/" target="_blank"' in html
    assert "Pat&#x27;s summary." in form_data_html(html)


def form_data_html(html):
    start = html.index('id="article_form"')
    return html[start:]


def test_two_editors_on_one_pending_change_merge_by_field(editor_client, second_editor_client, live):
    article, _ = live
    erins, sams = open_form(editor_client, article_url(article)), open_form(second_editor_client, article_url(article))
    send(second_editor_client, article_url(article), sams, summary="Sam's summary.")
    send(editor_client, article_url(article), erins, body="Erin's body.")
    proposed = PendingChange.objects.get(article=article).proposed
    assert (proposed["summary"], proposed["body"]) == ("Sam's summary.", "Erin's body.")


def test_approving_after_the_live_item_changed_shows_the_conflict_and_loses_nothing(
    editor_client, publisher_client, clinician, live
):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Erin's proposal.")
    edit(publisher_client, article_url(article), **reviewed(clinician, body="Pat's live fix."))
    change = PendingChange.objects.get(article=article)
    response = decide(publisher_client, change, **reviewed(clinician))
    assert "The live version changed since this change was made" in text_of(response)
    assert Article.objects.get(pk=article.pk).body == "Pat's live fix."
    assert PendingChange.objects.get(pk=change.pk).proposed["body"] == "Erin's proposal."


def test_the_approver_chooses_per_field_which_version_goes_live(editor_client, publisher_client, clinician, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Erin's proposal.")
    edit(publisher_client, article_url(article), **reviewed(clinician, body="Pat's live fix."))
    change = PendingChange.objects.get(article=article)
    decide(publisher_client, change, **reviewed(clinician), keep_body="proposed")
    assert Article.objects.get(pk=article.pk).body == "Erin's proposal."


# Bad input: refused with a clear message, nothing changed


def test_an_editors_post_that_publishes_a_draft_is_refused(editor_client, make_article):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    response = edit(editor_client, article_url(draft), status="published")
    assert "Only a Publisher can change status" in text_of(response)
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


def test_an_editors_post_that_changes_order_is_refused(editor_client, live):
    article, _ = live
    response = edit(editor_client, article_url(article), order="9")
    assert "Only a Publisher can change order" in text_of(response)
    assert not PendingChange.objects.exists()


def test_an_editors_post_that_changes_the_publish_time_is_refused(editor_client, make_article):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    response = edit(editor_client, article_url(draft), published_at_0="2020-01-01", published_at_1="00:00:00")
    assert "Only a Publisher can change published at" in text_of(response)
    assert Article.objects.get(pk=draft.pk).published_at is None


def test_an_editor_cannot_approve_their_own_change(editor_client, editor, live):
    article, _ = live
    edit(editor_client, article_url(article), button="_submit_review", body="Self-approved?")
    change = PendingChange.objects.get(article=article)
    response = decide(editor_client, change)
    assert response.status_code == 403
    assert "Only a Publisher can approve" in text_of(response)
    assert Article.objects.get(pk=article.pk).body != "Self-approved?"


def test_an_editor_cannot_record_a_colleagues_review(editor_client, make_staff, live):
    article, _ = live
    colleague = make_staff("lee", credentials="PhD, clinical psychologist")
    response = edit(editor_client, article_url(article), **reviewed(colleague, body="Words."))
    assert "You can record only your own review" in text_of(response)
    assert not PendingChange.objects.exists()


def test_a_403_in_the_admin_says_what_is_refused_and_who_can(editor_client, publisher_client, live):
    article, _ = live
    response = editor_client.get("/admin/articles/article/recover/")
    html = text_of(response)
    assert response.status_code == 403
    assert "Only a Publisher can bring back a deleted item." in html and "Publishers who can do this: " in html
    assert "Dr. Rao" in html


# Editor comfort


def test_scheduled_times_show_in_the_clinic_time_zone_with_its_name(publisher_client, make_article, settings):
    when = timezone.now() + datetime.timedelta(days=2)
    make_article(published_at=when)
    local = timezone.localtime(when)
    assert f"Scheduled for {local:%b %d, %Y %H:%M %Z}" in page(publisher_client, "/admin/articles/article/")


def test_compare_shows_only_fields_staff_edit(publisher_client, clinician, live):
    article, _ = live
    edit(publisher_client, article_url(article), **reviewed(clinician, body="Changed words."))
    old, new = Version.objects.get_for_object(article).order_by("pk")
    html = page(
        publisher_client,
        f"/admin/articles/article/{article.pk}/history/compare/?version_id1={old.pk}&version_id2={new.pk}",
    )
    assert "Body" in html
    assert "body_html" not in html.lower().replace("body html", "body_html") and "Search text" not in html


def test_words_imported_over_a_reviewed_article_are_no_longer_shown_as_reviewed(clinician, content_dir, guide):
    from django.core.management import call_command

    article = guide.get(order=1)
    Article.objects.filter(pk=article.pk).update(reviewed_by=clinician, last_reviewed=TODAY())
    path = next((content_dir / "articles").glob("01-*.md"))
    path.write_text(path.read_text().replace("Let’s break it down", "Let us break it down"))
    call_command("import_content", "--force", path=content_dir, stdout=io.StringIO())
    assert "Not yet reviewed by a clinician at this clinic." in page(Client(), article.get_absolute_url())


def test_a_draft_term_is_not_in_the_glossary_or_search(make_term):
    make_term("Insomnia", status=GlossaryTerm.Status.DRAFT, definition="Trouble sleeping.")
    assert "Insomnia" not in page(Client(), "/glossary/")
    assert "Trouble sleeping." not in page(Client(), "/search/?q=insomnia")
