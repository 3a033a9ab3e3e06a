"""The review screen of a pending change (articles/review_admin.py), played as staff use it over a
day: an Editor who keeps working on a change, and a Publisher (Dr. Rao, a clinician) who reviews
it, sometimes while the other is still typing."""

import pytest
from admin_forms import decide, edit, form_data, open_form, review_url, reviewed, send
from django.contrib.admin.models import LogEntry
from django.test import Client
from reversion.models import Version

from articles.models import Article, PendingChange


def article_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def public(article) -> str:
    return Client().get(article.get_absolute_url()).content.decode()


@pytest.fixture
def article(make_article):
    return make_article(title="Options", body="## Choices\n\nThe first words.")


@pytest.fixture
def submitted(editor_client, article):
    """Erin has submitted a change to the live article."""
    edit(editor_client, article_url(article), button="_submit_review", body="Erin's first proposal.")
    return PendingChange.objects.get(article=article)


# The approver approves what they saw


@pytest.fixture
def stale_approval(editor_client, clinician_client, clinician, article, submitted):
    """Dr. Rao opens the review screen; Erin then edits the change; Dr. Rao presses Approve."""
    seen = open_form(clinician_client, review_url(submitted))
    edit(editor_client, article_url(article), body="Erin's unreviewed second thoughts.")
    return send(clinician_client, review_url(submitted), {**seen, **reviewed(clinician), "action": "approve"}, "_")


def test_approval_is_refused_when_the_editor_changed_the_proposal_after_the_approver_opened_it(article, stale_approval):
    assert "Erin changed this proposal at" in stale_approval.content.decode()
    assert "unreviewed second thoughts" not in public(article)


def test_after_a_refusal_the_screen_shows_the_latest_proposal_and_approving_again_publishes_it(
    clinician_client, clinician, article, submitted, stale_approval
):
    send(
        clinician_client,
        review_url(submitted),
        {**form_data(stale_approval), **reviewed(clinician), "action": "approve"},
        "_",
    )
    assert "Erin's unreviewed second thoughts." in public(article)


def test_approval_without_the_fingerprint_of_what_was_seen_is_refused(clinician_client, clinician, article, submitted):
    response = send(clinician_client, review_url(submitted), {**reviewed(clinician), "action": "approve"}, "_")
    assert "changed this proposal" in response.content.decode()
    assert Article.objects.get(pk=article.pk).body == "## Choices\n\nThe first words."


# Each change gets its own review


@pytest.fixture
def second_change(editor_client, clinician_client, clinician, article, submitted):
    """The first change was approved with Dr. Rao's review; Erin has submitted another."""
    decide(clinician_client, submitted, **reviewed(clinician))
    edit(editor_client, article_url(article), button="_submit_review", body="Erin's second proposal.")
    return PendingChange.objects.get(article=article, state=PendingChange.State.SUBMITTED)


def test_the_review_of_the_last_change_is_not_offered_for_the_next_one(clinician_client, second_change):
    form = open_form(clinician_client, review_url(second_change))
    assert (form["reviewed_by"], form["last_reviewed"]) == ("", "")


def test_the_review_screen_says_the_new_words_need_a_review(clinician_client, second_change):
    html = clinician_client.get(review_url(second_change)).content.decode()
    assert "record a review of the new words" in html


def test_the_same_reviewer_can_review_the_next_change_on_the_same_day(
    clinician_client, clinician, article, second_change
):
    decide(clinician_client, second_change, **reviewed(clinician))
    assert "Erin's second proposal." in public(article)


def test_an_editors_own_covering_review_is_offered_on_the_review_screen(clinician_client, make_staff, article):
    nurse = make_staff("nia", "Editor", credentials="RN, psychiatric nurse")
    client = Client()
    client.force_login(nurse)
    edit(client, article_url(article), button="_submit_review", **reviewed(nurse, body="Checked words."))
    change = PendingChange.objects.get(article=article)
    assert open_form(clinician_client, review_url(change))["reviewed_by"] == str(nurse.pk)


def test_a_review_needs_a_next_review_date(clinician_client, clinician, article, submitted):
    response = decide(clinician_client, submitted, **reviewed(clinician, next_review_due=""))
    assert "Choose when the next review is due" in response.content.decode()
    assert PendingChange.objects.get(pk=submitted.pk).is_open


# Two people saving the same item


def test_an_editors_save_after_a_publishers_reviewed_save_is_not_taken_as_recording_that_review(
    editor_client, clinician_client, clinician, article
):
    erins = open_form(editor_client, article_url(article))
    edit(clinician_client, article_url(article), **reviewed(clinician, summary="Dr. Rao's reviewed summary."))
    response = send(editor_client, article_url(article), erins, body="Erin's body.")
    assert response.status_code == 302
    assert PendingChange.objects.get(article=article).proposed["body"] == "Erin's body."


def test_the_merged_pending_change_does_not_count_the_publishers_review_for_the_editors_words(
    editor_client, clinician_client, clinician, article
):
    erins = open_form(editor_client, article_url(article))
    edit(clinician_client, article_url(article), **reviewed(clinician, summary="Dr. Rao's reviewed summary."))
    send(editor_client, article_url(article), erins, button="_submit_review", body="Erin's body.")
    html = clinician_client.get(review_url(PendingChange.objects.get(article=article))).content.decode()
    assert "record a review of the new words" in html


# What the screens link to and say


def test_view_on_site_of_an_editors_pending_change_opens_its_preview(editor_client, article, submitted):
    html = editor_client.get(article_url(article)).content.decode()
    assert f'href="/preview/{article.slug}/?change={submitted.pk}" class="viewsitelink"' in html


def test_a_decided_change_says_who_decided_it(clinician_client, clinician, submitted):
    decide(clinician_client, submitted, **reviewed(clinician))
    html = clinician_client.get(review_url(submitted)).content.decode()
    assert "<strong>Approved</strong> by Dr. Rao" in html


def test_a_conflict_names_fields_as_staff_know_them(editor_client, clinician_client, clinician, article, submitted):
    edit(clinician_client, article_url(article), **reviewed(clinician, body="Dr. Rao's live fix."))
    response = decide(clinician_client, submitted, **reviewed(clinician))
    assert "which version goes live: Body." in response.content.decode()


def test_history_of_a_save_names_only_fields_staff_edit(clinician_client, clinician, article):
    edit(clinician_client, article_url(article), **reviewed(clinician, body="Dr. Rao's words."))
    message = LogEntry.objects.get(object_id=str(article.pk)).get_change_message()
    assert message == "Changed Body, Reviewed by, Last reviewed and Next review due."


def test_history_of_an_editors_save_says_it_was_a_pending_change(editor_client, article, submitted):
    edit(editor_client, article_url(article), body="More words.")
    message = LogEntry.objects.filter(object_id=str(article.pk)).first().get_change_message()
    assert message == "Saved the pending change (Body); the live version is unchanged."


def test_approval_history_of_the_second_change_names_its_review(clinician_client, clinician, article, second_change):
    decide(clinician_client, second_change, **reviewed(clinician))
    latest = Version.objects.get_for_object(article).first()
    assert f"change #{second_change.pk}). Review by Dr. Rao" in latest.revision.comment


def test_the_editor_sees_on_the_staff_home_that_their_change_went_live(
    editor_client, clinician_client, clinician, submitted
):
    decide(clinician_client, submitted, **reviewed(clinician))
    html = editor_client.get("/admin/").content.decode()
    assert "approved by Dr. Rao" in html and "live now" in html


def test_needs_attention_links_to_the_form_where_it_is_fixed(clinician_client, article):
    html = clinician_client.get("/admin/").content.decode()
    assert (
        f'<a href="/admin/articles/article/{article.pk}/change/">Options</a>: <span class="work-detail">add at least one source'
        in html
    )


def test_the_reading_level_on_the_form_measures_the_pending_change(editor_client, article):
    long_words = (
        "Pharmacological augmentation considerations necessitate individualized multidisciplinary evaluation. " * 5
    )
    edit(editor_client, article_url(article), body=long_words)
    html = editor_client.get(article_url(article)).content.decode()
    assert "reading-warning" in html


def test_the_staff_preview_of_unreviewed_new_words_does_not_show_the_old_review(
    editor_client, clinician_client, clinician, article, second_change
):
    html = editor_client.get(f"/preview/{article.slug}/?change={second_change.pk}").content.decode()
    assert "Not yet reviewed by a clinician at this clinic" in html and "Reviewed by Dr. Rao" not in html


def test_history_names_the_review_an_editor_recorded_in_the_change(clinician_client, make_staff, article):
    nurse = make_staff("nia", "Editor", credentials="RN, psychiatric nurse")
    client = Client()
    client.force_login(nurse)
    edit(client, article_url(article), button="_submit_review", **reviewed(nurse, body="Checked words."))
    decide(clinician_client, PendingChange.objects.get(article=article))
    comment = Version.objects.get_for_object(article).first().revision.comment
    assert "Review by Dr. Nia, RN, psychiatric nurse on" in comment and "recorded in the change" in comment


def test_approving_a_withdrawn_change_says_nothing_was_done(editor_client, clinician_client, clinician, submitted):
    seen = open_form(clinician_client, review_url(submitted))
    decide(editor_client, submitted, "withdraw")
    response = send(clinician_client, review_url(submitted), {**seen, **reviewed(clinician), "action": "approve"}, "_")
    followed = clinician_client.get(response["Location"]).content.decode()
    assert "Nothing was done: this change was already withdrawn." in followed


def test_a_restore_warns_when_it_replaces_a_colleagues_pending_words(make_staff, article, submitted):
    colleague = Client()
    colleague.force_login(make_staff("sam", "Editor"))
    first = Version.objects.get_for_object(article).last()
    html = colleague.get(f"/admin/articles/article/{article.pk}/history/{first.pk}/").content.decode()
    assert "This replaces the words in Erin’s pending change" in html
