"""Clinical review: who may be named as a reviewer, and when a recorded review covers the words.

A review covers the words it saw. It counts only if it names a member of staff with credentials,
is dated no later than today and no earlier than the day the words last changed, and was
recorded in the same save as that change or after it. Nothing here invents a review: content
that no clinician at the clinic has reviewed says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone


def reviewers():
    """Staff who can be recorded as clinical reviewers: active, with credentials in their profile."""
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True, staff_profile__credentials__gt="")
        .select_related("staff_profile")
        .order_by("staff_profile__display_name")
    )


def is_reviewer(user) -> bool:
    return reviewers().filter(pk=user.pk).exists()


def reviewer_label(user) -> str:
    """“Dr. Ana Rao, MD, psychiatrist”: how patients see a reviewer."""
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return user.get_full_name() or user.get_username()
    return str(profile)


def staff_name(user) -> str:
    if user is None:
        return "Someone"
    profile = getattr(user, "staff_profile", None)
    return (profile.display_name if profile else "") or user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Review:
    """A review as patients see it."""

    reviewer: str
    reviewed_on: datetime.date
    next_due: datetime.date | None


def problem(reviewer, reviewed_on, next_due, content_changed_at, review_recorded_at) -> str | None:
    """Why this review does not cover the words (so they may not go live), or None if it does."""
    if reviewer is None or reviewed_on is None:
        return "A clinical review is needed before this goes live: choose the reviewer and the review date."
    if not is_reviewer(reviewer):
        return (
            f"{staff_name(reviewer)} has no credentials in a staff profile, so cannot be recorded as the "
            "clinical reviewer."
        )
    today = timezone.localdate()
    if reviewed_on > today:
        return f"The review date {reviewed_on:%b %d, %Y} is in the future."
    if next_due is None:
        return "Choose when the next review is due (for example, a year after this review), so it is not forgotten."
    if next_due <= reviewed_on:
        return "The next review must be due after the review date."
    return coverage_problem(reviewed_on, content_changed_at, review_recorded_at)


def coverage_problem(reviewed_on, content_changed_at, review_recorded_at) -> str | None:
    """Whether a review dated `reviewed_on` can have seen the words as they are now."""
    if content_changed_at is not None:
        changed_on = timezone.localdate(content_changed_at)
        if review_recorded_at is None or review_recorded_at < content_changed_at:
            return (
                f"The words changed on {changed_on:%b %d, %Y}, after the last recorded review: "
                "record a review of the new words."
            )
        if reviewed_on < changed_on:
            return f"The review date is before these words were written ({changed_on:%b %d, %Y})."
    return None


def public_review(item) -> Review | None:
    """The review patients are shown, or None: “Not yet reviewed by a clinician at this clinic”."""
    if item.reviewed_by is None or item.last_reviewed is None:
        return None
    # A reviewer who has since left still reviewed it: only the dates are checked here.
    if coverage_problem(item.last_reviewed, item.content_changed_at, item.review_recorded_at):
        return None
    return Review(reviewer_label(item.reviewed_by), item.last_reviewed, item.next_review_due)
