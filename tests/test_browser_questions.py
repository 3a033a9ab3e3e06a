"""Questions for your next appointment, in headless Chromium: a printable checklist without
JavaScript; with it, own questions, Print and Copy list, all without a single request."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

QUESTIONS = "/guide/questions-for-your-appointment/"
AUGMENTATION = "Could augmentation help me?"
BIPOLAR = "Has my diagnosis been checked for bipolar disorder?"
TMS = "Is TMS available here, and is it covered by my insurance?"
MINE = "Can I bring my partner to the next visit?"


def question(page, text):
    return page.locator(".question", has=page.locator("label", has_text=text))


def add_own(page, text):
    page.get_by_label("Type a question of your own, then press Add").fill(text)
    page.get_by_role("button", name="Add", exact=True).click()


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def clipboard_page(browser):
    context = browser.new_context(
        permissions=["clipboard-read", "clipboard-write"], viewport={"width": 1024, "height": 800}
    )
    page = context.new_page()
    yield page
    context.close()


# Without JavaScript: a checklist to tick and print


def test_without_javascript_a_question_is_ticked_by_its_label(no_js_page, live_guide):
    no_js_page.goto(live_guide.url + QUESTIONS)
    no_js_page.get_by_text(AUGMENTATION).click()
    expect(no_js_page.get_by_label(AUGMENTATION)).to_be_checked()
    expect(no_js_page.get_by_label(BIPOLAR)).not_to_be_checked()


def test_without_javascript_the_page_offers_ruled_lines_not_controls_that_need_it(no_js_page, live_guide):
    no_js_page.goto(live_guide.url + QUESTIONS)
    expect(no_js_page.locator(".blank-lines li")).to_have_count(4)
    expect(no_js_page.locator(".blank-lines")).to_be_visible()
    for hidden in ["#questions-own-input", "#questions-print", "#questions-copy"]:
        expect(no_js_page.locator(hidden)).to_be_hidden()


def test_without_javascript_the_printout_holds_only_the_ticked_questions(no_js_page, live_guide):
    no_js_page.goto(live_guide.url + QUESTIONS)
    no_js_page.get_by_text(AUGMENTATION).click()
    no_js_page.emulate_media(media="print")
    expect(question(no_js_page, AUGMENTATION)).to_be_visible()
    expect(question(no_js_page, "Which side effects should I tell you about?")).to_be_hidden()  # same section
    expect(question(no_js_page, BIPOLAR)).to_be_hidden()
    expect(no_js_page.locator(".blank-lines")).to_be_visible()  # room for the reader's own questions
    assert no_js_page.pdf()[:5] == b"%PDF-"


def test_with_nothing_ticked_the_whole_list_prints_with_empty_boxes(no_js_page, live_guide):
    no_js_page.goto(live_guide.url + QUESTIONS)
    no_js_page.emulate_media(media="print")
    questions = no_js_page.locator(".checklist-body .question")
    assert questions.count() >= 20
    assert questions.evaluate_all("items => items.every(item => item.checkVisibility())")
    expect(no_js_page.locator(".checklist-body input:checked")).to_have_count(0)


def test_the_printout_names_the_page_the_site_its_address_and_the_crisis_line(no_js_page, live_guide, settings):
    no_js_page.goto(live_guide.url + QUESTIONS)
    no_js_page.get_by_text(TMS).click()
    no_js_page.emulate_media(media="print")
    expect(no_js_page.locator("h1")).to_have_text("Questions for your next appointment")
    expect(no_js_page.locator(".checklist-print-source")).to_have_text(
        f"{settings.SITE_NAME} · {settings.SITE_URL}{QUESTIONS}"
    )
    expect(no_js_page.locator(".crisis-text")).to_contain_text("988")  # the handout's crisis line, on page 1
    for hidden in [".checklist-privacy", ".words-used", ".sources", ".report", ".site-header nav"]:
        expect(no_js_page.locator(hidden).first).to_be_hidden()


# With JavaScript: own questions, Print, Copy list


def test_an_own_question_is_added_ticked_and_focus_stays_in_the_field(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    add_own(page, MINE)
    expect(page.get_by_label(MINE, exact=True)).to_be_checked()
    expect(page.locator("#questions-own-input")).to_be_focused()
    expect(page.locator("#questions-own-input")).to_have_value("")
    expect(page.locator("#copy-status")).to_contain_text(f"Added and ticked: {MINE}")


def test_enter_in_the_field_adds_the_question(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    page.locator("#questions-own-input").fill(MINE)
    page.keyboard.press("Enter")
    expect(page.get_by_label(MINE, exact=True)).to_be_checked()


def test_an_empty_question_is_not_added_and_the_reader_is_told(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    add_own(page, "   ")
    expect(page.locator("#questions-own-list li")).to_have_count(0)
    expect(page.locator("#copy-status")).to_have_text("Type a question first.")


def test_an_own_question_can_be_removed(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    add_own(page, MINE)
    page.get_by_role("button", name=f"Remove: {MINE}").click()
    expect(page.locator("#questions-own-list li")).to_have_count(0)
    expect(page.locator("#questions-own-input")).to_be_focused()


def test_typed_markup_stays_text(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    add_own(page, "<img src=x onerror=alert(1)>")
    expect(page.locator("#questions-own-list img")).to_have_count(0)
    expect(page.get_by_label("<img src=x onerror=alert(1)>", exact=True)).to_be_checked()


def test_copy_list_copies_the_ticked_and_own_questions_with_the_address(clipboard_page, live_guide, settings):
    page = clipboard_page
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_text(AUGMENTATION).click()
    page.get_by_text(TMS).click()
    add_own(page, MINE)
    page.get_by_role("button", name="Copy list").click()
    expect(page.locator("#copy-status")).to_contain_text("Copied 3 questions")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == (
        "Questions for your next appointment\n\n"
        f"About medicines\n- {AUGMENTATION} (Adding another medicine to the one I take now.)\n\n"
        f"About other treatments\n- {TMS}\n\n"
        f"Your own questions\n- {MINE}\n\n"
        f"{settings.SITE_URL}{QUESTIONS}\n"
    )


def test_after_copying_focus_stays_on_the_button_and_it_says_copied(clipboard_page, live_guide):
    page = clipboard_page
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_text(BIPOLAR).click()
    button = page.locator("#questions-copy")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_text("Copied")
    expect(button).to_be_focused()
    expect(page.locator("#copy-status")).to_have_text("Copied 1 question and this page’s address.")


def test_with_nothing_ticked_copy_list_copies_the_whole_list(clipboard_page, live_guide):
    page = clipboard_page
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_role("button", name="Copy list").click()
    expect(page.locator("#copy-status")).to_contain_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert BIPOLAR in copied and AUGMENTATION in copied and "About support and costs" in copied


def test_the_print_button_prints(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.get_by_role("button", name="Print").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")


def test_the_printout_holds_the_ticked_and_own_questions_only(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_text(AUGMENTATION).click()
    add_own(page, MINE)
    page.emulate_media(media="print")
    expect(question(page, AUGMENTATION)).to_be_visible()
    expect(question(page, MINE)).to_be_visible()
    expect(question(page, BIPOLAR)).to_be_hidden()
    expect(page.locator(".question-group", has_text="About your diagnosis")).to_be_hidden()
    for hidden in ["#questions-own-input", "#questions-print", "#questions-copy", ".own-remove"]:
        expect(page.locator(hidden).first).to_be_hidden()


def test_an_unticked_own_question_is_left_out_of_a_printout_of_ticked_ones(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_text(AUGMENTATION).click()
    add_own(page, MINE)
    page.get_by_label(MINE, exact=True).uncheck()
    page.emulate_media(media="print")
    expect(question(page, MINE)).to_be_hidden()
    expect(question(page, AUGMENTATION)).to_be_visible()


# Private: nothing sent, nothing kept


def test_typing_adding_copying_and_printing_make_no_request(clipboard_page, live_guide):
    page = clipboard_page
    page.goto(live_guide.url + QUESTIONS)
    page.wait_for_load_state("networkidle")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_text(AUGMENTATION).click()
    page.locator("#questions-own-input").press_sequentially("Who do I call at night?", delay=5)
    page.keyboard.press("Enter")
    add_own(page, MINE)
    page.get_by_role("button", name=f"Remove: {MINE}").click()
    page.get_by_role("button", name="Copy list").click()
    expect(page.locator("#copy-status")).to_contain_text("Copied")
    page.evaluate("window.print = () => {}")  # headless Chromium's print dialog is not what is measured
    page.get_by_role("button", name="Print").click()
    page.emulate_media(media="print")
    page.pdf()
    page.emulate_media(media="screen")
    page.wait_for_timeout(300)
    assert requests == []


def test_nothing_is_kept_in_cookies_or_storage(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_text(AUGMENTATION).click()
    add_own(page, MINE)
    storage = page.evaluate("[localStorage.length, sessionStorage.length]")
    assert (page.context.cookies(), storage) == ([], [0, 0])


def test_a_reload_brings_back_no_tick_and_no_own_question(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_text(AUGMENTATION).click()
    add_own(page, MINE)
    page.reload()
    expect(page.get_by_label(AUGMENTATION)).not_to_be_checked()
    expect(page.locator("#questions-own-list li")).to_have_count(0)


def test_the_page_loads_nothing_from_another_host(page, live_guide):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
    page.goto(live_guide.url + QUESTIONS)
    page.wait_for_load_state("networkidle")
    assert hosts == {urlsplit(live_guide.url).hostname}


# Accessible and readable on a phone


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations_with_questions_ticked_and_added(browser, live_guide, axe_violations, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_text(AUGMENTATION).click()
    add_own(page, MINE)
    violations = axe_violations(page)
    context.close()
    assert violations == []


def test_no_axe_violations_as_the_page_is_without_its_scripts(page, live_guide, axe_violations):
    # axe needs JavaScript itself, so the site's scripts are blocked instead: the page as a reader without JS has it.
    page.route("**/static/js/*.js", lambda route: route.abort())
    page.goto(live_guide.url + QUESTIONS)
    expect(page.locator(".blank-lines")).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", [320, 375])
def test_the_page_reflows_without_horizontal_scrolling(browser, live_guide, width):
    context = browser.new_context(viewport={"width": width, "height": 700})
    page = context.new_page()
    page.goto(live_guide.url + QUESTIONS)
    add_own(page, "A very long question of my own that goes on and on " + "and-on-without-spaces" * 4)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert scroll_width <= width


def test_the_questions_can_be_ticked_from_the_keyboard(page, live_guide):
    page.goto(live_guide.url + QUESTIONS)
    page.get_by_label(AUGMENTATION).focus()
    page.keyboard.press("Space")
    expect(page.get_by_label(AUGMENTATION)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("type", "checkbox")


def test_every_article_links_the_questions_page(page, live_guide):
    page.goto(live_guide.url + "/guide/what-does-treatment-look-like-for-trd/")
    page.get_by_role("link", name="Questions for your next appointment").click()
    expect(page.locator("h1")).to_have_text("Questions for your next appointment")
