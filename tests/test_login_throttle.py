"""Admin sign-in throttling: django-axes with trd_site/login_throttle.py and trd_site/client_ip.py."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

RIGHT = "correct horse battery staple"


@pytest.fixture
def staff(make_staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    return make_staff("pat", "Publisher")


def attempt(client, password, ip="10.0.0.1", username="pat", **headers):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def test_repeated_failures_lock_out_that_user_from_that_address(client, staff):
    for _ in range(3):
        attempt(client, "wrong")
    response = attempt(client, RIGHT)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_lockout_does_not_block_the_same_user_from_another_address(client, staff):
    for _ in range(3):
        attempt(client, "wrong", ip="10.0.0.1")
    assert attempt(client, RIGHT, ip="10.0.0.2").status_code == 302


def test_lockout_lifts_after_the_cool_off(client, staff, settings):
    for _ in range(3):
        attempt(client, "wrong")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * timedelta(hours=1) - timedelta(minutes=1)
    )
    assert attempt(client, RIGHT).status_code == 302


def test_behind_a_proxy_an_attacker_cannot_lock_out_a_colleague_elsewhere(client, staff, settings):
    settings.PROXY_COUNT = 1
    proxy = "127.0.0.1"  # every request reaches gunicorn from nginx
    for _ in range(5):
        attempt(client, "wrong", ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert attempt(client, RIGHT, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 302


def test_one_address_guessing_across_many_usernames_is_stopped(client, staff, make_staff):
    for n in range(8):
        attempt(client, "wrong", username=f"guess{n}")  # never 3 for one username
    assert attempt(client, RIGHT, username="pat").status_code == 429


def test_the_address_limit_does_not_touch_staff_elsewhere(client, staff):
    for n in range(8):
        attempt(client, "wrong", username=f"guess{n}", ip="10.0.0.1")
    assert attempt(client, RIGHT, username="pat", ip="10.0.0.2").status_code == 302


def test_the_address_limit_lifts_after_the_cool_off(client, staff, settings):
    for n in range(8):
        attempt(client, "wrong", username=f"guess{n}")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * timedelta(hours=1) - timedelta(minutes=1)
    )
    assert attempt(client, RIGHT).status_code == 302


def test_a_staff_session_cookie_ends_with_the_browser(client, staff):
    response = attempt(client, RIGHT)
    cookie = response.cookies["sessionid"]
    assert (cookie["expires"], cookie["max-age"]) == ("", "")


def test_a_staff_session_ends_after_a_working_day_on_the_server(client, staff, settings):
    attempt(client, RIGHT)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 10 * 3600
