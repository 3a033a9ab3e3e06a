import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TREATMENT = "/guide/what-does-treatment-look-like-for-trd/"


def focused_text(page):
    return page.evaluate("document.activeElement.textContent")


def tab_to(page, text, limit=60):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_text(page) == text:
            return
    raise AssertionError(f"could not reach {text!r} with Tab")


def test_keyboard_opens_a_term_explanation_and_escape_closes_it(page, live_guide):
    page.goto(live_guide.url + TREATMENT)
    tab_to(page, "TMS")
    term = page.locator("a.term", has_text="TMS")
    bubble = page.locator(".toggletip-bubble", has=page.locator(".toggletip-term", has_text="Transcranial"))
    page.keyboard.press("Enter")
    expect(term).to_have_attribute("aria-expanded", "true")
    expect(bubble).to_be_visible()
    expect(bubble).to_contain_text("magnetic")
    expect(bubble.get_by_role("link", name="More about Transcranial magnetic stimulation")).to_be_visible()
    assert page.url == live_guide.url + TREATMENT  # explained in place, no navigation
    page.keyboard.press("Escape")
    expect(bubble).to_be_hidden()
    expect(term).to_have_attribute("aria-expanded", "false")
    assert focused_text(page) == "TMS"


def test_space_also_opens_the_explanation(page, live_guide):
    page.goto(live_guide.url + TREATMENT)
    tab_to(page, "ECT")
    page.keyboard.press("Space")
    expect(page.locator("a.term", has_text="ECT")).to_have_attribute("aria-expanded", "true")
    assert page.url == live_guide.url + TREATMENT


def test_explanation_is_a_live_region_for_screen_readers(page, live_guide):
    page.goto(live_guide.url + TREATMENT)
    page.locator("a.term", has_text="IFS").click()
    expect(page.get_by_role("status").filter(has_text="Internal family systems")).to_be_visible()


def test_only_one_explanation_is_open_at_a_time(page, live_guide):
    page.goto(live_guide.url + TREATMENT)
    ketamine = page.locator('a.term[data-term="ketamine"]')
    ketamine.click()
    page.locator("a.term", has_text="esketamine").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".toggletip-bubble:not(:empty)")).to_have_count(1)
    expect(ketamine).to_have_attribute("aria-expanded", "false")


def test_tabbing_past_an_explanation_closes_it(page, live_guide):
    page.goto(live_guide.url + TREATMENT)
    tab_to(page, "TMS")
    page.keyboard.press("Enter")
    expect(page.locator(".toggletip-bubble:not(:empty)")).to_have_count(1)
    page.keyboard.press("Tab")  # into the explanation: "More about ..."
    assert focused_text(page).startswith("More about")
    page.keyboard.press("Tab")  # past it
    expect(page.locator(".toggletip-bubble:not(:empty)")).to_have_count(0)


def test_click_outside_closes_the_explanation(page, live_guide):
    page.goto(live_guide.url + TREATMENT)
    page.locator("a.term", has_text="EMDR").click()
    expect(page.locator(".toggletip-bubble:not(:empty)")).to_have_count(1)
    page.locator("h1").click()
    expect(page.locator(".toggletip-bubble:not(:empty)")).to_have_count(0)


def test_explanation_stays_on_screen_at_320_px(browser, live_guide):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_guide.url + TREATMENT)
    for name in ["Augmentation strategies", "IFS", "nutritional psychiatry", "adjunctive treatments"]:
        page.locator("a.term", has_text=name).click()
        bubble = page.locator(".toggletip-bubble:not(:empty)")
        expect(bubble).to_be_visible()
        box = bubble.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, name
        page.keyboard.press("Escape")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_without_javascript_a_term_is_an_ordinary_link(browser, live_guide):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_guide.url + TREATMENT)
    page.locator("a.term", has_text="TMS").click()
    expect(page.locator("h1")).to_have_text("Transcranial magnetic stimulation")
    context.close()
