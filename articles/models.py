import datetime

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

from . import rendering


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The single definition of what patients may see."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())


class Edited(models.Model):
    """What articles and terms share: a version number for optimistic locking, and old slugs kept."""

    version = models.PositiveIntegerField(default=0, editable=False)
    old_slug_field = ""  # OldSlug's foreign key to this model

    class Meta:
        abstract = True

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


@reversion.register(exclude=["version"])
class Article(Edited):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200, help_text="Shown as the page heading, e.g. “The Emotional Weight of TRD”.")
    slug = models.SlugField(
        max_length=100, unique=True, help_text="The web address, e.g. “emotional-weight-of-trd”. Lowercase and hyphens."
    )
    summary = models.CharField(
        max_length=300,
        help_text="One plain sentence for the guide’s contents and link previews, e.g. “Why TRD is not a dead end.”",
    )
    body = MarkdownxField(help_text="Markdown. Use ## for section headings; glossary terms are linked automatically.")
    order = models.PositiveIntegerField(default=0, help_text="Position in the guide: 1 is the first part.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When patients can first see it. A future time schedules publication."
    )
    last_reviewed = models.DateField(null=True, blank=True, help_text="Date of the last clinical review.")
    next_review_due = models.DateField(null=True, blank=True, help_text="When the content should be reviewed again.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did the last clinical review.",
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
            ("publish_article", "Can publish articles"),
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
    def html(self):
        return rendering.stored_html(self.body_html)

    @property
    def is_visible(self):
        """Mirrors ArticleQuerySet.published() for one loaded article."""
        return self.status == self.Status.PUBLISHED and self.published_at is not None and self.published_at <= timezone.now()

    @property
    def review_overdue(self):
        return self.next_review_due is not None and self.next_review_due < datetime.date.today()

    def render(self, matcher: rendering.GlossaryMatcher) -> None:
        result = rendering.render_article(self.body, matcher)
        self.body_html = result.html
        self.toc = result.toc
        self.word_count = result.word_count
        self.term_anchors = result.terms_used
        self.search_text = rendering.plain_text(result.html)

    def save(self, *args, **kwargs):
        self.body = self.body.replace("\r\n", "\n")
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.render(glossary_matcher())
        super().save(*args, **kwargs)


@reversion.register(exclude=["version"])
class GlossaryTerm(Edited):
    term = models.CharField(max_length=100, unique=True, help_text="The word as patients see it, e.g. “Ketamine”.")
    slug = models.SlugField(max_length=100, unique=True, help_text="The web address, e.g. “ketamine”.")
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text="Other names that should link here, e.g. [\"TMS\"] for transcranial magnetic stimulation.",
    )
    definition = models.TextField(
        validators=[MaxLengthValidator(300)],
        help_text="One or two plain sentences (at most 300 characters), shown next to the word.",
    )
    explanation = MarkdownxField(blank=True, help_text="Optional longer explanation in Markdown.")
    updated_at = models.DateTimeField(auto_now=True)

    explanation_html = models.TextField(blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    import_hash = models.CharField(max_length=64, blank=True, editable=False)

    old_slug_field = "term"
    RENDERED_FIELDS = ["explanation_html", "search_text"]

    class Meta:
        ordering = ["term"]
        permissions = [("restore_glossaryterm", "Can restore earlier versions of glossary terms")]

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

    def save(self, *args, **kwargs):
        self.explanation = self.explanation.replace("\r\n", "\n")
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
            models.UniqueConstraint(fields=["slug"], condition=models.Q(article__isnull=False), name="unique_old_article_slug"),
            models.UniqueConstraint(fields=["slug"], condition=models.Q(term__isnull=False), name="unique_old_term_slug"),
            models.CheckConstraint(
                condition=models.Q(article__isnull=True) ^ models.Q(term__isnull=True), name="old_slug_has_one_owner"
            ),
        ]

    def __str__(self):
        return self.slug


def glossary_matcher(extra: GlossaryTerm | None = None) -> rendering.GlossaryMatcher:
    """A matcher over every glossary term (plus `extra`, a term being saved)."""
    terms = {term.pk: term for term in GlossaryTerm.objects.only("term", "slug", "aliases")}
    if extra is not None:
        terms[extra.pk] = extra
    return rendering.GlossaryMatcher(term.as_linkable() for term in terms.values())


def rerender_all() -> None:
    """Re-render every article and explanation against the current glossary and pipeline."""
    matcher = glossary_matcher()
    articles = list(Article.objects.all())
    for article in articles:
        article.render(matcher)
    Article.objects.bulk_update(articles, Article.RENDERED_FIELDS, batch_size=200)
    terms = list(GlossaryTerm.objects.all())
    for term in terms:
        term.render(matcher)
    GlossaryTerm.objects.bulk_update(terms, GlossaryTerm.RENDERED_FIELDS, batch_size=500)


def render_preview(source: str) -> str:
    """markdownx's preview: the same pipeline and glossary as the published page."""
    return rendering.render_article(source, glossary_matcher()).html


class ContentVersion(models.Model):
    """One row: when content last changed, and the next scheduled publication.

    Cached pages are keyed by `stamp`. Kept in the database so every worker and every
    server sees a change (caching.py reads it at most once a second per process).
    """

    stamp = models.FloatField(default=0)
    next_scheduled = models.FloatField(null=True, blank=True)

    def __str__(self):
        return f"content version {self.stamp}"
