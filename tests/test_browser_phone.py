"""Reading on a phone: the text starts on the first screen, large text and zoom reflow, term
explanations open in view, and copying a link keeps focus and says so."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from pages import PARTS
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ARTICLES = PARTS
PAGES = [
    "/",
    *ARTICLES,
    "/glossary/",
    "/glossary/transcranial-magnetic-stimulation/",
    "/search/?q=ketamine",
    "/search/?q=suicide",
    "/search/?q=xylophone",
]
FIRST_PARAGRAPH = "() => Math.round(document.querySelector('.prose > p').getBoundingClientRect().top + window.scrollY)"
TOO_WIDE = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def phone(browser, request):
    width, height = request.param
    context = browser.new_context(
        viewport={"width": width, "height": height}, permissions=["clipboard-read", "clipboard-write"]
    )
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("phone", [(390, 844)], indirect=True)
@pytest.mark.parametrize("path", ARTICLES)
def test_an_articles_text_starts_within_700px_on_a_390px_phone(phone, live_guide, path):
    phone.goto(live_guide.url + path)
    assert phone.evaluate(FIRST_PARAGRAPH) <= 700


@pytest.mark.parametrize("phone", [(320, 640)], indirect=True)
@pytest.mark.parametrize("path", ARTICLES)
def test_an_articles_text_starts_within_one_and_a_fifth_screens_at_320px(phone, live_guide, path):
    phone.goto(live_guide.url + path)
    assert phone.evaluate(FIRST_PARAGRAPH) <= 640 * 1.2


@pytest.mark.parametrize("phone", [(390, 844)], indirect=True)
def test_the_crisis_line_is_one_short_line_above_everything_on_a_phone(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[0])
    crisis = phone.locator(".crisis")
    expect(crisis).to_contain_text(f"Call {settings.CRISIS_PHONE}")
    assert crisis.bounding_box()["y"] == 0
    assert crisis.bounding_box()["height"] <= 60


@pytest.mark.parametrize("phone", [(1280, 900)], indirect=True)
@pytest.mark.parametrize("path", ARTICLES)
def test_an_articles_text_starts_on_the_first_screen_at_1280px(phone, live_guide, path):
    phone.goto(live_guide.url + path)
    assert phone.evaluate(FIRST_PARAGRAPH) <= 900 - 100


@pytest.mark.parametrize("phone", [(1280, 900)], indirect=True)
def test_the_full_crisis_text_shows_on_a_wide_screen(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[0])
    expect(phone.locator(".crisis-text")).to_be_visible()


@pytest.mark.parametrize("phone", [(390, 844)], indirect=True)
def test_the_part_number_shows_once(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[2])
    assert phone.get_by_text("Part 3 of 4").count() == 1


@pytest.mark.parametrize("phone", [(390, 844)], indirect=True)
def test_the_contents_open_from_a_single_line(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[0])
    contents = phone.locator(".toc")
    assert contents.bounding_box()["height"] <= 60
    contents.locator("summary").click()
    expect(contents.get_by_role("link").first).to_be_visible()


@pytest.mark.parametrize("phone", [(320, 640), (390, 844), (1280, 900)], indirect=True)
def test_pages_reflow_at_200_percent_text_without_sideways_scrolling(phone, live_guide):
    wide = {}
    for path in PAGES:
        phone.goto(live_guide.url + path)
        phone.evaluate("document.documentElement.style.fontSize = '200%'")
        if overflow := phone.evaluate(TOO_WIDE):
            wide[path] = overflow
    assert wide == {}


@pytest.mark.parametrize("phone", [(320, 225)], indirect=True)
def test_pages_reflow_at_400_percent_zoom_without_sideways_scrolling(phone, live_guide):
    """A 1280x900 window zoomed to 400% lays pages out in 320x225 CSS pixels (WCAG 1.4.10)."""
    wide = {}
    for path in PAGES:
        phone.goto(live_guide.url + path)
        if overflow := phone.evaluate(TOO_WIDE):
            wide[path] = overflow
    assert wide == {}


@pytest.mark.parametrize("phone", [(320, 640), (390, 844), (1280, 900)], indirect=True)
def test_a_term_explanation_opened_near_the_bottom_of_the_screen_is_scrolled_into_view(phone, live_guide):
    phone.emulate_media(reduced_motion="reduce")
    phone.goto(live_guide.url + ARTICLES[2])
    term = phone.locator(".prose a.term").nth(3)
    # Put the term on the last line of the screen, then open it.
    phone.evaluate(
        "(el) => window.scrollBy(0, el.getBoundingClientRect().bottom - window.innerHeight + 4)", term.element_handle()
    )
    term.click()
    bubble = phone.locator(".toggletip-bubble:not(:empty)")
    expect(bubble).to_be_visible()
    expect(bubble).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("phone", [(320, 640), (390, 844), (1280, 900)], indirect=True)
def test_copy_link_keeps_focus_on_the_button_and_says_copied(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[3])
    button = phone.locator(".copy-button")
    button.focus()
    phone.keyboard.press("Enter")
    expect(button).to_have_text("Copied")
    expect(button).to_be_focused()
    expect(phone.locator("#copy-status")).to_have_text("Link copied.")


@pytest.mark.parametrize("phone", [(390, 844)], indirect=True)
def test_copy_link_copies_the_canonical_address(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[3] + "?utm_source=chat")
    phone.get_by_role("button", name="Copy link").click()
    expect(phone.locator("#copy-status")).to_have_text("Link copied.")
    assert phone.evaluate("navigator.clipboard.readText()") == settings.SITE_URL + ARTICLES[3]


@pytest.mark.parametrize("phone", [(390, 844), (1280, 900)], indirect=True)
def test_a_section_link_copies_the_canonical_address_with_its_anchor(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[0])
    link = phone.locator(".prose h2 .section-link").first
    anchor = link.get_attribute("href")
    link.focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#copy-status")).to_have_text("Link to this section copied.")
    assert phone.evaluate("navigator.clipboard.readText()") == settings.SITE_URL + ARTICLES[0] + anchor


@pytest.mark.parametrize("phone", [(1280, 900)], indirect=True)
def test_a_section_link_shows_that_it_was_copied(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[0])
    heading = phone.locator(".prose h2").first
    heading.locator(".section-link").click()
    expect(heading.locator(".copied-note")).to_have_text("Link copied")


@pytest.fixture
def clinic_number():
    """A clinic whose crisis line has a long international number (valid in the admin)."""
    from clinic.models import SiteSettings

    record = SiteSettings.from_environment()
    record.crisis_phone = "+44 800 689 5652"
    record.save()
    return record.crisis_phone


@pytest.mark.parametrize("phone", [(320, 640), (390, 844)], indirect=True)
def test_a_long_crisis_number_reflows_at_200_percent_text(phone, live_guide, clinic_number):
    wide = {}
    for path in ["/", ARTICLES[2], "/glossary/"]:
        phone.goto(live_guide.url + path)
        phone.evaluate("document.documentElement.style.fontSize = '200%'")
        if overflow := phone.evaluate(TOO_WIDE):
            wide[path] = overflow
    assert wide == {}
    expect(phone.locator(".crisis-actions a").first).to_have_text(f"Call {clinic_number}")


@pytest.mark.parametrize("phone", [(320, 640)], indirect=True)
@pytest.mark.parametrize("path", ARTICLES)
def test_a_reviewed_articles_text_starts_within_one_and_a_fifth_screens_at_320px(phone, live_guide, make_staff, path):
    """A clinician's review adds the longest line to the top of a page."""
    from articles.models import Article

    reviewer = make_staff("rao", "Publisher", credentials="MD, psychiatrist")
    today = timezone.localdate()
    Article.objects.filter(slug=path.split("/")[2]).update(
        reviewed_by=reviewer,
        last_reviewed=today,
        next_review_due=today + timedelta(days=365),
        review_recorded_at=timezone.now(),
    )
    phone.goto(live_guide.url + path)
    expect(phone.locator(".review")).to_contain_text("Reviewed by Dr. Rao")
    assert phone.evaluate(FIRST_PARAGRAPH) <= 640 * 1.2


@pytest.mark.parametrize("phone", [(320, 640)], indirect=True)
def test_the_skip_link_stays_out_of_sight_at_200_percent_text_until_focused(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[0])
    phone.evaluate("document.documentElement.style.fontSize = '200%'")
    skip = phone.locator(".skip-link")
    assert skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0
    phone.keyboard.press("Tab")
    expect(skip).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("phone", [(1280, 900)], indirect=True)
def test_focus_stays_on_a_section_link_after_copying(phone, live_guide):
    phone.goto(live_guide.url + ARTICLES[0])
    link = phone.locator(".prose h2 .section-link").first
    link.focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#copy-status")).to_have_text("Link to this section copied.")
    expect(link).to_be_focused()
    assert phone.evaluate("location.hash") == link.get_attribute("href")
