from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from .forms import GlossaryTermForm
from .models import Article, GlossaryTerm


@admin.register(Article)
class ArticleAdmin(MarkdownxModelAdmin):
    list_display = ["title", "order", "status", "published_at", "last_reviewed", "next_review_due"]
    list_filter = ["status"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        ("Publishing", {"fields": ["status", "published_at", "order"]}),
        ("Review", {"fields": ["last_reviewed", "next_review_due"]}),
    ]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(MarkdownxModelAdmin):
    form = GlossaryTermForm
    list_display = ["term", "slug", "updated_at"]
    search_fields = ["term", "aliases", "definition"]
    prepopulated_fields = {"slug": ["term"]}
