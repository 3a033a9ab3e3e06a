"""The client's address, as far as this server can trust it.

Each reverse proxy in front of gunicorn appends the address it was connected from to
X-Forwarded-For (nginx: `$proxy_add_x_forwarded_for`; load balancers do the same). With
DJANGO_PROXY_COUNT=N trusted proxies, the client is therefore the N-th entry from the right:
whatever a client writes into the header itself sits further left and is never read. With
N=0, or a header shorter than N entries (a request that bypassed a proxy), the address is
REMOTE_ADDR, the socket's peer.

Login throttling (django-axes, via AXES_CLIENT_IP_CALLABLE) and the problem-report limit
both use this function.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    entries = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(entries) < count:
        return remote
    return _valid(entries[-count]) or remote
