"""How a change reaches what patients see: pending changes, review, approval, merging, restoring.

Articles and glossary terms have a live version (the row patients see once it is published)
and, when an Editor edits a live item, one open PendingChange holding the proposed values.
An Editor's save never touches the live row. A Publisher approves a change (it goes live,
with history) or sends it back with a comment; a Publisher's own edit may go live directly.
Nothing goes live through the admin without a clinical review that covers the words (reviews.py).

Two people editing the same thing merge field by field (merge()): a field only one of them
changed takes that change, and only a field both changed differently is a conflict to resolve.
Values travel as JSON (dates as ISO text, the reviewer as a user id), so a pending change, a
form's starting point and a history version compare with plain ==.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from reversion.models import Version

from . import rendering, reviews
from .models import Article, GlossaryTerm, OldSlug, PendingChange, Status, glossary_matcher

REVIEW = ("last_reviewed", "next_review_due", "reviewed_by")


@dataclass(frozen=True)
class Spec:
    owner: str  # PendingChange's foreign key to the model
    content: tuple[str, ...]  # the words: what a restore brings back
    publishing: tuple[str, ...]  # Publishers only

    @property
    def proposed(self) -> tuple[str, ...]:
        """What a pending change can hold."""
        return (*self.content, "slug", *REVIEW)

    @property
    def editable(self) -> tuple[str, ...]:
        return (*self.proposed, *self.publishing)


SPECS = {
    Article: Spec(
        "article",
        content=("title", "summary", "body", "sources"),
        publishing=("status", "published_at", "order", "kind"),
    ),
    GlossaryTerm: Spec(
        "term", content=("term", "aliases", "definition", "explanation", "sources"), publishing=("status",)
    ),
}


class Conflict(Exception):
    """Both sides changed these fields differently; nothing was saved."""

    def __init__(self, fields: list[str], live: dict, proposed: dict):
        self.fields, self.live, self.proposed = fields, live, proposed
        super().__init__(", ".join(fields))


class ProposalChanged(ValidationError):
    """The proposal changed after the approver opened it: nothing was approved."""


def spec_for(item) -> Spec:
    return SPECS[type(item) if isinstance(item, models.Model) else item]


# Values as JSON


def encode(value):
    if isinstance(value, datetime.datetime):
        # Forms send whole seconds in the clinic's zone; the database keeps microseconds in UTC.
        return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, tuple):
        return list(value)
    return value


def values_of(obj, names) -> dict:
    return {name: encode(obj._meta.get_field(name).value_from_object(obj)) for name in names}


def decode(model, name: str, raw):
    field = model._meta.get_field(name)
    if raw is None or raw == "" and not isinstance(field, (models.CharField, models.TextField)):
        return None
    if isinstance(field, models.DateTimeField):
        return parse_datetime(raw) if isinstance(raw, str) else raw
    if isinstance(field, models.DateField):
        return parse_date(raw) if isinstance(raw, str) else raw
    return raw


def apply(obj, values: dict) -> None:
    """Set field values (as JSON) on an unsaved or loaded object."""
    for name, raw in values.items():
        setattr(obj, obj._meta.get_field(name).attname, decode(type(obj), name, raw))


def merge(base: dict, theirs: dict, mine: dict) -> tuple[dict, list[str]]:
    """Three-way merge by field. A field I left as it was takes theirs; a field only I changed
    keeps mine; a field we both changed to different values is a conflict (mine kept for now)."""
    merged, conflicts = {}, []
    for name, value in mine.items():
        start, other = base.get(name), theirs.get(name)
        if value == other or value == start:
            merged[name] = other
        elif other == start:
            merged[name] = value
        else:
            merged[name] = value
            conflicts.append(name)
    return merged, conflicts


# Who may do what


def can_publish(user, model) -> bool:
    return user.has_perm(f"articles.publish_{model._meta.model_name}")


def is_live(item) -> bool:
    """Published (or scheduled): from then on an Editor's edits become pending changes."""
    return item.status == Status.PUBLISHED


def edits_become_pending(user, item) -> bool:
    saved = type(item).objects.filter(pk=item.pk).values_list("status", flat=True).first() if item.pk else None
    return saved == Status.PUBLISHED and not can_publish(user, type(item))


def open_change(item) -> PendingChange | None:
    if item.pk is None:
        return None
    return PendingChange.objects.filter(**{spec_for(item).owner: item}, state__in=PendingChange.OPEN_STATES).first()


def _latest_saver(item) -> tuple[object, datetime.datetime | None]:
    version = Version.objects.get_for_object(item).select_related("revision__user").first()
    return (version.revision.user, version.revision.date_created) if version else (None, None)


def current_values(item, user) -> tuple[dict, object, datetime.datetime | None]:
    """What `user`'s form edits, as saved now (the pending change for an Editor of a live item,
    else the item itself), with who saved it last and when."""
    spec = spec_for(item)
    saved = type(item).objects.get(pk=item.pk)
    values = values_of(saved, spec.editable)
    if edits_become_pending(user, saved):
        change = open_change(saved)
        if change is not None:
            return {**values, **change.proposed}, change.updated_by, change.updated_at
    who, when = _latest_saver(saved)
    return values, who, when


def changed_fields(before: dict, after: dict) -> list[str]:
    return [name for name, value in after.items() if before.get(name) != value]


def stamp(target, spec: Spec, before: dict, after: dict, review_recorded: bool | None = None) -> None:
    """Note on `target` (an item or its pending change) when the words changed and when a review
    was recorded (reviews.py compares the two). `review_recorded` is the form's word for whether
    this person recorded or confirmed the review in this save; without it, a changed reviewer or
    date counts."""
    now = timezone.now()
    changed = changed_fields(before, after)
    if any(name in changed for name in (*spec.content, "slug")):
        target.content_changed_at = now
    if review_recorded is None:
        review_recorded = any(name in changed for name in ("last_reviewed", "reviewed_by"))
    if review_recorded:
        target.review_recorded_at = now


def review_problem_for(item) -> str | None:
    return reviews.problem(
        item.reviewed_by, item.last_reviewed, item.next_review_due, item.content_changed_at, item.review_recorded_at
    )


def change_review_problem(change: PendingChange) -> str | None:
    """Whether the review recorded in a pending change covers its proposed words (None if it does).
    A request to publish a draft carries no words of its own: the draft's review is the one."""
    if not change.proposed:
        return review_problem_for(change.item)
    model = type(change.item)
    proposed = change.proposed
    reviewer_model = model._meta.get_field("reviewed_by").related_model
    reviewer = (
        reviewer_model.objects.filter(pk=proposed.get("reviewed_by")).first() if proposed.get("reviewed_by") else None
    )
    return reviews.problem(
        reviewer,
        decode(model, "last_reviewed", proposed.get("last_reviewed")),
        decode(model, "next_review_due", proposed.get("next_review_due")),
        change.content_changed_at,
        change.review_recorded_at,
    )


def fingerprint(change: PendingChange) -> str:
    """The proposal as an approver saw it. Approval is refused if it no longer matches."""
    shown = json.dumps({"proposed": change.proposed, "note": change.note}, sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()


def address_problem(item, slug: str) -> str | None:
    """A slug that is an old address of another live item still brings patients there."""
    owner_field = spec_for(item).owner
    olds = OldSlug.objects.filter(slug=slug, **{f"{owner_field}__isnull": False}).select_related(owner_field)
    if item.pk:
        olds = olds.exclude(**{owner_field: item.pk})
    old = olds.first()
    if old is None:
        return None
    owner = getattr(old, owner_field)
    if not is_live(owner):
        return None
    return (
        f"The address “{slug}” used to belong to “{owner}”, and links to it still bring readers there. "
        "Choose another address, or a Publisher can take it over deliberately."
    )


# Pending changes


@transaction.atomic
def save_pending(
    item, values: dict, user, *, submit: bool = False, note: str | None = None, review_recorded: bool | None = None
) -> PendingChange:
    """Keep an Editor's edit of a live item as its pending change; the live row is not touched."""
    spec = spec_for(item)
    live = type(item).objects.select_for_update().get(pk=item.pk)
    change = open_change(live)
    if change is None:
        start = values_of(live, spec.proposed)
        change = PendingChange(
            **{spec.owner: live},
            base=start,
            proposed=start,
            author=user,
            content_changed_at=live.content_changed_at,
            review_recorded_at=live.review_recorded_at,
        )
    before = change.proposed
    after = {**before, **{k: v for k, v in values.items() if k in spec.proposed}}
    stamp(change, spec, before, after, review_recorded)
    change.proposed = after
    change.updated_by = user
    if note is not None:
        change.note = note
    if submit:
        change.state = PendingChange.State.SUBMITTED
        change.submitted_at = timezone.now()
    change.save()
    return change


def request_publication(item, user, note: str = "") -> PendingChange:
    """An Editor asks for a draft to be published: a change with nothing to apply but publication."""
    change = open_change(item) or PendingChange(**{spec_for(item).owner: item}, author=user)
    change.state = PendingChange.State.SUBMITTED
    change.submitted_at = timezone.now()
    change.updated_by = user
    change.note = note or change.note
    change.save()
    return change


def submit(change: PendingChange, user) -> None:
    _require_open(change)
    change.state = PendingChange.State.SUBMITTED
    change.submitted_at = timezone.now()
    change.updated_by = user
    change.save(update_fields=["state", "submitted_at", "updated_by", "updated_at"])


def withdraw(change: PendingChange, user) -> None:
    _require_open(change)
    if user != change.author and not can_publish(user, type(change.item)):
        raise PermissionDenied("Only the person who started a change, or a Publisher, can withdraw it.")
    change.state = PendingChange.State.WITHDRAWN
    change.decided_by, change.decided_at = user, timezone.now()
    change.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])


def send_back(change: PendingChange, user, comment: str) -> None:
    _require_open(change)
    if not can_publish(user, type(change.item)):
        raise PermissionDenied("Only a Publisher can send a change back.")
    if not comment.strip():
        raise ValidationError("Say what needs to change, so the Editor knows what to do next.")
    change.state = PendingChange.State.SENT_BACK
    change.review_comment = comment.strip()
    change.decided_by, change.decided_at = user, timezone.now()
    change.save(update_fields=["state", "review_comment", "decided_by", "decided_at", "updated_at"])


def _require_open(change: PendingChange) -> None:
    if not change.is_open:
        raise ValidationError(f"This change was already {change.get_state_display().lower()}.")


def approve(change: PendingChange, user, *, seen: str, review: dict | None = None, choices: dict | None = None):
    """Make a pending change live, merged field by field with anything that went live since it
    started. `seen` is the fingerprint() of the proposal the approver looked at: if the Editor
    changed it since, nothing is approved. `review` records the clinical review now (reviewer,
    last_reviewed, next_review_due); `choices` settles conflicts ({field: "live" | "proposed"}).
    Raises Conflict, ProposalChanged, ValidationError or PermissionDenied with nothing changed."""
    model = type(change.item)
    if not can_publish(user, model):
        raise PermissionDenied("Only a Publisher can approve a change.")
    with transaction.atomic():
        change = PendingChange.objects.select_for_update().get(pk=change.pk)
        _require_open(change)
        if seen != fingerprint(change):
            when = timezone.localtime(change.updated_at)
            raise ProposalChanged(
                f"{reviews.staff_name(change.updated_by)} changed this proposal at {when:%H:%M:%S %Z}, after you "
                "opened it. Nothing was published. The screen now shows the latest version: read it and decide again."
            )
        spec = spec_for(model)
        live = model.objects.select_for_update().get(pk=change.item.pk)
        now_live = values_of(live, spec.proposed)
        merged, conflicts = merge(change.base or now_live, now_live, change.proposed or now_live)
        choices = choices or {}
        unsettled = [name for name in conflicts if choices.get(name) not in ("live", "proposed")]
        if unsettled:
            raise Conflict(unsettled, now_live, change.proposed)
        for name in conflicts:
            merged[name] = now_live[name] if choices[name] == "live" else change.proposed[name]
        before, live_recorded = now_live, live.review_recorded_at
        apply(live, merged)
        if changed_fields(before, merged):
            live.content_changed_at = change.content_changed_at or timezone.now()
            live.review_recorded_at = change.review_recorded_at
        recorded = ""
        if review and review.get("reviewer") is not None:
            reviewer = review["reviewer"]
            live.reviewed_by = reviewer
            live.last_reviewed = review.get("last_reviewed")
            live.next_review_due = review.get("next_review_due")
            live.review_recorded_at = timezone.now()
            recorded = f" Review by {reviews.reviewer_label(reviewer)} on {live.last_reviewed:%b %d, %Y}"
            recorded += f", recorded by {reviews.staff_name(user)}." if reviewer != user else "."
        elif (
            change.proposed
            and change.review_recorded_at
            and (live_recorded is None or change.review_recorded_at > live_recorded)
        ):
            # A review recorded in the change itself goes live with it (review_problem_for below
            # refuses it if it does not cover the words): say so in history.
            recorded = f" Review by {reviews.reviewer_label(live.reviewed_by)} on {live.last_reviewed:%b %d, %Y}, recorded in the change."
        if not is_live(live):
            live.status = Status.PUBLISHED
        problem = review_problem_for(live)
        if problem:
            raise ValidationError(problem)
        if "slug" in changed_fields(before, merged) and (slug_problem := address_problem(live, live.slug)):
            raise ValidationError(slug_problem)
        live.full_clean()
        with reversion.create_revision():
            live.save()
            reversion.set_user(user)
            reversion.set_comment(
                f"Approved {'publication' if not change.proposed else 'change'} "
                f"by {reviews.staff_name(change.author)} (change #{change.pk}).{recorded}"
            )
        change.state = PendingChange.State.APPROVED
        change.decided_by, change.decided_at = user, timezone.now()
        change.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    return live


# Restore and preview


def restorable_values(version: Version) -> dict:
    """The words of a history version, and nothing else: never its status, publish time, order or address."""
    spec = spec_for(version._model)
    return {name: encode(version.field_dict[name]) for name in spec.content if name in version.field_dict}


def proposed_item(change: PendingChange):
    """An unsaved copy of the item as the change would make it, rendered as the page will be."""
    item = type(change.item).objects.get(pk=change.item.pk)
    apply(item, change.proposed)
    if change.proposed:
        # The review shown is the change's own: words nobody has reviewed read "Not yet reviewed".
        item.content_changed_at, item.review_recorded_at = change.content_changed_at, change.review_recorded_at
    item.status = Status.PUBLISHED
    if isinstance(item, Article):
        item.render(glossary_matcher())
    else:
        item.render(glossary_matcher(extra=item))
    return item


def article_with_change(article: Article, change: PendingChange | None) -> tuple[Article, dict]:
    """The article as patients will see it once `change` is approved, and any glossary term the
    change replaces (slug -> proposed term), for the staff preview."""
    if change is None:
        return article, {}
    if change.article_id == article.pk:
        return proposed_item(change), {}
    if change.term_id:
        term = proposed_item(change)
        preview = Article.objects.get(pk=article.pk)
        preview.render(glossary_matcher(extra=term))
        return preview, {change.term.slug: term, term.slug: term}
    return article, {}


def preview_url(item, change: PendingChange | None = None) -> str:
    name = "articles:article_preview" if isinstance(item, Article) else "articles:term_preview"
    url = reverse(name, kwargs={"slug": item.slug})
    return f"{url}?change={change.pk}" if change else url


def articles_using(term: GlossaryTerm) -> list[Article]:
    """Articles whose text uses one of the term's names (now or as proposed): where to preview a term change."""
    probe = rendering.GlossaryMatcher([rendering.Term(slug=term.slug, names=term.names, url="")])
    return [
        a
        for a in Article.objects.only("title", "slug", "search_text", "term_anchors")
        if term.slug in a.term_anchors or next(iter(probe.find(a.search_text)), None) is not None
    ]
