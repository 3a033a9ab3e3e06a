"""The staff home: what awaits each person, and an admin page for what a role may not do."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.defaults import permission_denied as plain_permission_denied

from . import attention, reviews, workflow
from .models import Article, GlossaryTerm, PendingChange, ProblemReport

SOON_DAYS = 30
DECIDED_DAYS = 14  # how long an author sees that their change was approved or withdrawn


@dataclass
class Item:
    """One line of a work list."""

    title: str
    url: str
    detail: str


def _change_line(change: PendingChange, detail: str) -> Item:
    return Item(str(change.item), reverse("admin:articles_pendingchange_review", args=[change.pk]), detail)


def _edit_url(item) -> str:
    return reverse(f"admin:articles_{item._meta.model_name}_change", args=[item.pk])


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%b %d, %H:%M %Z}"


def work_for(user) -> dict:
    """The admin home's lists for this person."""
    publisher = workflow.can_publish(user, Article) or workflow.can_publish(user, GlossaryTerm)
    changes = PendingChange.objects.filter(state__in=PendingChange.OPEN_STATES).select_related(
        "article", "term", "author", "updated_by", "decided_by"
    )
    mine = changes.filter(Q(author=user) | Q(updated_by=user))
    awaiting = (
        [
            _change_line(c, f"from {reviews.staff_name(c.author)}, submitted {_when(c.submitted_at or c.updated_at)}")
            for c in changes.filter(state=PendingChange.State.SUBMITTED).order_by("submitted_at")
        ]
        if publisher
        else []
    )
    sent_back = [
        _change_line(c, f"{reviews.staff_name(c.decided_by)}: “{c.review_comment}”")
        for c in mine.filter(state=PendingChange.State.SENT_BACK)
    ]
    in_progress = [
        _change_line(c, f"{c.get_state_display()}, last saved {_when(c.updated_at)}")
        for c in mine.exclude(state=PendingChange.State.SENT_BACK)
    ]
    decided = [
        _change_line(
            c,
            f"{c.get_state_display().lower()} by {reviews.staff_name(c.decided_by)} {_when(c.decided_at)}"
            + (": live now" if c.state == PendingChange.State.APPROVED else ""),
        )
        for c in PendingChange.objects.filter(
            author=user,
            state__in=(PendingChange.State.APPROVED, PendingChange.State.WITHDRAWN),
            decided_at__gte=timezone.now() - datetime.timedelta(days=DECIDED_DAYS),
        )
        .exclude(decided_by=user)
        .select_related("article", "term", "decided_by")
        .order_by("-decided_at")
    ]
    items = [
        *Article.objects.filter(status=Article.Status.PUBLISHED).select_related("reviewed_by__staff_profile"),
        *GlossaryTerm.objects.published().select_related("reviewed_by__staff_profile"),
    ]
    today = timezone.localdate()
    unreviewed, overdue, due_soon = [], [], []
    for item in items:
        review = reviews.public_review(item)
        if review is None:
            unreviewed.append(Item(str(item), _edit_url(item), "Not yet reviewed by a clinician at this clinic"))
        elif review.next_due and review.next_due < today:
            overdue.append(Item(str(item), _edit_url(item), f"review was due {review.next_due:%b %d, %Y}"))
        elif review.next_due and (review.next_due - today).days <= SOON_DAYS:
            due_soon.append(Item(str(item), _edit_url(item), f"review due {review.next_due:%b %d, %Y}"))
    scheduled = [
        Item(a.title, _edit_url(a), f"goes live {_when(a.published_at)}")
        for a in Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
    ]
    return {
        "attention": attention.report(check_links=False),
        "reader_reports": ProblemReport.objects.filter(handled=False).count()
        if user.has_perm("articles.view_problemreport")
        else None,
        "publisher": publisher,
        "awaiting": awaiting,
        "sent_back": sent_back,
        "in_progress": in_progress,
        "decided": decided,
        "decided_days": DECIDED_DAYS,
        "unreviewed": unreviewed,
        "overdue": overdue,
        "due_soon": due_soon,
        "due_count": len(overdue) + len(due_soon),
        "scheduled": scheduled,
        "time_zone": timezone.get_current_timezone_name(),
    }


class StaffAdminSite(admin.AdminSite):
    site_header = settings.SITE_NAME + " · staff"
    site_title = settings.SITE_NAME + " staff"
    index_title = "Staff home"
    # The editor and its live preview need the width; breadcrumbs and the staff home lead everywhere.
    enable_nav_sidebar = False

    def each_context(self, request):
        return {**super().each_context(request), "time_zone": timezone.get_current_timezone_name()}

    def index(self, request, extra_context=None):
        return super().index(request, {**(extra_context or {}), "work": work_for(request.user)})


def publishers() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(Q(groups__name="Publisher") | Q(is_superuser=True), is_active=True, is_staff=True)
        .select_related("staff_profile")
        .distinct()
    )
    return sorted(reviews.staff_name(user) for user in users)


def permission_denied(request, exception=None):
    """Inside the admin, a refusal is an admin page that says what is refused and who can do it."""
    in_admin = request.path.startswith("/" + settings.ADMIN_URL)
    if not (in_admin and getattr(request, "user", None) and request.user.is_active and request.user.is_staff):
        return plain_permission_denied(request, exception)
    reason = str(exception) if exception and str(exception) else "Your role does not include this page or action."
    context = {
        **admin.site.each_context(request),
        "title": "Not allowed for your role",
        "reason": reason,
        "publishers": publishers(),
    }
    return TemplateResponse(request, "admin/403.html", context, status=403)
