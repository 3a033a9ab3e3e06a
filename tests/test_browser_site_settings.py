"""Site settings in a real browser: a Publisher changes the crisis number, and readers see it."""

from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from clinic.models import SiteSettings

pytestmark = pytest.mark.browser


@pytest.fixture
def publisher_signed_in(page, live_guide, make_staff):
    make_staff("pat", "Publisher")
    # A transactional test flushed the roles; make_staff made the guide's again, these are the clinic's.
    import_module("clinic.migrations.0002_roles").grant(apps, None)
    page.goto(live_guide.url + "/admin/login/")
    page.fill("#id_username", "pat")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text("Pat")
    return page


@pytest.fixture
def reader(browser):
    """A reader with no cookie: served from the page cache."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def test_a_publisher_changes_the_crisis_number_and_readers_see_it(publisher_signed_in, reader, live_guide):
    page = publisher_signed_in
    reader.goto(live_guide.url + "/")
    expect(reader.locator(".crisis-actions a").first).to_have_text("Call 988")

    page.get_by_role("link", name="Site settings").click()
    expect(page).to_have_url(live_guide.url + "/admin/clinic/sitesettings/1/change/")
    page.fill("#id_crisis_phone", "0800 111 222")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # The reader's browser keeps a page for TRD_HTTP_CACHE_MAX_AGE; reloading asks the server, which has the new one.
    reader.reload()
    expect(reader.locator(".crisis-actions a").first).to_have_text("Call 0800 111 222")
    expect(reader.locator(".crisis-actions a").first).to_have_attribute("href", "tel:0800111222")
    expect(reader.locator("#get-help")).to_contain_text("Call 0800 111 222")


def test_a_bad_number_is_shown_as_an_error_and_readers_keep_the_old_one(publisher_signed_in, reader, live_guide):
    page = publisher_signed_in
    page.goto(live_guide.url + "/admin/clinic/sitesettings/1/change/")
    page.fill("#id_crisis_phone", "call us")
    page.click("input[name=_save]")
    expect(page.locator(".field-crisis_phone .errorlist")).to_contain_text("Write a phone number in digits")
    expect(page.locator("#id_crisis_phone")).to_have_value("call us")
    assert not SiteSettings.objects.exists()

    reader.goto(live_guide.url + "/")
    expect(reader.locator(".crisis-actions a").first).to_have_text("Call 988")
