"""'Words used on this page' in headless Chromium: one short line on a phone, one tab stop, and
every word with its definition in the printed handout (templates/partials/words_used.html)."""

import io
import re
import unicodedata

import pytest
from playwright.sync_api import expect

from articles.models import Article, GlossaryTerm

pytestmark = pytest.mark.browser

TREATMENT = "/guide/what-does-treatment-look-like-for-trd/"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def definitions_on(path):
    article = Article.objects.get(slug=path.strip("/").split("/")[-1])
    return list(GlossaryTerm.objects.filter(slug__in=article.term_anchors).values_list("definition", flat=True))


def tab_stops_after_the_article(page) -> list[str]:
    """What Tab reaches after the article's text and before the share box, in order."""
    page.evaluate("""() => {
        const probe = document.createElement("span");
        probe.tabIndex = -1;
        document.querySelector(".prose").append(probe);
        probe.focus();
    }""")
    stops = []
    for _ in range(100):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.share')"):
            return stops
        stops.append(page.evaluate("document.activeElement.textContent.trim()"))
    raise AssertionError(f"Tab never reached the share box: {stops}")


def words_height(page) -> float:
    return page.evaluate("document.querySelector('.words-used').getBoundingClientRect().height")


def test_the_closed_words_list_is_one_short_block_on_a_phone(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    height = words_height(phone)
    print(f"\nwords-used height at 390 px, closed: {height:.0f} px")
    assert height <= 600
    expect(phone.locator(".words-used summary")).to_contain_text("Words used on this page (14)")


def test_one_tab_stop_for_the_whole_words_list(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    stops = tab_stops_after_the_article(phone)
    print(f"\ntab stops from the end of the article to the share box at 390 px: {len(stops)}: {stops}")
    sources = phone.locator(".sources a").count()
    # then the link to the questions page, which sits between the list and the share box
    assert stops[sources:] == ["Words used on this page (14)", "Questions for your next appointment"]


def test_opening_the_list_shows_every_word_with_at_most_one_tab_stop_each(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    phone.locator(".words-used summary").click()
    for definition in definitions_on(TREATMENT):
        expect(phone.locator(".word-definition", has_text=definition)).to_be_visible()
    words = phone.locator(".words-used .word").count()
    stops = tab_stops_after_the_article(phone)
    print(f"\nopen: {words_height(phone):.0f} px, {len(stops)} tab stops to the share box")
    assert len(stops) == phone.locator(".sources a").count() + 1 + words + 1  # + the questions link


def test_the_list_opens_from_the_keyboard(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    phone.locator(".words-used summary").focus()
    phone.keyboard.press("Enter")
    expect(phone.locator(".words-used details")).to_have_attribute("open", "")
    expect(phone.locator(".word-definition").first).to_be_visible()


def test_a_link_to_one_word_opens_the_list_at_it(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT + "#word-ketamine")
    expect(phone.locator("#word-ketamine .word-definition")).to_be_in_viewport()


def test_the_list_names_an_abbreviation_as_the_text_says_it(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    phone.locator(".words-used summary").click()
    expect(phone.locator("#word-internal-family-systems dt")).to_have_text("IFS (Internal family systems)")


def test_no_axe_violations_with_the_list_open_on_a_phone(phone, live_guide, axe_violations):
    phone.goto(live_guide.url + TREATMENT)
    phone.locator(".words-used summary").click()
    assert axe_violations(phone) == []


def test_a_term_explanation_still_opens_in_place_with_the_list_closed(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    phone.locator("a.term", has_text="IFS").click()
    bubble = phone.locator(".toggletip-bubble:not(:empty)")
    expect(bubble).to_contain_text("IFS (Internal family systems)")
    expect(bubble.get_by_role("link", name="More about Internal family systems")).to_be_visible()


# The printed handout


def test_print_shows_every_definition_though_the_list_is_closed(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    phone.emulate_media(media="print")
    assert phone.evaluate("document.querySelector('.words-used details').open") is False
    for definition in definitions_on(TREATMENT):
        expect(phone.locator(".word-definition", has_text=definition)).to_be_visible()


def test_print_shows_every_definition_without_javascript(no_script_page, live_guide):
    no_script_page.goto(live_guide.url + TREATMENT)
    no_script_page.emulate_media(media="print")
    for definition in definitions_on(TREATMENT):
        expect(no_script_page.locator(".word-definition", has_text=definition)).to_be_visible()


def test_printing_opens_the_list_and_closes_it_again(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    details = phone.locator(".words-used details")
    phone.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    expect(details).to_have_attribute("open", "")
    phone.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(details).not_to_have_attribute("open", "")


def test_printing_leaves_a_list_the_reader_opened_open(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    phone.locator(".words-used summary").click()
    phone.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    phone.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(phone.locator(".words-used details")).to_have_attribute("open", "")


def test_in_print_no_word_is_split_from_its_definition(phone, live_guide):
    phone.goto(live_guide.url + TREATMENT)
    phone.emulate_media(media="print")
    rules = phone.evaluate("""() => [...document.querySelectorAll('.words-used .word')]
        .map(word => getComputedStyle(word).breakInside)""")
    assert rules and set(rules) == {"avoid"}


def squeezed(text: str) -> str:
    """Text without spaces and line breaks (extraction breaks lines where the page did) or
    ligatures (the PDF's font writes "ﬁ" for "fi")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_the_printed_pdf_holds_every_definition(browser, live_guide):
    pypdf = pytest.importorskip("pypdf")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_guide.url + TREATMENT)
    pdf = page.pdf(format="Letter")
    context.close()
    pages = [squeezed(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    text = "".join(pages)
    missing = [d for d in definitions_on(TREATMENT) if squeezed(d) not in text]
    assert missing == []
    assert squeezed("IFS (Internal family systems)") in text
