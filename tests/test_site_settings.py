"""Site settings (clinic/): the clinic's own words on every page, in one admin record that Publishers
change with history, live at once through the page cache, cheap to read, and shown even with the
database down."""

import pytest
from django.contrib.auth.models import Group
from django.core import checks
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from articles import content_version, page_cache
from clinic import site_settings
from clinic.models import SiteSettings
from clinic.phone_numbers import digits, validate_phone_number

URL = "/admin/clinic/sitesettings/1/change/"


@pytest.fixture
def reader():
    """An anonymous reader: no cookie, so pages come from the page cache."""
    return Client()


def form_data(client, **changes) -> dict:
    """The change form as a browser sends it: the values it shows now, with these changes."""
    form = client.get(URL).context["adminform"].form
    return {**{name: form[name].value() or "" for name in form.fields}, **changes}


def form_fields(values: SiteSettings) -> dict:
    """The fields staff edit, as a POST would carry them."""
    return {f.name: getattr(values, f.name) for f in SiteSettings._meta.fields if f.name not in ("id", "updated_at")}


def save(client, django_capture_on_commit_callbacks, data=None, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, data if data is not None else form_data(client, **changes))


@pytest.fixture
def saved(publisher_client, django_capture_on_commit_callbacks):
    """A Publisher has saved the settings once, with the clinic's own crisis number."""
    response = save(publisher_client, django_capture_on_commit_callbacks, crisis_phone="0800 111")
    assert response.status_code == 302
    return publisher_client


# The one record in the admin


def test_site_settings_in_the_admin_opens_the_one_record(publisher_client):
    assert publisher_client.get("/admin/clinic/sitesettings/")["Location"] == URL


def test_the_staff_home_lists_site_settings_for_a_publisher(publisher_client):
    assert 'href="/admin/clinic/sitesettings/"' in publisher_client.get("/admin/").content.decode()


def test_before_anything_is_saved_the_form_shows_the_environment_defaults(publisher_client, settings):
    settings.CRISIS_TEXT = "Call the clinic's night line."
    response = publisher_client.get(URL)
    assert response.context["adminform"].form["crisis_text"].value() == "Call the clinic's night line."
    assert "Nothing has been saved here yet" in response.content.decode()


def test_there_is_no_second_record_to_add(publisher_client):
    assert publisher_client.get("/admin/clinic/sitesettings/add/").status_code == 403


def test_the_record_cannot_be_deleted(saved):
    assert saved.post("/admin/clinic/sitesettings/1/delete/", {"post": "yes"}).status_code == 403
    assert SiteSettings.objects.count() == 1


def test_the_database_holds_one_row_at_most(db):
    from django.db import IntegrityError

    SiteSettings.from_environment().save()
    with pytest.raises(IntegrityError):
        SiteSettings.objects.bulk_create([SiteSettings(pk=2, **form_fields(SiteSettings.from_environment()))])


# Publishers change it; Editors read it


def test_a_publishers_new_crisis_number_is_on_the_next_cached_page(
    publisher_client, reader, django_capture_on_commit_callbacks
):
    reader.get("/")
    assert reader.get("/")["X-Page-Cache"] == "hit"
    save(publisher_client, django_capture_on_commit_callbacks, crisis_phone="+44 800 689 5652")
    response = reader.get("/")
    content = response.content.decode()
    assert 'href="tel:+448006895652">Call +44 800 689 5652</a>' in content
    assert response["X-Page-Cache"] == "miss"


def test_saved_settings_reach_the_crisis_bar_footer_and_home_page(saved, reader, django_capture_on_commit_callbacks):
    save(
        saved,
        django_capture_on_commit_callbacks,
        crisis_text="Struggling tonight? Call the Riverside line.",
        crisis_line_name="the Riverside crisis team",
        emergency_number="999",
        international_url="https://example.org/helplines/",
        home_title="A guide from Riverside",
        home_introduction="Read it at your own pace.",
    )
    content = reader.get("/").content.decode()
    for shown in [
        '<span class="crisis-text">Struggling tonight? Call the Riverside line.</span>',
        "to reach the Riverside crisis team.",
        '<a href="tel:999">999</a>',
        'href="https://example.org/helplines/"',
        "<h1>A guide from Riverside</h1>",
        '<p class="lede">Read it at your own pace.</p>',
    ]:
        assert shown in content


def test_saved_settings_reach_searchs_crisis_help(saved, reader):
    content = reader.get("/search/?q=i+want+to+die").content.decode()
    assert 'class="crisis-button" href="tel:0800111">Call 0800 111</a>' in content


def test_the_site_name_stays_the_environments_and_the_clinic_name_is_its_own(
    saved, reader, settings, django_capture_on_commit_callbacks
):
    save(saved, django_capture_on_commit_callbacks, clinic_name="Riverside Mood Clinic")
    response = reader.get("/")
    assert response.context["clinic_name"] == "Riverside Mood Clinic"
    assert f'<meta property="og:site_name" content="{settings.SITE_NAME}">' in response.content.decode()


def test_clinic_name_is_an_empty_string_by_default(reader, db):
    assert reader.get("/glossary/").context["clinic_name"] == ""


def test_a_new_default_clinic_name_is_not_hidden_by_a_cached_page(reader, db, settings):
    reader.get("/")
    settings.CLINIC_NAME = "Riverside Mood Clinic"
    assert reader.get("/").context["clinic_name"] == "Riverside Mood Clinic"


def test_an_editor_can_read_the_site_settings_and_is_told_who_can_change_them(editor_client):
    response = editor_client.get(URL)
    assert response.status_code == 200
    assert "Only a Publisher can change the site settings" in response.content.decode()


def test_an_editors_change_is_refused_with_a_reason_and_nothing_changes(
    editor_client, publisher, reader, django_capture_on_commit_callbacks
):
    data = {**form_fields(SiteSettings.from_environment()), "crisis_phone": "0800 999"}
    response = save(editor_client, django_capture_on_commit_callbacks, data)
    assert response.status_code == 403
    assert "Only a Publisher can change the site settings" in response.content.decode()
    assert "Pat" in response.content.decode()  # the Publishers who can
    assert not SiteSettings.objects.exists()
    assert 'href="tel:988"' in reader.get("/").content.decode()


def test_staff_without_a_role_cannot_open_the_site_settings(client, make_staff):
    client.force_login(make_staff("sam"))
    assert client.get(URL).status_code == 403


def test_a_superuser_can_change_the_site_settings(client, make_staff, django_capture_on_commit_callbacks):
    client.force_login(make_staff("root", superuser=True))
    assert save(client, django_capture_on_commit_callbacks, crisis_sms="741741").status_code == 302
    assert SiteSettings.objects.get().crisis_sms == "741741"


def clinic_permissions(role: str) -> set[str]:
    permissions = Group.objects.get(name=role).permissions.filter(content_type__app_label="clinic")
    return set(permissions.values_list("codename", flat=True))


def test_publishers_may_view_and_change_the_site_settings(db):
    assert clinic_permissions("Publisher") == {"view_sitesettings", "change_sitesettings"}


def test_editors_may_only_view_the_site_settings(db):
    assert clinic_permissions("Editor") == {"view_sitesettings"}


def test_running_the_guides_role_migration_again_keeps_the_site_settings_permission(db):
    from importlib import import_module

    from django.apps import apps

    import_module("articles.migrations.0003_roles").create_roles(apps, None)
    assert Group.objects.get(name="Publisher").permissions.filter(codename="change_sitesettings").exists()


# Bad input: a clear error, nothing saved, the site keeps the previous values

BAD_INPUT = [
    ("crisis_phone", "call us", "Write a phone number in digits"),
    ("crisis_phone", "1-800-FLOWERS", "Write a phone number in digits"),
    ("crisis_sms", "text HOME", "Write a phone number in digits"),
    ("emergency_number", "", "This field is required"),
    ("crisis_text", "   ", "The crisis notice shows at the top of every page: it cannot be empty."),
    ("home_title", "A" * 101, "Ensure this value has at most 100 characters (it has 101)."),
    ("international_url", "findahelpline.com", "Enter a full web address starting with https://"),
    ("international_url", "javascript:alert(1)", "Enter a full web address starting with https://"),
]


@pytest.mark.parametrize("field, value, message", BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_error(saved, django_capture_on_commit_callbacks, field, value, message):
    response = save(saved, django_capture_on_commit_callbacks, **{field: value})
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field][0]


@pytest.mark.parametrize("field, value, message", BAD_INPUT)
def test_after_bad_input_the_site_keeps_the_previous_values(
    saved, reader, django_capture_on_commit_callbacks, field, value, message
):
    save(saved, django_capture_on_commit_callbacks, **{field: value, "clinic_name": "Riverside Mood Clinic"})
    assert SiteSettings.objects.get().clinic_name == ""
    assert 'href="tel:0800111"' in reader.get("/").content.decode()


def test_the_refused_form_keeps_what_was_typed(saved, django_capture_on_commit_callbacks):
    response = save(saved, django_capture_on_commit_callbacks, crisis_phone="call us", crisis_sms="741741")
    form = response.context["adminform"].form
    assert (form["crisis_phone"].value(), form["crisis_sms"].value()) == ("call us", "741741")


@pytest.mark.parametrize(
    "number", ["988", "911", "999", "112", "15", "116 123", "+44 800 689 5652", "(555) 123-4567", "1-800-273-8255"]
)
def test_these_phone_numbers_are_accepted(number):
    validate_phone_number(number)


@pytest.mark.parametrize(
    "number", ["call us", "988 ext 2", "1-800-FLOWERS", "+", "1", "98+8", "1234567890123456", "", "９８８"]
)
def test_these_phone_numbers_are_refused(number):
    with pytest.raises(ValidationError):
        validate_phone_number(number)


def test_a_phone_dials_the_digits_and_a_leading_plus():
    assert (digits("(555) 123-4567"), digits(" +44 800 689 5652 "), digits("116 123")) == (
        "5551234567",
        "+448006895652",
        "116123",
    )


def test_every_tel_and_sms_link_on_a_page_is_digits_only(saved, reader, django_capture_on_commit_callbacks):
    import re

    save(saved, django_capture_on_commit_callbacks, crisis_sms="(555) 123-4567", emergency_number="116 117")
    links = re.findall(r'href="((?:tel|sms):[^"]*)"', reader.get("/").content.decode())
    assert links and all(re.fullmatch(r"(tel|sms):\+?[0-9]+", link) for link in links)


def test_check_refuses_an_environment_default_the_admin_would_refuse(settings):
    settings.CRISIS_PHONE = "call us"
    errors = [e for e in checks.run_checks() if e.id == "clinic.E001"]
    assert [e.msg.split(":")[0] for e in errors] == ["TRD_CRISIS_PHONE"]


# Two Publishers at once


def colleague(make_staff):
    other = Client()
    other.force_login(make_staff("rao", "Publisher"))
    return other


def test_a_colleagues_save_meanwhile_to_another_field_is_kept(saved, make_staff, django_capture_on_commit_callbacks):
    rao = colleague(make_staff)
    stale = form_data(rao, crisis_sms="741741")
    save(saved, django_capture_on_commit_callbacks, crisis_phone="0800 222")
    assert save(rao, django_capture_on_commit_callbacks, stale).status_code == 302
    assert (SiteSettings.objects.get().crisis_phone, SiteSettings.objects.get().crisis_sms) == ("0800 222", "741741")


def test_the_merged_save_says_whose_change_was_kept(saved, make_staff, django_capture_on_commit_callbacks):
    rao = colleague(make_staff)
    stale = form_data(rao, crisis_sms="741741")
    save(saved, django_capture_on_commit_callbacks, crisis_phone="0800 222")
    save(rao, django_capture_on_commit_callbacks, stale)
    shown = [str(m) for m in rao.get(URL).context["messages"]]
    assert any("Pat saved in the meantime; their change to Crisis phone was kept" in m for m in shown)


def test_a_save_over_a_colleagues_change_to_the_same_field_is_refused_naming_them(
    saved, make_staff, django_capture_on_commit_callbacks
):
    rao = colleague(make_staff)
    stale = form_data(rao, crisis_phone="0800 333")
    save(saved, django_capture_on_commit_callbacks, crisis_phone="0800 222")
    response = save(rao, django_capture_on_commit_callbacks, stale)
    error = response.context["adminform"].form.non_field_errors()[0]
    assert "Pat saved the site settings at" in error
    assert "theirs “0800 222”, yours “0800 333”" in error
    assert SiteSettings.objects.get().crisis_phone == "0800 222"


def test_saving_the_refused_form_again_keeps_the_colleagues_other_changes(
    saved, make_staff, django_capture_on_commit_callbacks
):
    rao = colleague(make_staff)
    stale = form_data(rao, crisis_phone="0800 333")
    save(saved, django_capture_on_commit_callbacks, crisis_phone="0800 222", crisis_sms="85258")
    refused = save(rao, django_capture_on_commit_callbacks, stale).context["adminform"].form
    again = {name: refused[name].value() for name in refused.fields}
    assert save(rao, django_capture_on_commit_callbacks, again).status_code == 302
    assert (SiteSettings.objects.get().crisis_phone, SiteSettings.objects.get().crisis_sms) == ("0800 333", "85258")


def test_a_form_without_its_starting_values_saves_nothing(saved, django_capture_on_commit_callbacks):
    data = form_data(saved, crisis_phone="0800 444")
    data["started_with"] = "not json"
    response = save(saved, django_capture_on_commit_callbacks, data)
    assert "unknown state" in response.context["adminform"].form.non_field_errors()[0]
    assert SiteSettings.objects.get().crisis_phone != "0800 444"


# History


def test_every_save_is_kept_in_history_with_who_saved_it(saved, publisher, django_capture_on_commit_callbacks):
    save(saved, django_capture_on_commit_callbacks, crisis_phone="0800 222")
    versions = Version.objects.get_for_object_reference(SiteSettings, 1).select_related("revision__user")
    assert [(v.field_dict["crisis_phone"], v.revision.user) for v in versions] == [
        ("0800 222", publisher),
        ("0800 111", publisher),
    ]


def test_the_history_page_lists_the_saves(saved):
    response = saved.get("/admin/clinic/sitesettings/1/history/")
    assert response.status_code == 200
    assert "Changed Crisis phone." in response.content.decode()


def test_two_saves_can_be_compared(saved, django_capture_on_commit_callbacks):
    save(saved, django_capture_on_commit_callbacks, crisis_phone="0800 222")
    new, old = Version.objects.get_for_object_reference(SiteSettings, 1)
    response = saved.get(
        "/admin/clinic/sitesettings/1/history/compare/", {"version_id1": old.pk, "version_id2": new.pk}
    )
    content = response.content.decode()
    assert response.status_code == 200 and "0800 111" in content and "0800 222" in content


def test_comparing_saves_shows_only_the_fields_staff_edit(saved, django_capture_on_commit_callbacks):
    save(saved, django_capture_on_commit_callbacks, crisis_phone="0800 222")
    new, old = Version.objects.get_for_object_reference(SiteSettings, 1)
    response = saved.get(
        "/admin/clinic/sitesettings/1/history/compare/", {"version_id1": old.pk, "version_id2": new.pk}
    )
    assert "Updated at" not in response.content.decode()


def test_restoring_an_earlier_save_puts_its_number_back_on_the_pages(saved, reader, django_capture_on_commit_callbacks):
    save(saved, django_capture_on_commit_callbacks, crisis_phone="0800 222")
    first = Version.objects.get_for_object_reference(SiteSettings, 1).last()
    url = f"/admin/clinic/sitesettings/1/history/{first.pk}/"
    form = saved.get(url).context["adminform"].form
    with django_capture_on_commit_callbacks(execute=True):
        response = saved.post(url, {name: form[name].value() or "" for name in form.fields})
    assert response.status_code == 302
    assert 'href="tel:0800111"' in reader.get("/").content.decode()


# Cheap to read


def test_a_cached_page_reads_no_settings(saved, reader, settings, django_assert_num_queries):
    settings.CONTENT_VERSION_CHECK_SECONDS = 60
    reader.get("/glossary/")
    with django_assert_num_queries(0):
        assert reader.get("/glossary/")["X-Page-Cache"] == "hit"


def test_a_render_reads_the_settings_once_per_content_version(saved, reader, settings):
    from django.db import connection

    settings.CONTENT_VERSION_CHECK_SECONDS = 60
    with CaptureQueriesContext(connection) as first:
        reader.get("/glossary/")
    with CaptureQueriesContext(connection) as second:
        reader.get("/")  # another page, rendered in the same content version
    reads = [[q for q in queries if "clinic_sitesettings" in q["sql"]] for queries in (first, second)]
    assert [len(r) for r in reads] == [1, 0]


def test_a_new_content_version_reads_the_settings_again(saved):
    site_settings.current()
    SiteSettings.objects.update(crisis_phone="0800 333")  # no signal: only a new version shows it
    assert site_settings.current().crisis_phone == "0800 111"
    content_version.bump_content_version()
    assert site_settings.current().crisis_phone == "0800 333"


# The database down: crisis help still shows


class Outage:
    def __init__(self):
        self.patch = pytest.MonkeyPatch()
        self.attempts = 0

    def __call__(self):
        """From now on every new cursor fails as a refused connection would (until the test ends)."""
        from django.db import connection

        def refuse(*args, **kwargs):
            self.attempts += 1
            raise connection.Database.OperationalError("could not connect to server: Connection refused")

        self.patch.setattr(connection, "create_cursor", refuse)


@pytest.fixture
def database_down(db):
    outage = Outage()
    yield outage
    outage.patch.undo()


def fresh_worker():
    content_version.forget_local_state()
    page_cache.forget_local_state()


def test_with_the_database_down_and_nothing_known_the_503_page_shows_the_default_crisis_help(
    reader, database_down, settings
):
    settings.CRISIS_TEXT = "Call the clinic's night line."
    database_down()
    response = reader.get("/glossary/")
    content = response.content.decode()
    assert response.status_code == 503
    assert "Call the clinic&#x27;s night line." in content and 'href="tel:988"' in content


def test_with_the_database_down_the_503_page_shows_the_saved_crisis_number(saved, reader, database_down, settings):
    settings.CONTENT_VERSION_CHECK_SECONDS = 0
    reader.get("/")
    database_down()
    response = reader.get("/glossary/")
    assert response.status_code == 503
    assert 'href="tel:0800111"' in response.content.decode()


def test_a_worker_started_during_the_outage_shows_the_saved_crisis_number(saved, reader, database_down, settings):
    settings.CONTENT_VERSION_CHECK_SECONDS = 0
    reader.get("/")
    database_down()
    fresh_worker()  # only the shared cache knows the saved values now
    response = reader.get("/glossary/")
    assert response.status_code == 503
    assert 'href="tel:0800111"' in response.content.decode()


def test_a_page_served_stale_during_the_outage_keeps_the_saved_crisis_number(saved, reader, database_down, settings):
    settings.CONTENT_VERSION_CHECK_SECONDS = 0
    reader.get("/")
    database_down()
    response = reader.get("/")
    assert response["X-Page-Cache"] == "stale"
    assert 'href="tel:0800111"' in response.content.decode()


def test_without_the_table_the_pages_show_the_default_crisis_help(reader, db):
    """As between deploying the code and running its migration."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE clinic_sitesettings RENAME TO clinic_sitesettings_not_yet")
    response = reader.get("/")
    assert response.status_code == 200
    assert 'href="tel:988"' in response.content.decode()


def test_while_the_database_is_known_to_be_down_reading_the_settings_does_not_ask_it_again(
    saved, reader, database_down, settings
):
    settings.CONTENT_VERSION_CHECK_SECONDS = 60
    reader.get("/")
    database_down()
    fresh_worker()
    content_version.content_version()  # the page cache's check finds the database down
    attempts = database_down.attempts
    assert (site_settings.current().crisis_phone, database_down.attempts) == ("0800 111", attempts)
