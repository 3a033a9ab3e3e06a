"""Admin sign-in throttling on top of django-axes' database handler.

axes locks one username from one address after AXES_FAILURE_LIMIT failures (so an attacker
elsewhere cannot lock a member of staff out). This handler adds a second, higher limit on
the address alone, summed over every username it tried: guessing across many accounts from
one address is stopped too, without touching anyone signing in from elsewhere.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def failures_from_address(address: str | None) -> int:
    if not address:
        return 0
    recent = AccessAttempt.objects.filter(ip_address=address)
    cool_off = get_cool_off()
    if cool_off:
        recent = recent.filter(attempt_time__gte=timezone.now() - cool_off)
    return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


class StaffLoginHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        return failures_from_address(address) >= settings.AXES_ADDRESS_FAILURE_LIMIT
