from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.importing import ContentError, import_directory


class Command(BaseCommand):
    help = "Import the guide's articles and glossary from content/ (all-or-nothing, safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=settings.CONTENT_DIR, help="Content folder (default: content/).")
        parser.add_argument("--force", action="store_true", help="Overwrite rows that staff edited since import.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report, write nothing.")

    def handle(self, *args, path, force, dry_run, **options):
        try:
            report = import_directory(path, force=force, dry_run=dry_run)
        except ContentError as error:
            raise CommandError(f"content not imported, nothing was written:\n{error}") from error
        for label in report.conflicts:
            self.stderr.write(
                self.style.WARNING(f"skipped {label}: edited in the admin since the last import (use --force)")
            )
        for label in report.unreviewed:
            self.stderr.write(
                self.style.WARNING(
                    f"{label}: the review in the file does not cover its words (no matching "
                    "review_seal), so patients see it as not yet reviewed"
                )
            )
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged, {len(report.conflicts)} skipped"
            )
        )
