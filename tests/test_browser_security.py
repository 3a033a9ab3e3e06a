from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from payloads import PAYLOADS
from playwright.sync_api import expect

from articles.models import GlossaryTerm

pytestmark = pytest.mark.browser


def watch(page):
    """Record dialogs, requests to other hosts and CSP violations reported in the console."""
    seen = {"dialogs": [], "hosts": set(), "console": []}
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: seen["hosts"].add(urlsplit(request.url).hostname))
    page.on("console", lambda message: seen["console"].append(message.text))
    return seen


def test_a_page_holding_the_whole_corpus_runs_nothing_and_fetches_nothing_elsewhere(page, live_server, make_article):
    article = make_article(body="\n\n".join(PAYLOADS), summary="Hostile corpus.")
    GlossaryTerm.objects.create(term="Corpus", slug="corpus", definition="Plain.", explanation="\n\n".join(PAYLOADS))
    seen = watch(page)
    for path in [article.get_absolute_url(), "/glossary/corpus/", "/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        for link in page.locator(".prose a:visible").all()[:60]:  # a link whose text was all markup is empty
            link.hover()  # mouseover handlers, if any survived
    assert seen["dialogs"] == []
    assert seen["hosts"] == {"localhost"} or seen["hosts"] == {urlsplit(live_server.url).hostname}


def test_the_admin_editor_works_under_the_csp_without_violations(page, live_guide, make_staff):
    pat = make_staff("pat", "Publisher", credentials="MD, psychiatrist")
    seen = watch(page)
    page.goto(live_guide.url + "/admin/login/")
    page.fill("#id_username", "pat")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.goto(live_guide.url + "/admin/articles/article/")
    page.get_by_role("link", name="What is Treatment-Resistant Depression?").click()
    page.locator("#id_body").fill("## Changed\n\nAn adequate trial <script>alert(1)</script>.")
    expect(page.locator(".markdownx-preview a.term")).to_have_count(1)
    expect(page.locator(".markdownx-preview a.term")).to_have_text("adequate trial")
    expect(page.locator(".markdownx-preview script")).to_have_count(0)
    page.select_option("#id_reviewed_by", str(pat.pk))
    page.fill("#id_last_reviewed", str(timezone.localdate()))
    page.fill("#id_next_review_due", str(timezone.localdate() + timezone.timedelta(days=365)))
    page.check("#id_review_confirmed")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.get_by_role("link", name="History").click()
    expect(page.locator("#content")).to_contain_text("Imported from content/")
    assert seen["dialogs"] == []
    assert [m for m in seen["console"] if "Content Security Policy" in m] == []
