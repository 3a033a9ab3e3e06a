"""Readers' reports of a problem on a page, without cookies or sessions.

The form carries a signed token naming the page it was served on (Django's signing, with a
timestamp): a POST without a token from one of our pages is refused, which is what a CSRF
cookie would otherwise give. A report is capped in length and each address may send only a
few an hour (a counter in the default cache keyed by a hash of the address, so the address
itself is never stored).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from trd_site.client_ip import client_ip

from .models import ProblemReport

SALT = "articles.problem-report"
TOKEN_MAX_AGE = 3 * 24 * 3600  # pages are cached; a form may be a few days old
PER_ADDRESS_PER_HOUR = 5


class Refused(Exception):
    """The report was not saved; the message says why, politely."""

    def __init__(self, message: str, status: int, can_retry: bool = False):
        self.status, self.can_retry = status, can_retry
        super().__init__(message)


def token_for(path: str) -> str:
    return signing.TimestampSigner(salt=SALT).sign(path)


def path_from(token: str) -> str:
    try:
        return signing.TimestampSigner(salt=SALT).unsign(token, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise Refused("This page was open for a long time. Please reload it and send your report again.", 400) from None
    except signing.BadSignature:
        raise Refused("This report did not come from a page of this site, so it was not saved.", 400) from None


def _counter_key(request) -> str:
    address = client_ip(request) or "unknown"
    return "report-rate:" + hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def _count_from_address(request) -> int:
    """This report's number among the last hour's from the sender's address; 1 if the cache is down
    (a report is worth more than the limit)."""
    key = _counter_key(request)
    if cache.add(key, 1, timeout=3600):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired since add(), or the cache is unavailable
        return 1


def save(request, token: str, message: str) -> ProblemReport:
    """Save one report, or raise Refused with nothing saved."""
    path = path_from(token)
    message = (message or "").strip()
    if not message:
        raise Refused("Please say in a few words what is wrong.", 400, can_retry=True)
    if len(message) > ProblemReport.MAX_LENGTH:
        raise Refused(f"Please keep it under {ProblemReport.MAX_LENGTH} characters.", 400, can_retry=True)
    if _count_from_address(request) > PER_ADDRESS_PER_HOUR:
        raise Refused(
            "Thank you, we have received several reports from you in the last hour. Please try again later.", 429
        )
    return ProblemReport.objects.create(path=path, message=message)
