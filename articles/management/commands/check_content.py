from django.core.management.base import BaseCommand

from articles import attention, linkcheck


class Command(BaseCommand):
    help = "Report what needs attention: reviews due, failing links, unsourced or unlinked terms, hard reading."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-network", action="store_true", help="skip fetching external links (use cached results)"
        )
        parser.add_argument(
            "--timeout", type=float, default=linkcheck.TIMEOUT_SECONDS, help="seconds to wait for each external address"
        )

    def handle(self, *args, no_network=False, timeout=linkcheck.TIMEOUT_SECONDS, **options):
        findings = attention.report(check_links=not no_network, timeout=timeout)
        for finding in findings:
            self.stdout.write(f"{finding.kind}: {finding.item}: {finding.detail}")
        if findings:
            self.stderr.write(self.style.ERROR(f"{len(findings)} thing(s) need attention."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Nothing needs attention."))
