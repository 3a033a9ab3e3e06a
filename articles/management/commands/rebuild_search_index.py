from django.core.management.base import BaseCommand

from articles import search_index


class Command(BaseCommand):
    help = "Rebuild the search index (article sections and glossary terms) from the stored pages."

    def handle(self, *args, **options):
        count = search_index.rebuild()
        self.stdout.write(f"Indexed {count} passages.")
