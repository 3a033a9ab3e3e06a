import pytest
from playwright.sync_api import expect

from articles.models import Article

pytestmark = pytest.mark.browser


def log_in(page, base_url, username):
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username.title())


def test_editor_writes_a_draft_with_live_preview_and_opens_the_staff_preview(page, live_guide, make_staff):
    make_staff("erin", "Editor")
    log_in(page, live_guide.url, "erin")
    page.goto(live_guide.url + "/admin/articles/article/add/")
    page.locator("#id_title").press_sequentially("Sleep and TRD")
    expect(page.locator("#id_slug")).to_have_value("sleep-and-trd")
    page.fill("#id_summary", "How sleep and depression affect each other.")
    page.locator("#id_body").fill("## Rest\n\nSome people try TMS when sleep stays poor.")
    preview = page.locator(".markdownx-preview")
    expect(preview.locator('a.term[href="/glossary/transcranial-magnetic-stimulation/"]')).to_have_text("TMS")
    expect(preview.locator("h2")).to_contain_text("Rest")
    page.locator("#id_body").fill("## Rest\n\nSome people try ECT too.")
    expect(preview.locator('a.term[href="/glossary/electroconvulsive-therapy/"]')).to_have_text("ECT")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Article.objects.get(slug="sleep-and-trd").status == Article.Status.DRAFT

    page.get_by_role("link", name="View on site").click()
    expect(page).to_have_url(live_guide.url + "/preview/sleep-and-trd/")
    expect(page.locator("h1")).to_have_text("Sleep and TRD")
    expect(page.locator(".preview-banner")).to_contain_text("Patients cannot see this yet")
    expect(page.locator('.prose a.term[data-term="electroconvulsive-therapy"]')).to_have_text("ECT")


def test_the_public_cannot_see_the_draft(page, live_guide, make_article):
    make_article(slug="secret-draft", status=Article.Status.DRAFT, published_at=None)
    response = page.goto(live_guide.url + "/guide/secret-draft/")
    assert response.status == 404


def open_live_article_as(page, base_url, username, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, base_url, username)
    article = Article.objects.get(order=1)
    page.goto(base_url + f"/admin/articles/article/{article.pk}/change/")
    expect(page.locator(".markdownx-preview p").first).to_be_visible()
    return article


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_the_live_preview_sits_beside_the_editor_from_1200px(page, live_guide, make_staff):
    make_staff("erin", "Editor")
    open_live_article_as(page, live_guide.url, "erin", 1200)
    editor, preview = box(page, ".markdownx textarea"), box(page, ".markdownx-preview")
    assert preview["x"] >= editor["x"] + editor["width"]
    assert preview["x"] + preview["width"] <= 1200


def test_the_live_preview_sits_below_the_editor_on_narrow_screens(page, live_guide, make_staff):
    make_staff("erin", "Editor")
    open_live_article_as(page, live_guide.url, "erin", 1000)
    editor, preview = box(page, ".markdownx textarea"), box(page, ".markdownx-preview")
    assert preview["y"] >= editor["y"] + editor["height"]


def test_the_live_preview_uses_the_pages_type_and_hides_section_anchors(page, live_guide, make_staff):
    make_staff("erin", "Editor")
    article = open_live_article_as(page, live_guide.url, "erin", 1280)
    style = "(el) => [getComputedStyle(el).fontSize, getComputedStyle(el).lineHeight, getComputedStyle(el).fontFamily]"
    in_preview = page.locator(".markdownx-preview > p:not(.preview-stats)").first.evaluate(style)
    expect(page.locator(".markdownx-preview .section-link").first).to_be_hidden()
    page.goto(live_guide.url + article.get_absolute_url())
    assert page.locator(".prose > p").first.evaluate(style) == in_preview


def test_reading_level_and_time_update_as_one_types(page, live_guide, make_staff):
    make_staff("erin", "Editor")
    open_live_article_as(page, live_guide.url, "erin", 1280)
    stats = page.locator(".preview-stats")
    expect(stats).to_contain_text("min read")
    page.locator("#id_body").fill("The cat sat. " * 900)
    expect(stats).to_contain_text("about 14 min read")
    expect(stats).to_contain_text("Grade -")
