"""Admin sign-in throttling: django-axes with trd_site/login_throttle.py and trd_site/client_ip.py."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

RIGHT = "correct horse battery staple"
REPO = Path(__file__).resolve().parent.parent


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


BEHIND_NGINX = r"""
import django
django.setup()
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

# As the suite does: plain static storage, no collectstatic.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
call_command("migrate", verbosity=0)
User.objects.create_user("pat", password=RIGHT, is_staff=True)
client = Client()


def attempt(password, forwarded_for):
    # Every request reaches gunicorn from nginx at 127.0.0.1; nginx appends the client's address.
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "pat", "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return response.status_code


for _ in range(5):
    attempt("wrong", "198.51.100.66")
print(attempt(RIGHT, "203.0.113.7"))
"""


def sign_in_behind_nginx(proxy_count: str) -> str:
    """An attacker fails five times, then a colleague elsewhere signs in: the colleague's status code, with
    settings.py loaded in a fresh interpreter from DJANGO_PROXY_COUNT as on a server (in-memory database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="trd_site.settings",
        DJANGO_SECRET_KEY="test",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_LOG_LEVEL="ERROR",
        DATABASE_URL="sqlite://:memory:",
        DJANGO_AXES_FAILURE_LIMIT="3",
        DJANGO_PROXY_COUNT=proxy_count,
    )
    code = f"RIGHT = {RIGHT!r}\n" + BEHIND_NGINX
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_behind_a_proxy_an_attacker_cannot_lock_out_a_colleague_elsewhere():
    assert sign_in_behind_nginx(proxy_count="1") == "302"


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
