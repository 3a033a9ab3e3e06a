"""The printed handout, printed to PDF by Chromium on A4 and US Letter and read back with pypdf."""

import io

import pytest
from django.conf import settings
from pages import PARTS
from playwright.sync_api import expect
from pypdf import PdfReader

from clinic.models import SiteSettings

pytestmark = pytest.mark.browser

ARTICLES = PARTS
TERM = "/glossary/ketamine/"
PAPER = ["A4", "Letter"]
FOOTER = "This site gives general information, not medical advice."


def printed(page, url, paper):
    page.goto(url)
    reader = PdfReader(io.BytesIO(page.pdf(format=paper)))
    return [sheet.extract_text() for sheet in reader.pages]


def unwrapped(text):
    """Text as printed, with the line breaks of wrapping taken out (a long address wraps)."""
    return text.replace("\n", "")


@pytest.mark.parametrize("paper", PAPER)
@pytest.mark.parametrize("path", [*ARTICLES, TERM])
def test_the_printed_page_shows_its_full_address_as_text(page, live_guide, path, paper):
    sheets = printed(page, live_guide.url + path, paper)
    assert any(settings.SITE_URL + path in unwrapped(sheet) for sheet in sheets)


@pytest.mark.parametrize("paper", PAPER)
@pytest.mark.parametrize("path", [*ARTICLES, TERM])
def test_the_crisis_line_is_on_the_first_printed_page(page, live_guide, path, paper):
    first = unwrapped(printed(page, live_guide.url + path, paper)[0])
    assert f"call or text {settings.CRISIS_PHONE}" in first
    assert f"call {settings.EMERGENCY_NUMBER}" in first


@pytest.mark.parametrize("paper", PAPER)
@pytest.mark.parametrize("path", [*ARTICLES, TERM])
def test_no_printed_sheet_holds_only_the_footer(page, live_guide, path, paper):
    sheets = printed(page, live_guide.url + path, paper)
    footer_only = [n for n, sheet in enumerate(sheets, 1) if unwrapped(sheet).strip().startswith(FOOTER)]
    assert footer_only == []


@pytest.mark.parametrize("paper", PAPER)
def test_the_handout_names_the_site_and_the_clinic(page, live_guide, paper):
    clinic = SiteSettings.from_environment()
    clinic.clinic_name = "Riverside Mood Clinic"
    clinic.save()
    first = printed(page, live_guide.url + ARTICLES[0], paper)[0]
    assert settings.SITE_NAME in first
    assert "Riverside Mood Clinic" in first


@pytest.mark.parametrize("paper", PAPER)
def test_the_handouts_fit_on_three_sheets_or_fewer(page, live_guide, paper):
    counts = {path: len(printed(page, live_guide.url + path, paper)) for path in ARTICLES}
    assert max(counts.values()) <= 3, counts


@pytest.mark.parametrize("path", [ARTICLES[0], TERM])
def test_the_printed_page_has_the_qr_code_and_no_screen_controls(page, live_guide, path):
    page.goto(live_guide.url + path)
    page.emulate_media(media="print")
    expect(page.locator(".share-qr svg")).to_be_visible()
    expect(page.locator(".share-url-text")).to_be_visible()
    for hidden in ["#share-title", "#share-url", ".copy-button", ".print-button", ".site-search", ".site-header nav"]:
        expect(page.locator(hidden)).to_be_hidden()


def test_the_printed_article_leaves_out_contents_and_guide_navigation(page, live_guide):
    page.goto(live_guide.url + ARTICLES[1])
    page.emulate_media(media="print")
    for hidden in [".toc", ".pager", ".breadcrumbs", ".report"]:
        expect(page.locator(hidden)).to_be_hidden()


def test_the_print_button_opens_the_print_dialog(page, live_guide):
    page.goto(live_guide.url + ARTICLES[0])
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print this page").click()
    assert page.evaluate("window.printed") == 1


def test_the_print_button_is_hidden_without_javascript(browser, live_guide):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_guide.url + ARTICLES[0])
    assert page.locator(".print-button").count() == 1
    expect(page.locator(".print-button")).to_be_hidden()
    context.close()


@pytest.mark.parametrize("paper", PAPER)
def test_the_printed_crisis_line_names_the_clinics_own_numbers(page, live_guide, paper):
    clinic = SiteSettings.from_environment()
    clinic.crisis_phone, clinic.crisis_sms = "0800 111 222", "85258"
    clinic.save()
    first = unwrapped(printed(page, live_guide.url + ARTICLES[0], paper)[0])
    assert "Call 0800 111 222" in first
    assert "Text 85258" in first
