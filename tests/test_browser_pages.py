"""Public pages in headless Chromium: accessibility, reflow, keyboard, privacy."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/guide/what-is-treatment-resistant-depression/",
    "/guide/why-doesnt-treatment-work-for-everyone/",
    "/guide/what-does-treatment-look-like-for-trd/",
    "/guide/the-emotional-weight-of-trd/",
    "/glossary/",
    "/glossary/transcranial-magnetic-stimulation/",
    "/search/?q=ketamine",
    "/search/?q=suicide",  # crisis help above the results
    "/search/?q=xylophone",  # nothing found: parts, close terms, crisis line
    "/search/?q=ketmine",  # did you mean
    "/no-such-page/",
]


@pytest.fixture(params=["light", "dark"])
def scheme_page(request, browser):
    context = browser.new_context(color_scheme=request.param, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def test_no_axe_violations_on_any_public_page_in_either_colour_scheme(scheme_page, live_guide, axe_violations):
    found = {}
    for path in PAGES:
        scheme_page.goto(live_guide.url + path)
        violations = axe_violations(scheme_page)
        if violations:
            found[path] = violations
    assert found == {}


def test_no_axe_violations_with_a_term_explanation_open(page, live_guide, axe_violations):
    page.goto(live_guide.url + "/guide/what-does-treatment-look-like-for-trd/")
    page.locator("a.term", has_text="TMS").click()
    expect(page.locator(".toggletip-bubble:not(:empty)")).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", [320, 375])
def test_pages_reflow_without_horizontal_scrolling(browser, live_guide, width):
    context = browser.new_context(viewport={"width": width, "height": 700})
    page = context.new_page()
    wide = {}
    for path in PAGES:
        page.goto(live_guide.url + path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide[path] = scroll_width
    context.close()
    assert wide == {}


def test_crisis_help_is_visible_without_scrolling_on_a_phone(browser, live_guide):
    context = browser.new_context(viewport={"width": 375, "height": 667})
    page = context.new_page()
    page.goto(live_guide.url + "/guide/the-emotional-weight-of-trd/")
    call = page.locator(".crisis a[href^='tel:']")
    expect(call).to_be_in_viewport()
    box = call.bounding_box()
    assert box["y"] + box["height"] <= 667
    context.close()


def test_body_text_is_at_least_18px(page, live_guide):
    page.goto(live_guide.url + "/guide/what-is-treatment-resistant-depression/")
    size = page.locator(".prose p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    assert size >= 18


def test_line_length_is_about_65_characters(page, live_guide):
    page.goto(live_guide.url + "/guide/what-is-treatment-resistant-depression/")
    chars = page.locator(".prose p").first.evaluate(
        """p => {
            const width = p.getBoundingClientRect().width;
            const probe = document.createElement('span');
            probe.textContent = 'abcdefghijklmnopqrstuvwxyz';
            p.appendChild(probe);
            const perChar = probe.getBoundingClientRect().width / 26;
            probe.remove();
            return width / perChar;
        }"""
    )
    assert 55 <= chars <= 80


def test_first_tab_reaches_the_skip_link_and_it_moves_focus_to_main(page, live_guide):
    page.goto(live_guide.url + "/guide/what-is-treatment-resistant-depression/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_focus_is_visible_on_links(page, live_guide):
    page.goto(live_guide.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_section_link_appears_when_focused(page, live_guide):
    page.goto(live_guide.url + "/guide/what-is-treatment-resistant-depression/")
    link = page.locator("a.section-link").first
    assert float(link.evaluate("a => getComputedStyle(a).opacity")) == 0
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    expect(link).to_have_css("opacity", "1")


def test_copy_button_copies_the_page_link(browser, live_guide):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(live_guide.url + "/guide/the-emotional-weight-of-trd/")
    button = page.get_by_role("button", name="Copy link")
    button.click()
    expect(page.locator("#copy-status")).to_have_text("Link copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.endswith("/guide/the-emotional-weight-of-trd/")
    context.close()


def test_public_pages_make_no_request_to_another_host(page, live_guide):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
    for path in PAGES:
        page.goto(live_guide.url + path)
        page.wait_for_load_state("networkidle")
    assert hosts == {urlsplit(live_guide.url).hostname}


def test_public_pages_set_no_cookie(page, live_guide):
    for path in PAGES:
        page.goto(live_guide.url + path)
    assert page.context.cookies() == []
