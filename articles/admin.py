import datetime

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget
from reversion_compare.admin import CompareVersionAdmin

from . import rendering
from .forms import ArticleForm, GlossaryTermForm
from .models import Article, GlossaryTerm

REVIEW_SOON_DAYS = 30


class EditorialAdmin(CompareVersionAdmin):
    """History (django-reversion), compare, markdownx editor; restoring needs the restore permission."""

    formfield_overrides = {MarkdownxField: {"widget": AdminMarkdownxWidget}}
    restore_permission = ""
    rendered_field = ""  # the stored HTML the reading level is measured on
    change_list_template = "admin/articles/editorial_change_list.html"

    def can_restore(self, request):
        return request.user.has_perm(self.restore_permission)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if not self.can_restore(request):
            raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.can_restore(request):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not self.can_restore(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_restore": self.can_restore(request)}
        return super().changelist_view(request, extra_context)

    @admin.display(description="Reading level")
    def reading_level(self, obj):
        stored = getattr(obj, self.rendered_field, "")
        if not stored:
            return "—"
        grade, minutes = rendering.readability(stored)
        summary = f"Grade {grade} (Flesch-Kincaid) · about {minutes} min read"
        if grade > rendering.READING_GRADE_LIMIT:
            return format_html(
                '<strong class="reading-warning">{}: above grade {}.</strong> '
                "Shorter sentences and everyday words help tired readers.",
                summary,
                rendering.READING_GRADE_LIMIT,
            )
        return summary


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Review overdue"), ("soon", f"Due within {REVIEW_SOON_DAYS} days"), ("none", "No review date")]

    def queryset(self, request, queryset):
        today = datetime.date.today()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "soon":
            return queryset.filter(next_review_due__gte=today, next_review_due__lte=today + datetime.timedelta(REVIEW_SOON_DAYS))
        if self.value() == "none":
            return queryset.filter(next_review_due__isnull=True)
        return queryset


@admin.register(Article)
class ArticleAdmin(EditorialAdmin):
    form = ArticleForm
    restore_permission = "articles.restore_article"
    rendered_field = "body_html"
    list_display = ["title", "order", "visibility", "review_status", "last_reviewed", "updated_at"]
    list_filter = ["status", ReviewFilter]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["publish_selected"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "lock_version"]}),
        ("Publishing", {"fields": ["status", "published_at", "order"]}),
        ("Review", {"fields": ["last_reviewed", "next_review_due", "reviewed_by", "reading_level"]}),
    ]

    def can_publish(self, request):
        return request.user.has_perm("articles.publish_article")

    has_publish_permission = can_publish

    def get_readonly_fields(self, request, obj=None):
        fields = ["reading_level"]
        if not self.can_publish(request):
            fields += ["status", "published_at"]
        return fields

    def has_change_permission(self, request, obj=None):
        # Editors work on drafts; what patients can see changes only through a publisher.
        if obj is not None and obj.status == Article.Status.PUBLISHED and not self.can_publish(request):
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reviewed_by":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if "last_reviewed" in form.changed_data and not form.cleaned_data.get("reviewed_by"):
            obj.reviewed_by = request.user
        super().save_model(request, obj, form, change)
        grade, _ = rendering.readability(obj.body_html)
        if grade > rendering.READING_GRADE_LIMIT:
            messages.warning(
                request, f"“{obj.title}” reads at grade {grade}, above grade {rendering.READING_GRADE_LIMIT}."
            )

    def view_on_site(self, obj):
        if obj.is_visible:
            return obj.get_absolute_url()
        return reverse("articles:article_preview", kwargs={"slug": obj.slug})

    @admin.display(description="Visibility", ordering="status")
    def visibility(self, obj):
        if obj.is_visible:
            return "Published"
        if obj.status == Article.Status.PUBLISHED:
            return f"Scheduled for {obj.published_at:%b %d, %Y %H:%M}"
        return "Draft"

    @admin.display(description="Next review", ordering="next_review_due")
    def review_status(self, obj):
        if obj.next_review_due is None:
            return "Not set"
        if obj.review_overdue:
            return format_html('<strong class="review-overdue">Overdue since {}</strong>', obj.next_review_due)
        return obj.next_review_due

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        for article in queryset:
            article.status = Article.Status.PUBLISHED
            article.save()
        self.message_user(request, f"Published {queryset.count()} article(s).", messages.SUCCESS)


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(EditorialAdmin):
    form = GlossaryTermForm
    restore_permission = "articles.restore_glossaryterm"
    rendered_field = "explanation_html"
    list_display = ["term", "slug", "alias_list", "updated_at"]
    search_fields = ["term", "aliases", "definition"]
    prepopulated_fields = {"slug": ["term"]}
    fields = ["term", "slug", "aliases", "definition", "explanation", "reading_level", "lock_version"]
    readonly_fields = ["reading_level"]

    @admin.display(description="Also called")
    def alias_list(self, obj):
        return ", ".join(obj.aliases)

    def view_on_site(self, obj):
        return obj.get_absolute_url()
