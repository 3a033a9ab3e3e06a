import datetime

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from markdownx.models import MarkdownxField

from . import rendering
from .markdown_limits import validate_markdown


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PageKind(models.TextChoices):
    PART = "part", "Part of the guide"
    CHECKLIST = "checklist", "Checklist (a standalone page, not numbered)"


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The single definition of what patients may see."""
        return self.filter(status=Status.PUBLISHED, published_at__lte=timezone.now())

    def parts(self):
        """The guide's numbered parts: checklists stand apart and are never counted."""
        return self.filter(kind=PageKind.PART)


class GlossaryTermQuerySet(models.QuerySet):
    def published(self):
        """Terms patients may see, and the only ones linked from public pages."""
        return self.filter(status=Status.PUBLISHED)


class Edited(models.Model):
    """What articles and terms share: a version number, old slugs kept, and the clinical review.

    A review covers the words it saw: it counts only when it was recorded in the same save as
    the last change of the words, or after it (reviews.py holds that rule).
    """

    version = models.PositiveIntegerField(default=0, editable=False)
    last_reviewed = models.DateField(
        null=True, blank=True, help_text="Date of the last clinical review of these words, e.g. 2026-11-28."
    )
    next_review_due = models.DateField(
        null=True, blank=True, help_text="When a clinician should check it again, e.g. a year after the review."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The clinician who reviewed it. Only staff with credentials in their staff profile are listed.",
    )
    sources = models.JSONField(
        default=list,
        blank=True,
        help_text="Where the statements come from: title, publisher (e.g. “US Food and Drug Administration”), "
        "web address and date accessed.",
    )
    content_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    old_slug_field = ""  # OldSlug's foreign key to this model

    class Meta:
        abstract = True

    @property
    def source_list(self) -> list[dict]:
        """Sources with their access date as a date, for templates."""
        return [{**source, "accessed": parse_date(source.get("accessed") or "")} for source in self.sources]

    def save(self, *args, **kwargs):
        previous = type(self).objects.filter(pk=self.pk).values("slug", "version").first() if self.pk else None
        # Counted from the database, not the instance: a restored old version must not reuse a number.
        self.version = (previous["version"] if previous else 0) + 1
        super().save(*args, **kwargs)
        old_slugs = OldSlug.objects.filter(**{f"{self.old_slug_field}__isnull": False})
        old_slugs.filter(slug=self.slug).delete()  # the current slug is live: it must not redirect
        if previous and previous["slug"] != self.slug:
            old_slugs.filter(slug=previous["slug"]).delete()
            OldSlug.objects.create(slug=previous["slug"], **{self.old_slug_field: self})


# What staff edit: shown when comparing versions (history keeps every stored field but the
# derived HTML, so a deleted item comes back whole).
ARTICLE_HISTORY = [
    "title",
    "slug",
    "summary",
    "body",
    "sources",
    "kind",
    "order",
    "status",
    "published_at",
    "last_reviewed",
    "next_review_due",
    "reviewed_by",
]
TERM_HISTORY = [
    "term",
    "slug",
    "aliases",
    "definition",
    "explanation",
    "sources",
    "status",
    "last_reviewed",
    "next_review_due",
    "reviewed_by",
]
NOT_IN_HISTORY = ["version", "body_html", "toc", "word_count", "term_anchors", "search_text", "explanation_html"]


@reversion.register(exclude=NOT_IN_HISTORY)
class Article(Edited):
    Status = Status
    Kind = PageKind

    title = models.CharField(max_length=200, help_text="Shown as the page heading, e.g. “The Emotional Weight of TRD”.")
    slug = models.SlugField(
        max_length=100, unique=True, help_text="The web address, e.g. “emotional-weight-of-trd”. Lowercase and hyphens."
    )
    summary = models.CharField(
        max_length=300,
        help_text="One plain sentence for the guide’s contents and link previews, e.g. “Why TRD is not a dead end.”",
    )
    body = MarkdownxField(
        validators=[validate_markdown],
        help_text="Markdown. Use ## for section headings; glossary terms are linked automatically.",
    )
    order = models.PositiveIntegerField(
        default=0, help_text="Position in the guide: 1 is the first part. A new article goes to the end."
    )
    kind = models.CharField(
        "type of page",
        max_length=10,
        choices=PageKind.choices,
        default=PageKind.PART,
        help_text="A part is numbered in the guide. A checklist (e.g. “Questions for your next appointment”) "
        "stands apart: each item of its lists becomes a tick box, and it is never counted as a part.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When patients can first see it, in the clinic’s time zone. A future time schedules publication.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Stored output of rendering.render_article(), so page views never parse Markdown.
    body_html = models.TextField(blank=True, editable=False)
    toc = models.JSONField(default=list, blank=True, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    term_anchors = models.JSONField(default=dict, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    # Fingerprint of the content as last imported from content/, to spot staff edits since.
    import_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()
    old_slug_field = "article"
    RENDERED_FIELDS = ["body_html", "toc", "word_count", "term_anchors", "search_text"]

    class Meta:
        ordering = ["order", "title"]
        permissions = [
            ("publish_article", "Can publish articles and approve changes to them"),
            ("restore_article", "Can restore earlier versions of articles"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:article_detail", kwargs={"slug": self.slug})

    @property
    def reading_minutes(self):
        return rendering.reading_minutes(self.word_count)

    @property
    def is_checklist(self):
        return self.kind == PageKind.CHECKLIST

    @property
    def html(self):
        return rendering.stored_html(self.body_html)

    @property
    def is_visible(self):
        """Mirrors ArticleQuerySet.published() for one loaded article."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def review_overdue(self):
        return self.next_review_due is not None and self.next_review_due < datetime.date.today()

    def render(self, matcher: rendering.GlossaryMatcher) -> None:
        result = rendering.render_article(self.body, matcher, checklist=self.is_checklist)
        self.body_html = result.html
        self.toc = result.toc
        self.word_count = result.word_count
        self.term_anchors = result.terms_used
        self.search_text = rendering.plain_text(result.html)

    def save(self, *args, **kwargs):
        self.body = self.body.replace("\r\n", "\n")
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if self._state.adding and not self.order:
            # A new article joins the end of the guide: publishing it never renumbers the others.
            self.order = (Article.objects.parts().aggregate(last=models.Max("order"))["last"] or 0) + 1
        if not getattr(self, "defer_render", False):  # an import renders everything it wrote once, at the end
            self.render(glossary_matcher())
        super().save(*args, **kwargs)


@reversion.register(exclude=NOT_IN_HISTORY)
class GlossaryTerm(Edited):
    Status = Status

    term = models.CharField(max_length=100, unique=True, help_text="The word as patients see it, e.g. “Ketamine”.")
    slug = models.SlugField(max_length=100, unique=True, help_text="The web address, e.g. “ketamine”.")
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text='Other names that should link here, e.g. ["TMS"] for transcranial magnetic stimulation.',
    )
    definition = models.TextField(
        validators=[MaxLengthValidator(300)],
        help_text="One or two plain sentences (at most 300 characters), shown next to the word.",
    )
    explanation = MarkdownxField(
        blank=True, validators=[validate_markdown], help_text="Optional longer explanation in Markdown."
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="A draft term has no public page and is linked from no public page.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    explanation_html = models.TextField(blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    import_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = GlossaryTermQuerySet.as_manager()
    old_slug_field = "term"
    RENDERED_FIELDS = ["explanation_html", "search_text"]

    class Meta:
        ordering = ["term"]
        permissions = [
            ("publish_glossaryterm", "Can publish glossary terms and approve changes to them"),
            ("restore_glossaryterm", "Can restore earlier versions of glossary terms"),
        ]

    def __str__(self):
        return self.term

    def get_absolute_url(self):
        return reverse("articles:term_detail", kwargs={"slug": self.slug})

    def clean(self):
        """A name may link to one term only: refuse aliases that another term already uses."""
        mine = {rendering.name_key(name): name for name in self.names}
        clashes = []
        for other in GlossaryTerm.objects.exclude(pk=self.pk).only("term", "aliases"):
            clashes += [
                f"“{mine[key]}” (already used by “{other.term}”)"
                for key in map(rendering.name_key, other.names)
                if key in mine
            ]
        if clashes:
            raise ValidationError({"aliases": f"These names already link to another term: {', '.join(clashes)}."})

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)

    def as_linkable(self) -> rendering.Term:
        return rendering.Term(slug=self.slug, names=self.names, url=self.get_absolute_url())

    @property
    def html(self):
        return rendering.stored_html(self.explanation_html)

    def render(self, matcher: rendering.GlossaryMatcher) -> None:
        self.explanation_html = rendering.render_article(self.explanation, matcher, exclude=self.slug).html
        self.search_text = rendering.plain_text(self.explanation_html)

    @property
    def is_visible(self):
        return self.status == Status.PUBLISHED

    @property
    def links_changed(self) -> bool:
        """Whether this save changes how other pages link the term (names, address, or visibility);
        only then do they re-render. A new definition or explanation shows on no other stored page."""
        before = (
            tuple(getattr(self, "previous_names", ())),
            getattr(self, "previous_slug", None),
            getattr(self, "previous_visible", False),
        )
        return before != (self.names, self.slug, self.is_visible)

    def save(self, *args, **kwargs):
        self.explanation = self.explanation.replace("\r\n", "\n")
        # What the term was before this save: the articles that used its old names re-render too.
        previous = (
            GlossaryTerm.objects.filter(pk=self.pk).values("term", "aliases", "slug", "status").first()
            if self.pk
            else None
        )
        self.previous_names = (previous["term"], *previous["aliases"]) if previous else ()
        self.previous_slug = previous["slug"] if previous else None
        self.previous_visible = previous["status"] == Status.PUBLISHED if previous else False
        if not getattr(self, "defer_render", False):
            self.render(glossary_matcher(extra=self))
        super().save(*args, **kwargs)


class OldSlug(models.Model):
    """A slug an article or term used to have: its old URL redirects (301) to the current one."""

    slug = models.SlugField(max_length=100)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="old_slugs")
    term = models.ForeignKey(GlossaryTerm, null=True, blank=True, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=models.Q(article__isnull=False), name="unique_old_article_slug"
            ),
            models.UniqueConstraint(
                fields=["slug"], condition=models.Q(term__isnull=False), name="unique_old_term_slug"
            ),
            models.CheckConstraint(
                condition=models.Q(article__isnull=True) ^ models.Q(term__isnull=True), name="old_slug_has_one_owner"
            ),
        ]

    def __str__(self):
        return self.slug


def glossary_matcher(extra: GlossaryTerm | None = None) -> rendering.GlossaryMatcher:
    """A matcher over every published glossary term (with `extra` in place of its saved self).

    Draft terms link from nowhere; `extra` is linked only if it is published (or a preview passes it).
    """
    terms = {term.pk: term for term in GlossaryTerm.objects.published().only("term", "slug", "aliases")}
    if extra is not None:
        terms.pop(extra.pk, None)
        if extra.is_visible:
            terms[extra.pk] = extra
    return rendering.GlossaryMatcher(term.as_linkable() for term in terms.values())


def affected_by_terms(names: tuple[str, ...], slugs: set[str]) -> tuple[list[Article], list[GlossaryTerm]]:
    """The articles and explanations a change of these terms can affect: those that link one of
    `slugs` now, or whose text holds one of `names` (old and new). The terms themselves are left out."""
    probe = rendering.GlossaryMatcher([rendering.Term(slug="", names=tuple(n for n in names if n), url="")])

    def mentions(text: str) -> bool:
        return next(iter(probe.find(text)), None) is not None

    articles = [a for a in Article.objects.all() if slugs & set(a.term_anchors) or mentions(a.search_text)]
    links = tuple(f'href="/glossary/{slug}/"' for slug in slugs)
    terms = [
        t
        for t in GlossaryTerm.objects.exclude(slug__in=slugs)
        if mentions(t.search_text) or any(link in t.explanation_html for link in links)
    ]
    return articles, terms


def render_items(articles: list[Article], terms: list[GlossaryTerm]) -> int:
    """Render each item once against the current glossary and store the result. Returns how many."""
    matcher = glossary_matcher()
    for item in (*articles, *terms):
        item.render(matcher)
    Article.objects.bulk_update(articles, Article.RENDERED_FIELDS, batch_size=200)
    GlossaryTerm.objects.bulk_update(terms, GlossaryTerm.RENDERED_FIELDS, batch_size=500)
    return len(articles) + len(terms)


def rerender_for_term(names: tuple[str, ...], slugs: set[str]) -> int:
    """Re-render only the articles and explanations a term change can affect. Returns how many."""
    return render_items(*affected_by_terms(names, slugs))


def rerender_all() -> int:
    """Re-render every article and explanation against the current glossary and pipeline."""
    return render_items(list(Article.objects.all()), list(GlossaryTerm.objects.all()))


def render_preview(source: str) -> str:
    """markdownx's preview: the same pipeline and glossary as the published page."""
    return rendering.render_article(source, glossary_matcher()).html


class StaffProfile(models.Model):
    """How a member of staff is named to patients when they review content."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    display_name = models.CharField(max_length=120, help_text="As patients see it, e.g. “Dr. Ana Rao”.")
    credentials = models.CharField(
        max_length=120,
        blank=True,
        help_text="e.g. “MD, psychiatrist”. Only staff with credentials can be recorded as a clinical reviewer.",
    )

    def __str__(self):
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


class PendingChange(models.Model):
    """A proposed change to a live article or term. Patients keep seeing the live version until a
    Publisher approves it (workflow.py); until then it can be previewed, edited, submitted or sent back."""

    class State(models.TextChoices):
        DRAFT = "draft", "Not yet submitted"
        SUBMITTED = "submitted", "Awaiting review"
        SENT_BACK = "sent_back", "Sent back"
        APPROVED = "approved", "Approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.SENT_BACK)

    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="changes")
    term = models.ForeignKey(GlossaryTerm, null=True, blank=True, on_delete=models.CASCADE, related_name="changes")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # Field values as JSON (dates as ISO text, the reviewer as a user id).
    proposed = models.JSONField(default=dict, help_text="The proposed values of the fields staff edit.")
    base = models.JSONField(default=dict, help_text="The live values this change started from.")
    note = models.TextField(blank=True, help_text="For the reviewer: what changed and why, e.g. the source.")
    review_comment = models.TextField(blank=True, help_text="The Publisher’s comment when sending it back.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    content_changed_at = models.DateTimeField(null=True, blank=True)
    review_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=models.Q(state__in=["draft", "submitted", "sent_back"], article__isnull=False),
                name="one_open_change_per_article",
            ),
            models.UniqueConstraint(
                fields=["term"],
                condition=models.Q(state__in=["draft", "submitted", "sent_back"], term__isnull=False),
                name="one_open_change_per_term",
            ),
            models.CheckConstraint(
                condition=models.Q(article__isnull=True) ^ models.Q(term__isnull=True), name="change_has_one_item"
            ),
        ]

    def __str__(self):
        return f"Change to “{self.item}” ({self.get_state_display().lower()})"

    @property
    def item(self):
        return self.article if self.article_id else self.term

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


class ProblemReport(models.Model):
    """A reader's note that something on a page is wrong. Never shown publicly; Publishers handle them."""

    MAX_LENGTH = 1000

    path = models.CharField(max_length=300, help_text="The page the reader was on.")
    message = models.TextField(max_length=MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    handled = models.BooleanField(default=False, help_text="Tick when the page has been checked or fixed.")
    staff_note = models.TextField(blank=True, help_text="What was done, for colleagues.")

    class Meta:
        ordering = ["handled", "-created_at"]

    def __str__(self):
        return f"Report about {self.path} ({self.created_at:%b %d, %Y})"


class ContentVersion(models.Model):
    """One row: when content last changed, and the next scheduled publication.

    Cached pages are keyed by `stamp`. Kept in the database so every worker and every
    server sees a change (content_version.py reads it at most once a second per process).
    """

    stamp = models.FloatField(default=0)
    next_scheduled = models.FloatField(null=True, blank=True)

    def __str__(self):
        return f"content version {self.stamp}"


from .search_models import SearchEntry, Synonym  # noqa: E402, F401  (registered with the app's models)
