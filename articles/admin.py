from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html

from . import (
    review_admin,  # noqa: F401  (registers the pending-change review screens)
    search_admin,  # noqa: F401  (registers the search synonym list)
    workflow,
)
from .editorial_admin import EditorialAdmin
from .forms import ArticleForm, GlossaryTermForm
from .models import ARTICLE_HISTORY, TERM_HISTORY, Article, GlossaryTerm, ProblemReport, StaffProfile

REVIEW_FIELDS = ["reviewed_by", "last_reviewed", "next_review_due", "review_confirmed"]


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Review overdue"), ("soon", "Due within 30 days"), ("none", "Not yet reviewed")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "soon":
            return queryset.filter(next_review_due__gte=today, next_review_due__lte=today + timezone.timedelta(30))
        if self.value() == "none":
            return queryset.filter(reviewed_by__isnull=True)
        return queryset


@admin.register(Article)
class ArticleAdmin(EditorialAdmin):
    form = ArticleForm
    restore_permission = "articles.restore_article"
    rendered_field = "body_html"
    compare_fields = ARTICLE_HISTORY
    list_display = ["title", "part", "move", "visibility", "pending_state", "review_status", "updated_at"]
    list_filter = ["status", ReviewFilter]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["publish_selected"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "take_over_address", "summary", "body", "sources", "base"]}),
        ("Publishing", {"fields": ["status", "published_at", "kind", "order", "part_position"]}),
        ("Clinical review", {"fields": [*REVIEW_FIELDS, "reading_level"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "part_position"]

    @admin.display(description="Position")
    def part_position(self, obj):
        if obj.is_checklist:
            return "A checklist: listed after the guide’s parts, never numbered as a part."
        published = list(Article.objects.published().parts().exclude(pk=obj.pk).values_list("order", flat=True))
        order = obj.order or (max(published, default=0) + 1)
        number = sum(1 for other in published if other < order) + 1
        verb = "Is" if obj.pk and obj.is_visible else "Will be"
        return f"{verb} Part {number} of {len(published) + 1} when published."

    @admin.display(description="Part", ordering="order")
    def part(self, obj):
        return "Checklist" if obj.is_checklist else obj.order

    @admin.display(description="Reorder")
    def move(self, obj):
        if obj.is_checklist:
            return "—"  # not a part: it has no place in the guide's order
        return format_html(
            '<button type="submit" name="_move" value="up:{0}" class="move-button" aria-label="Move “{1}” up">↑</button>'
            '<button type="submit" name="_move" value="down:{0}" class="move-button" aria-label="Move “{1}” down">↓</button>',
            obj.pk,
            obj.title,
        )

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if self.can_publish(request) else [c for c in shown if c != "move"]

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "_move" in request.POST:
            return self.move_article(request, request.POST["_move"])
        return super().changelist_view(request, extra_context)

    def move_article(self, request, instruction):
        """Swap a part with its neighbour: the only way parts are renumbered (checklists keep their order)."""
        if not self.can_publish(request):
            messages.error(request, "Only a Publisher can reorder the guide.")
            return HttpResponseRedirect(request.path)
        direction, _, pk = instruction.partition(":")
        with transaction.atomic():
            articles = list(Article.objects.select_for_update().parts().order_by("order", "title"))
            index = next((i for i, a in enumerate(articles) if str(a.pk) == pk), None)
            other = None if index is None else index - 1 if direction == "up" else index + 1
            if index is None or other is None or not 0 <= other < len(articles):
                messages.warning(request, "That article cannot move further.")
                return HttpResponseRedirect(request.path)
            articles[index], articles[other] = articles[other], articles[index]
            for position, article in enumerate(articles, start=1):
                if article.order != position:
                    article.order = position
                    article.save(update_fields=["order", "version"])
        messages.success(request, f"Moved “{articles[other].title}” {direction}. The guide’s parts are renumbered.")
        return HttpResponseRedirect(request.path)

    def view_on_site(self, obj):
        if obj.is_visible:
            return obj.get_absolute_url()
        return workflow.preview_url(obj)

    @admin.display(description="Visibility", ordering="status")
    def visibility(self, obj):
        if obj.is_visible:
            return "Published"
        if obj.status == Article.Status.PUBLISHED:
            return f"Scheduled for {timezone.localtime(obj.published_at):%b %d, %Y %H:%M %Z}"
        return "Draft"

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        published, refused = [], []
        for article in queryset:
            article.status = Article.Status.PUBLISHED
            problem = workflow.review_problem_for(article)
            if problem:
                refused.append(f"“{article.title}”: {problem}")
                continue
            article.save()
            published.append(article.title)
        if published:
            self.message_user(request, f"Published {len(published)} article(s).", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Not published: {reason}", messages.ERROR)


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(EditorialAdmin):
    form = GlossaryTermForm
    restore_permission = "articles.restore_glossaryterm"
    rendered_field = "explanation_html"
    compare_fields = TERM_HISTORY
    list_display = ["term", "alias_list", "status", "pending_state", "review_status", "updated_at"]
    list_filter = ["status", ReviewFilter]
    search_fields = ["term", "aliases", "definition"]
    prepopulated_fields = {"slug": ["term"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "term",
                    "slug",
                    "take_over_address",
                    "aliases",
                    "definition",
                    "explanation",
                    "sources",
                    "base",
                ]
            },
        ),
        ("Publishing", {"fields": ["status"]}),
        ("Clinical review", {"fields": [*REVIEW_FIELDS, "reading_level"]}),
    ]

    @admin.display(description="Also called")
    def alias_list(self, obj):
        return ", ".join(obj.aliases)

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_visible else workflow.preview_url(obj)


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    """Readers' reports: Publishers read them, check the page and tick them off."""

    list_display = ["path", "short_message", "created_at", "handled"]
    list_filter = ["handled"]
    fields = ["path", "message", "created_at", "handled", "staff_note"]
    readonly_fields = ["path", "message", "created_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Report")
    def short_message(self, obj):
        return obj.message if len(obj.message) <= 80 else obj.message[:79] + "…"


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    verbose_name = "How patients see this person as a reviewer"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
