from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.importing import ContentError, export_directory


class Command(BaseCommand):
    help = "Write every article (drafts included) and glossary term to content/ format: a backup import_content can restore."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=settings.CONTENT_DIR, help="Target folder (default: content/).")
        parser.add_argument("--force", action="store_true", help="Replace the .md files already in the folder.")

    def handle(self, *args, path, force, **options):
        try:
            counts = export_directory(path, replace=force)
        except ContentError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{count} {folder}" for folder, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"exported {summary} to {path}"))
