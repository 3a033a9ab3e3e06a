from django.core.management.base import BaseCommand
from django.db import transaction

from articles import search_index
from articles.content_version import bump_content_version
from articles.models import Article, GlossaryTerm, rerender_all


class Command(BaseCommand):
    help = (
        "Re-render every article and glossary explanation and rebuild the search index: run after a "
        "deploy that changes the Markdown pipeline or the templates of stored HTML. Saves and imports "
        "only re-render what they change."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            rerender_all()
            passages = search_index.rebuild()
            transaction.on_commit(bump_content_version)  # cached pages show the new HTML
        self.stdout.write(
            f"Re-rendered {Article.objects.count()} articles and {GlossaryTerm.objects.count()} "
            f"glossary terms; indexed {passages} passages."
        )
