"""The client address behind zero, one or two trusted proxies (trd_site/client_ip.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trd_site.client_ip import client_ip

REPO = Path(__file__).resolve().parent.parent


def address_seen_by_axes(proxy_count: str, forwarded_for: str, remote: str = "10.0.0.99") -> str:
    """What django-axes takes as the client address, with settings.py loaded from these variables."""
    code = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from axes.helpers import get_client_ip_address\n"
        f"request = RequestFactory().get('/', HTTP_X_FORWARDED_FOR={forwarded_for!r}, REMOTE_ADDR={remote!r})\n"
        "print(get_client_ip_address(request))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="true", DJANGO_PROXY_COUNT=proxy_count, DJANGO_SETTINGS_MODULE="trd_site.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_behind_one_nginx_axes_sees_the_address_nginx_added():
    # nginx's $proxy_add_x_forwarded_for: a single entry when the client sent none.
    assert address_seen_by_axes("1", "203.0.113.7") == "203.0.113.7"


def test_behind_one_proxy_an_address_the_client_wrote_itself_is_ignored():
    assert address_seen_by_axes("1", "6.6.6.6, 203.0.113.7") == "203.0.113.7"


def test_without_a_proxy_a_forged_x_forwarded_for_is_ignored():
    assert address_seen_by_axes("0", "6.6.6.6", remote="203.0.113.7") == "203.0.113.7"


@pytest.fixture
def proxies(settings):
    def count(n):
        settings.PROXY_COUNT = n

    return count


def test_behind_a_load_balancer_and_nginx_the_client_is_second_from_the_right(rf, proxies):
    proxies(2)
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.5", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "203.0.113.7"


def test_a_header_shorter_than_the_proxy_count_falls_back_to_the_peer(rf, proxies):
    proxies(2)
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.5")
    assert client_ip(request) == "10.0.0.5"


def test_a_malformed_entry_falls_back_to_the_peer(rf, proxies):
    proxies(1)
    request = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.5")
    assert client_ip(request) == "10.0.0.5"


def test_ipv6_addresses_are_read(rf, proxies):
    proxies(1)
    request = rf.get("/", HTTP_X_FORWARDED_FOR="2001:db8::7", REMOTE_ADDR="::1")
    assert client_ip(request) == "2001:db8::7"
