"""The Editor -> Publisher round trip in Chromium, with three people at once: an Editor, a
Publisher and a patient reading the public site."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, GlossaryTerm

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.fixture
def signed_in(browser, live_guide):
    """Sign a member of staff in, in a browser of their own. The browsers are closed when the test
    ends, before the live server and its database go: an admin page left open would keep talking
    to the server (the live preview) while the test database is being dropped."""
    contexts = []

    def sign_in(base_url, username):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(base_url + "/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        expect(page.locator("#user-tools")).to_contain_text(username.title())
        return page

    yield sign_in
    for context in contexts:
        context.close()


def public_page(browser, url, text, seconds=5.0) -> str:
    """The page as a new visitor gets it (a returning browser may keep its copy for max-age).
    The server's page cache sees a change within a second, so poll briefly for `text`."""
    deadline = time.monotonic() + seconds
    while True:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        html = page.content()
        context.close()
        if text in html or time.monotonic() > deadline:
            return html
        time.sleep(0.3)


def approve(publisher, item_title, reviewer_pk):
    publisher.goto(publisher.url.split("/admin/")[0] + "/admin/")
    publisher.locator(".work-list").filter(has_text="Awaiting your review").get_by_role("link", name=item_title).click()
    expect(publisher.locator("h1")).to_contain_text(item_title)
    publisher.select_option("#id_reviewed_by", str(reviewer_pk))
    today = timezone.localdate()
    publisher.fill("#id_last_reviewed", str(today))
    publisher.fill("#id_next_review_due", str(today.replace(year=today.year + 1, day=min(today.day, 28))))
    publisher.get_by_role("button", name="Approve and publish").click()
    expect(publisher.locator(".messagelist")).to_contain_text("Approved")


def test_an_editors_changes_reach_patients_only_after_a_publisher_approves(browser, signed_in, live_guide, make_staff):
    make_staff("erin", "Editor")
    pat = make_staff("pat", "Publisher", credentials="MD, psychiatrist")
    article = Article.objects.get(order=1)
    term = GlossaryTerm.objects.get(slug="adherence")
    article_url = live_guide.url + article.get_absolute_url()
    assert term.definition in public_page(browser, article_url, term.definition)

    editor = signed_in(live_guide.url, "erin")
    editor.goto(live_guide.url + f"/admin/articles/article/{article.pk}/change/")
    expect(editor.locator(".workflow-note").first).to_contain_text("This page is live")
    editor.locator("#id_body").fill(article.body + "\n\nA sentence the editor proposes.")
    editor.get_by_role("button", name="Save and submit for review").click()
    expect(editor.locator(".messagelist")).to_contain_text("sent to the Publishers for review")
    editor.goto(live_guide.url + f"/admin/articles/glossaryterm/{term.pk}/change/")
    editor.fill("#id_definition", "Taking a treatment the way it was planned with your prescriber (proposed).")
    editor.get_by_role("button", name="Save and submit for review").click()
    expect(editor.locator(".messagelist")).to_contain_text("sent to the Publishers for review")

    time.sleep(1.1)  # longer than the page cache's version check: a change would show by now
    before = public_page(browser, article_url, "", seconds=0)
    assert "A sentence the editor proposes." not in before
    assert "(proposed)" not in before

    publisher = signed_in(live_guide.url, "pat")
    expect(publisher.locator("#awaiting-title")).to_have_text("Awaiting your review (2)")
    approve(publisher, article.title, pat.pk)
    approve(publisher, term.term, pat.pk)

    after = public_page(browser, article_url, "(proposed)")
    assert "A sentence the editor proposes." in after
    assert "(proposed)" in after
    assert "Reviewed by Dr. Pat, MD, psychiatrist" in after


def test_tab_moves_out_of_the_markdown_editor(browser, signed_in, live_guide, make_staff):
    """No keyboard trap: markdownx would indent on Tab; keyboard users must be able to leave."""
    make_staff("erin", "Editor")
    article = Article.objects.get(order=1)
    editor = signed_in(live_guide.url, "erin")
    editor.goto(live_guide.url + f"/admin/articles/article/{article.pk}/change/")
    body = editor.locator("#id_body")
    body.focus()
    before = body.input_value()
    editor.keyboard.press("Tab")
    assert editor.evaluate("document.activeElement.id") != "id_body"
    assert editor.evaluate("document.activeElement.closest('.markdownx-preview') === null")  # preview links skipped
    editor.keyboard.press("Shift+Tab")
    assert editor.evaluate("document.activeElement.id") == "id_body"
    assert body.input_value() == before
